/**
 * The ticket workflow's messages. The API imports these definitions, so caller and
 * workflow share one name and one type for each.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { MergeReceived, RequesterReply, TicketAction, TicketSnapshot } from './types.ts';
import type { SlaRecord } from './sla-state.ts';

/** Waits until intake is recorded in the read model and returns the ticket. */
export const intakeRecordedUpdate = defineUpdate<TicketSnapshot>('intakeRecorded');

/**
 * Performs one action (assign, resolve, escalate, …). Its validator refuses an
 * action the current state does not allow with an ApplicationFailure of type
 * RefusalType.invalidTransition, and nothing changes. Returns the ticket after the
 * action, once the read model has it.
 */
export const ticketActionUpdate = defineUpdate<TicketSnapshot, [TicketAction]>('ticketAction');

/** The requester wrote back: recorded as a public comment; resumes a pending ticket. */
export const requesterReplySignal = defineSignal<[RequesterReply]>('requesterReply');

/** Apply the newest published rules version to this open ticket (explicit, with a reason). */
export const reclassifySignal = defineSignal<[{ actor: string; reason: string }]>('reclassify');

/**
 * Another ticket was merged into this one (sent by services/tickets/merge.ts after the source's
 * `merge` Update): recorded as `merge_received`; ignored once this ticket is final.
 */
export const mergeReceivedSignal = defineSignal<[MergeReceived]>('mergeReceived');

/** The ticket as the workflow holds it now. */
export const ticketQuery = defineQuery<TicketSnapshot>('ticket');

/** The SLA clocks now: target, business time elapsed, remaining, paused, warned, breached. */
export const slaQuery = defineQuery<SlaRecord>('sla');
