/**
 * Abuse limits that hold across web processes, and a sign-up that proves the address.
 *
 * - `portal_rate_limits`: rate-limiter-flexible's RateLimiterPostgres table (its own schema:
 *   key, points, expire in epoch milliseconds), created here so no web process needs DDL
 *   rights (the limiters run with `tableCreated: true`). Keys are HMACs, never an address.
 * - `pending_sign_ups`: a sign-up waiting for its address to be proven by the link we mail
 *   (only a SHA-256 of the link's token is kept).
 * - `account_mail_outbox`: mail about accounts (the sign-up link; "someone tried to sign up
 *   with your address"), rendered in the recipient's language, for the mailer to deliver.
 * See docs/portal.md.
 */
import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE portal_rate_limits (
      key    varchar(255) PRIMARY KEY,
      points integer NOT NULL DEFAULT 0,
      expire bigint
    );
    CREATE INDEX portal_rate_limits_expire_idx ON portal_rate_limits (expire);

    CREATE TABLE pending_sign_ups (
      id            bigserial PRIMARY KEY,
      token_hash    text NOT NULL UNIQUE,
      email         text NOT NULL,
      display_name  text NOT NULL,
      locale        text NOT NULL,
      time_zone     text NOT NULL,
      password_hash text NOT NULL,
      created_at    timestamptz NOT NULL DEFAULT now(),
      expires_at    timestamptz NOT NULL,
      used_at       timestamptz
    );
    CREATE INDEX pending_sign_ups_email_idx ON pending_sign_ups (email);

    CREATE TABLE account_mail_outbox (
      id           bigserial PRIMARY KEY,
      recipient    text NOT NULL,
      language     text NOT NULL,
      kind         text NOT NULL CHECK (kind IN ('sign_up_link', 'sign_up_existing')),
      payload      jsonb NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      delivered_at timestamptz
    );
    CREATE INDEX account_mail_outbox_pending_idx ON account_mail_outbox (created_at) WHERE delivered_at IS NULL;
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP TABLE account_mail_outbox;
    DROP TABLE pending_sign_ups;
    DROP TABLE portal_rate_limits;
  `);
};
