/**
 * "Why" for the helpdesk's own actions on a ticket: a warning or breach (the policy's target and
 * warning fractions, the calendar that counted the business time), a ladder step (the ladder and
 * step as its rules version has them: after what business time or fraction, moved to which tier and
 * team, who was told), a priority change's new policy, a pause and the automatic close. Each rests
 * on what was in force when it happened: `InForce`, kept by timeline.ts as it walks the events.
 */
import type { ResolvedLadderStep } from '../../rules/types.ts';
import type { ClockName } from '../../workflows/sla-state.ts';
import type { TicketEvent } from '../../workflows/types.ts';
import { stepView } from './timeline-decisions.ts';
import type { CalendarView, LadderStepView, LadderView, PauseView, PolicyView, Why } from './timeline-types.ts';
import type { AuditWords } from './timeline-words.ts';

/** What governed the ticket's clocks at a point of its timeline. */
export interface InForce {
  /** Timeline.decisions index of the decision in force. */
  decision: number | null;
  rulesVersion: number | null;
  policy: PolicyView | null;
  ladder: LadderView | null;
  autoCloseAfterMs: number | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const numOr = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function calendarOf(f: InForce, calendars: CalendarView[]): CalendarView | undefined {
  return f.policy?.calendar ? calendars.find((c) => c.id === f.policy!.calendar) : undefined;
}

/** When it fell due and when the workflow recorded it (a worker that was down makes it late). */
function lateness(d: Record<string, unknown>, e: TicketEvent, w: AuditWords): string {
  return w.t('mark.recorded', { due: w.when(str(d.dueAt)), at: w.when(e.occurredAt), late: w.duration(numOr(d.lateByMs) ?? 0) });
}

const base = (e: TicketEvent, kind: Why['kind'], title: string, f: InForce): Why => ({
  anchor: `why-${e.seq}`, kind, title, sentences: [],
  ...(f.decision !== null ? { decision: f.decision } : {}),
  ...(f.policy ? { policy: f.policy } : {}),
  ...(f.policy?.calendar ? { calendar: f.policy.calendar } : {}),
});

/** An SLA warning or breach: the target and fraction of the policy in force, counted in its calendar. */
export function markWhy(e: TicketEvent, f: InForce, calendars: CalendarView[], w: AuditWords): Why {
  const d = e.data;
  const clock = str(d.clock) as ClockName | null;
  const target = clock === 'response' ? f.policy?.responseMs : clock === 'resolution' ? f.policy?.resolutionMs : null;
  const params = {
    clock: w.clockOf(clock), policy: str(d.policy) ?? f.policy?.id ?? '—', version: numOr(d.rulesVersion) ?? f.rulesVersion ?? '—',
    target: w.duration(target), calendar: f.policy?.calendar ?? '—', percent: typeof d.fraction === 'number' ? w.percent(d.fraction) : '—',
  };
  const warning = e.type === 'sla_warning';
  const why = base(e, warning ? 'warning' : 'breach', w.t(warning ? 'mark.warningTitle' : 'mark.breachTitle'), f);
  why.sentences.push(w.t(warning ? 'mark.warning' : 'mark.breach', params), lateness(d, e, w));
  if (!warning && typeof d.deadlineAt === 'string') why.sentences.push(w.t('mark.deadline', { deadline: w.when(d.deadlineAt) }));
  const cal = calendarOf(f, calendars);
  if (cal) why.sentences.push(cal.text);
  return why;
}

/** A ladder step: the step as the ladder in force has it, what it moved and whom it told. */
export function ladderWhy(e: TicketEvent, f: InForce, calendars: CalendarView[], w: AuditWords): Why {
  const d = e.data;
  const stepId = str(d.step) ?? '';
  const ladderId = str(d.ladder) ?? f.ladder?.id ?? '—';
  const known = f.ladder && f.ladder.id === ladderId ? f.ladder.steps.find((s) => s.id === stepId) : undefined;
  const step: LadderStepView = known ?? stepView({
    id: stepId, clock: (str(d.clock) ?? 'response') as ResolvedLadderStep['clock'],
    ...(typeof d.fraction === 'number' ? { fraction: d.fraction } : {}), afterMs: numOr(d.afterMs),
    notify: Array.isArray(d.notified) ? (d.notified as string[]) : [],
  }, w);
  const name = f.ladder?.id === ladderId ? f.ladder.name : null;
  const why: Why = { ...base(e, 'ladder', w.t('ladder.title'), f), step, ladder: { id: ladderId, name } };
  why.sentences.push(w.t('ladder.why', { ladder: name ? `${ladderId} (${name})` : ladderId, step: stepId, version: numOr(d.rulesVersion) ?? f.rulesVersion ?? '—' }), step.text);
  why.sentences.push(d.moved === true
    ? w.t('ladder.moved', { fromTier: str(d.fromTier) ?? '—', toTier: str(d.toTier) ?? '—', team: str(d.team) ?? '—' })
    : w.t(step.moveTo ? 'ladder.notMoved' : 'ladder.notifiedOnly', { tier: step.moveTo?.tier ?? '—', current: str(d.fromTier) ?? '—' }));
  why.sentences.push(lateness(d, e, w));
  const cal = calendarOf(f, calendars);
  if (cal) why.sentences.push(cal.text);
  return why;
}

/** A priority change: new targets from the ticket's own rules version; what was counted carries over. */
export function priorityWhy(e: TicketEvent, f: InForce, calendars: CalendarView[], w: AuditWords): Why {
  const d = e.data as { to?: Record<string, unknown>; from?: Record<string, unknown>; elapsedMs?: Record<string, unknown> };
  const why = base(e, 'priority', w.t('priority.title'), f);
  why.sentences.push(w.t('priority.why', { from: str(d.from?.priority) ?? '—', to: str(d.to?.priority) ?? '—', policy: str(d.to?.policy) ?? '—', version: f.rulesVersion ?? '—' }));
  if (f.policy) why.sentences.push(f.policy.text);
  const elapsed = Object.entries(d.elapsedMs ?? {}).filter(([, v]) => typeof v === 'number');
  if (elapsed.length) why.sentences.push(w.t('priority.carried', { counted: w.list(elapsed.map(([c, v]) => w.t('priority.counted', { clock: w.clockOf(c), duration: w.duration(v as number) }))) }));
  const cal = calendarOf(f, calendars);
  if (cal) why.sentences.push(cal.text);
  return why;
}

/** A pause, at its start (pending) or its end (resumed, resolved, cancelled, closed). */
export function pauseWhy(e: TicketEvent, pause: PauseView, index: number, f: InForce, w: AuditWords): Why {
  const why: Why = { ...base(e, 'pause', w.t('pause.title'), f), pause: index };
  why.sentences.push(pause.text);
  if (e.type === 'pending' && e.data.firstResponse === true) why.sentences.push(w.t('pause.firstResponse'));
  return why;
}

export function pauseText(p: PauseView, w: AuditWords): string {
  const reason = p.reasonSealed ? w.t('pause.reasonSealed') : p.reason ?? w.t('pause.noReason');
  const clocks = w.list(p.clocks.map((c) => w.t('pause.clock', { clock: w.clockOf(c) })));
  if (p.until === null) return w.t('pause.open', { since: w.when(p.since), reason, clocks });
  const parts = [w.t('pause.closed', { since: w.when(p.since), until: w.when(p.until), duration: w.duration(p.pausedMs), reason, clocks })];
  parts.push(w.t(`pause.end.${p.endType ?? 'resumed'}`, { defaultValue: '' }));
  if (p.deadlineAfter) parts.push(w.t('pause.moved', { before: w.when(p.deadlineBefore), after: w.when(p.deadlineAfter) }));
  return parts.filter(Boolean).join(' ');
}

/** The quiet period after resolution passed: the helpdesk closed the ticket. */
export function autoCloseWhy(e: TicketEvent, resolvedAt: string | null, f: InForce, w: AuditWords): Why {
  const why = base(e, 'auto_close', w.t('autoClose.title'), f);
  why.sentences.push(w.t('autoClose.why', { resolvedAt: w.when(resolvedAt), duration: w.duration(f.autoCloseAfterMs), version: f.rulesVersion ?? '—' }));
  return why;
}
