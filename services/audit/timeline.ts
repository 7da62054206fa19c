/**
 * A ticket's timeline in the auditor's words (docs/audit-timeline.md): every event of the read model
 * with its actor, time, reason and sentence; each classification with its rules version, hash, the
 * rules that fired and why the others did not (the decision recorded in history); the SLA deadlines
 * in force after each event and the calendar that produced them; pauses; each warning, breach and
 * ladder step with what caused it; the notifications each event queued. Every automated entry
 * carries a `why` the page shows one click away. Plain data for the pages, the API and the CLI.
 *
 * The read model says what happened; the history (TicketHistories, from the archive or Temporal)
 * says why. Without the history the timeline is still whole, and each decision says what it lacks.
 */
import type { PayloadCodec } from '@temporalio/common';
import type { i18n } from 'i18next';
import { eventText, MACHINE_ACTORS, shown, statusWord } from '../tickets/words.ts';
import type { TicketRecord } from '../../db/tickets-repo.ts';
import { isSealed } from '../../db/vault.ts';
import type { ClockPlan } from '../../workflows/activity-types.ts';
import type { ClockName } from '../../workflows/sla-state.ts';
import type { TicketEvent } from '../../workflows/types.ts';
import { Calendars, choiceView, decisionView, ladderView, policyView, type RulesVersionText } from './timeline-decisions.ts';
import { readHistories, type RecordedHistory } from './timeline-history.ts';
import type { DeadlineView, DecisionView, DueView, NotificationView, PauseView, Timeline, TimelineEntry, Why } from './timeline-types.ts';
import { autoCloseWhy, ladderWhy, markWhy, pauseText, pauseWhy, priorityWhy, type InForce } from './timeline-why.ts';
import { auditWords, type AuditWords } from './timeline-words.ts';
import type { TicketHistories } from './types.ts';

export type * from './timeline-types.ts';
export type { RulesVersionText } from './timeline-decisions.ts';

/** A notification_outbox row (db/tickets-repo.ts `outbox`). */
export interface OutboxRow {
  eventSeq: number;
  role: string;
  kind: string;
  createdAt: string;
  deliveredAt: string | null;
}

export interface TimelineDeps {
  /**
   * The ticket with its events, as its reader may see it: opened (privacy's openingRepo, the read
   * logged by the caller) for a page, or as stored (sealed reasons are then left out, and said so).
   */
  ticket(number: string): Promise<TicketRecord | undefined>;
  notifications(number: string): Promise<OutboxRow[]>;
  /** A published rules version (rules/versions.ts `get`); undefined when it is not there. */
  rulesVersion(version: number): Promise<RulesVersionText | undefined>;
  /** The payload codec the histories were written through (runtime/payload-codec.ts). */
  codec: PayloadCodec;
  i18n: Pick<i18n, 'getFixedT'>;
}

export interface TimelineOptions {
  /** The zone the sentences' times are written in; UTC when not given. */
  timeZone?: string;
  now?: () => Date;
  /** `histories` is null because they could not be read just now (not because none is kept). */
  historyUnavailable?: boolean;
}

export class TicketNotFoundForTimeline extends Error {
  constructor(readonly number: string) {
    super(`There is no ticket ${number}: check the number (e.g. HD-2026-000042).`);
    this.name = 'TicketNotFoundForTimeline';
  }
}

const CLOCKS: ClockName[] = ['response', 'resolution'];
const PAUSE_ENDS = new Set(['resumed', 'resolved', 'cancelled', 'closed', 'merged']);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

interface ClockNow {
  state: DeadlineView['state'];
  dueAt: string | null;
  breached: boolean;
}

