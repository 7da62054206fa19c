import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * Immutable rules versions. Versions are numbered 1, 2, 3… without gaps (allocated as max + 1 under
 * an advisory lock, see db/rules-repo.ts). The active version is the highest one: there is no flag
 * to flip, so "which version is active" is itself part of the append-only history. The view
 * `rules_active_version` names it. A trigger refuses every UPDATE, DELETE and TRUNCATE, so not even
 * hand-written SQL can change or erase a published version; a rollback is a new version.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE rules_versions (
      version          integer PRIMARY KEY CHECK (version >= 1),
      hash             text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
      content          jsonb NOT NULL,
      source           text NOT NULL,
      author           text NOT NULL CHECK (btrim(author) <> ''),
      comment          text NOT NULL CHECK (btrim(comment) <> ''),
      published_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
      rolled_back_from integer REFERENCES rules_versions(version) CHECK (rolled_back_from < version)
    );
    CREATE INDEX rules_versions_hash_idx ON rules_versions (hash);

    COMMENT ON TABLE rules_versions IS 'Published rules files, append-only. The active version is the highest version (view rules_active_version).';
    COMMENT ON COLUMN rules_versions.hash IS 'sha256 (hex) of the canonical JSON of content (rules/hash.ts hashRules).';
    COMMENT ON COLUMN rules_versions.source IS 'The exact text that was published.';
    COMMENT ON COLUMN rules_versions.rolled_back_from IS 'Set on a rollback: the older version whose content this version republishes.';

    CREATE VIEW rules_active_version AS
      SELECT * FROM rules_versions ORDER BY version DESC LIMIT 1;

    CREATE FUNCTION rules_versions_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'rules_versions is append-only: published rules versions cannot be truncated'
          USING ERRCODE = 'restrict_violation';
      END IF;
      RAISE EXCEPTION 'rules_versions is append-only: version % cannot be %d; publish a new version (or roll back) instead',
        OLD.version, lower(TG_OP)
        USING ERRCODE = 'restrict_violation';
    END
    $$;

    CREATE TRIGGER rules_versions_immutable_rows
      BEFORE UPDATE OR DELETE ON rules_versions
      FOR EACH ROW EXECUTE FUNCTION rules_versions_refuse_change();
    CREATE TRIGGER rules_versions_immutable_table
      BEFORE TRUNCATE ON rules_versions
      FOR EACH STATEMENT EXECUTE FUNCTION rules_versions_refuse_change();
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP VIEW rules_active_version;
    DROP TABLE rules_versions;
    DROP FUNCTION rules_versions_refuse_change();
  `);
};
