/**
 * Marks: what falls due on a clock's business time (a warning, the breach, a ladder step),
 * which are due, and what firing one does to the ticket. Each fires exactly once: a mark done
 * stays done across new targets and plans.
 */
import { isRunning, type ClockState, type Mark, type SlaPlan } from '../sla-state.ts';
import { clockOf, notifyRoles, iso, syncSla, type Recording, type TicketState } from '../ticket-state.ts';
import { ladderStep } from './escalation.ts';

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

/** A mark that can fire: not done, planned, and its clock running. */
function pending(clocks: ClockState[], m: Mark): m is Mark & { at: number } {
  const clock = clocks.find((c) => c.name === m.clock);
  return !m.done && m.at !== null && clock !== undefined && isRunning(clock);
}

/** The earliest instant anything is due: a pending mark of a running clock, or the auto-close. */
export function nextDue(clocks: ClockState[], marks: Mark[], autoCloseAt: number | null): number | null {
  let next: number | null = autoCloseAt;
  for (const m of marks) {
    if (pending(clocks, m) && (next === null || m.at < next)) next = m.at;
  }
  return next;
}

/** Pending marks of running clocks due at or before `now`, in the order they fell due. */
export function dueMarks(clocks: ClockState[], marks: Mark[], now: number): Mark[] {
  return marks
    .filter((m) => pending(clocks, m) && m.at <= now)
    .sort((a, b) => a.at! - b.at! || a.atBusinessMs - b.atBusinessMs || order(a) - order(b));
}

function order(m: Mark): number {
  return m.kind === 'warning' ? 0 : m.kind === 'breach' ? 1 : 2;
}

/**
 * Fires one due mark: a warning is raised, a breach recorded, a ladder step taken. Returns the
 * event to record, or null for a ladder step the plan no longer has (it is done all the same).
 */
export function fireMark(st: TicketState, m: Mark, now: number): Recording | null {
  const c = clockOf(st, m.clock)!;
  m.done = true;
  const timing = { clock: m.clock, dueAt: iso(m.at!), lateByMs: now - m.at!, deadlineAt: c.deadlineAt === null ? null : iso(c.deadlineAt), rulesVersion: st.ticket.rulesVersion, policy: st.plan!.policyId };
  if (m.kind === 'ladder') return ladderStep(st, m, timing);
  if (m.kind === 'warning') c.warned.push(m.fraction!);
  else c.breachedAt = m.at!;
  syncSla(st);
  return m.kind === 'warning'
    ? { type: 'sla_warning', actor: 'sla', reason: null, data: { ...timing, fraction: m.fraction }, notify: { kind: 'sla_warning', roles: notifyRoles(st), data: timing } }
    : { type: 'sla_breached', actor: 'sla', reason: null, data: timing, notify: { kind: 'sla_breached', roles: [...notifyRoles(st), 'team_lead'], data: timing } };
}
