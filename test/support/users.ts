/** People and API tokens for tests: real rows and real tokens, as `helpdesk user add` / `token create` make them. */
import type { Sequelize } from 'sequelize';
import { createApiTokensRepo } from '../../db/api-tokens-repo.ts';

export type TestRole = 'requester' | 'agent' | 'process_owner' | 'auditor' | 'admin';

/** A user with this e-mail address and role (made if missing) and a fresh API token for them. */
export async function apiToken(sequelize: Sequelize, email: string, role: TestRole = 'agent', teamId: string | null = null): Promise<string> {
  await sequelize.query(
    `INSERT INTO teams (id, name, tier) VALUES ('service-desk', 'Service Desk', 'L1') ON CONFLICT (id) DO NOTHING`,
  );
  await sequelize.query(
    `INSERT INTO users (email, display_name, role, team_id) VALUES (:email, :email, :role, :teamId)
     ON CONFLICT (email) DO UPDATE SET role = EXCLUDED.role`,
    { replacements: { email, role, teamId } },
  );
  const made = await createApiTokensRepo(sequelize).create(email, 'test');
  return made!.token;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
