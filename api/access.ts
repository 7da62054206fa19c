/**
 * What each role may read of a ticket: one decision, in one place. Every route that
 * answers with a ticket — `GET /api/v1/tickets/{number}`, the 201 of `POST /tickets`,
 * the answer of `POST …/actions/{action}`, `GET …/sla` — and the portal's ticket page
 * (api/portal/use-cases/follow.ts) shape it here.
 *
 * **Which tickets** (the API): staff (agent, process_owner, admin, auditor) read every
 * ticket; a requester reads the tickets filed for their address, and another ticket
 * answers 404 as if it did not exist. The portal adds its own proof of ownership for
 * signed-in accounts and secret follow links (`canSee` in follow.ts); what it then shows
 * is the requester's shape below.
 *
 * **What of it** — two shapes:
 * - staff see the whole record: every event with its actor and data (internal notes,
 *   the rules' decision and explanation, SLA warnings and escalations), the workflow id,
 *   priority, tier, team, assignee, rules version and who filed the ticket (`filedBy`);
 * - a requester sees the public side only, decided by a whitelist, so an event type or
 *   a field nobody has decided about stays hidden from requesters:
 *   - the ticket's number, title, description, own address, language, channel, impact,
 *     urgency, category, status, creation and last change, and the SLA promise (targets,
 *     due instants, answered, paused) without the policy's and calendar's ids;
 *   - the events in PUBLIC_TIMELINE, each with only the data fields listed there and a
 *     reason only where it is addressed to the requester (pending, resolved, reopened).
 *     Internal notes (`commented`, and any event marked `public: false`), the rules'
 *     decisions (`classified`, `reclassified`: rule names, matrix, versions, hashes), SLA
 *     warnings, breaches, escalations and priority changes are not there;
 *   - who acted as `requester`, `support` or `system`, never a staff member's address;
 *     no workflow id, priority, tier, team, assignee, rules version or filer.
 *   Event numbers (`seq`) are kept, so a gap tells that something internal happened, not what.
 *
 * **Personal data** (docs/access-log.md): every staff read of a ticket is recorded in the access
 * log before it is answered (services/privacy/access-log.ts); only admins export a person through
 * the API, and only admins and auditors read the access log (the functions at the end).
 */
import type { TicketRecord } from '../db/tickets-repo.ts';
import { isStaffRole, type Role } from '../db/users-repo.ts';
import type { TicketEvent, TicketSla } from '../workflows/types.ts';
import type { ClockView, SlaView } from '../services/tickets/sla-view.ts';
import type { TicketRow } from '../services/agent/queues.ts';
import { HttpError, NotFoundError } from './errors.ts';

/** Who reads: the role is all the shape depends on. */
export interface Reader {
  role: Role;
  email: string;
}

/** Roles that see the whole ticket. Anything else (today: requester) gets the public shape. */
export const isStaffReader = (reader: Pick<Reader, 'role'>): boolean => isStaffRole(reader.role);

/** Whether this API caller may read the ticket at all. */
export function mayRead(reader: Reader, ticket: { requesterEmail: string }): boolean {
  return isStaffReader(reader) || (reader.role === 'requester' && ticket.requesterEmail === reader.email);
}

/** A ticket the caller may not see is reported as not found, so its existence is not revealed. */
export function assertCanRead<T extends { requesterEmail: string }>(reader: Reader, ticket: T | undefined, number: string): asserts ticket is T {
  if (!ticket || !mayRead(reader, ticket)) throw new NotFoundError('errors.ticketNotFound', { number });
}

// ----- the requester's shape -----------------------------------------------------------------

