import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * Staff sign-in hardening (api/staff/, docs/staff-sign-in.md):
 *
 * - `staff_enrolment_codes`: the operator-issued, single-use code a staff member must enter before
 *   an authenticator can be set up for them (`helpdesk user add` for a staff role,
 *   `helpdesk user reset-second-factor`, `helpdesk user enrolment-code`). One live code per person
 *   (a new one replaces the old), kept as an argon2id hash with its expiry; the row is deleted
 *   when an enrolment with it completes.
 * - `staff_sso_links`: which account at which OpenID Connect issuer is a staff member's, bound on
 *   the first single sign-on and required from then on. The provider's `sub` is kept as its
 *   SHA-256 only (equality is all that is needed). One account per person and issuer, and an
 *   account is one person's.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE staff_enrolment_codes (
      id         bigserial PRIMARY KEY,
      user_id    bigint NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
      code_hash  text NOT NULL CHECK (code_hash LIKE '$argon2id$%'),
      issued_by  text NOT NULL,
      issued_at  timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      CHECK (expires_at > issued_at)
    );

    CREATE TABLE staff_sso_links (
      user_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      issuer         text NOT NULL,
      subject_sha256 text NOT NULL CHECK (subject_sha256 ~ '^[0-9a-f]{64}$'),
      linked_at      timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, issuer),
      UNIQUE (issuer, subject_sha256)
    );

    COMMENT ON TABLE staff_enrolment_codes IS 'Operator-issued, single-use codes that allow setting up a staff second factor; argon2id hashes only.';
    COMMENT ON TABLE staff_sso_links IS 'The OpenID Connect account (issuer, SHA-256 of sub) bound to a staff member at their first single sign-on.';
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP TABLE staff_sso_links;
    DROP TABLE staff_enrolment_codes;
  `);
};
