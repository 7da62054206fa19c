/**
 * The one SLA clock model, shared by the workflow, the activities and the ticket service:
 * clocks as plain data, and what follows from that data alone (is it running, its pauses up
 * to now, the stretch its elapsed time is counted over, its deadline in force, and the `sla`
 * query's answer, SlaRecord; the readers' view is services/tickets/sla-view.ts). Business-time
 * arithmetic is not here: activities/clocks.ts computes it in the policy's calendar
 * (rules/calendar.ts) and the workflow stores its answers. Pure and dependency-free; the
 * calendar's types are imported as types only.
 */
import type { BusinessCalendar, Span } from '../rules/calendar-types.ts';

export type { Span };

export type ClockName = 'response' | 'resolution';

/** Something due when a clock's business time reaches `atBusinessMs`: a warning, the breach, or a ladder step. */
export interface Mark {
  id: string;
  clock: ClockName;
  kind: 'warning' | 'breach' | 'ladder';
  atBusinessMs: number;
  /** The instant it is due, from the last plan; null while the clock is paused or stopped. */
  at: number | null;
  fraction?: number;
  stepId?: string;
  done: boolean;
}

export interface ClockState {
  name: ClockName;
  targetMs: number;
  startedAt: number;
  /** Closed pauses (pending, or resolved before a reopen). */
  pauses: Span[];
  pausedSince: number | null;
  pauseReason: string | null;
  /** When the clock stopped (first public response; resolved). */
  stoppedAt: number | null;
  /** The breach instant from the last plan (null while paused or stopped). */
  deadlineAt: number | null;
  /** Business time elapsed when last planned, and when that was. */
  elapsedMs: number;
  plannedAt: number;
  warned: number[];
  breachedAt: number | null;
}

export interface LadderStepPlan {
  id: string;
  clock: ClockName;
  afterMs: number;
  fraction?: number;
  moveTo?: { tier: string; team?: string };
  notify: string[];
}

export interface SlaPlan {
  policyId: string;
  serviceLevel: string;
  calendar: BusinessCalendar;
  warnAt: number[];
  ladderId: string | null;
  ladder: LadderStepPlan[];
  autoCloseAfterMs: number;
}

export function newClock(name: ClockName, targetMs: number, startedAt: number): ClockState {
  return { name, targetMs, startedAt, pauses: [], pausedSince: null, pauseReason: null, stoppedAt: null, deadlineAt: null, elapsedMs: 0, plannedAt: startedAt, warned: [], breachedAt: null };
}

/** Counting now: neither stopped nor paused. Only a running clock has a deadline in force and fires marks. */
export function isRunning(c: ClockState): boolean {
  return c.stoppedAt === null && c.pausedSince === null;
}

/** The breach instant in force: the last plan's deadline while the clock runs, else none. */
export const deadlineOf = (c: ClockState): number | null => (isRunning(c) ? c.deadlineAt : null);

/** The clock's pauses as of `nowMs`: the closed ones, and one under way as if it ended now (or at the stop). */
export function pauseSpans(c: ClockState, nowMs: number): Span[] {
  if (c.pausedSince === null) return c.pauses;
  return [...c.pauses, { start: c.pausedSince, end: Math.max(c.stoppedAt ?? nowMs, c.pausedSince) }];
}

/** Wall time paused as of `nowMs`. */
export const pausedMs = (c: ClockState, nowMs: number): number => pauseSpans(c, nowMs).reduce((sum, p) => sum + (p.end - p.start), 0);

/**
 * What the clock's elapsed time is counted over as of `nowMs`: from its start to its stop (or
 * now), less its pauses. Its business time in the calendar is the elapsed time.
 */
export function countedSpan(c: ClockState, nowMs: number): { from: number; to: number; paused: Span[] } {
  return { from: c.startedAt, to: Math.max(c.stoppedAt ?? nowMs, c.startedAt), paused: pauseSpans(c, nowMs) };
}

/** Ends the pause under way, if any, at `now`: it becomes a closed span (the deadline moves later by it). */
export function endPause(c: ClockState, now: number): void {
  if (c.pausedSince === null) return;
  c.pauses.push({ start: c.pausedSince, end: now });
  c.pausedSince = null;
  c.pauseReason = null;
}

/** What a clock's elapsed time leaves: the time remaining (negative once breached), paused, breached. */
export function standing(c: ClockState, elapsedMs: number): { remainingMs: number; paused: boolean; breached: boolean } {
  return { remainingMs: c.targetMs - elapsedMs, paused: c.pausedSince !== null, breached: c.breachedAt !== null };
}

/**
 * What the `sla` query answers: each clock's recorded state, with the business time elapsed and
 * remaining as of its last plan (`plannedAt`), whether it is paused, and its breach. Business
 * time up to *this* instant needs the calendar, which workflow code may not compute; the ticket
 * service's view adds it (services/tickets/sla-view.ts).
 */
export interface SlaRecord {
  plan: SlaPlan | null;
  clocks: Array<ClockState & { remainingMs: number; paused: boolean; breached: boolean }>;
  marks: Mark[];
  now: number;
  /** The ticket was merged into `into` at `at` (epoch ms): its clocks stopped then and stay frozen. Absent otherwise. */
  merged?: { into: string; at: number };
}

export function slaRecordOf(plan: SlaPlan | null, clocks: ClockState[], marks: Mark[], now: number, merged?: { into: string; at: number }): SlaRecord {
  return { plan, clocks: clocks.map((c) => ({ ...c, ...standing(c, c.elapsedMs) })), marks, now, ...(merged ? { merged: { ...merged } } : {}) };
}
