/**
 * How a ticket's SLA clocks are shown: the `sla` query's answer (the clocks as recorded, as of
 * their last plan) and the view the ticket service gives readers (as of the moment asked, with
 * the business time up to then that the calendar activity computes). Pure, like the model.
 */
import { deadlineOf, pausedMs, type ClockName, type ClockState, type Mark, type SlaPlan } from './sla-state.ts';

/** What a clock's elapsed time leaves: the time remaining (negative once breached), paused, breached. */
function standing(c: ClockState, elapsedMs: number): { remainingMs: number; paused: boolean; breached: boolean } {
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
}

export function slaRecordOf(plan: SlaPlan | null, clocks: ClockState[], marks: Mark[], now: number): SlaRecord {
  return { plan, clocks: clocks.map((c) => ({ ...c, ...standing(c, c.elapsedMs) })), marks, now };
}

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
