/**
 * A ticket's lifecycle: intake, classification by the rules, SLA clocks with
 * warnings, breaches and the escalation ladder, agents' actions, auto-close.
 *
 * Deterministic: every side effect and every decision that reads the world (rules,
 * calendars, the database) runs in an activity and its answer is recorded in history.
 * Actions run one at a time (a workflow-local lock), so events are numbered and
 * written to the read model in order.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities, Notification as Notify } from '../activities/index.ts';
import type { Classification } from '../activities/classify.ts';
import { ALLOWED_IN, FINAL, SLA_ACTIVE, statusAfter } from './lifecycle.ts';
import { intakeRecordedUpdate, reclassifySignal, requesterReplySignal, slaQuery, ticketActionUpdate, ticketQuery } from './messages.ts';
import { dueMarks, isRunning, marksFor, newClock, nextDue, viewOf, type ClockName, type ClockState, type Mark, type SlaPlan } from './sla-state.ts';
import {
  RefusalType,
  ResolutionCode,
  TicketStatus,
  type RequesterReply,
  type TicketAction,
  type TicketEvent,
  type TicketInput,
  type TicketSnapshot,
} from './types.ts';

/** Rules decisions: they read the rules versions and the directory, so ordinary activities. */
const io = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});
/**
 * Read-model writes and calendar planning are short and idempotent: local activities, run
 * by the worker inside the workflow task and recorded as markers. That is several times less
 * work for the server per event than an activity (see the README's performance section); a
 * worker that dies mid-write leaves the write to be run again by the next worker.
 */
const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

const PRIORITIES = ['P1', 'P2', 'P3', 'P4'];
const RESOLUTION_CODES: readonly string[] = Object.values(ResolutionCode);

/** Everything the workflow knows; carried whole across continue-as-new. */
export interface TicketState {
  input: TicketInput;
  ticket: TicketSnapshot;
  recorded: boolean;
  plan: SlaPlan | null;
  serviceLevel: string | null;
  tiers: Array<{ id: string; teams: string[] }>;
  clocks: ClockState[];
  marks: Mark[];
  resolvedAt: number | null;
  autoCloseAt: number | null;
  rating: { score: number; comment: string | null } | null;
  /** The first public communication to the requester (a response, or the reason for pending). */
  respondedAt?: number | null;
}

export type TicketWorkflowArgs = TicketInput | { continued: TicketState };

function initialState(input: TicketInput, workflowId: string): TicketState {
  return {
    input,
    ticket: {
      number: input.number,
      workflowId,
      title: input.title,
      description: input.description,
      requesterEmail: input.requesterEmail,
      locale: input.locale,
      channel: input.channel,
      impact: input.impact,
      urgency: input.urgency,
      category: input.category,
      priority: null,
      status: TicketStatus.new,
      tier: null,
      teamId: null,
      assignee: null,
      rulesVersion: null,
      ...(input.filedBy ? { filedBy: input.filedBy } : {}),
      sla: null,
      createdAt: input.createdAt,
      updatedAt: input.createdAt,
      lastEventSeq: 0,
    },
    recorded: false,
    plan: null,
    serviceLevel: null,
    tiers: [],
    clocks: [],
    marks: [],
    resolvedAt: null,
    autoCloseAt: null,
    rating: null,
  };
}

