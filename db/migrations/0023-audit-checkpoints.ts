import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * Signed checkpoints of the audit log (issue 12, "The audit log, proven"; docs/audit-proof.md).
 * Each row says "entry `seq` of the audit log had hash `hash`", signed with the Ed25519 key
 * kept outside the database (runtime/audit-signing-key.ts). Someone who can rewrite the audit log
 * and recompute its whole chain still cannot make a checkpoint agree without the private key.
 * Ids are 1, 2, 3… without gaps (allocated as max + 1 under an advisory lock, see
 * db/audit-checkpoints-repo.ts), so a removed checkpoint shows. Append-only like audit_log: a
 * trigger refuses every UPDATE, DELETE and TRUNCATE.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE audit_checkpoints (
      id          bigint PRIMARY KEY CHECK (id >= 1),
      seq         bigint NOT NULL CHECK (seq >= 1),
      hash        text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
      signed_at   timestamptz NOT NULL,
      key_id      text NOT NULL CHECK (key_id ~ '^[0-9a-f]{64}$'),
      public_key  text NOT NULL CHECK (public_key LIKE '-----BEGIN PUBLIC KEY-----%'),
      signature   text NOT NULL CHECK (signature ~ '^[A-Za-z0-9+/]+={0,2}$'),
      reason      text NOT NULL CHECK (reason IN ('periodic', 'export', 'manual'))
    );
    CREATE INDEX audit_checkpoints_seq_idx ON audit_checkpoints (seq);

    COMMENT ON TABLE audit_checkpoints IS 'Signed checkpoints of the audit log, append-only (db/audit-checkpoints-repo.ts, services/audit/checkpoints.ts).';
    COMMENT ON COLUMN audit_checkpoints.seq IS 'The last audit_log entry the checkpoint covers.';
    COMMENT ON COLUMN audit_checkpoints.hash IS 'That entry''s hash when the checkpoint was signed.';
    COMMENT ON COLUMN audit_checkpoints.key_id IS 'sha256 (hex) of the signing key''s public key (SPKI DER).';
    COMMENT ON COLUMN audit_checkpoints.public_key IS 'The public key (SPKI PEM) the signature verifies with.';
    COMMENT ON COLUMN audit_checkpoints.signature IS 'Ed25519 signature (base64) of the RFC 8785 canonical JSON of {seq, hash, signedAt, keyId}.';

    CREATE FUNCTION audit_checkpoints_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION 'audit_checkpoints is append-only: the checkpoints cannot be truncated'
          USING ERRCODE = 'restrict_violation';
      END IF;
      RAISE EXCEPTION 'audit_checkpoints is append-only: checkpoint % cannot be %d; write a new checkpoint instead',
        OLD.id, lower(TG_OP)
        USING ERRCODE = 'restrict_violation';
    END
    $$;

    CREATE TRIGGER audit_checkpoints_immutable_rows
      BEFORE UPDATE OR DELETE ON audit_checkpoints
      FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_refuse_change();
    CREATE TRIGGER audit_checkpoints_immutable_table
      BEFORE TRUNCATE ON audit_checkpoints
      FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_refuse_change();
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP TABLE audit_checkpoints;
    DROP FUNCTION audit_checkpoints_refuse_change();
  `);
};
