/**
 * SLA clock planning: when, in the policy's business calendar, each warning,
 * breach and ladder step falls due. Pure and fast, so it runs as a local activity;
 * history records the instants, so a tzdata or library upgrade never changes a
 * recorded deadline. The clock model (running, pauses, what is counted) is
 * workflows/sla-state.ts; this adds the calendar's arithmetic.
 */
import { addBusinessTime, businessTimeBetween, type BusinessCalendar } from '../rules/calendar.ts';
import type { ClockPlan, ClockPlanInput } from '../workflows/activity-types.ts';
import { countedSpan, isRunning, type ClockState } from '../workflows/sla-state.ts';

/** The clock's elapsed time as of `nowMs`: the business time from its start to its stop (or now), less its pauses. */
export function elapsedBusinessMs(calendar: BusinessCalendar, c: ClockState, nowMs: number): number {
  const { from, to, paused } = countedSpan(c, nowMs);
  return businessTimeBetween(calendar, from, to, paused);
}

/** The instant a running clock's business time reaches `businessMs`; null while it is paused or stopped. */
function instantAt(calendar: BusinessCalendar, c: ClockState | undefined, businessMs: number): number | null {
  return c !== undefined && isRunning(c) ? addBusinessTime(calendar, c.startedAt, businessMs, c.pauses) : null;
}

export function planClocks(input: ClockPlanInput): ClockPlan {
  const { calendar, nowMs } = input;
  const clocks = input.clocks.map((c) => ({ name: c.name, elapsedMs: elapsedBusinessMs(calendar, c, nowMs), deadlineAt: instantAt(calendar, c, c.targetMs) }));
  const marks = input.marks.map((m) => ({ id: m.id, at: m.done ? null : instantAt(calendar, input.clocks.find((x) => x.name === m.clock), m.atBusinessMs) }));
  return { clocks, marks };
}

export function createClockActivities() {
  return {
    async planClocks(input: ClockPlanInput): Promise<ClockPlan> {
      return planClocks(input);
    },
  };
}
