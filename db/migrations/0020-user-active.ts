import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * Deactivated accounts (issue 11, item 9; docs/people.md): a staff member who leaves is
 * deactivated, not deleted, so their name stays on what they did and their account can be
 * reactivated. `deactivated_at` is set while the account is deactivated; such an account signs in
 * nowhere — the portal, the staff sign-in, single sign-on, the API tokens, the codec endpoint —
 * and is no active agent to assign tickets to. Who deactivated it and when is in the audit log
 * (`user.deactivated`, `user.reactivated`).
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    ALTER TABLE users ADD COLUMN deactivated_at timestamptz;
    COMMENT ON COLUMN users.deactivated_at IS 'Set while the account is deactivated: it cannot sign in or use an API token (docs/people.md).';
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`ALTER TABLE users DROP COLUMN deactivated_at`);
};
