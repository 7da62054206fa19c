import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * The audit log: one append-only record of every administrative and privacy action (tokens
 * issued or revoked, a user created or their role or team changed; rules publications, erasures,
 * exports and key rotations use the same shape). Entries are numbered 1, 2, 3… without gaps
 * (allocated as max + 1 under an advisory lock, see db/audit-repo.ts) and each carries the hash of
 * the one before it, so a changed or missing entry breaks the chain. A trigger refuses every
 * UPDATE, DELETE and TRUNCATE, so not even hand-written SQL can rewrite the record.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE audit_log (
      seq          bigint PRIMARY KEY CHECK (seq >= 1),
      occurred_at  timestamptz NOT NULL,
      actor        text NOT NULL CHECK (btrim(actor) <> ''),
      action       text NOT NULL CHECK (action ~ '^[a-z_]+(\\.[a-z_]+)+$'),
      subject      text NOT NULL CHECK (btrim(subject) <> ''),
      details      jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(details) = 'object'),
      prev_hash    text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
      hash         text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$')
    );
    CREATE INDEX audit_log_subject_idx ON audit_log (subject);

    COMMENT ON TABLE audit_log IS 'Administrative and privacy actions, append-only and hash-chained (db/audit-repo.ts).';
    COMMENT ON COLUMN audit_log.actor IS 'Who acted: cli:<os user>, user:<id>, system:<part>. Never a secret.';
    COMMENT ON COLUMN audit_log.subject IS 'What was acted on, by id (user:<id>, token:<id>, rules:<version>); no personal data.';
    COMMENT ON COLUMN audit_log.prev_hash IS 'The hash of entry seq - 1 (64 zeros for entry 1).';
    COMMENT ON COLUMN audit_log.hash IS 'sha256 (hex) of the RFC 8785 canonical JSON of {seq, occurredAt, actor, action, subject, details, prevHash}.';

    CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'audit_log is append-only: the audit log cannot be truncated'
          USING ERRCODE = 'restrict_violation';
      END IF;
      RAISE EXCEPTION 'audit_log is append-only: entry % cannot be %d; record a new entry instead',
        OLD.seq, lower(TG_OP)
        USING ERRCODE = 'restrict_violation';
    END
    $$;

    CREATE TRIGGER audit_log_immutable_rows
      BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
    CREATE TRIGGER audit_log_immutable_table
      BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP TABLE audit_log;
    DROP FUNCTION audit_log_refuse_change();
  `);
};
