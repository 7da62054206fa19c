/**
 * Agents' and requesters' actions on a ticket: whether one is allowed now (and if not, the
 * refusal's type and message key), and what it does. A change of priority needs the rules'
 * answer first: see classification.ts.
 */
import { ALLOWED_IN, SLA_ACTIVE, statusAfter } from '../lifecycle.ts';
import { deadlines, isRequester, notifyRoles, iso, noReplan, requesterActor, refusal, replanned, syncSla, type Recording, type Refusal, type Step, type TicketState } from '../ticket-state.ts';
import { RefusalType, ResolutionCode, TicketStatus, type RequesterReply, type TicketAction } from '../types.ts';
import { markFirstResponse, pauseClocks, reopenClocks, resumeClocks, stopClocks } from './clocks.ts';
import { moveTier, tierRefusal } from './escalation.ts';
import { dueMarks, fireMark } from './marks.ts';
import { mergeInto, mergeRefusal } from './merge.ts';

const PRIORITIES = ['P1', 'P2', 'P3', 'P4'];
const RESOLUTION_CODES: readonly string[] = Object.values(ResolutionCode);

/** Why the action cannot be done now (the first reason found), or null when it can. */
export function refusalFor(st: TicketState, a: TicketAction): Refusal | null {
  const t = st.ticket;
  if (!a || typeof a !== 'object' || typeof a.action !== 'string' || !Object.hasOwn(ALLOWED_IN, a.action)) return refusal('unknownAction', { action: (a as { action?: unknown } | null)?.action }, RefusalType.invalidArgument);
  if (typeof a.actor !== 'string' || a.actor.trim() === '') return refusal('actorRequired', {}, RefusalType.invalidArgument);
  if (!t.sla && a.action !== 'comment') return refusal('notClassified', { number: t.number });
  if (!ALLOWED_IN[a.action].includes(t.status)) return refusal('notAllowed', { action: a.action, status: t.status });
  const text = (v: unknown, field: string) => (typeof v !== 'string' || v.trim() === '' ? refusal('fieldRequired', { field }, RefusalType.invalidArgument) : null);
  switch (a.action) {
    case 'assign': return text(a.assignee, 'assignee');
    case 'respond': case 'comment': return text(a.message, 'message');
    case 'set_pending': case 'resume': case 'reopen': case 'cancel': return text(a.reason, 'reason');
    case 'escalate': case 'deescalate': return text(a.reason, 'reason') ?? tierRefusal(st, a);
    case 'resolve':
      return RESOLUTION_CODES.includes(a.code) ? null : refusal('badResolutionCode', { codes: RESOLUTION_CODES.join(', ') }, RefusalType.invalidArgument);
    case 'change_priority':
      return text(a.reason, 'reason')
        ?? (!PRIORITIES.includes(a.priority) ? refusal('badPriority', { priorities: PRIORITIES.join(', ') }, RefusalType.invalidArgument) : null)
        ?? (a.priority === t.priority ? refusal('samePriority', { priority: a.priority }) : null);
    case 'rate':
      if (!isRequester(st, a.actor)) return refusal('onlyRequesterRates', {});
      if (!Number.isInteger(a.score) || a.score < 1 || a.score > 5) return refusal('badScore', {}, RefusalType.invalidArgument);
      return st.rating ? refusal('alreadyRated', { score: st.rating.score }) : null;
    case 'merge': return mergeRefusal(st, a);
    default: return null;
  }
}

/**
 * Does an allowed action (refusalFor said null). `now` is the workflow's time. The returned step
 * says whether the clocks must be planned again before its event is recorded.
 */
