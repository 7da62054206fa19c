/**
 * A classification or re-classification as auditors read it: the rules version and hash, the rules
 * that fired in order and, for each rule that did not, the condition that failed — from the decision
 * history recorded with its explanation, shown as the rules admin shows one
 * (services/rules-admin/explain.ts) — and the policy, calendar and escalation ladder it chose. Without
 * the history, what the event itself recorded (version, hash, fired rules, policy targets) and what
 * the rules version says (calendar, ladder) is shown, and the decision says so.
 */
import type { Decision, Ladder, ResolvedLadder, ResolvedLadderStep, RulesFile } from '../../rules/types.ts';
import type { BusinessCalendar } from '../../rules/calendar-types.ts';
import { parseDuration } from '../../rules/duration.ts';
import { explain, type ConditionCheck } from '../rules-admin/explain.ts';
import type { Classification, PolicyChoice } from '../../workflows/activity-types.ts';
import type { ClockName } from '../../workflows/sla-state.ts';
import type { TicketEvent } from '../../workflows/types.ts';
import type { Note } from './timeline-history.ts';
import type { CalendarView, DecisionView, LadderStepView, LadderView, PolicyView } from './timeline-types.ts';
import { calendarView, type AuditWords } from './timeline-words.ts';

/** A published rules version, as rules/versions.ts `get` answers. */
export interface RulesVersionText {
  version: number;
  hash: string;
  file: RulesFile;
}

/** The calendars the timeline names, by id: one recorded with a decision wins over the rules version's. */
export class Calendars {
  private readonly byId = new Map<string, CalendarView>();
  constructor(private readonly w: AuditWords) {}

  add(id: string | null | undefined, cal: BusinessCalendar | null, source: 'decision' | 'rules'): string | null {
    if (!id) return null;
    const known = this.byId.get(id);
    const rank = (s: CalendarView['source']) => (s === 'decision' ? 2 : s === 'rules' ? 1 : 0);
    const view = calendarView(id, cal, cal ? source : 'unknown', this.w);
    if (!known || rank(view.source) > rank(known.source)) this.byId.set(id, view);
    return id;
  }

  /** From a rules version's calendars (the file's map key is the id). */
  addFromRules(id: string | null | undefined, file: RulesFile | undefined): string | null {
    const def = id && file?.calendars?.[id];
    return this.add(id, def ? ({ ...def, id } as BusinessCalendar) : null, 'rules');
  }

