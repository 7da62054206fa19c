/**
 * What the ticket's changes do to its SLA clocks: pause, resume, stop, the first response,
 * a reopen, new targets, and taking in a plan. Plain functions over the ticket state; the
 * business time itself is computed by the `planClocks` activity in the policy's calendar.
 */
import type { ClockPlan, ClockPlanInput } from '../activity-types.ts';
import { endPause, isRunning, type ClockState } from '../sla-state.ts';
import { clockOf, syncSla, type TicketState } from '../ticket-state.ts';
import { marksFor } from './marks.ts';

/** Pauses every running clock (pending): nothing counts or fires until they resume. */
export function pauseClocks(st: TicketState, now: number, reason: string): void {
  for (const c of st.clocks) {
    if (isRunning(c)) {
      c.pausedSince = now;
      c.pauseReason = reason;
    }
  }
}

/** Resumes paused clocks: each pause becomes a closed span, so the deadline moves later by it. */
export function resumeClocks(st: TicketState, now: number): void {
  for (const c of st.clocks) endPause(c, now);
}

/** Stops a clock for good (a pause under way ends with it); a stopped clock stays as it stopped. */
export function stopClock(c: ClockState | undefined, now: number): void {
  if (!c || c.stoppedAt !== null) return;
  // Its reason goes with the pause (before, a stopped clock kept it). Nothing reads pauseReason
  // but the sla query's raw answer, and no recorded history stops a paused clock.
  endPause(c, now);
  c.stoppedAt = now;
}

export function stopClocks(st: TicketState, now: number): void {
  for (const c of st.clocks) stopClock(c, now);
}

/** Stops the response clock at the first public word to the requester; true if this was it. */
export function markFirstResponse(st: TicketState, now: number): boolean {
  const response = clockOf(st, 'response');
  if (!response || response.stoppedAt !== null) return false;
  stopClock(response, now);
  st.respondedAt = now;
  return true;
}

/**
 * A reopen: the time spent resolved does not count, it becomes a pause of the resolution clock,
 * which runs on from where it stopped. The response clock stays stopped.
 */
export function reopenClocks(st: TicketState, now: number): void {
  const resolution = clockOf(st, 'resolution');
  if (resolution && st.resolvedAt !== null) {
    resolution.pauses.push({ start: st.resolvedAt, end: now });
    resolution.stoppedAt = null;
  }
}

/** New targets for the clocks: elapsed and paused time carry over (start and pauses are kept); marks done stay done. */
export function retarget(st: TicketState, responseMs: number, resolutionMs: number): void {
  const plan = st.plan!;
  const previous = st.marks;
  st.marks = [];
  for (const c of st.clocks) {
    c.targetMs = c.name === 'response' ? responseMs : resolutionMs;
    st.marks.push(...marksFor(c, plan, previous));
  }
}

/** What the `planClocks` activity is asked: the calendar, the clocks and their marks, now. */
export function planRequest(st: TicketState, now: number): ClockPlanInput {
  return { calendar: st.plan!.calendar, clocks: st.clocks, marks: st.marks, nowMs: now };
}

/** Takes in the activity's plan: each clock's elapsed business time and deadline, each mark's instant. */
export function adoptClockPlan(st: TicketState, plan: ClockPlan, now: number): void {
  for (const c of plan.clocks) {
    const target = clockOf(st, c.name);
    if (!target) continue;
    target.elapsedMs = c.elapsedMs;
    target.deadlineAt = c.deadlineAt;
    target.plannedAt = now;
  }
  for (const m of plan.marks) {
    const mark = st.marks.find((x) => x.id === m.id);
    if (mark) mark.at = m.at;
  }
  syncSla(st);
}
