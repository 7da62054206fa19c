/** People and teams as the rules see them: accounts found by the keyed blind index of an address. Plain records only. */
import { QueryTypes, type Sequelize } from 'sequelize';
import { normaliseEmail } from './account-sealing.ts';
import type { Vault } from './vault.ts';

export interface RequesterFacts {
  email: string;
  vip: boolean;
  serviceLevel?: string;
  organisation?: string;
  department?: string;
}

/** An agent as actions see them: whom a ticket may be assigned to. */
export interface AgentFacts {
  email: string;
  teamId: string | null;
}

export function createDirectoryRepo(sequelize: Sequelize, vault: Pick<Vault, 'blindIndex'>) {
  return {
    /**
     * The active agent with this address, or undefined. Active means the user's role is
     * `agent` today and the account is not deactivated (migration 0020): an agent who leaves
     * support is deactivated or given another role, and can no longer be assigned.
     */
    async activeAgent(email: string): Promise<AgentFacts | undefined> {
      const rows = await sequelize.query<{ team_id: string | null }>(
        `SELECT team_id FROM users WHERE email_bidx = :bidx AND role = 'agent' AND deactivated_at IS NULL`,
        { replacements: { bidx: await vault.blindIndex(email) }, type: QueryTypes.SELECT },
      );
      const r = rows[0];
      return r && { email: normaliseEmail(email), teamId: r.team_id };
    },

    /** What the rules may know about a requester; an unknown address is an ordinary, non-VIP requester. */
    async requesterFacts(email: string): Promise<RequesterFacts> {
      const rows = await sequelize.query<{ vip: boolean; service_level: string | null; organisation: string | null; department: string | null }>(
        `SELECT vip, service_level, organisation, department FROM users WHERE email_bidx = :bidx`,
        { replacements: { bidx: await vault.blindIndex(email) }, type: QueryTypes.SELECT },
      );
      const r = rows[0];
      return {
        email,
        vip: r?.vip ?? false,
        ...(r?.service_level ? { serviceLevel: r.service_level } : {}),
        ...(r?.organisation ? { organisation: r.organisation } : {}),
        ...(r?.department ? { department: r.department } : {}),
      };
    },
  };
}

export type DirectoryRepo = ReturnType<typeof createDirectoryRepo>;
