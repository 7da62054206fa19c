/**
 * A ticket's workflow state driven through the pure transitions, without Temporal: a rules
 * decision written out by hand, and the calendar planning of the real `planClocks` activity.
 */
import type { Decision } from '../../rules/index.ts';
import { planClocks } from '../../activities/clocks.ts';
import type { Classification, PolicyChoice } from '../../workflows/activity-types.ts';
import type { BusinessCalendar } from '../../rules/calendar.ts';
import { created, initialState, type Recording, type Step, type TicketState } from '../../workflows/ticket-state.ts';
import { applyAction } from '../../workflows/transitions/actions.ts';
import { classified, priorityChanged } from '../../workflows/transitions/classification.ts';
import { adoptClockPlan, planRequest } from '../../workflows/transitions/clocks.ts';
import type { TicketAction } from '../../workflows/types.ts';

export const HOUR = 3_600_000;
/** Monday 2 March 2026, 08:00 UTC: the ticket's creation. */
export const T0 = Date.parse('2026-03-02T08:00:00.000Z');
export const REQUESTER = 'requester@example.com';
export const AGENT = 'l1.agent@example.com';

export const ALWAYS_OPEN: BusinessCalendar = { id: '24x7', timeZone: 'UTC', alwaysOpen: true };
export const OFFICE_HOURS: BusinessCalendar = {
  id: 'office',
  timeZone: 'UTC',
  hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ from: '09:00', to: '17:00' }]])),
};

export const TIERS = [
  { id: 'L1', teams: ['service-desk'] },
  { id: 'L2', teams: ['applications'] },
  { id: 'L3', teams: ['development'] },
];

export interface Targets {
  responseMs?: number;
  resolutionMs?: number;
  calendar?: BusinessCalendar;
  tier?: string;
}

/** The policy and ladder a priority gets: warn at 75 %, and a ladder that moves to L3 at half the resolution target. */
export function policyChoice(id: string, t: Targets = {}): PolicyChoice {
  return {
    policy: { id, responseMs: t.responseMs ?? 1 * HOUR, resolutionMs: t.resolutionMs ?? 8 * HOUR, calendar: t.calendar ?? ALWAYS_OPEN, warnAt: [0.75] },
    ladder: {
      id: 'standard',
      steps: [
        { id: 'to-l3', clock: 'resolution', fraction: 0.5, afterMs: (t.resolutionMs ?? 8 * HOUR) / 2, moveTo: { tier: 'L3' }, notify: ['team_lead'] },
        { id: 'tell-duty', clock: 'response', afterMs: 2 * HOUR, notify: ['duty_manager'] },
      ],
    },
  };
}

export function decision(t: Targets = {}): Decision {
  const { policy, ladder } = policyChoice('standard-P3', t);
  return {
    priority: 'P3',
    category: 'software',
    team: 'applications',
    tier: t.tier ?? 'L2',
    serviceLevel: 'standard',
    policy,
    ladder,
    tags: [],
    notify: [],
    escalation: null,
    autoCloseAfterMs: 72 * HOUR,
    rulesVersion: 2,
    rulesHash: 'hash-v2',
    explanation: { matrix: { impact: 'medium', urgency: 'medium', priority: 'P3' }, fired: [], notFired: [], conditions: [] },
  };
}

export const classification = (t: Targets = {}): Classification => ({ decision: decision(t), tiers: TIERS });

/**
 * What the workflow does after a step: plan the clocks in the calendar (the real activity), then
 * build the event. A copy of `run` in workflows/ticket.ts (two lines; there the plan is an awaited
 * local activity and the event is recorded), kept synchronous so the unit tests need no server.
 */
export function carryOut(st: TicketState, step: Step, now: number): Recording {
  if (step.replan) plan(st, now);
  return step.event();
}

export function plan(st: TicketState, now: number): void {
  adoptClockPlan(st, planClocks(planRequest(st, now)), now);
}

/** A ticket created and classified at T0 (P3, tier L2, team applications). */
export function classifiedTicket(t: Targets = {}): TicketState {
  const st = initialState(
    { number: 'HD-2026-000001', title: 'ERP export fails', description: 'The monthly export stops at 80 %.', requesterEmail: REQUESTER, locale: 'en', channel: 'portal', impact: 'medium', urgency: 'medium', category: null, createdAt: new Date(T0).toISOString() },
    'ticket-HD-2026-000001',
  );
  created(st);
  st.recorded = true;
  carryOut(st, classified(st, classification(t), T0), T0);
  return st;
}

/** An agent's (or, for `rate`, the requester's) action as the workflow carries it out. */
export function act(st: TicketState, a: TicketAction, now: number): Recording {
  if (a.action === 'change_priority') return carryOut(st, priorityChanged(st, a, policyChoice(`standard-${a.priority}`, { responseMs: 15 * 60_000, resolutionMs: 4 * HOUR })), now);
  return carryOut(st, applyAction(st, a, now), now);
}
