/**
 * A ticket's SLA clocks as they stand now: the workflow's recorded clock state,
 * with business time elapsed up to this instant computed in the policy's calendar.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { businessTimeBetween, type BusinessCalendar } from '../../rules/calendar.ts';
import { slaQuery } from '../../workflows/messages.ts';
import type { ClockState, Span } from '../../workflows/sla-state.ts';
import { workflowIdFor } from '../../workflows/types.ts';
import { NotFoundError, UnavailableError } from '../errors.ts';
import type { TicketDeps } from './deps.ts';

export interface ClockView {
  name: ClockState['name'];
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

export interface SlaView {
  number: string;
  policy: string | null;
  calendar: string | null;
  clocks: ClockView[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function viewClock(c: ClockState, calendar: BusinessCalendar, nowMs: number): ClockView {
  const until = c.stoppedAt ?? nowMs;
  const pauses: Span[] = c.pausedSince !== null ? [...c.pauses, { start: c.pausedSince, end: Math.max(until, c.pausedSince) }] : c.pauses;
  const elapsedMs = businessTimeBetween(calendar, c.startedAt, Math.max(until, c.startedAt), pauses);
  return {
    name: c.name,
    targetMs: c.targetMs,
    elapsedMs,
    remainingMs: c.targetMs - elapsedMs,
    deadlineAt: c.stoppedAt === null && c.pausedSince === null ? iso(c.deadlineAt) : null,
    startedAt: new Date(c.startedAt).toISOString(),
    stoppedAt: iso(c.stoppedAt),
    paused: c.pausedSince !== null,
    pausedMs: pauses.reduce((sum, p) => sum + (p.end - p.start), 0),
    warned: [...c.warned],
    breached: c.breachedAt !== null,
    breachedAt: iso(c.breachedAt),
  };
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
  const calendar = state.plan?.calendar as BusinessCalendar | undefined;
  return {
    number,
    policy: state.plan?.policyId ?? null,
    calendar: calendar?.id ?? null,
    clocks: calendar ? state.clocks.map((c) => viewClock(c, calendar, now)) : [],
  };
}
