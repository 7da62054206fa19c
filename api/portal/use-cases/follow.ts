/**
 * Following a ticket: who may see it (its requester signed in to an account whose
 * ownership is proven, or a browser that presented the ticket's secret link), what
 * the requester sees of it (the requester's shape from api/access.ts, the same the
 * REST API gives a requester), and the requester's actions —
 * reply, confirm, reopen, rate — each through the ticket's workflow.
 */
import type { TFunction } from 'i18next';
import type { PortalRepo } from '../../../db/portal-repo.ts';
import { TICKET_NUMBER_PATTERN, type TicketRecord, type TicketsRepo } from '../../../db/tickets-repo.ts';
import type { UserRecord } from '../../../db/users-repo.ts';
import { FINAL } from '../../../workflows/lifecycle.ts';
import type { TicketSnapshot } from '../../../workflows/types.ts';
import { publicTicket, type PublicEvent, type TicketPublic } from '../../access.ts';
import { NotFoundError, UnavailableError, ValidationError } from '../../errors.ts';
import { performTicketAction, sendRequesterReply, type ActionDeps } from '../../../services/tickets/index.ts';
import { formatBytes, formatDateTime, slaPromise } from '../format.ts';
import { FormChecks, text, type FormBody } from '../forms.ts';
import type { Viewer } from '../types.ts';
import type { Vault } from '../../../db/vault.ts';
import { listAttachments, openRating, saveRating, type OpenedAttachmentMeta, type OpenedRating } from './portal-data.ts';
import { tokenHash } from './report.ts';

export interface FollowDeps extends ActionDeps {
  tickets: TicketsRepo;
  portal: PortalRepo;
  /** Opens the portal's sealed attachments and ratings, and seals a new rating's comment. */
  vault: Vault;
}

/** Events a requester sees (decided in api/access.ts); each has a `timeline.<type>` text. */
export { PUBLIC_EVENTS } from '../../access.ts';

/**
 * Whether this viewer may see the ticket: a browser that presented its secret link,
 * or a signed-in requester whose ownership of it is proven. A sign-up does not prove
 * that the address is the person's (it is not verified by mail yet), so an account
 * sees the tickets of its address only when the address is verified (demo users,
 * accounts an operator made); otherwise only the tickets it reported itself while
 * signed in (ticket_submitters).
 */
export async function canSee(deps: { portal: PortalRepo }, viewer: Viewer, ticket: { number: string; requesterEmail: string }): Promise<boolean> {
  if (viewer.followed.includes(ticket.number)) return true;
  const user = viewer.user;
  if (!user || user.email !== ticket.requesterEmail) return false;
  if (user.emailVerified) return true;
  return (await deps.portal.submitter(ticket.number)) === user.id;
}

/** "My tickets" of a signed-in requester, newest first, by the same rule as canSee. */
export function ticketsOf(deps: { tickets: TicketsRepo }, user: UserRecord, limit = 200): Promise<TicketSnapshot[]> {
  return deps.tickets.list({ requesterEmail: user.email, ...(user.emailVerified ? {} : { submittedBy: user.id }), limit });
}

/**
 * The ticket if this viewer may see it. Someone else's ticket answers exactly like a
 * ticket that does not exist (404), so numbers cannot be probed.
 */
export async function openTicket(deps: { tickets: TicketsRepo; portal: PortalRepo }, viewer: Viewer, number: string): Promise<TicketRecord> {
  if (!TICKET_NUMBER_PATTERN.test(number)) throw new NotFoundError('portal:errors.ticketNotFound', { number });
  const visible = await (async () => {
    const ticket = await deps.tickets.get(number);
    return ticket && (await canSee(deps, viewer, ticket)) ? ticket : undefined;
  })().catch((err: unknown) => {
    throw new UnavailableError(err);
  });
  if (!visible) throw new NotFoundError('portal:errors.ticketNotFound', { number });
  return visible;
}

/** Checks a number and secret code; returns the number to remember in the session. */
export async function followByCode(deps: { portal: PortalRepo }, number: string, code: string): Promise<string> {
  const checks = new FormChecks().required('number', number, 40).required('code', code, 100);
  checks.done();
  const normalised = number.trim().toUpperCase();
  const owner = await deps.portal.tokenTicket(tokenHash(code.trim()));
  if (owner !== normalised) throw new ValidationError([{ field: 'code', key: 'badFollow' }]);
  return normalised;
}

export interface TimelineItem {
  seq: number;
  text: string;
  who: string;
  when: string;
  iso: string;
  message?: string;
  mine: boolean;
}

export interface TicketView {
  /** The requester's shape: nothing internal reaches the page. */
  ticket: TicketPublic;
  statusText: string;
  promise: string;
  created: string;
  updated: string;
  timeline: TimelineItem[];
  attachments: Array<OpenedAttachmentMeta & { size: string }>;
  rating: OpenedRating | undefined;
  canReply: boolean;
  canConfirm: boolean;
  canReopen: boolean;
  canRate: boolean;
}

/**
 * `mergedElsewhere`: the ticket was merged into one another person reported (a colleague's, of the
 * same organisation): the requester is told so, as they cannot open it.
 */
