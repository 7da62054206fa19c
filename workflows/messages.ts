/**
 * The ticket workflow's messages. The API imports these definitions, so caller and
 * workflow share one name and one type for each.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { TicketSnapshot } from './types.ts';

/** Waits until intake is recorded in the read model and returns the ticket (used with update-with-start). */
export const intakeRecordedUpdate = defineUpdate<TicketSnapshot>('intakeRecorded');

/** The ticket as the workflow holds it now. */
export const ticketQuery = defineQuery<TicketSnapshot>('ticket');