/** The deadlines in force after `e`, from what the event recorded (the workflow writes each new deadline into its event). */
function advanceClocks(clocks: Record<ClockName, ClockNow>, e: TicketEvent): void {
  const d = e.data as Record<string, unknown> & { to?: Record<string, unknown> };
  const set = (c: ClockName, due: unknown) => {
    const now = clocks[c];
    if (typeof due === 'string') Object.assign(now, { state: 'running', dueAt: due });
    else Object.assign(now, { state: now.state === 'paused' ? 'paused' : 'stopped', dueAt: null });
  };
  const stop = (c: ClockName) => Object.assign(clocks[c], { state: 'stopped', dueAt: null });
  switch (e.type) {
    case 'classified': case 'reclassified':
      set('response', d.responseDueAt);
      set('resolution', d.resolutionDueAt);
      break;
    case 'priority_changed':
      set('response', d.to?.responseDueAt);
      set('resolution', d.to?.resolutionDueAt);
      break;
    case 'responded':
      if (d.firstResponse === true) stop('response');
      break;
    case 'pending':
      if (d.firstResponse === true) stop('response');
      for (const c of Array.isArray(d.clocksPaused) ? (d.clocksPaused as ClockName[]) : []) if (clocks[c]) Object.assign(clocks[c], { state: 'paused', dueAt: null });
      break;
    case 'resumed': case 'reopened':
      Object.assign(clocks.resolution, { state: 'stopped' });
      set('resolution', d.resolutionDueAt);
      break;
    case 'resolved': case 'cancelled': case 'closed': case 'merged':
      CLOCKS.forEach(stop);
      break;
    case 'sla_breached':
      if (str(d.clock) && clocks[d.clock as ClockName]) clocks[d.clock as ClockName].breached = true;
      break;
  }
}

function deadlineViews(clocks: Record<ClockName, ClockNow>, w: AuditWords): DeadlineView[] {
  return CLOCKS.map((c) => {
    const k = clocks[c];
    const key = k.state === 'running' ? (k.breached ? 'deadline.runningBreached' : 'deadline.running') : k.state === 'stopped' && k.breached ? 'deadline.stoppedBreached' : `deadline.${k.state}`;
    return { clock: c, state: k.state, dueAt: k.dueAt, breached: k.breached, text: w.t(key, { clock: w.words.staff(`ticket.clock.${c}`), when: w.when(k.dueAt) }) };
  });
}

/** The mark a fired event stands for (workflows/transitions/marks.ts ids). */
function markId(e: TicketEvent): string | null {
  const d = e.data;
  if (e.type === 'sla_warning') return `${String(d.clock)}:warning:${String(d.fraction)}`;
  if (e.type === 'sla_breached') return `${String(d.clock)}:breach`;
  if (d.by === 'ladder' && (e.type === 'escalated' || e.type === 'escalation_notified')) return `${String(d.clock)}:ladder:${String(d.ladder ?? '')}:${String(d.step)}`;
  return null;
}

/** What the plan made for this event said falls due next, leaving out marks that have fired. */
function dueViews(plan: ClockPlan | undefined, fired: Set<string>, w: AuditWords): DueView[] {
  if (!plan) return [];
  return plan.marks
    .filter((m): m is { id: string; at: number } => m.at !== null && !fired.has(m.id))
    .sort((a, b) => a.at - b.at)
    .map((m) => {
      const [clock, kind, a, b] = m.id.split(':') as [ClockName, DueView['kind'], string | undefined, string | undefined];
      const at = new Date(m.at).toISOString();
      const fraction = kind === 'warning' ? Number(a) : undefined;
      const step = kind === 'ladder' ? b : undefined;
      const text = w.t(`due.${kind}`, { clock: w.clockOf(clock), when: w.when(at), percent: fraction === undefined ? '' : w.percent(fraction), step: step ?? '' });
      return { id: m.id, clock, kind, at, ...(fraction !== undefined ? { fraction } : {}), ...(step ? { step } : {}), text };
    });
}

function notificationViews(rows: OutboxRow[], w: AuditWords): NotificationView[] {
  const byKind = new Map<string, OutboxRow[]>();
  for (const r of rows) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r]);
  return [...byKind.entries()].map(([kind, rs]) => {
    const queuedAt = rs.map((r) => r.createdAt).sort()[0]!;
    const delivered = rs.every((r) => r.deliveredAt !== null);
    const deliveredAt = delivered ? rs.map((r) => r.deliveredAt!).sort().at(-1)! : null;
    const roles = rs.map((r) => r.role);
    const params = { kind: w.t(`notification.kind.${kind}`, { defaultValue: kind }), roles: w.roles(roles), when: w.when(queuedAt), deliveredWhen: w.when(deliveredAt) };
    return { kind, roles, queuedAt, status: delivered ? 'delivered' : 'queued', deliveredAt, text: w.t(delivered ? 'notification.delivered' : 'notification.queued', params) };
  });
}

