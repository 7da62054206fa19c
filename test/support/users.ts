/** People and API tokens for tests: real rows and real tokens, as `helpdesk user add` / `token create` make them. */
import type { Sequelize } from 'sequelize';
import { createRepositories, type Repositories } from '../../runtime/compose.ts';
import { parseRing } from '../../runtime/key-ring.ts';

export type TestRole = 'requester' | 'agent' | 'process_owner' | 'auditor' | 'admin';

type AccountRepos = Pick<Repositories, 'users' | 'apiTokens'> & { sequelize: Sequelize };

/**
 * A user with this e-mail address and role (made if missing, named by their address; an existing
 * one gets the role) and a fresh API token for them.
 */
export async function apiToken(db: AccountRepos, email: string, role: TestRole = 'agent', teamId: string | null = null): Promise<string> {
  await db.sequelize.query(
    `INSERT INTO teams (id, name, tier) VALUES ('service-desk', 'Service Desk', 'L1') ON CONFLICT (id) DO NOTHING`,
  );
  const known = await db.users.findByEmail(email);
  if (!known) await db.users.upsert({ email, displayName: email, role, teamId, locale: 'en' });
  else if (known.role !== role) await db.users.upsert({ email, displayName: known.displayName, role, teamId: known.teamId, locale: known.locale });
  const made = await db.apiTokens.create(email, 'test');
  return made!.token;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The product's repositories over a connection of a test's own, with the run's master key (test/support/env.ts sets it). */
export function repositoriesOn(sequelize: Sequelize): Repositories {
  return createRepositories(sequelize, () => parseRing(process.env.HELPDESK_MASTER_KEY!, 'HELPDESK_MASTER_KEY', 'master key'));
}
