/**
 * Personal data sealed per person (issue 10): the people the helpdesk holds data about, their
 * data keys (wrapped by the master key; destroying one is erasure), each ticket's requester as a
 * pseudonym, and the plain-text search projection that erasure deletes. See docs/privacy.md.
 */
import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE persons (
      id           uuid PRIMARY KEY,
      email_bidx   text UNIQUE,
      email_sealed text,
      user_id      bigint UNIQUE REFERENCES users(id) ON DELETE SET NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      erased_at    timestamptz,
      CHECK (erased_at IS NULL OR (email_bidx IS NULL AND email_sealed IS NULL))
    );
    COMMENT ON TABLE persons IS 'Everyone the helpdesk holds personal data about, by pseudonym (id). No plain personal data: the address is a keyed blind index (HMAC) and a sealed value.';

    CREATE TABLE data_keys (
      id            uuid PRIMARY KEY,
      person_id     uuid NOT NULL REFERENCES persons(id),
      scope         text NOT NULL CHECK (scope = 'person' OR scope ~ '^ticket:[A-Z]{1,8}-[0-9]{4}-[0-9]{6,}$'),
      master_key_id text,
      wrapped       bytea,
      created_at    timestamptz NOT NULL DEFAULT now(),
      destroyed_at  timestamptz,
      destroyed_by  text CHECK (destroyed_by IN ('erasure', 'retention')),
      UNIQUE (person_id, scope),
      CHECK ((wrapped IS NULL) = (destroyed_at IS NOT NULL))
    );
    COMMENT ON TABLE data_keys IS 'A person''s data keys (AES-256-GCM), wrapped by the master key: one for their own identity, one per ticket they reported. A destroyed key (wrapped NULL) is erasure: what it sealed can no longer be read anywhere, Temporal histories and backups included.';

    ALTER TABLE tickets ADD COLUMN requester_ref uuid;
    CREATE INDEX tickets_requester_ref_idx ON tickets (requester_ref, created_at DESC);
    ALTER TABLE tickets ADD COLUMN personal_data_erased_at timestamptz;

    -- The one plain-text copy of a ticket's words, for full-text search; erasure and retention delete it.
    CREATE TABLE ticket_search (
      ticket_number text PRIMARY KEY REFERENCES tickets(number) ON DELETE CASCADE,
      ts_config     regconfig NOT NULL,
      body          text NOT NULL,
      tsv           tsvector GENERATED ALWAYS AS (to_tsvector(ts_config, body)) STORED
    );
    CREATE INDEX ticket_search_tsv_idx ON ticket_search USING gin (tsv);
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP TABLE ticket_search;
    ALTER TABLE tickets DROP COLUMN personal_data_erased_at;
    DROP INDEX tickets_requester_ref_idx; ALTER TABLE tickets DROP COLUMN requester_ref;
    DROP TABLE data_keys; DROP TABLE persons;
  `);
};
