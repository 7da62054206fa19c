/**
 * SLA clocks as plain data, and the pure bookkeeping on them. Business-time
 * arithmetic is not here: an activity computes instants in the policy's calendar
 * and the workflow stores its answers.
 */

export type ClockName = 'response' | 'resolution';

export interface Span {
  start: number;
  end: number;
}

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
  calendar: { id: string; timeZone: string; alwaysOpen?: boolean; hours?: Record<string, Array<{ from: string; to: string }>>; holidays?: string[] };
  warnAt: number[];
  ladderId: string | null;
  ladder: LadderStepPlan[];
  autoCloseAfterMs: number;
}

/**
 * What the `sla` query answers: each clock's recorded state, with the business time elapsed and
 * remaining as of its last plan (`plannedAt`), whether it is paused, the warnings raised and the
 * breach. Business time up to *this* instant needs the calendar, which workflow code may not
 * compute; GET /api/v1/tickets/{number}/sla adds it (api/use-cases/ticket-sla.ts).
 */
export interface SlaView {
  plan: SlaPlan | null;
  clocks: Array<ClockState & { remainingMs: number; paused: boolean; breached: boolean }>;
  marks: Mark[];
  now: number;
}

export function viewOf(plan: SlaPlan | null, clocks: ClockState[], marks: Mark[], now: number): SlaView {
  return {
    plan,
    clocks: clocks.map((c) => ({ ...c, remainingMs: c.targetMs - c.elapsedMs, paused: c.pausedSince !== null, breached: c.breachedAt !== null })),
    marks,
    now,
  };
}

export function newClock(name: ClockName, targetMs: number, startedAt: number): ClockState {
  return { name, targetMs, startedAt, pauses: [], pausedSince: null, pauseReason: null, stoppedAt: null, deadlineAt: null, elapsedMs: 0, plannedAt: startedAt, warned: [], breachedAt: null };
}

export function isRunning(c: ClockState): boolean {
  return c.stoppedAt === null && c.pausedSince === null;
}