function refuse(key: string, params: Record<string, unknown>, type: string = RefusalType.invalidTransition): never {
  throw ApplicationFailure.create({ type, message: `${key} ${JSON.stringify(params)}`, nonRetryable: true, details: [{ key, params }] });
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function ticketWorkflow(args: TicketWorkflowArgs): Promise<TicketSnapshot> {
  const st: TicketState = 'continued' in args ? args.continued : initialState(args, workflowInfo().workflowId);
  const t = st.ticket;
  let busy = false;
  let changes = 0;

  async function exclusively<R>(fn: () => Promise<R>): Promise<R> {
    // The SDK resolves every waiting condition in one pass, so several waiters can see the lock
    // free at once: each checks again when it runs, and only the first one through takes it.
    while (busy) await condition(() => !busy);
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
      changes += 1;
    }
  }

  // ----- recording ---------------------------------------------------------------------------

  async function record(type: string, actor: string, reason: string | null, data: Record<string, unknown>, notify?: Notify): Promise<void> {
    const at = iso(Date.now());
    t.lastEventSeq += 1;
    t.updatedAt = at;
    const event: TicketEvent = { seq: t.lastEventSeq, type, actor, reason, data, occurredAt: at };
    await local.recordEvent({ snapshot: { ...t }, event, ...(notify ? { notify } : {}) });
  }

  const clock = (name: ClockName) => st.clocks.find((c) => c.name === name);

  function syncSla(): void {
    if (!st.plan) return;
    const response = clock('response');
    const resolution = clock('resolution');
    const due = (c: ClockState | undefined) => (c && isRunning(c) && c.deadlineAt !== null ? iso(c.deadlineAt) : null);
    t.sla = {
      policyId: st.plan.policyId,
      calendarId: st.plan.calendar.id,
      businessHours: st.plan.calendar.alwaysOpen !== true,
      responseTargetMs: response?.targetMs ?? 0,
      resolutionTargetMs: resolution?.targetMs ?? 0,
      responseDueAt: due(response),
      resolutionDueAt: due(resolution),
      responded: (st.respondedAt ?? null) !== null,
      paused: st.clocks.some((c) => c.pausedSince !== null),
      breached: st.clocks.filter((c) => c.breachedAt !== null).map((c) => c.name),
    };
  }

  /** Asks the calendar activity when each pending mark falls due; history keeps its answer. */
  async function replan(): Promise<void> {
    if (!st.plan) return;
    const now = Date.now();
    const plan = await local.planClocks({ calendar: st.plan.calendar, clocks: st.clocks, marks: st.marks, nowMs: now });
    for (const c of plan.clocks) {
      const target = clock(c.name);
      if (!target) continue;
      target.elapsedMs = c.elapsedMs;
      target.deadlineAt = c.deadlineAt;
      target.plannedAt = now;
    }
    for (const m of plan.marks) {
      const mark = st.marks.find((x) => x.id === m.id);
      if (mark) mark.at = m.at;
    }
    syncSla();
  }

  function adoptPlan(c: Classification['decision']): void {
    st.plan = {
      policyId: c.policy.id,
      serviceLevel: c.serviceLevel,
      calendar: c.policy.calendar as SlaPlan['calendar'],
      warnAt: c.policy.warnAt,
      ladderId: c.ladder.id,
      ladder: c.ladder.steps.map((s) => ({ id: s.id, clock: s.clock, afterMs: s.afterMs, ...(s.fraction !== undefined ? { fraction: s.fraction } : {}), ...(s.moveTo ? { moveTo: s.moveTo } : {}), notify: s.notify })),
      autoCloseAfterMs: c.autoCloseAfterMs,
    };
    st.serviceLevel = c.serviceLevel;
  }

  /** New targets for the clocks: elapsed and paused time carry over (start and pauses are kept). */
  function retarget(responseMs: number, resolutionMs: number): void {
    const plan = st.plan!;
    const previous = st.marks;
    st.marks = [];
    for (const c of st.clocks) {
      c.targetMs = c.name === 'response' ? responseMs : resolutionMs;
      st.marks.push(...marksFor(c, plan, previous));
    }
  }

  // ----- classification ----------------------------------------------------------------------

  async function classify(): Promise<void> {
    const createdMs = Date.parse(st.input.createdAt);
    const c = await io.classifyTicket({
      ticket: { title: t.title, description: t.description, category: t.category, impact: t.impact, urgency: t.urgency, channel: t.channel, language: t.locale },
      requesterEmail: t.requesterEmail,
      atMs: createdMs,
    });
    const d = c.decision;
    st.tiers = c.tiers;
    adoptPlan(d);
    t.priority = d.priority;
    t.category = d.category;
    t.teamId = d.team;
    t.tier = d.tier;
    t.rulesVersion = d.rulesVersion;
    st.clocks = [newClock('response', d.policy.responseMs, createdMs), newClock('resolution', d.policy.resolutionMs, createdMs)];
    retarget(d.policy.responseMs, d.policy.resolutionMs);
    await replan();
    await record('classified', 'rules', null, {
      rulesVersion: d.rulesVersion,
      rulesHash: d.rulesHash,
      priority: d.priority,
      category: d.category,
      team: d.team,
      tier: d.tier,
      serviceLevel: d.serviceLevel,
      policy: { id: d.policy.id, responseMs: d.policy.responseMs, resolutionMs: d.policy.resolutionMs, calendar: d.policy.calendar.id },
      ladder: d.ladder.id,
      tags: d.tags,
      matrix: d.explanation.matrix,
      fired: d.explanation.fired.map((f) => ({ rule: f.rule, event: f.event.type, applied: f.applied })),
      responseDueAt: t.sla?.responseDueAt ?? null,
      resolutionDueAt: t.sla?.resolutionDueAt ?? null,
    }, d.notify.length ? { kind: 'classified', roles: d.notify, data: { rules: d.explanation.fired.map((f) => f.rule) } } : undefined);
  }

  async function reclassify(by: { actor: string; reason: string }): Promise<void> {
    if (FINAL.has(t.status) || t.status === TicketStatus.resolved || !st.plan) return;
    const from = { rulesVersion: t.rulesVersion, priority: t.priority, policy: st.plan.policyId };
    const c = await io.classifyTicket({
      ticket: { title: t.title, description: t.description, category: t.category, impact: t.impact, urgency: t.urgency, channel: t.channel, language: t.locale },
      requesterEmail: t.requesterEmail,
      atMs: Date.now(),
    });
    const d = c.decision;
    st.tiers = c.tiers;
    adoptPlan(d);
    t.priority = d.priority;
    t.rulesVersion = d.rulesVersion;
    if (t.status === TicketStatus.new) {
      t.teamId = d.team;
      t.tier = d.tier;
    }
    retarget(d.policy.responseMs, d.policy.resolutionMs);
    await replan();
    await record('reclassified', by.actor, by.reason, {
      from,
      to: { rulesVersion: d.rulesVersion, rulesHash: d.rulesHash, priority: d.priority, policy: d.policy.id },
      fired: d.explanation.fired.map((f) => ({ rule: f.rule, event: f.event.type, applied: f.applied })),
      responseDueAt: t.sla?.responseDueAt ?? null,
      resolutionDueAt: t.sla?.resolutionDueAt ?? null,
    });
  }

  // ----- clocks ------------------------------------------------------------------------------

  function pauseClocks(now: number, reason: string): void {
    for (const c of st.clocks) {
      if (isRunning(c)) {
        c.pausedSince = now;
        c.pauseReason = reason;
      }
    }
  }

  function resumeClocks(now: number): void {
    for (const c of st.clocks) {
      if (c.pausedSince !== null) {
        c.pauses.push({ start: c.pausedSince, end: now });
        c.pausedSince = null;
        c.pauseReason = null;
      }
    }
  }

  /** Stops the response clock at the first public word to the requester; true if this was it. */
  function markFirstResponse(now: number): boolean {
    const response = clock('response');
    if (!response || response.stoppedAt !== null) return false;
    stopClock(response, now);
    st.respondedAt = now;
    return true;
  }

  function stopClock(c: ClockState | undefined, now: number): void {
    if (!c || c.stoppedAt !== null) return;
    if (c.pausedSince !== null) {
      c.pauses.push({ start: c.pausedSince, end: now });
      c.pausedSince = null;
    }
    c.stoppedAt = now;
  }

  /** Fires every warning, breach and ladder step that is due, each exactly once, then the auto-close. */
  async function fireDue(): Promise<void> {
    const now = Date.now();
    for (const m of dueMarks(st.clocks, st.marks, now)) {
      if (!SLA_ACTIVE.has(t.status)) break;
      const c = clock(m.clock)!;
      m.done = true;
      const timing = { clock: m.clock, dueAt: iso(m.at!), lateByMs: now - m.at!, deadlineAt: c.deadlineAt === null ? null : iso(c.deadlineAt), rulesVersion: t.rulesVersion, policy: st.plan!.policyId };
      if (m.kind === 'warning') {
        c.warned.push(m.fraction!);
        syncSla();
        await record('sla_warning', 'sla', null, { ...timing, fraction: m.fraction }, { kind: 'sla_warning', roles: t.assignee ? ['assignee'] : ['team'], data: timing });
      } else if (m.kind === 'breach') {
        c.breachedAt = m.at!;
        syncSla();
        await record('sla_breached', 'sla', null, timing, { kind: 'sla_breached', roles: t.assignee ? ['assignee', 'team_lead'] : ['team', 'team_lead'], data: timing });
      } else {
        const step = st.plan!.ladder.find((s) => s.id === m.stepId);
        if (!step) continue;
        const fromTier = t.tier;
        const moved = step.moveTo ? moveToTier(step.moveTo.tier, step.moveTo.team) : false;
        syncSla();
        const data = { ...timing, by: 'ladder', ladder: st.plan!.ladderId, step: step.id, ...(step.fraction !== undefined ? { fraction: step.fraction } : { afterMs: step.afterMs }), fromTier, toTier: t.tier, team: t.teamId, moved, notified: step.notify };
        const roles = [...step.notify, ...(moved ? ['team'] : [])];
        await record(moved ? 'escalated' : 'escalation_notified', 'ladder', `ladder ${st.plan!.ladderId} step ${step.id}`, data, roles.length ? { kind: moved ? 'escalated' : 'escalation_step', roles, data } : undefined);
      }
    }
    if (st.autoCloseAt !== null && st.autoCloseAt <= now && t.status === TicketStatus.resolved) {
      t.status = TicketStatus.closed;
      st.autoCloseAt = null;
      for (const c of st.clocks) stopClock(c, now);
      syncSla();
      await record('closed', 'system', 'quiet period after resolution elapsed', { automatic: true });
    }
  }

  const tierIndex = (tier: string | null) => st.tiers.findIndex((x) => x.id === tier);

  /** Moves the ticket up to `tier` (never down); the team is the one named or the tier's first. */
  function moveToTier(tier: string, team?: string): boolean {
    const to = tierIndex(tier);
    if (to < 0 || to <= tierIndex(t.tier)) return false;
    const newTeam = team ?? st.tiers[to]!.teams[0] ?? t.teamId;
    t.tier = tier;
    if (newTeam !== t.teamId) {
      t.teamId = newTeam;
      t.assignee = null;
    }
    return true;
  }

  // ----- actions -----------------------------------------------------------------------------

  function check(a: TicketAction): void {
    if (!a || typeof a !== 'object' || typeof a.action !== 'string' || !Object.hasOwn(ALLOWED_IN, a.action)) refuse('unknownAction', { action: (a as { action?: unknown })?.action }, RefusalType.invalidArgument);
    if (typeof a.actor !== 'string' || a.actor.trim() === '') refuse('actorRequired', {}, RefusalType.invalidArgument);
    if (!t.sla && a.action !== 'comment') refuse('notClassified', { number: t.number });
    if (!ALLOWED_IN[a.action].includes(t.status)) refuse('notAllowed', { action: a.action, status: t.status });
    const needsText = (v: unknown, field: string) => {
      if (typeof v !== 'string' || v.trim() === '') refuse('fieldRequired', { field }, RefusalType.invalidArgument);
    };
    switch (a.action) {
      case 'assign': needsText(a.assignee, 'assignee'); break;
      case 'respond': case 'comment': needsText(a.message, 'message'); break;
      case 'set_pending': case 'resume': case 'reopen': case 'cancel': case 'escalate': case 'deescalate': needsText(a.reason, 'reason'); break;
      case 'resolve':
        if (!RESOLUTION_CODES.includes(a.code)) refuse('badResolutionCode', { codes: RESOLUTION_CODES.join(', ') }, RefusalType.invalidArgument);
        break;
      case 'change_priority':
        needsText(a.reason, 'reason');
        if (!PRIORITIES.includes(a.priority)) refuse('badPriority', { priorities: PRIORITIES.join(', ') }, RefusalType.invalidArgument);
        if (a.priority === t.priority) refuse('samePriority', { priority: a.priority });
        break;
      case 'rate':
        if (a.actor.toLowerCase() !== t.requesterEmail) refuse('onlyRequesterRates', {});
        if (!Number.isInteger(a.score) || a.score < 1 || a.score > 5) refuse('badScore', {}, RefusalType.invalidArgument);
        if (st.rating) refuse('alreadyRated', { score: st.rating.score });
        break;
      default: break;
    }
    if (a.action === 'escalate') {
      const from = tierIndex(t.tier);
      const to = a.tier !== undefined ? tierIndex(a.tier) : from + 1;
      if (a.tier !== undefined && to < 0) refuse('unknownTier', { tier: a.tier, tiers: st.tiers.map((x) => x.id).join(', ') }, RefusalType.invalidArgument);
      if (to >= st.tiers.length || (a.tier === undefined && to <= from)) refuse('cannotEscalate', { tier: t.tier });
      if (to <= from) refuse('tierNotHigher', { tier: a.tier, current: t.tier });
    }
    if (a.action === 'deescalate') {
      const from = tierIndex(t.tier);
      const to = a.tier !== undefined ? tierIndex(a.tier) : from - 1;
      if (a.tier !== undefined && to < 0) refuse('unknownTier', { tier: a.tier, tiers: st.tiers.map((x) => x.id).join(', ') }, RefusalType.invalidArgument);
      if (a.tier === undefined && to < 0) refuse('cannotDeescalate', { tier: t.tier });
      if (to >= from) refuse('tierNotLower', { tier: a.tier, current: t.tier });
    }
  }

  async function perform(a: TicketAction): Promise<void> {
    const now = Date.now();
    const before = t.status;
    const next = statusAfter(a.action, before);
    switch (a.action) {
      case 'assign':
        t.assignee = a.assignee.trim().toLowerCase();
        if (a.team) t.teamId = a.team;
        t.status = next;
        await record('assigned', a.actor, null, { assignee: t.assignee, team: t.teamId, from: before, to: t.status }, { kind: 'assigned', roles: ['assignee'], data: {} });
        return;
      case 'start':
        t.assignee ??= a.actor.trim().toLowerCase();
        t.status = next;
        await record('started', a.actor, null, { assignee: t.assignee, from: before, to: t.status });
        return;
      case 'respond': {
        const first = markFirstResponse(now);
        if (first) await replan();
        await record('responded', a.actor, null, { message: a.message, public: true, firstResponse: first }, { kind: 'agent_response', roles: ['requester'], data: { message: a.message } });
        return;
      }
      case 'comment':
        await record('commented', a.actor, null, { message: a.message, public: false });
        return;
      case 'set_pending': {
        // The reason is sent to the requester: if nobody has answered yet, that is the first response.
        const firstResponse = markFirstResponse(now);
        pauseClocks(now, a.reason);
        t.status = next;
        await replan();
        await record('pending', a.actor, a.reason, { from: before, to: t.status, firstResponse, clocksPaused: st.clocks.filter((c) => c.pausedSince !== null).map((c) => c.name) }, { kind: 'pending', roles: ['requester'], data: { reason: a.reason } });
        return;
      }
      case 'resume':
        await resume(a.actor, a.reason);
        return;
      case 'resolve':
        for (const c of st.clocks) stopClock(c, now);
        st.resolvedAt = now;
        st.autoCloseAt = now + (st.plan?.autoCloseAfterMs ?? 0);
        t.status = next;
        await replan();
        await record('resolved', a.actor, a.note ?? null, { code: a.code, from: before, to: t.status, autoCloseAt: iso(st.autoCloseAt) }, { kind: 'resolved', roles: ['requester'], data: { code: a.code, note: a.note ?? null } });
        return;
      case 'reopen': {
        // The time spent resolved does not count: it becomes a pause of the resolution clock.
        const resolution = clock('resolution');
        if (resolution && st.resolvedAt !== null) {
          resolution.pauses.push({ start: st.resolvedAt, end: now });
          resolution.stoppedAt = null;
        }
        st.resolvedAt = null;
        st.autoCloseAt = null;
        st.rating = null;
        t.status = next;
        await replan();
        await record('reopened', a.actor, a.reason, { from: before, to: t.status, resolutionDueAt: t.sla?.resolutionDueAt ?? null }, { kind: 'reopened', roles: t.assignee ? ['assignee'] : ['team'], data: { reason: a.reason } });
        return;
      }
      case 'close':
        for (const c of st.clocks) stopClock(c, now);
        st.autoCloseAt = null;
        t.status = next;
        syncSla();
        await record('closed', a.actor, a.reason ?? null, { automatic: false, confirmedByRequester: a.actor.toLowerCase() === t.requesterEmail });
        return;
      case 'cancel':
        for (const c of st.clocks) stopClock(c, now);
        t.status = next;
        syncSla();
        await record('cancelled', a.actor, a.reason, { from: before });
        return;
      case 'escalate':
      case 'deescalate': {
        const fromTier = t.tier;
        const to = a.tier ?? st.tiers[tierIndex(t.tier) + (a.action === 'escalate' ? 1 : -1)]!.id;
        const target = st.tiers[tierIndex(to)]!;
        t.tier = target.id;
        const team = target.teams[0] ?? t.teamId;
        if (team !== t.teamId) {
          t.teamId = team;
          t.assignee = null;
        }
        syncSla();
        await record(a.action === 'escalate' ? 'escalated' : 'deescalated', a.actor, a.reason, { by: 'agent', fromTier, toTier: t.tier, team: t.teamId }, { kind: a.action === 'escalate' ? 'escalated' : 'deescalated', roles: ['team'], data: { reason: a.reason } });
        return;
      }
      case 'change_priority': {
        const from = { priority: t.priority, policy: st.plan!.policyId, responseDueAt: t.sla?.responseDueAt ?? null, resolutionDueAt: t.sla?.resolutionDueAt ?? null };
        const p = await io.policyForPriority({ rulesVersion: t.rulesVersion!, serviceLevel: st.serviceLevel!, priority: a.priority, ladderId: st.plan!.ladderId });
        st.plan = {
          ...st.plan!,
          policyId: p.policy.id,
          calendar: p.policy.calendar as SlaPlan['calendar'],
          warnAt: p.policy.warnAt,
          ladderId: p.ladder.id,
          ladder: p.ladder.steps.map((s) => ({ id: s.id, clock: s.clock, afterMs: s.afterMs, ...(s.fraction !== undefined ? { fraction: s.fraction } : {}), ...(s.moveTo ? { moveTo: s.moveTo } : {}), notify: s.notify })),
        };
        t.priority = a.priority;
        retarget(p.policy.responseMs, p.policy.resolutionMs);
        await replan();
        await record('priority_changed', a.actor, a.reason, {
          from,
          to: { priority: t.priority, policy: p.policy.id, responseDueAt: t.sla?.responseDueAt ?? null, resolutionDueAt: t.sla?.resolutionDueAt ?? null },
          elapsedMs: Object.fromEntries(st.clocks.map((c) => [c.name, c.elapsedMs])),
        }, { kind: 'priority_changed', roles: t.assignee ? ['assignee'] : ['team'], data: { priority: t.priority } });
        return;
      }
      case 'rate':
        st.rating = { score: a.score, comment: a.comment ?? null };
        await record('rated', a.actor, null, { score: a.score, comment: a.comment ?? null });
        return;
    }
  }

  async function resume(actor: string, reason: string): Promise<void> {
    const before = t.status;
    resumeClocks(Date.now());
    t.status = TicketStatus.in_progress;
    await replan();
    await record('resumed', actor, reason, { from: before, to: t.status, resolutionDueAt: t.sla?.resolutionDueAt ?? null }, { kind: 'resumed', roles: t.assignee ? ['assignee'] : ['team'], data: { reason } });
  }

  async function onReply(r: RequesterReply): Promise<void> {
    if (typeof r?.message !== 'string' || r.message.trim() === '') return;
    await record('requester_replied', r.author || t.requesterEmail, null, { message: r.message, public: true }, { kind: 'requester_reply', roles: t.assignee ? ['assignee'] : ['team'], data: { message: r.message } });
    if (t.status === TicketStatus.pending) await resume(r.author || t.requesterEmail, 'requester replied');
  }

  // ----- handlers ----------------------------------------------------------------------------

  setHandler(ticketQuery, () => ({ ...t }));
  setHandler(slaQuery, () => viewOf(st.plan, st.clocks, st.marks, Date.now()));
  setHandler(intakeRecordedUpdate, async () => {
    await condition(() => st.recorded);
    return { ...t };
  });
  setHandler(
    ticketActionUpdate,
    (a) =>
      exclusively(async () => {
        check(a); // again: an earlier action may have changed the state since validation
        await perform(a);
        return { ...t };
      }),
    { validator: check },
  );
  setHandler(requesterReplySignal, (r) => exclusively(() => onReply(r)));
  setHandler(reclassifySignal, (by) => exclusively(() => reclassify(by)));

  // ----- the lifecycle -----------------------------------------------------------------------

  if (!st.recorded) {
    await exclusively(async () => {
      // Who filed it acts; the requester it is for stays in the data. Without filedBy (older
      // histories, a portal report without an account) the requester acts, exactly as before.
      const filer = st.input.filedBy;
      await record('created', filer ?? st.input.requesterEmail, null, { channel: st.input.channel, impact: st.input.impact, urgency: st.input.urgency, category: st.input.category, ...(filer ? { requester: st.input.requesterEmail } : {}) });
      st.recorded = true;
    });
  }
  if (!st.plan) await exclusively(classify);

  while (!FINAL.has(t.status)) {
    const due = nextDue(st.clocks, st.marks, st.autoCloseAt);
    const now = Date.now();
    if (due !== null && due <= now) {
      await exclusively(fireDue);
      continue;
    }
    const seen = changes;
    if (due === null) await condition(() => changes !== seen);
    else await condition(() => changes !== seen, due - now);
    if (workflowInfo().continueAsNewSuggested && !busy) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof ticketWorkflow>({ continued: st });
    }
  }

  // A closed ticket can still be rated (and commented on) for one more quiet period.
  if (t.status === TicketStatus.closed && !st.rating && st.plan) {
    await condition(() => st.rating !== null, st.plan.autoCloseAfterMs);
  }
  await condition(() => !busy && allHandlersFinished());
  return { ...t };
}
