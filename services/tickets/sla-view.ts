/**
 * A ticket's SLA clocks as they stand now: the workflow's recorded clock state (its `sla`
 * query's SlaRecord), with business time elapsed up to this instant computed in the policy's
 * calendar. The readers' view types (ClockView, SlaView) are this service's.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { elapsedBusinessMs } from '../../activities/clocks.ts';
import type { BusinessCalendar } from '../../rules/calendar-types.ts';
import { slaQuery } from '../../workflows/messages.ts';
import { deadlineOf, pausedMs, standing, type ClockName, type ClockState } from '../../workflows/sla-state.ts';
import { workflowIdFor } from '../../workflows/types.ts';
import { NotFoundError, UnavailableError } from '../errors.ts';
import type { TicketDeps } from './deps.ts';

/** One clock as readers see it at an instant (GET /api/v1/tickets/{number}/sla). */
export interface ClockView {
  name: ClockName;
  targetMs: number;
  elapsedMs: number;
  remainingMs: number;
  deadlineAt: string | null;
  startedAt: string;
  stoppedAt: string | null;
  paused: boolean;
  pausedMs: number;
  warned: number[];
  breached: boolean;
  breachedAt: string | null;
}

/** A ticket's SLA as readers see it: its policy, its calendar and each clock. */
export interface SlaView {
  number: string;
  policy: string | null;
  calendar: string | null;
  clocks: ClockView[];
  /**
   * Merged into another ticket (issue 13): which one and when (ISO 8601). Its clocks stopped then
   * and stay frozen there: neither met nor breached from then on. Null for every other ticket.
   */
  merged: { into: string; at: string } | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The view of one clock at `nowMs`, given its business time elapsed up to then. */
export function clockView(c: ClockState, elapsedMs: number, nowMs: number): ClockView {
  const { remainingMs, paused, breached } = standing(c, elapsedMs);
  return {
    name: c.name,
    targetMs: c.targetMs,
    elapsedMs,
    remainingMs,
    deadlineAt: iso(deadlineOf(c)),
    startedAt: new Date(c.startedAt).toISOString(),
    stoppedAt: iso(c.stoppedAt),
    paused,
    pausedMs: pausedMs(c, nowMs),
    warned: [...c.warned],
    breached,
    breachedAt: iso(c.breachedAt),
  };
}

/** One clock as it stands at `nowMs`, its business time elapsed up to then counted in the policy's calendar. */
export function viewClock(c: ClockState, calendar: BusinessCalendar, nowMs: number): ClockView {
  return clockView(c, elapsedBusinessMs(calendar, c, nowMs), nowMs);
}

export async function ticketSla(deps: Pick<TicketDeps, 'temporal' | 'clock'>, number: string): Promise<SlaView> {
  let state;
  try {
    state = await deps.temporal.workflow.getHandle(workflowIdFor(number)).query(slaQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new NotFoundError('errors.ticketNotFound', { number });
    throw new UnavailableError(err);
  }
  const now = deps.clock?.() ?? Date.now();
  const calendar = state.plan?.calendar;
  return {
    number,
    policy: state.plan?.policyId ?? null,
    calendar: calendar?.id ?? null,
    clocks: calendar ? state.clocks.map((c) => viewClock(c, calendar, now)) : [],
    merged: state.merged ? { into: state.merged.into, at: new Date(state.merged.at).toISOString() } : null,
  };
}