  all(): CalendarView[] {
    return [...this.byId.values()];
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const numOr = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const show = (v: unknown): string => (v === undefined ? '—' : typeof v === 'string' ? `“${v}”` : JSON.stringify(v));
const eventText = (e: { type: string; params?: Record<string, unknown> }): string => (e.params && Object.keys(e.params).length ? `${e.type} ${JSON.stringify(e.params)}` : e.type);

export function stepView(s: Pick<ResolvedLadderStep, 'id' | 'clock' | 'fraction' | 'moveTo' | 'notify'> & { afterMs: number | null }, w: AuditWords): LadderStepView {
  const clock = w.clockOf(s.clock);
  const at = s.fraction !== undefined
    ? w.t('ladder.atFraction', { percent: w.percent(s.fraction), clock, duration: w.duration(s.afterMs) })
    : w.t('ladder.atAfter', { duration: w.duration(s.afterMs), clock });
  const move = s.moveTo ? w.t(s.moveTo.team ? 'ladder.moveToTeam' : 'ladder.moveTo', { tier: s.moveTo.tier, team: s.moveTo.team }) : w.t('ladder.noMove');
  const text = w.t('ladder.step', { step: s.id, at, move, roles: w.roles(s.notify) });
  return { id: s.id, clock: s.clock as ClockName, ...(s.fraction !== undefined ? { fraction: s.fraction } : {}), afterMs: s.afterMs, ...(s.moveTo ? { moveTo: { ...s.moveTo } } : {}), notify: [...s.notify], text };
}

/** The ladder the decision resolved (history), else the rules version's as written (fractions against the targets). */
export function ladderView(id: string | null, resolved: ResolvedLadder | null, file: RulesFile | undefined, targets: Record<ClockName, number | null>, w: AuditWords): LadderView | null {
  const written: Ladder | undefined = file?.ladders.find((l) => l.id === (resolved?.id ?? id));
  if (resolved) return { id: resolved.id, name: written?.name ?? null, steps: resolved.steps.map((s) => stepView(s, w)) };
  if (!written) return id ? { id, name: null, steps: [] } : null;
  const steps = written.steps.map((s) => {
    const fraction = 'fraction' in s.at ? s.at.fraction : undefined;
    const target = targets[s.at.clock];
    const afterMs = 'after' in s.at ? parseDuration(s.at.after) : target === null ? null : Math.round(target * fraction!);
    return stepView({ id: s.id, clock: s.at.clock, ...(fraction !== undefined ? { fraction } : {}), afterMs, ...(s.moveTo ? { moveTo: s.moveTo } : {}), notify: s.notify ?? [] }, w);
  });
  return { id: written.id, name: written.name ?? null, steps };
}

export function policyView(p: { id: string; responseMs: number | null; resolutionMs: number | null; warnAt: number[]; calendar: string | null }, w: AuditWords): PolicyView {
  const text = w.t('decision.policy', {
    policy: p.id, response: w.duration(p.responseMs), resolution: w.duration(p.resolutionMs), calendar: p.calendar ?? '—',
    warnAt: p.warnAt.length ? w.list(p.warnAt.map(w.percent)) : w.t('decision.noWarnings'),
  });
  return { ...p, warnAt: [...p.warnAt], text };
}

/** A policy as the rules version writes it (the event named only its id). */
function writtenPolicy(id: string | null, file: RulesFile | undefined, calendars: Calendars, w: AuditWords, known: { responseMs?: unknown; resolutionMs?: unknown; calendar?: unknown } = {}): PolicyView | null {
  if (!id) return null;
  const p = file?.slaPolicies.find((x) => x.id === id);
  const calendar = calendars.addFromRules(str(known.calendar) ?? p?.calendar, file);
  const ms = (v: unknown, text: string | undefined) => numOr(v) ?? (text ? parseDuration(text) : null);
  return policyView({ id, responseMs: ms(known.responseMs, p?.response), resolutionMs: ms(known.resolutionMs, p?.resolution), warnAt: p?.warnAt ?? [], calendar }, w);
}

/** The policy a priority change chose (policyForPriority's recorded answer). */
export function choiceView(choice: PolicyChoice, calendars: Calendars, w: AuditWords): { policy: PolicyView; ladder: ResolvedLadder } {
  const p = choice.policy;
  const calendar = calendars.add(p.calendar.id, p.calendar, 'decision');
  return { policy: policyView({ id: p.id, responseMs: p.responseMs, resolutionMs: p.resolutionMs, warnAt: p.warnAt, calendar }, w), ladder: choice.ladder };
}

function conditionText(c: ConditionCheck, w: AuditWords): string {
  const params = { where: c.path ? `${c.fact} ${c.path}` : c.fact, operator: c.operator, value: show(c.value), actual: show(c.actual) };
  if (c.negated) return w.t('condition.heldNegated', params);
  return w.t(c.actual === undefined ? 'condition.missing' : 'condition.failed', params);
}

/** The recorded decision's explanation, as the rules admin explains one (explain.ts), under its rules version when still there. */
function explained(d: Decision, file: RulesFile | undefined, w: AuditWords): Pick<DecisionView, 'fired' | 'notFired'> {
  // A rules version no longer there still leaves the recorded trees: explain reads the file only for rule priorities and events.
  const recorded = { ...d, explanation: { ...d.explanation, fired: d.explanation.fired ?? [], conditions: d.explanation.conditions ?? [] } };
  const e = explain(recorded, file ?? ({ rules: [] } as unknown as RulesFile));
  return {
    fired: e.fired.map((f) => ({ order: f.order, rule: f.rule, priority: f.priority, event: f.event, applied: f.applied, text: w.t(f.applied ? 'decision.fired' : 'decision.firedOverridden', { order: f.order, rule: f.rule, priority: f.priority, event: eventText(f.event) }) })),
    notFired: e.notFired.map((n) => {
      const conditions = n.failed.map((c) => conditionText(c, w));
      return { rule: n.rule, priority: n.priority, event: n.event, failed: n.failed, conditions, text: w.t(conditions.length ? 'decision.notFired' : 'decision.notFiredNoCondition', { rule: n.rule, priority: n.priority, conditions: conditions.join(' ') }) };
    }),
  };
}

type Recorded = { result: Classification; eventId: number } | undefined;

/** One classification or re-classification: from history when recorded there, else from its event and rules version. */
export function decisionView(e: TicketEvent, recorded: Recorded, rules: RulesVersionText | undefined, gap: Note | null, calendars: Calendars, w: AuditWords): DecisionView {
  const kind = e.type === 'reclassified' ? 'reclassified' : 'classified';
  const data = e.data as Record<string, unknown> & { from?: Record<string, unknown>; to?: Record<string, unknown>; policy?: Record<string, unknown> };
  const file = rules?.file;
  const d = recorded?.result.decision;
  const before = kind === 'reclassified' ? { rulesVersion: numOr(data.from?.rulesVersion), priority: str(data.from?.priority), policy: str(data.from?.policy) } : null;
  let view: DecisionView;
  if (d) {
    const calendar = calendars.add(d.policy.calendar.id, d.policy.calendar, 'decision');
    view = {
      anchor: `decision-${e.seq}`, eventSeq: e.seq, kind, at: e.occurredAt, recorded: true, note: null,
      rulesVersion: d.rulesVersion, rulesHash: d.rulesHash, rulesName: file?.name ?? null,
      outcome: { priority: d.priority, category: d.category, team: d.team, tier: d.tier, serviceLevel: d.serviceLevel, tags: [...d.tags], notify: [...d.notify] },
      before, matrix: { ...d.explanation.matrix }, ...explained(d, file, w),
      policy: policyView({ id: d.policy.id, responseMs: d.policy.responseMs, resolutionMs: d.policy.resolutionMs, warnAt: d.policy.warnAt, calendar }, w),
      calendar, ladder: ladderView(d.ladder.id, d.ladder, file, { response: d.policy.responseMs, resolution: d.policy.resolutionMs }, w),
      autoCloseAfterMs: d.autoCloseAfterMs, sentences: [],
    };
  } else {
    const to = kind === 'reclassified' ? (data.to ?? {}) : data;
    const policyId = kind === 'reclassified' ? str(to.policy) : str(data.policy?.id);
    const policy = writtenPolicy(policyId, file, calendars, w, kind === 'classified' ? (data.policy ?? {}) : {});
    const fired = Array.isArray(data.fired) ? (data.fired as Array<{ rule: string; event: string; applied: boolean }>) : [];
    const matrix = data.matrix as DecisionView['matrix'] | undefined;
    view = {
      anchor: `decision-${e.seq}`, eventSeq: e.seq, kind, at: e.occurredAt, recorded: false,
      note: w.t('decision.notRecorded', { why: gap ? w.t(gap.key, gap.params) : w.t('gap.notFound') }),
      rulesVersion: numOr(to.rulesVersion), rulesHash: str(to.rulesHash), rulesName: file?.name ?? null,
      outcome: { priority: str(to.priority), category: str(data.category), team: str(data.team), tier: str(data.tier), serviceLevel: str(data.serviceLevel), tags: Array.isArray(data.tags) ? (data.tags as string[]) : [], notify: [] },
      before, matrix: matrix ?? null,
      fired: fired.map((f, i) => ({ order: i + 1, rule: f.rule, priority: null, event: { type: f.event, params: {} }, applied: f.applied, text: w.t(f.applied !== false ? 'decision.firedShort' : 'decision.firedShortOverridden', { order: i + 1, rule: f.rule, event: f.event }) })),
      notFired: [], policy, calendar: policy?.calendar ?? null,
      ladder: ladderView(kind === 'classified' ? str(data.ladder) : null, null, file, { response: policy?.responseMs ?? null, resolution: policy?.resolutionMs ?? null }, w),
      autoCloseAfterMs: file?.autoCloseAfter ? parseDuration(file.autoCloseAfter) : null, sentences: [],
    };
  }
  view.sentences = sentences(view, rules, calendars, w);
  return view;
}

function sentences(v: DecisionView, rules: RulesVersionText | undefined, calendars: Calendars, w: AuditWords): string[] {
  const out: string[] = [];
  if (v.note) out.push(v.note);
  out.push(w.t(v.rulesName ? 'decision.rules' : 'decision.rulesNoName', { version: v.rulesVersion ?? '—', hash: v.rulesHash ?? '—', name: v.rulesName }));
  if (v.rulesVersion !== null && !rules) out.push(w.t('decision.versionGone', { version: v.rulesVersion }));
  if (v.before) out.push(w.t('decision.before', { version: v.before.rulesVersion ?? '—', priority: v.before.priority ?? '—', policy: v.before.policy ?? '—' }));
  if (v.matrix) out.push(w.t('decision.matrix', { ...v.matrix }));
  const o = v.outcome;
  out.push(w.t('decision.outcome', { priority: o.priority ?? '—', category: o.category ?? '—', team: o.team ?? '—', tier: o.tier ?? '—', serviceLevel: o.serviceLevel ?? '—' }));
  if (v.kind === 'reclassified') out.push(w.t('decision.placeKept'));
  out.push(v.fired.length ? w.t('decision.firedHeading', { count: v.fired.length }) : w.t('decision.noneFired'));
  out.push(...v.fired.map((f) => f.text));
  if (v.recorded) {
    out.push(v.notFired.length ? w.t('decision.notFiredHeading', { count: v.notFired.length }) : w.t('decision.allFired'));
    out.push(...v.notFired.map((n) => n.text));
  }
  if (o.tags.length) out.push(w.t('decision.tags', { tags: w.list(o.tags) }));
  if (o.notify.length) out.push(w.t('decision.notify', { roles: w.roles(o.notify) }));
  if (v.policy) out.push(v.policy.text);
  const cal = v.calendar ? calendars.all().find((c) => c.id === v.calendar) : undefined;
  if (cal) out.push(cal.text);
  if (v.ladder) out.push(w.t('decision.ladder', { ladder: v.ladder.name ? `${v.ladder.id} (${v.ladder.name})` : v.ladder.id, count: v.ladder.steps.length }), ...v.ladder.steps.map((s) => s.text));
  if (v.autoCloseAfterMs !== null) out.push(w.t('decision.autoClose', { duration: w.duration(v.autoCloseAfterMs) }));
  return out;
}
