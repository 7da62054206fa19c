/**
 * Duplicates merged (issue 13, patch `merge-outcome`): the source ticket ends as `merged` into
 * another, its clocks stopped and frozen there (the SLA reported as merged, neither met nor
 * breached from then on), and the requester is told; the target records that it received the
 * merge. Which ticket may be a target (it exists, is not merged, closed or cancelled) is the
 * ticket service's check (services/tickets/merge.ts): a workflow cannot read another's state.
 */
import { noReplan, refusal, syncSla, type Recording, type Refusal, type Step, type TicketState } from '../ticket-state.ts';
import { FINAL } from '../lifecycle.ts';
import { RefusalType, TicketStatus, type MergeReceived, type TicketAction } from '../types.ts';
import { stopClocks } from './clocks.ts';

export type MergeAction = Extract<TicketAction, { action: 'merge' }>;

const blank = (v: unknown): boolean => typeof v !== 'string' || v.trim() === '';

/** Why this merge cannot be done (the state itself is checked by the lifecycle table first): no target, no reason, or itself. */
export function mergeRefusal(st: TicketState, a: MergeAction): Refusal | null {
  if (blank(a.into)) return refusal('fieldRequired', { field: 'into' }, RefusalType.invalidArgument);
  if (blank(a.reason)) return refusal('fieldRequired', { field: 'reason' }, RefusalType.invalidArgument);
  if (a.into.trim() === st.ticket.number) return refusal('mergeIntoSelf', { number: st.ticket.number });
  return null;
}

/** Ends the ticket as merged into `a.into`: clocks stopped for good, the requester told. No new plan: nothing is due any more. */
export function mergeInto(st: TicketState, a: MergeAction, now: number): Step {
  const t = st.ticket;
  const from = t.status;
  const into = a.into.trim();
  stopClocks(st, now);
  st.autoCloseAt = null;
  st.merged = { into, at: now };
  t.status = TicketStatus.merged;
  syncSla(st);
  return noReplan({ type: 'merged', actor: a.actor, reason: a.reason, data: { into, from }, notify: { kind: 'merged', roles: ['requester'], data: { into } } });
}

/**
 * The target's side: a ticket was merged into this one. Nothing is recorded once this ticket is
 * final, for a message without a source, or for a source already recorded (the service sends the
 * signal again when a merge is retried after the signal was lost).
 */
export function mergeReceived(st: TicketState, m: MergeReceived): Recording | null {
  if (FINAL.has(st.ticket.status) || blank(m?.from) || blank(m?.actor)) return null;
  const from = m.from.trim();
  if (from === st.ticket.number || st.mergedFrom?.includes(from)) return null;
  st.mergedFrom = [...(st.mergedFrom ?? []), from];
  return { type: 'merge_received', actor: m.actor, reason: blank(m.reason) ? null : m.reason, data: { from } };
}
