/**
 * Everything the agent's ticket page reads, in one story: the ticket as the staff page reads it
 * (api/agent/read-ticket.ts: checked number, opened ticket, attachments, live clocks, and the read
 * recorded in the access log before anything is shown), then what the forms offer — the active
 * agents of the teams of the ticket's tier (assign), the tiers of its rules version (escalate,
 * de-escalate). A dependency out of reach is a 503 (UnavailableError), as on the staff page.
 */
import type { TicketRecord } from '../../db/tickets-repo.ts';
import type { UserRecord } from '../../db/users-repo.ts';
import type { StaffDeps } from '../../api/staff/types.ts';
import { readTicketAsStaff, type StaffRead } from '../../api/agent/read-ticket.ts';
import { NotFoundError, UnavailableError } from '../../api/errors.ts';
import { ticketNumberOf } from '../../api/agent/read-ticket.ts';
import type { Tier } from '../../rules/types.ts';

export interface Colleague {
  email: string;
  name: string;
  teamId: string | null;
}

export interface TicketPageData extends StaffRead {
  /** Active agents of the teams of the ticket's tier (its rules version's), by name. */
  colleagues: Colleague[];
  /** The tiers of the ticket's rules version, lowest first; empty before classification. */
  tiers: Tier[];
}

async function tiersOf(deps: Pick<StaffDeps, 'rules'>, t: TicketRecord): Promise<Tier[]> {
  if (t.rulesVersion === null) return [];
  return (await deps.rules.compiled(t.rulesVersion)).file.tiers;
}

/** Whom the ticket may be given to: the active agents of its tier's teams (any tier's while it has none). */
async function colleaguesOf(deps: Pick<StaffDeps, 'users'>, t: TicketRecord, tiers: Tier[]): Promise<Colleague[]> {
  const teams = new Set(tiers.find((x) => x.id === t.tier)?.teams ?? []);
  const agents = await deps.users.listStaff({ role: 'agent', active: true });
  return agents
    .filter((a) => teams.size === 0 || (a.teamId !== null && teams.has(a.teamId)))
    .map((a) => ({ email: a.email, name: a.displayName, teamId: a.teamId }));
}

/** The ticket's page data; the read recorded unless `recorded` says it was just recorded with a reason. */
export async function readTicketPage(deps: StaffDeps, me: UserRecord, rawNumber: unknown): Promise<TicketPageData> {
  const read = await readTicketAsStaff(deps, me, rawNumber);
  const [tiers, colleagues] = await (async () => {
    const tiers = await tiersOf(deps, read.ticket);
    return [tiers, await colleaguesOf(deps, read.ticket, tiers)] as const;
  })().catch((err: unknown) => {
    throw new UnavailableError(err);
  });
  return { ...read, tiers, colleagues };
}

/** The ticket an action is sent to (its rules version checks the action's arguments); no read is recorded: the page the action redirects to is. */
export async function ticketForAction(deps: Pick<StaffDeps, 'tickets'>, rawNumber: unknown): Promise<TicketRecord> {
  const number = ticketNumberOf(rawNumber);
  const ticket = await deps.tickets.get(number).catch((err: unknown) => {
    throw new UnavailableError(err);
  });
  if (!ticket) throw new NotFoundError('staff:errors.ticketNotFound', { number });
  return ticket;
}