export function timelineItem(e: PublicEvent, viewer: Viewer, tp: TFunction, opts: { mergedElsewhere?: boolean } = {}): TimelineItem {
  const mine = e.actor === 'requester';
  const who = mine ? tp('timeline.you') : e.actor === 'system' ? tp('timeline.system') : tp('timeline.support');
  // Responses and replies carry their text in data.message; a resolution its note, a reopening or a wait its reason.
  const message = typeof e.data.message === 'string' ? e.data.message : (e.reason ?? undefined);
  const score = typeof e.data.score === 'number' ? e.data.score : undefined;
  // A merge names the ticket the work goes on in ("merged it into ticket HD-…").
  const into = typeof e.data.into === 'string' ? e.data.into : undefined;
  return {
    seq: e.seq, mine, who,
    text: tp(`timeline.${e.type === 'merged' && opts.mergedElsewhere ? 'merged_elsewhere' : e.type}`, { score, into }),
    when: formatDateTime(e.occurredAt, viewer.language, viewer.timeZone),
    iso: e.occurredAt,
    ...(message ? { message } : {}),
  };
}

export async function ticketView(deps: FollowDeps, viewer: Viewer, record: TicketRecord, tp: TFunction): Promise<TicketView> {
  const ticket = publicTicket(record);
  const [attachments, rating] = await Promise.all([listAttachments(deps, ticket.number), openRating(deps, ticket.number)]);
  const open = !FINAL.has(ticket.status);
  const rated = rating !== undefined || ticket.timeline.some((e) => e.type === 'rated');
  const mergedElsewhere = await mergedIntoAnother(deps, record);
  return {
    ticket,
    statusText: tp(`status.${ticket.status}`),
    // The promise is worded from the same public SLA fields (targets, answered, paused, business hours).
    promise: slaPromise(record, tp),
    created: formatDateTime(ticket.createdAt, viewer.language, viewer.timeZone),
    updated: formatDateTime(ticket.updatedAt, viewer.language, viewer.timeZone),
    timeline: ticket.timeline.map((e) => timelineItem(e, viewer, tp, { mergedElsewhere })),
    attachments: attachments.map((a) => ({ ...a, size: formatBytes(a.sizeBytes, viewer.language) })),
    rating,
    canReply: open && ticket.status !== 'resolved',
    canConfirm: ticket.status === 'resolved',
    canReopen: ticket.status === 'resolved',
    canRate: ['resolved', 'closed'].includes(ticket.status) && !rated,
  };
}

/** Whether the ticket was merged into one with another requester (by pseudonym, or by address before sealing). */
async function mergedIntoAnother(deps: Pick<FollowDeps, 'tickets'>, record: TicketRecord): Promise<boolean> {
  const into = record.sla?.merged?.into;
  if (!into) return false;
  const target = await deps.tickets.get(into);
  if (!target) return false;
  if (record.requester || target.requester) return record.requester !== target.requester;
  return record.requesterEmail.toLowerCase() !== target.requesterEmail.toLowerCase();
}

const actorOf = (viewer: Viewer, ticket: TicketRecord) => viewer.user?.email ?? ticket.requesterEmail;

/** Waits briefly for the workflow to project an event, so the page after a redirect shows it. */
async function projected(deps: FollowDeps, number: string, after: number): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const t = await deps.tickets.get(number);
    if (t && t.lastEventSeq > after) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function reply(deps: FollowDeps, viewer: Viewer, ticket: TicketRecord, body: FormBody): Promise<void> {
  const message = text(body, 'message').trim();
  new FormChecks().required('message', message, 20_000).done();
  await sendRequesterReply(deps, ticket.number, { author: actorOf(viewer, ticket), message });
  await projected(deps, ticket.number, ticket.lastEventSeq);
}

export async function confirmResolution(deps: FollowDeps, viewer: Viewer, ticket: TicketRecord): Promise<void> {
  await performTicketAction(deps, ticket.number, { action: 'close', actor: actorOf(viewer, ticket), reason: 'confirmed by the requester' });
}

export async function reopen(deps: FollowDeps, viewer: Viewer, ticket: TicketRecord, body: FormBody): Promise<void> {
  const reason = text(body, 'reason').trim();
  new FormChecks().required('reason', reason, 2000).done();
  await performTicketAction(deps, ticket.number, { action: 'reopen', actor: actorOf(viewer, ticket), reason });
}

export async function rate(deps: FollowDeps, viewer: Viewer, ticket: TicketRecord, body: FormBody): Promise<void> {
  const score = Number(text(body, 'score'));
  const comment = text(body, 'comment').trim();
  const checks = new FormChecks();
  if (!Number.isInteger(score) || score < 1 || score > 5) checks.add('score', 'score');
  if (comment.length > 2000) checks.add('comment', 'tooLong', { max: 2000 });
  checks.done();
  const actor = actorOf(viewer, ticket);
  await performTicketAction(deps, ticket.number, { action: 'rate', actor, score, ...(comment ? { comment } : {}) });
  await saveRating(deps, ticket, { score, comment: comment || null, ratedBy: actor });
}
