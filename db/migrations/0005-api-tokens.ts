import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/** Bearer tokens for the REST API: only a SHA-256 of each token is kept. */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE api_tokens (
      id           bigserial PRIMARY KEY,
      user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      name         text NOT NULL,
      token_hash   text NOT NULL UNIQUE,
      created_at   timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz,
      revoked_at   timestamptz
    );
    CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`DROP TABLE api_tokens;`);
};
