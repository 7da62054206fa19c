import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * Drafts of the next rules version (admin-ui/, services/rules-admin/). Unlike published versions a
 * draft is edited: its text may be invalid (a half-finished edit is kept, never lost) and it
 * records the version it was based on, so a publication can tell whether another version was
 * published since (409 with a three-way diff). `revision` counts saves: a save or publication
 * sent from a page that read an older revision is refused, so two tabs cannot overwrite each other.
 *
 * The version columns name rules_versions rows without a foreign key: a reference would make
 * PostgreSQL refuse a TRUNCATE of rules_versions with its own message before the append-only
 * trigger's, and versions are never deleted anyway (the service checks the base exists).
 *
 * A draft in shadow mode (`status` = 'shadow') classifies every new ticket silently beside the
 * active version; `shadow_decisions` keeps both outcomes, never acted on (docs/admin-ui.md).
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE rules_drafts (
      id                bigserial PRIMARY KEY,
      title             text NOT NULL CHECK (btrim(title) <> '' AND length(title) <= 200),
      base_version      integer NOT NULL CHECK (base_version >= 1),
      source            text NOT NULL,
      revision          integer NOT NULL DEFAULT 1 CHECK (revision >= 1),
      status            text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'shadow', 'published', 'dropped')),
      published_version integer CHECK (published_version >= 1),
      created_by        bigint REFERENCES users(id),
      updated_by        bigint REFERENCES users(id),
      created_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
      updated_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
      shadow_since      timestamptz,
      CHECK ((status = 'published') = (published_version IS NOT NULL))
    );
    CREATE INDEX rules_drafts_status_idx ON rules_drafts (status, updated_at DESC);
    COMMENT ON TABLE rules_drafts IS 'Drafts of the next rules version; edited, unlike rules_versions (services/rules-admin/drafts.ts).';
    COMMENT ON COLUMN rules_drafts.source IS 'The draft''s JSON text exactly as last saved; it may be invalid.';
    COMMENT ON COLUMN rules_drafts.revision IS 'Incremented by every save: a write from an older revision is refused (409).';

    CREATE TABLE shadow_decisions (
      draft_id       bigint NOT NULL REFERENCES rules_drafts(id) ON DELETE CASCADE,
      ticket_number  text NOT NULL,
      decided_at     timestamptz NOT NULL,
      active_version integer NOT NULL,
      active         jsonb NOT NULL,
      shadow         jsonb NOT NULL,
      differs        text[] NOT NULL DEFAULT '{}',
      PRIMARY KEY (draft_id, ticket_number, decided_at)
    );
    CREATE INDEX shadow_decisions_differs_idx ON shadow_decisions (draft_id, decided_at DESC) WHERE cardinality(differs) > 0;
    COMMENT ON TABLE shadow_decisions IS 'A shadow draft''s silent decision beside the active version''s, per new ticket; never acted on.';
    COMMENT ON COLUMN shadow_decisions.differs IS 'The outcome fields that differ (priority, team, tier, policy, …); empty when they agree.';
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`DROP TABLE shadow_decisions; DROP TABLE rules_drafts;`);
};
