/**
 * The rules' decisions on the ticket: classification at intake, re-classification under a
 * newer rules version, and a priority change under the ticket's own version. The decisions
 * come from activities (recorded in history); these functions take them in.
 */
import type { Decision } from '../../rules/index.ts';
import type { Classification, ClassifyInput, PolicyChoice, PolicyRequest } from '../activity-types.ts';
import { FINAL } from '../lifecycle.ts';
import { newClock, type SlaPlan } from '../sla-state.ts';
import { deadlines, notifyRoles, replanned, type Step, type TicketState } from '../ticket-state.ts';
import { TicketStatus, type TicketAction } from '../types.ts';
import { retarget } from './clocks.ts';

/** What the rules are asked about the ticket, as of `atMs`. */
export function classifyRequest(st: TicketState, atMs: number): ClassifyInput {
  const t = st.ticket;
  return {
    ticket: { title: t.title, description: t.description, category: t.category, impact: t.impact, urgency: t.urgency, channel: t.channel, language: t.locale },
    requesterEmail: t.requesterEmail,
    number: t.number,
    ...(t.requester ? { requester: t.requester } : {}),
    atMs,
  };
}

/** The policy's part of the SLA plan: its calendar and warnings, and its escalation ladder. */
function policyPlan({ policy, ladder }: PolicyChoice): Omit<SlaPlan, 'serviceLevel' | 'autoCloseAfterMs'> {
  return {
    policyId: policy.id,
    calendar: policy.calendar,
    warnAt: policy.warnAt,
    ladderId: ladder.id,
    ladder: ladder.steps.map((s) => ({ id: s.id, clock: s.clock, afterMs: s.afterMs, ...(s.fraction !== undefined ? { fraction: s.fraction } : {}), ...(s.moveTo ? { moveTo: s.moveTo } : {}), notify: s.notify })),
  };
}

const firedOf = (d: Decision) => d.explanation.fired.map((f) => ({ rule: f.rule, event: f.event.type, applied: f.applied }));

/** Takes in a decision's plan, priority and rules version (team and tier are the caller's call). */
function adopt(st: TicketState, c: Classification): Decision {
  const d = c.decision;
  st.tiers = c.tiers;
  st.plan = { ...policyPlan(d), serviceLevel: d.serviceLevel, autoCloseAfterMs: d.autoCloseAfterMs };
  st.serviceLevel = d.serviceLevel;
  st.ticket.priority = d.priority;
  st.ticket.rulesVersion = d.rulesVersion;
  return d;
}

/**
 * Intake's classification: priority, category, team, tier, and the clocks started at creation.
 * `acknowledge` (patch `acknowledge-requester`, issue 14): the requester is told too — their
 * acknowledgement, with the SLA promise the classification just made.
 */
export function classified(st: TicketState, c: Classification, createdMs: number, opts: { acknowledge?: boolean } = {}): Step {
  const t = st.ticket;
  const d = adopt(st, c);
  t.category = d.category;
  t.teamId = d.team;
  t.tier = d.tier;
  st.clocks = [newClock('response', d.policy.responseMs, createdMs), newClock('resolution', d.policy.resolutionMs, createdMs)];
  retarget(st, d.policy.responseMs, d.policy.resolutionMs);
  return replanned(() => ({
    type: 'classified',
    actor: 'rules',
    reason: null,
    data: {
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
      fired: firedOf(d),
      ...deadlines(st),
    },
    ...notifyClassified(opts.acknowledge === true ? ['requester', ...d.notify.filter((r) => r !== 'requester')] : d.notify, d),
  }));
}

function notifyClassified(roles: string[], d: Decision) {
  return roles.length ? { notify: { kind: 'classified', roles, data: { rules: d.explanation.fired.map((f) => f.rule) } } } : {};
}

/** Only an open, classified ticket is re-classified (a resolved one keeps its decision). */
export const canReclassify = (st: TicketState): boolean => !FINAL.has(st.ticket.status) && st.ticket.status !== TicketStatus.resolved && st.plan !== null;

/** A newer rules version applied to the ticket: new targets; team and tier only while it is still new. */
export function reclassified(st: TicketState, c: Classification, by: { actor: string; reason: string }): Step {
  const t = st.ticket;
  const from = { rulesVersion: t.rulesVersion, priority: t.priority, policy: st.plan!.policyId };
  const d = adopt(st, c);
  if (t.status === TicketStatus.new) {
    t.teamId = d.team;
    t.tier = d.tier;
  }
  retarget(st, d.policy.responseMs, d.policy.resolutionMs);
  const to = { rulesVersion: d.rulesVersion, rulesHash: d.rulesHash, priority: d.priority, policy: d.policy.id };
  return replanned(() => ({ type: 'reclassified', actor: by.actor, reason: by.reason, data: { from, to, fired: firedOf(d), ...deadlines(st) } }));
}

/** What the `policyForPriority` activity is asked: the ticket's own rules version, service level and ladder. */
export function policyRequest(st: TicketState, priority: string): PolicyRequest {
  return { rulesVersion: st.ticket.rulesVersion!, serviceLevel: st.serviceLevel!, priority, ladderId: st.plan!.ladderId };
}

/** A new priority: the policy's targets and ladder; each clock keeps its start and pauses. */
export function priorityChanged(st: TicketState, a: Extract<TicketAction, { action: 'change_priority' }>, p: PolicyChoice): Step {
  const t = st.ticket;
  const from = { priority: t.priority, policy: st.plan!.policyId, ...deadlines(st) };
  st.plan = { ...st.plan!, ...policyPlan(p) };
  t.priority = a.priority;
  retarget(st, p.policy.responseMs, p.policy.resolutionMs);
  return replanned(() => ({
    type: 'priority_changed',
    actor: a.actor,
    reason: a.reason,
    data: { from, to: { priority: t.priority, policy: p.policy.id, ...deadlines(st) }, elapsedMs: Object.fromEntries(st.clocks.map((c) => [c.name, c.elapsedMs])) },
    notify: { kind: 'priority_changed', roles: notifyRoles(st), data: { priority: t.priority } },
  }));
}