export function applyAction(st: TicketState, a: Exclude<TicketAction, { action: 'change_priority' }>, now: number): Step {
  const t = st.ticket;
  const from = t.status;
  const to = statusAfter(a.action, from);
  switch (a.action) {
    case 'assign':
      t.assignee = a.assignee.trim().toLowerCase();
      if (a.team) t.teamId = a.team;
      t.status = to;
      return noReplan({ type: 'assigned', actor: a.actor, reason: null, data: { assignee: t.assignee, team: t.teamId, from, to }, notify: { kind: 'assigned', roles: ['assignee'], data: {} } });
    case 'start':
      t.assignee ??= a.actor.trim().toLowerCase();
      t.status = to;
      return noReplan({ type: 'started', actor: a.actor, reason: null, data: { assignee: t.assignee, from, to } });
    case 'respond': {
      const first = markFirstResponse(st, now);
      return { replan: first, event: () => ({ type: 'responded', actor: a.actor, reason: null, data: { message: a.message, public: true, firstResponse: first }, notify: { kind: 'agent_response', roles: ['requester'], data: { message: a.message } } }) };
    }
    case 'comment':
      return noReplan({ type: 'commented', actor: a.actor, reason: null, data: { message: a.message, public: false } });
    case 'set_pending': {
      // The reason is sent to the requester: if nobody has answered yet, that is the first response.
      const firstResponse = markFirstResponse(st, now);
      pauseClocks(st, now, a.reason);
      t.status = to;
      const clocksPaused = st.clocks.filter((c) => c.pausedSince !== null).map((c) => c.name);
      return replanned(() => ({ type: 'pending', actor: a.actor, reason: a.reason, data: { from, to, firstResponse, clocksPaused }, notify: { kind: 'pending', roles: ['requester'], data: { reason: a.reason } } }));
    }
    case 'resume':
      return resume(st, a.actor, a.reason, now);
    case 'resolve': {
      stopClocks(st, now);
      const autoCloseAt = now + (st.plan?.autoCloseAfterMs ?? 0);
      st.resolvedAt = now;
      st.autoCloseAt = autoCloseAt;
      t.status = to;
      return replanned(() => ({ type: 'resolved', actor: a.actor, reason: a.note ?? null, data: { code: a.code, from, to, autoCloseAt: iso(autoCloseAt) }, notify: { kind: 'resolved', roles: ['requester'], data: { code: a.code, note: a.note ?? null } } }));
    }
    case 'reopen':
      // The time spent resolved does not count: it becomes a pause of the resolution clock.
      reopenClocks(st, now);
      st.resolvedAt = null;
      st.autoCloseAt = null;
      st.rating = null;
      t.status = to;
      return replanned(() => ({ type: 'reopened', actor: a.actor, reason: a.reason, data: { from, to, resolutionDueAt: deadlines(st).resolutionDueAt }, notify: { kind: 'reopened', roles: notifyRoles(st), data: { reason: a.reason } } }));
    case 'close':
      closeTicket(st, now);
      return noReplan({ type: 'closed', actor: a.actor, reason: a.reason ?? null, data: { automatic: false, confirmedByRequester: isRequester(st, a.actor) } });
    case 'cancel':
      stopClocks(st, now);
      t.status = to;
      syncSla(st);
      return noReplan({ type: 'cancelled', actor: a.actor, reason: a.reason, data: { from } });
    case 'escalate':
    case 'deescalate':
      return moveTier(st, a);
    case 'rate':
      st.rating = { score: a.score, comment: a.comment ?? null };
      return noReplan({ type: 'rated', actor: a.actor, reason: null, data: { score: a.score, comment: a.comment ?? null } });
    case 'merge':
      return mergeInto(st, a, now);
  }
}

/** Back to work from pending (an agent, or the requester's reply): the clocks run on. */
export function resume(st: TicketState, actor: string, reason: string, now: number): Step {
  const from = st.ticket.status;
  resumeClocks(st, now);
  st.ticket.status = TicketStatus.in_progress;
  const to = st.ticket.status;
  return replanned(() => ({ type: 'resumed', actor, reason, data: { from, to, resolutionDueAt: deadlines(st).resolutionDueAt }, notify: { kind: 'resumed', roles: notifyRoles(st), data: { reason } } }));
}

/** The requester wrote back: a public comment (an empty one is ignored). A pending ticket then resumes. */
export function requesterReplied(st: TicketState, r: RequesterReply): Recording | null {
  if (typeof r?.message !== 'string' || r.message.trim() === '') return null;
  return { type: 'requester_replied', actor: r.author || requesterActor(st), reason: null, data: { message: r.message, public: true }, notify: { kind: 'requester_reply', roles: notifyRoles(st), data: { message: r.message } } };
}

function closeTicket(st: TicketState, now: number): void {
  stopClocks(st, now);
  st.autoCloseAt = null;
  st.ticket.status = TicketStatus.closed;
  syncSla(st);
}

/** A resolved ticket closes by itself once its quiet period has passed; null while it is not due. */
export function autoClose(st: TicketState, now: number): Recording | null {
  if (st.autoCloseAt === null || st.autoCloseAt > now || st.ticket.status !== TicketStatus.resolved) return null;
  closeTicket(st, now);
  return { type: 'closed', actor: 'system', reason: 'quiet period after resolution elapsed', data: { automatic: true } };
}

/**
 * What is due at `now`, in the order the workflow records it: each due warning, breach and
 * ladder step (while the ticket is still one the SLA applies to), then the auto-close. Lazy:
 * the caller records each event before the next mark is fired, so each event's snapshot is
 * the state right after it.
 */
export function* dueEvents(st: TicketState, now: number): Generator<Recording, void, void> {
  for (const m of dueMarks(st.clocks, st.marks, now)) {
    if (!SLA_ACTIVE.has(st.ticket.status)) break;
    const fired = fireMark(st, m, now);
    if (fired) yield fired;
  }
  const closed = autoClose(st, now);
  if (closed) yield closed;
}
