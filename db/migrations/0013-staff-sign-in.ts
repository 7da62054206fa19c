import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * Staff sign-in's second factor (api/staff/, docs/staff-sign-in.md):
 *
 * - `staff_second_factors`: one row per staff member who has set up a TOTP authenticator. The
 *   secret is sealed (AES-256-GCM under a key derived from the service key ring, see
 *   api/staff/sealed-secret.ts), so a copy of the database alone does not yield it.
 *   `totp_last_step` is the 30-second step of the last code accepted: a code of that step or an
 *   earlier one is refused, so an overheard code cannot be used again.
 * - `staff_recovery_codes`: ten one-time codes a staff member gets at enrolment, kept as argon2id
 *   hashes; `used_at` set when one is spent.
 *
 * Resetting (`helpdesk user reset-second-factor`) deletes the row; the codes go with it.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE staff_second_factors (
      user_id            bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      totp_secret_sealed text NOT NULL CHECK (totp_secret_sealed ~ '^v1:[A-Za-z0-9._-]{1,64}:[A-Za-z0-9_-]+$'),
      totp_last_step     bigint NOT NULL CHECK (totp_last_step >= 0),
      enrolled_at        timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE staff_recovery_codes (
      user_id   bigint NOT NULL REFERENCES staff_second_factors (user_id) ON DELETE CASCADE,
      n         smallint NOT NULL CHECK (n BETWEEN 1 AND 10),
      code_hash text NOT NULL CHECK (code_hash LIKE '$argon2id$%'),
      used_at   timestamptz,
      PRIMARY KEY (user_id, n)
    );

    COMMENT ON TABLE staff_second_factors IS 'Staff TOTP authenticators (api/staff/). The secret is sealed with a key derived from the service key ring.';
    COMMENT ON COLUMN staff_second_factors.totp_last_step IS 'floor(unix seconds / 30) of the last accepted code; codes of this step or earlier are refused (no replay).';
    COMMENT ON TABLE staff_recovery_codes IS 'One-time recovery codes, argon2id hashes only; used_at marks a spent one.';
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP TABLE staff_recovery_codes;
    DROP TABLE staff_second_factors;
  `);
};
