/**
 * Tiers and teams: an agent's escalate / de-escalate, and the escalation ladder's steps.
 * A new team's queue starts unassigned: the assignee is cleared whenever the team changes.
 */
import type { Mark } from '../sla-state.ts';
import { noReplan, refusal, syncSla, type Recording, type Refusal, type Step, type TicketState } from '../ticket-state.ts';
import { RefusalType, type TicketAction, type TicketSnapshot } from '../types.ts';

type TierAction = Extract<TicketAction, { action: 'escalate' | 'deescalate' }>;

const tierIndex = (st: TicketState, tier: string | null | undefined) => st.tiers.findIndex((x) => x.id === tier);

/** Puts the ticket in `tier` with `team`; a different team gets it unassigned. */
function placeIn(t: TicketSnapshot, tier: string, team: string | null): void {
  t.tier = tier;
  if (team !== t.teamId) {
    t.teamId = team;
    t.assignee = null;
  }
}

/** Why an agent's escalate / de-escalate cannot be done from the ticket's tier, if it cannot. */
export function tierRefusal(st: TicketState, a: TierAction): Refusal | null {
  const up = a.action === 'escalate';
  const from = tierIndex(st, st.ticket.tier);
  const to = a.tier !== undefined ? tierIndex(st, a.tier) : from + (up ? 1 : -1);
  if (a.tier !== undefined && to < 0) return refusal('unknownTier', { tier: a.tier, tiers: st.tiers.map((x) => x.id).join(', ') }, RefusalType.invalidArgument);
  if (up) {
    if (to >= st.tiers.length || (a.tier === undefined && to <= from)) return refusal('cannotEscalate', { tier: st.ticket.tier });
    if (to <= from) return refusal('tierNotHigher', { tier: a.tier, current: st.ticket.tier });
  } else {
    if (a.tier === undefined && to < 0) return refusal('cannotDeescalate', { tier: st.ticket.tier });
    if (to >= from) return refusal('tierNotLower', { tier: a.tier, current: st.ticket.tier });
  }
  return null;
}

/** An agent moves the ticket to the tier named, or one up / down; the team is that tier's first. */
export function moveTier(st: TicketState, a: TierAction): Step {
  const t = st.ticket;
  const fromTier = t.tier;
  const to = a.tier ?? st.tiers[tierIndex(st, t.tier) + (a.action === 'escalate' ? 1 : -1)]!.id;
  const target = st.tiers[tierIndex(st, to)]!;
  placeIn(t, target.id, target.teams[0] ?? t.teamId);
  syncSla(st);
  const type = a.action === 'escalate' ? 'escalated' : 'deescalated';
  const event: Recording = { type, actor: a.actor, reason: a.reason, data: { by: 'agent', fromTier, toTier: t.tier, team: t.teamId }, notify: { kind: type, roles: ['team'], data: { reason: a.reason } } };
  return noReplan(event);
}

/** A ladder step's move: up to `tier` (never down); the team is the one named, or the tier's first. */
function moveUp(st: TicketState, moveTo: { tier: string; team?: string }): boolean {
  const to = tierIndex(st, moveTo.tier);
  if (to < 0 || to <= tierIndex(st, st.ticket.tier)) return false;
  placeIn(st.ticket, moveTo.tier, moveTo.team ?? st.tiers[to]!.teams[0] ?? st.ticket.teamId);
  return true;
}

/** Takes a due ladder step: moves the ticket if the step says so, and notifies the step's roles. */
export function ladderStep(st: TicketState, m: Mark, timing: Record<string, unknown>): Recording | null {
  const plan = st.plan!;
  const t = st.ticket;
  const step = plan.ladder.find((s) => s.id === m.stepId);
  if (!step) return null;
  const fromTier = t.tier;
  const moved = step.moveTo ? moveUp(st, step.moveTo) : false;
  syncSla(st);
  const data = { ...timing, by: 'ladder', ladder: plan.ladderId, step: step.id, ...(step.fraction !== undefined ? { fraction: step.fraction } : { afterMs: step.afterMs }), fromTier, toTier: t.tier, team: t.teamId, moved, notified: step.notify };
  const roles = [...step.notify, ...(moved ? ['team'] : [])];
  const recording: Recording = { type: moved ? 'escalated' : 'escalation_notified', actor: 'ladder', reason: `ladder ${plan.ladderId} step ${step.id}`, data };
  return roles.length ? { ...recording, notify: { kind: moved ? 'escalated' : 'escalation_step', roles, data } } : recording;
}
