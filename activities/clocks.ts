/**
 * SLA clock planning: when, in the policy's business calendar, each warning,
 * breach and ladder step falls due. Pure and fast, so it runs as a local activity;
 * history records the instants, so a tzdata or library upgrade never changes a
 * recorded deadline.
 */
import { addBusinessTime, businessTimeBetween, type BusinessCalendar } from '../rules/calendar.ts';
import type { ClockPlan, ClockPlanInput } from '../workflows/activity-types.ts';
import type { ClockState, Span } from '../workflows/sla-state.ts';

function spans(c: ClockState, nowMs: number): Span[] {
  return c.pausedSince !== null ? [...c.pauses, { start: c.pausedSince, end: Math.max(nowMs, c.pausedSince) }] : c.pauses;
}

export function planClocks(input: ClockPlanInput): ClockPlan {
  const cal = input.calendar as BusinessCalendar;
  const clocks = input.clocks.map((c) => {
    const until = c.stoppedAt ?? input.nowMs;
    const elapsedMs = businessTimeBetween(cal, c.startedAt, Math.max(until, c.startedAt), spans(c, until));
    const running = c.stoppedAt === null && c.pausedSince === null;
    return { name: c.name, elapsedMs, deadlineAt: running ? addBusinessTime(cal, c.startedAt, c.targetMs, c.pauses) : null };
  });
  const marks = input.marks.map((m) => {
    const c = input.clocks.find((x) => x.name === m.clock);
    const running = c !== undefined && c.stoppedAt === null && c.pausedSince === null;
    return { id: m.id, at: running && !m.done ? addBusinessTime(cal, c.startedAt, m.atBusinessMs, c.pauses) : null };
  });
  return { clocks, marks };
}

export function createClockActivities() {
  return {
    async planClocks(input: ClockPlanInput): Promise<ClockPlan> {
      return planClocks(input);
    },
  };
}