/** Further sentences of an event: the figures it recorded that its staff sentence leaves out. */
function details(e: TicketEvent, decision: DecisionView | undefined, w: AuditWords): string[] {
  const d = e.data;
  const out: string[] = [];
  if (decision) out.push(w.t('detail.decision', { version: decision.rulesVersion ?? '—', hash: decision.rulesHash ?? '—', rules: w.list(decision.fired.map((f) => f.rule)) || '—', policy: decision.policy?.id ?? '—', calendar: decision.calendar ?? '—' }));
  if ((e.type === 'responded' || e.type === 'pending') && d.firstResponse === true) out.push(w.t('detail.firstResponse'));
  if (e.type === 'resolved' && typeof d.autoCloseAt === 'string') out.push(w.t('detail.autoCloseAt', { when: w.when(d.autoCloseAt) }));
  if (e.type === 'reopened') out.push(w.t('detail.reopened'));
  if (d.by === 'ladder') out.push(w.t('detail.ladder', { ladder: str(d.ladder) ?? '—', step: str(d.step) ?? '—' }));
  if (e.type === 'closed' && d.automatic === true) out.push(w.t('detail.autoClosed'));
  return out;
}

/** The ticket's timeline in `language` (pl, en, de), from its read model, its histories (null: not available) and its rules versions. */
export async function buildTimeline(deps: TimelineDeps, number: string, histories: TicketHistories | null, language: string, opts: TimelineOptions = {}): Promise<Timeline> {
  const ticket = await deps.ticket(number);
  if (!ticket) throw new TicketNotFoundForTimeline(number);
  const w = auditWords(deps.i18n, language, opts.timeZone ?? 'UTC');
  const recorded: RecordedHistory = await readHistories(histories, deps.codec, opts.historyUnavailable === true);
  const outbox = await deps.notifications(number);
  const versions = new Map<number, Promise<RulesVersionText | undefined>>();
  const rulesOf = (v: number | null | undefined) => {
    if (typeof v !== 'number') return Promise.resolve(undefined);
    if (!versions.has(v)) versions.set(v, deps.rulesVersion(v).catch(() => undefined));
    return versions.get(v)!;
  };

  const calendars = new Calendars(w);
  const decisions: DecisionView[] = [];
  const pauses: PauseView[] = [];
  const entries: TimelineEntry[] = [];
  const clocks: Record<ClockName, ClockNow> = { response: { state: 'none', dueAt: null, breached: false }, resolution: { state: 'none', dueAt: null, breached: false } };
  const inForce: InForce = { decision: null, rulesVersion: null, policy: null, ladder: null, autoCloseAfterMs: null };
  const fired = new Set<string>();
  let open: PauseView | null = null;
  let resolvedAt: string | null = null;

  for (const e of ticket.timeline) {
    const step = recorded.bySeq.get(e.seq);
    let decision: DecisionView | undefined;
    let why: Why | null = null;
    if (e.type === 'classified' || e.type === 'reclassified') {
      const version = step?.classification?.result.decision.rulesVersion ?? (e.type === 'classified' ? e.data.rulesVersion : (e.data.to as { rulesVersion?: unknown } | undefined)?.rulesVersion);
      decision = decisionView(e, step?.classification, await rulesOf(version as number), recorded.gap, calendars, w);
      decisions.push(decision);
      Object.assign(inForce, { decision: decisions.length - 1, rulesVersion: decision.rulesVersion, policy: decision.policy, ladder: decision.ladder, autoCloseAfterMs: decision.autoCloseAfterMs });
      why = { anchor: `why-${e.seq}`, kind: 'decision', title: w.t(`decision.title.${decision.kind}`), sentences: decision.sentences, decision: decisions.length - 1, ...(decision.calendar ? { calendar: decision.calendar } : {}), ...(decision.policy ? { policy: decision.policy } : {}) };
    } else if (e.type === 'priority_changed') {
      const file = (await rulesOf(inForce.rulesVersion))?.file;
      if (step?.policy) {
        const chosen = choiceView(step.policy.result, calendars, w);
        inForce.policy = chosen.policy;
        inForce.ladder = ladderView(chosen.ladder.id, chosen.ladder, file, { response: chosen.policy.responseMs, resolution: chosen.policy.resolutionMs }, w);
      } else {
        const to = (e.data.to ?? {}) as Record<string, unknown>;
        const p = file?.slaPolicies.find((x) => x.id === to.policy);
        const calendar = calendars.addFromRules(p?.calendar, file);
        inForce.policy = p ? policyView({ id: p.id, responseMs: null, resolutionMs: null, warnAt: p.warnAt ?? [], calendar }, w) : inForce.policy;
      }
      why = priorityWhy(e, inForce, calendars.all(), w);
    }
    if (e.type === 'pending') {
      open = { anchor: `pause-${e.seq}`, startSeq: e.seq, since: e.occurredAt, ...reasonOf(e, w), clocks: Array.isArray(e.data.clocksPaused) ? (e.data.clocksPaused as ClockName[]) : [], endSeq: null, endType: null, until: null, pausedMs: null, deadlineBefore: clocks.resolution.dueAt, deadlineAfter: null, text: '' };
      open.text = pauseText(open, w);
      pauses.push(open);
      why = pauseWhy(e, open, pauses.length - 1, inForce, w);
    } else if (open && PAUSE_ENDS.has(e.type)) {
      Object.assign(open, { endSeq: e.seq, endType: e.type, until: e.occurredAt, pausedMs: Date.parse(e.occurredAt) - Date.parse(open.since), deadlineAfter: str(e.data.resolutionDueAt) });
      open.text = pauseText(open, w);
      why = pauseWhy(e, open, pauses.indexOf(open), inForce, w);
      open = null;
    }
    if (e.type === 'sla_warning' || e.type === 'sla_breached') why = markWhy(e, inForce, calendars.all(), w);
    if (e.data.by === 'ladder') why = ladderWhy(e, inForce, calendars.all(), w);
    if (e.type === 'resolved') resolvedAt = e.occurredAt;
    if (e.type === 'reopened') resolvedAt = null;
    if (e.type === 'closed' && e.data.automatic === true) why = autoCloseWhy(e, resolvedAt, inForce, w);

    advanceClocks(clocks, e);
    const mark = markId(e);
    if (mark) fired.add(mark);
    entries.push({
      seq: e.seq, type: e.type, at: e.occurredAt, when: w.when(e.occurredAt), actor: e.actor, actorText: w.person(e.actor),
      automated: (MACHINE_ACTORS as readonly string[]).includes(e.actor), ...reasonOf(e, w),
      text: eventText(e, w.words), details: details(e, decision, w), deadlines: deadlineViews(clocks, w),
      due: dueViews(step?.plan?.result, fired, w), notifications: notificationViews(outbox.filter((o) => o.eventSeq === e.seq), w), why,
    });
  }

  return {
    ticket: ticket.number, workflowId: ticket.workflowId, language, timeZone: w.timeZone,
    status: ticket.status, statusText: statusWord(ticket.status, w.words), builtAt: (opts.now?.() ?? new Date()).toISOString(),
    history: { ...recorded.status, notes: recorded.notes.map((n) => w.t(n.key, n.params)) },
    entries, decisions, pauses, calendars: calendars.all(),
  };
}

/** The reason as given, or left out (and said so) when it is sealed in what the timeline was given. */
function reasonOf(e: TicketEvent, w: AuditWords): { reason: string | null; reasonSealed: boolean } {
  return isSealed(e.reason) ? { reason: null, reasonSealed: true } : { reason: shown(e.reason, w.words), reasonSealed: false };
}

/** The timeline as plain lines (the CLI's output): each entry, its details, deadlines, notifications and why. */
export function timelineLines(t: Timeline): string[] {
  const out = [...t.history.notes];
  for (const e of t.entries) {
    out.push('', `#${e.seq} ${e.when} · ${e.actorText} · ${e.text}${e.reason ? ` — ${e.reason}` : ''}`);
    for (const s of [...e.details, ...e.deadlines.map((d) => d.text), ...e.due.map((d) => d.text), ...e.notifications.map((n) => n.text)]) out.push(`    ${s}`);
    if (e.why) out.push(`    ${e.why.title}:`, ...e.why.sentences.map((s) => `      ${s}`));
  }
  return out;
}
