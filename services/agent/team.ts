/**
 * A team lead's view of the team (agent-ui/team/, /agent/team): each active agent of the team with
 * their open tickets of the team by priority and how many are at risk or breached, and the team's
 * unassigned tickets counted the same way. Who may see it: an agent with users.team_lead (their own
 * team) or an admin (any team they choose). Reassigning goes through the ticket's own assign action.
 */
import type { TeamLoadRepo } from '../../db/team-load-repo.ts';
import type { UsersRepo } from '../../db/users-repo.ts';
import { UnavailableError } from '../errors.ts';

export interface MemberLoad {
  userId: number;
  displayName: string;
  email: string;
  open: number;
  atRisk: number;
  breached: number;
  /** Open tickets by priority ('' for none yet), in priority order. */
  byPriority: Array<{ priority: string; count: number }>;
}

export interface TeamLoad {
  members: MemberLoad[];
  unassigned: { open: number; atRisk: number; breached: number };
}

export interface TeamView {
  /** The team whose lead this user is (their own team), or null when they lead none. */
  ledTeam(user: { id: number; role: string; teamId: string | null }): Promise<string | null>;
  teams(): Promise<Array<{ id: string; name: string; tier: string | null }>>;
  load(teamId: string): Promise<TeamLoad>;
}

async function db<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new UnavailableError(err);
  }
}

export function createTeamView(deps: { repo: TeamLoadRepo; users: Pick<UsersRepo, 'listStaff'> }): TeamView {
  return {
    async ledTeam(user) {
      if (user.role !== 'agent' || !user.teamId) return null;
      return (await db(() => deps.repo.isLead(user.id))) ? user.teamId : null;
    },
    teams: () => db(() => deps.repo.teams()),
    async load(teamId) {
      const [staff, refs, rows] = await db(() => Promise.all([deps.users.listStaff({ role: 'agent', teamId, active: true }), deps.repo.agentRefs(teamId), deps.repo.load(teamId)]));
      const members: MemberLoad[] = staff.map((s) => ({ userId: s.id, displayName: s.displayName, email: s.email, open: 0, atRisk: 0, breached: 0, byPriority: [] }));
      const byStored = new Map<string, MemberLoad>();
      for (const m of members) {
        const ref = refs.get(m.userId);
        if (ref) byStored.set(ref, m);
        byStored.set(m.email.toLowerCase(), m);
      }
      const unassigned = { open: 0, atRisk: 0, breached: 0 };
      for (const r of rows) {
        const holder = r.assignee === null ? undefined : byStored.get(r.assignee.toLowerCase()) ?? byStored.get(r.assignee);
        const into = r.assignee === null ? unassigned : holder;
        if (!into) continue;
        into.open += r.open;
        into.atRisk += r.atRisk;
        into.breached += r.breached;
        if (holder) holder.byPriority.push({ priority: r.priority ?? '', count: r.open });
      }
      for (const m of members) m.byPriority.sort((a, b) => (a.priority || '~').localeCompare(b.priority || '~'));
      return { members, unassigned };
    },
  };
}
