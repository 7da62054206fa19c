/**
 * Which action is allowed in which state, and where it leads. Pure data: the
 * workflow's Update validators and the documentation read the same table.
 */
import { TicketStatus as S, type TicketActionName, type TicketStatus } from './types.ts';

export const OPEN: readonly TicketStatus[] = [S.new, S.assigned, S.in_progress, S.pending, S.reopened];

export const ALLOWED_IN: Readonly<Record<TicketActionName, readonly TicketStatus[]>> = {
  assign: OPEN,
  start: [S.new, S.assigned, S.reopened],
  respond: OPEN,
  // Not on a cancelled ticket: its workflow has finished. A closed one takes comments while it
  // can still be rated (one more quiet period).
  comment: [...OPEN, S.resolved, S.closed],
  set_pending: [S.assigned, S.in_progress, S.reopened],
  resume: [S.pending],
  resolve: OPEN,
  reopen: [S.resolved],
  close: [S.resolved],
  cancel: OPEN,
  escalate: OPEN,
  deescalate: OPEN,
  change_priority: OPEN,
  rate: [S.resolved, S.closed],
  merge: OPEN,
};

/** The status an allowed action leads to from `current`. */
export function statusAfter(action: TicketActionName, current: TicketStatus): TicketStatus {
  switch (action) {
    case 'assign': return current === S.new ? S.assigned : current;
    case 'start': return S.in_progress;
    case 'set_pending': return S.pending;
    case 'resume': return S.in_progress;
    case 'resolve': return S.resolved;
    case 'reopen': return S.reopened;
    case 'close': return S.closed;
    case 'cancel': return S.cancelled;
    case 'merge': return S.merged;
    default: return current;
  }
}

/** States in which SLA clocks may run and warnings, breaches or ladder steps may fire. */
export const SLA_ACTIVE: ReadonlySet<TicketStatus> = new Set([S.new, S.assigned, S.in_progress, S.reopened]);

/** States after which the workflow does no more lifecycle work. */
export const FINAL: ReadonlySet<TicketStatus> = new Set([S.closed, S.cancelled, S.merged]);
