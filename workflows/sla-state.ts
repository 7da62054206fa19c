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

/** Marks for a clock from the plan; marks already done (by id) stay done, so nothing fires twice after a re-plan. */
export function marksFor(clock: ClockState, plan: SlaPlan, previous: Mark[]): Mark[] {
  const done = new Set(previous.filter((m) => m.done).map((m) => m.id));
  const out: Mark[] = [];
  for (const f of plan.warnAt) {
    const id = `${clock.name}:warning:${f}`;
    out.push({ id, clock: clock.name, kind: 'warning', atBusinessMs: Math.round(clock.targetMs * f), at: null, fraction: f, done: done.has(id) });
  }
  const breachId = `${clock.name}:breach`;
  out.push({ id: breachId, clock: clock.name, kind: 'breach', atBusinessMs: clock.targetMs, at: null, done: done.has(breachId) || clock.breachedAt !== null });
  for (const step of plan.ladder.filter((s) => s.clock === clock.name)) {
    const id = `${clock.name}:ladder:${plan.ladderId ?? ''}:${step.id}`;
    const afterMs = step.fraction !== undefined ? Math.round(clock.targetMs * step.fraction) : step.afterMs;
    out.push({ id, clock: clock.name, kind: 'ladder', atBusinessMs: afterMs, at: null, stepId: step.id, ...(step.fraction !== undefined ? { fraction: step.fraction } : {}), done: done.has(id) });
  }
  return out;
}

/** The earliest instant anything is due: a pending mark of a running clock, or the auto-close. */
export function nextDue(clocks: ClockState[], marks: Mark[], autoCloseAt: number | null): number | null {
  let next: number | null = autoCloseAt;
  for (const m of marks) {
    const clock = clocks.find((c) => c.name === m.clock);
    if (m.done || m.at === null || !clock || !isRunning(clock)) continue;
    if (next === null || m.at < next) next = m.at;
  }
  return next;
}

/** Pending marks of running clocks due at or before `now`, in the order they fell due. */
export function dueMarks(clocks: ClockState[], marks: Mark[], now: number): Mark[] {
  return marks
    .filter((m) => {
      const clock = clocks.find((c) => c.name === m.clock);
      return !m.done && m.at !== null && m.at <= now && clock !== undefined && isRunning(clock);
    })
    .sort((a, b) => a.at! - b.at! || a.atBusinessMs - b.atBusinessMs || order(a) - order(b));
}

function order(m: Mark): number {
  return m.kind === 'warning' ? 0 : m.kind === 'breach' ? 1 : 2;
}
