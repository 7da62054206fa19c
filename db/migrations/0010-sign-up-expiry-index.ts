/**
 * Every sign-up sweeps the pending sign-ups whose link expired a week ago
 * (db/sign-up-repo.ts). Without an index that is a sequential scan over a table anyone can
 * grow, slower the more sign-ups wait; by this index it reads only the rows it deletes.
 */
import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`CREATE INDEX IF NOT EXISTS pending_sign_ups_expires_at_idx ON pending_sign_ups (expires_at)`);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`DROP INDEX IF EXISTS pending_sign_ups_expires_at_idx`);
};
