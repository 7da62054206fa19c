/**
 * A ticket's SLA clocks rebuilt from its recorded events, to measure them against other targets:
 * when each clock started, was paused and stopped is what happened to the ticket and stays; the
 * target and the calendar are the rules' and change with them. The model is the workflow's own
 * (workflows/sla-state.ts): both clocks start at creation; the first public word to the requester
 * (a response, or the reason for pending: `firstResponse`) stops the response clock; pending
 * pauses the running clocks and resuming ends the pause; resolving, closing and cancelling stop
 * them, as merging into another ticket does; a reopen turns the time spent resolved into a pause of the resolution clock, which runs on.
 * The transitions are those of workflows/transitions/clocks.ts, over the event record instead of
 * the workflow state; test/rules-admin-clock-replay.test.ts holds the two side by side.
 *
 * Deadlines and breaches are the SLA clocks' business-time arithmetic (rules/calendar.ts's
 * addBusinessTime, as activities/clocks.ts plans them): the deadline is the instant the clock's
 * business time, less its pauses, reaches the target; a clock breached when it was still running
 * at its deadline.
 */
import { addBusinessTime, type BusinessCalendar } from '../../rules/calendar.ts';
import { endPause, isRunning, newClock, pauseSpans, type ClockName, type ClockState } from '../../workflows/sla-state.ts';

/** What the clocks read of an event: its type, instant and whether it was the first public word. */
export interface ClockEventLike {
  type: string;
  atMs: number;
  firstResponse: boolean;
}

export interface ClockHistory {
  response: ClockState;
  resolution: ClockState;
  /** A priority change or a re-classification after the classification changed the ticket's targets then. */
  retargetedLater: boolean;
}

/** How a clock fares with a target in a calendar, as of an instant. */
export interface ClockOutcome {
  /** The deadline in force (ISO 8601); null while the clock is paused at `asOf` (as the SLA view shows it). */
  deadlineAt: string | null;
  /** It was still running at its deadline. */
  breached: boolean;
  /** Still running (or paused) at `asOf`, not breached yet: it may still be. */
  open: boolean;
}

function stop(c: ClockState, at: number): void {
  if (c.stoppedAt !== null) return;
  endPause(c, at);
  c.stoppedAt = at;
}

/** Both clocks of a ticket created at `createdMs`, after its events (in order). Targets are left 0: they are the rules'. */
export function replayClocks(createdMs: number, events: readonly ClockEventLike[]): ClockHistory {
  const response = newClock('response', 0, createdMs);
  const resolution = newClock('resolution', 0, createdMs);
  const clocks = [response, resolution];
  let resolvedAt: number | null = null;
  let retargetedLater = false;
  for (const e of events) {
    const at = e.atMs;
    switch (e.type) {
      case 'responded':
        if (e.firstResponse) stop(response, at);
        break;
      case 'pending':
        if (e.firstResponse) stop(response, at);
        for (const c of clocks) {
          if (isRunning(c)) c.pausedSince = at;
        }
        break;
      case 'resumed':
        for (const c of clocks) endPause(c, at);
        break;
      case 'resolved':
        for (const c of clocks) stop(c, at);
        resolvedAt = at;
        break;
      case 'reopened':
        if (resolvedAt !== null) {
          resolution.pauses.push({ start: resolvedAt, end: at });
          resolution.stoppedAt = null;
        }
        resolvedAt = null;
        break;
      case 'closed':
      case 'cancelled':
      case 'merged':
        for (const c of clocks) stop(c, at);
        break;
      case 'priority_changed':
      case 'reclassified':
        retargetedLater = true;
        break;
      default:
        break;
    }
  }
  return { response, resolution, retargetedLater };
}

/**
 * The clock measured against `targetMs` in `calendar` as of `asOfMs`: its deadline (the clock's
 * start plus the target in business time, its pauses not counted) and whether it breached —
 * stopped after its deadline, or still running at or after it at `asOfMs`.
 */
export function clockOutcome(clock: ClockState, targetMs: number, calendar: BusinessCalendar, asOfMs: number): ClockOutcome {
  const deadline = addBusinessTime(calendar, clock.startedAt, targetMs, pauseSpans(clock, asOfMs));
  const breached = clock.stoppedAt !== null ? deadline < clock.stoppedAt : deadline <= asOfMs;
  return {
    deadlineAt: clock.pausedSince !== null && clock.stoppedAt === null ? null : new Date(deadline).toISOString(),
    breached,
    open: clock.stoppedAt === null && !breached,
  };
}

export type { ClockName };
