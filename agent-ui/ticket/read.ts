/**
 * Everything the agent's ticket page reads, in one story: the ticket as the staff page reads it
 * (api/agent/read-ticket.ts: checked number, opened ticket, attachments, live clocks, and the read
 * recorded in the access log before anything is shown), then what the forms offer — the active
 * agents of the teams of the ticket's tier (assign), the tiers of its rules version (escalate,
 * de-escalate). The live part (readLivePart) reads only what it shows. A dependency out of reach is
 * a 503 (UnavailableError), as on the staff page.
 */
import type { TicketRecord } from '../../db/tickets-repo.ts';
import type { UserRecord } from '../../db/users-repo.ts';
import type { StaffDeps } from '../../api/staff/types.ts';
import { readTicketAsStaff, ticketNumberOf, type StaffRead } from '../../api/agent/read-ticket.ts';
import { NotFoundError, UnavailableError } from '../../api/errors.ts';
import type { Tier } from '../../rules/types.ts';
import { recordTicketRead, staffViewer } from '../../services/privacy/access-log.ts';
import { allowedForms } from './actions.ts';
import { mergedOf, type MergedSource } from './merge.ts';

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

export async function tiersOf(deps: Pick<StaffDeps, 'rules'>, t: TicketRecord): Promise<Tier[]> {
  if (t.rulesVersion === null) return [];
  return (await deps.rules.compiled(t.rulesVersion)).file.tiers;
}

/** Whom the ticket may be given to: the active agents of its tier's teams (any tier's while it has none). */
export async function colleaguesOf(deps: Pick<StaffDeps, 'users'>, t: TicketRecord, tiers: Tier[]): Promise<Colleague[]> {
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

/** What the live part (live-part.ts) reads: the ticket, its merged sources, its tiers, and its colleagues when the assign form is offered. */
export interface LivePartData {
  ticket: TicketRecord;
  tiers: Tier[];
  colleagues: Colleague[];
  merged: MergedSource[];
}

/**
 * The live part's data alone (GET /agent/tickets/:number/live): no attachments, no workflow clocks
 * (the part shows neither), the list of agents only when the assign form is offered; the ticket's
 * read recorded as the page records it, then its merged sources' (their messages are shown).
 */
export async function readLivePart(deps: StaffDeps, me: UserRecord, rawNumber: unknown): Promise<LivePartData> {
  const ticket = await ticketForAction(deps, rawNumber);
  const [tiers, colleagues] = await (async () => {
    const tiers = await tiersOf(deps, ticket);
    return [tiers, allowedForms(ticket, me.email).includes('assign') ? await colleaguesOf(deps, ticket, tiers) : []] as const;
  })().catch((err: unknown) => {
    throw new UnavailableError(err);
  });
  // Last before the answer, as on the page: an entry that cannot be written leaves the part unshown (503).
  await recordTicketRead(deps.personalData, staffViewer(me), ticket, { channel: 'web', reason: null });
  return { ticket, tiers, colleagues, merged: await mergedOf(deps, me, ticket, { attachments: false }) };
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
