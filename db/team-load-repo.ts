/**
 * A team's load for its lead (agent-ui/team/): who leads (users.team_lead, migration 0025), the
 * teams, each assignee's open tickets of the team by priority with how many are at risk and
 * breached, and the team's agents' pseudonyms (tickets name their assignee by pseudonym; tickets
 * from before sealing by address). Counts only: no title, no address leaves here.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import { AT_RISK_SQL, OPEN_SQL } from './ticket-list-repo.ts';

export interface LoadRow {
  /** As the read model stores it: a pseudonym, an address (tickets from before sealing), or null (unassigned). */
  assignee: string | null;
  priority: string | null;
  open: number;
  atRisk: number;
  breached: number;
}

export function createTeamLoadRepo(sequelize: Sequelize) {
  return {
    async isLead(userId: number): Promise<boolean> {
      const [row] = await sequelize.query<{ lead: boolean }>(`SELECT team_lead AS lead FROM users WHERE id = :userId AND deactivated_at IS NULL`, { replacements: { userId }, type: QueryTypes.SELECT });
      return Boolean(row?.lead);
    },

    async teams(): Promise<Array<{ id: string; name: string; tier: string | null }>> {
      return sequelize.query(`SELECT id, name, tier FROM teams ORDER BY tier NULLS LAST, id`, { type: QueryTypes.SELECT });
    },

    /** The pseudonym of each active agent of the team, by user id. */
    async agentRefs(teamId: string): Promise<Map<number, string | null>> {
      const rows = await sequelize.query<{ id: string; ref: string | null }>(
        `SELECT id::text AS id, person_id::text AS ref FROM users WHERE team_id = :teamId AND role = 'agent' AND deactivated_at IS NULL`,
        { replacements: { teamId }, type: QueryTypes.SELECT },
      );
      return new Map(rows.map((r) => [Number(r.id), r.ref]));
    },

    /** The team's open tickets counted by assignee and priority. */
    async load(teamId: string): Promise<LoadRow[]> {
      const rows = await sequelize.query<{ assignee: string | null; priority: string | null; open: string; at_risk: string; breached: string }>(
        `SELECT t.assignee, t.priority, count(*)::text AS open,
                count(*) FILTER (WHERE ${AT_RISK_SQL})::text AS at_risk,
                count(*) FILTER (WHERE t.breached)::text AS breached
           FROM tickets t WHERE t.team_id = :teamId AND ${OPEN_SQL}
          GROUP BY t.assignee, t.priority`,
        { replacements: { teamId }, type: QueryTypes.SELECT },
      );
      return rows.map((r) => ({ assignee: r.assignee, priority: r.priority, open: Number(r.open), atRisk: Number(r.at_risk), breached: Number(r.breached) }));
    },
  };
}

export type TeamLoadRepo = ReturnType<typeof createTeamLoadRepo>;