/** Public events and, per type, the data fields and whether the reason is the requester's to read. */
export const PUBLIC_TIMELINE = {
  created: { data: ['channel', 'impact', 'urgency', 'category'], reason: false },
  responded: { data: ['message'], reason: false },
  requester_replied: { data: ['message'], reason: false },
  assigned: { data: ['from', 'to'], reason: false },
  started: { data: ['from', 'to'], reason: false },
  pending: { data: ['from', 'to'], reason: true },
  resumed: { data: ['from', 'to'], reason: false },
  resolved: { data: ['code', 'from', 'to', 'autoCloseAt'], reason: true },
  reopened: { data: ['from', 'to'], reason: true },
  closed: { data: ['automatic', 'confirmedByRequester'], reason: false },
  auto_closed: { data: [], reason: false },
  cancelled: { data: ['from'], reason: false },
  // Merged into another ticket as a duplicate (issue 13): which one, not why (the reason is the agents').
  merged: { data: ['into'], reason: false },
  rated: { data: ['score', 'comment'], reason: false },
} as const satisfies Record<string, { data: readonly string[]; reason: boolean }>;

export type PublicEventType = keyof typeof PUBLIC_TIMELINE;
export const PUBLIC_EVENTS = Object.keys(PUBLIC_TIMELINE) as PublicEventType[];

/** Who acted, as a requester is told: themselves, the support team, or the helpdesk itself. */
export type PublicActor = 'requester' | 'support' | 'system';

export interface PublicEvent {
  seq: number;
  type: PublicEventType;
  actor: PublicActor;
  reason: string | null;
  data: Record<string, unknown>;
  occurredAt: string;
}

/** The SLA promise as a requester reads it: targets, due instants, answered, paused — not the policy's and calendar's ids, nor breaches. */
export const PUBLIC_SLA_FIELDS = ['businessHours', 'responseTargetMs', 'resolutionTargetMs', 'responseDueAt', 'resolutionDueAt', 'responded', 'paused'] as const;

export type PublicSla = Pick<TicketSla, (typeof PUBLIC_SLA_FIELDS)[number]>;

export interface TicketPublic {
  number: string;
  title: string;
  description: string;
  requesterEmail: string;
  locale: string;
  channel: TicketRecord['channel'];
  impact: TicketRecord['impact'];
  urgency: TicketRecord['urgency'];
  category: string | null;
  status: TicketRecord['status'];
  sla: PublicSla | null;
  createdAt: string;
  updatedAt: string;
  timeline: PublicEvent[];
}

/** The whole record, with who filed it. */
export type TicketStaff = TicketRecord & { filedBy: string | null };

/** Actors that are the helpdesk itself rather than a person. */
const AUTOMATIC_ACTORS = new Set(['rules', 'sla', 'ladder', 'system']);

function publicActor(e: TicketEvent, requesterEmail: string): PublicActor {
  const actor = e.actor;
  // A reply from the requester's side (a colleague following by secret link, say) is never "support".
  if (actor === requesterEmail || e.type === 'requester_replied') return 'requester';
  if (AUTOMATIC_ACTORS.has(actor) || actor.startsWith('system')) return 'system';
  return 'support';
}

const isPublicType = (type: string): type is PublicEventType => Object.hasOwn(PUBLIC_TIMELINE, type);

function publicEvent(e: TicketEvent, requesterEmail: string): PublicEvent | undefined {
  if (!isPublicType(e.type) || e.data.public === false) return undefined;
  const rule = PUBLIC_TIMELINE[e.type];
  const data: Record<string, unknown> = {};
  for (const field of rule.data) if (Object.hasOwn(e.data, field)) data[field] = e.data[field];
  return { seq: e.seq, type: e.type, actor: publicActor(e, requesterEmail), reason: rule.reason ? e.reason : null, data, occurredAt: e.occurredAt };
}

function publicSla(sla: TicketSla | null): PublicSla | null {
  if (!sla) return null;
  return Object.fromEntries(PUBLIC_SLA_FIELDS.map((k) => [k, sla[k]])) as unknown as PublicSla;
}

/** The requester's shape of a ticket: the public side only (see the module comment). */
export function publicTicket(r: TicketRecord): TicketPublic {
  return {
    number: r.number, title: r.title, description: r.description, requesterEmail: r.requesterEmail, locale: r.locale,
    channel: r.channel, impact: r.impact, urgency: r.urgency, category: r.category, status: r.status,
    sla: publicSla(r.sla), createdAt: r.createdAt, updatedAt: r.updatedAt,
    timeline: r.timeline.flatMap((e) => publicEvent(e, r.requesterEmail) ?? []),
  };
}

export function staffTicket(r: TicketRecord): TicketStaff {
  return { ...r, filedBy: r.filedBy ?? null };
}

/** The ticket as this reader may see it. */
export function ticketFor(reader: Pick<Reader, 'role'>, record: TicketRecord): TicketPublic | TicketStaff {
  return isStaffReader(reader) ? staffTicket(record) : publicTicket(record);
}

// ----- the SLA clocks ------------------------------------------------------------------------

export type PublicClock = Pick<ClockView, 'name' | 'targetMs' | 'elapsedMs' | 'remainingMs' | 'deadlineAt' | 'startedAt' | 'stoppedAt' | 'paused'>;

export interface SlaPublic {
  number: string;
  clocks: PublicClock[];
}

/** The clocks as this reader may see them: a requester without the policy, calendar, warnings and breaches. */
export function slaFor(reader: Pick<Reader, 'role'>, view: SlaView): SlaView | SlaPublic {
  if (isStaffReader(reader)) return view;
  return {
    number: view.number,
    clocks: view.clocks.map(({ name, targetMs, elapsedMs, remainingMs, deadlineAt, startedAt, stoppedAt, paused }) => ({ name, targetMs, elapsedMs, remainingMs, deadlineAt, startedAt, stoppedAt, paused })),
  };
}

// ----- personal data: exports and the access log ---------------------------------------------

/** Only admins export everything held about a person through the API (with every internal note: the full shape). */
export function assertCanExportPeople(reader: Pick<Reader, 'role'>): void {
  if (reader.role !== 'admin') throw new HttpError(403, 'FORBIDDEN', 'errors.forbiddenRole', { role: reader.role });
}

/** Only admins erase a person (the same as `helpdesk privacy erase`; docs/privacy.md). */
export function assertCanErasePeople(reader: Pick<Reader, 'role'>): void {
  if (reader.role !== 'admin') throw new HttpError(403, 'FORBIDDEN', 'errors.forbiddenRole', { role: reader.role });
}

/** Process owners and admins administer the rules (drafts, publication, rollback); no one else (RULES_ADMINS on the pages). */
export function assertCanAdministerRules(reader: Pick<Reader, 'role'>): void {
  if (reader.role !== 'admin' && reader.role !== 'process_owner') throw new HttpError(403, 'FORBIDDEN', 'errors.forbiddenRole', { role: reader.role });
}

/**
 * Auditors and admins use the auditors' surface (timelines, replay checks, evidence, the audit
 * log): the API's routes (api/routes/audit.ts) check it here, the pages by AUDITORS (api/staff/types.ts).
 */
export function assertCanAudit(reader: Pick<Reader, 'role'>): void {
  if (reader.role !== 'admin' && reader.role !== 'auditor') throw new HttpError(403, 'FORBIDDEN', 'errors.forbiddenRole', { role: reader.role });
}

/** Admins and auditors read the access log; agents, process owners and requesters do not (a requester sees the entries about them in their own export). */
export function assertCanReadAccessLog(reader: Pick<Reader, 'role'>): void {
  if (reader.role !== 'admin' && reader.role !== 'auditor') throw new HttpError(403, 'FORBIDDEN', 'errors.forbiddenRole', { role: reader.role });
}

// ----- the queue listing ---------------------------------------------------------------------

/** A listed ticket as a requester reads it (GET /api/v1/tickets): no priority, tier, team, assignee, rules version or escalation; the public SLA. */
export interface TicketListItemPublic {
  number: string;
  title: string;
  status: TicketRow['status'];
  category: string | null;
  locale: string;
  sla: PublicSla | null;
  createdAt: string;
  updatedAt: string;
}

/** A listed ticket as this reader may see it: staff the whole queue row, a requester the public side (the same whitelist as publicTicket). */
export function listItemFor(reader: Pick<Reader, 'role'>, row: TicketRow): TicketRow | TicketListItemPublic {
  if (isStaffReader(reader)) return row;
  return { number: row.number, title: row.title, status: row.status, category: row.category, locale: row.locale, sla: publicSla(row.sla), createdAt: row.createdAt, updatedAt: row.updatedAt };
}
