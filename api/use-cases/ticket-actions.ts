/**
 * Agents' and requesters' actions on a ticket: each one workflow Update, so a
 * refused action comes back synchronously as a typed error and changes nothing.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { requesterReplySignal, reclassifySignal, ticketActionUpdate } from '../../workflows/messages.ts';
import { RefusalType, workflowIdFor, type RequesterReply, type TicketAction, type TicketSnapshot } from '../../workflows/types.ts';
import { HttpError, NotFoundError, UnavailableError } from '../errors.ts';

export interface ActionDeps {
  temporal: Client;
}

/** Details a refusal carries: a message key under `refusal.` in locales/{lng}/api.json and its parameters. */
export interface RefusalDetails {
  key: string;
  params?: Record<string, unknown>;
}

function refusalOf(err: unknown): ApplicationFailure | undefined {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ApplicationFailure && (e.type === RefusalType.invalidTransition || e.type === RefusalType.invalidArgument)) return e;
  }
  return undefined;
}

function toHttpError(err: unknown, number: string): HttpError {
  const refusal = refusalOf(err);
  if (refusal) {
    const details = (refusal.details?.[0] ?? { key: 'generic' }) as RefusalDetails;
    const status = refusal.type === RefusalType.invalidTransition ? 409 : 422;
    return new HttpError(status, refusal.type === RefusalType.invalidTransition ? 'INVALID_TRANSITION' : 'INVALID_ARGUMENT', `refusal.${details.key}`, details.params ?? {});
  }
  if (err instanceof WorkflowNotFoundError) return new NotFoundError('errors.ticketNotFound', { number });
  if (err instanceof WorkflowUpdateFailedError) return new HttpError(409, 'INVALID_TRANSITION', 'refusal.generic');
  return new UnavailableError(err);
}

export async function performTicketAction(deps: ActionDeps, number: string, action: TicketAction): Promise<TicketSnapshot> {
  try {
    return await deps.temporal.workflow.getHandle(workflowIdFor(number)).executeUpdate(ticketActionUpdate, { args: [action] });
  } catch (err) {
    throw toHttpError(err, number);
  }
}

export async function sendRequesterReply(deps: ActionDeps, number: string, reply: RequesterReply): Promise<void> {
  try {
    await deps.temporal.workflow.getHandle(workflowIdFor(number)).signal(requesterReplySignal, reply);
  } catch (err) {
    throw toHttpError(err, number);
  }
}

export async function requestReclassification(deps: ActionDeps, number: string, by: { actor: string; reason: string }): Promise<void> {
  try {
    await deps.temporal.workflow.getHandle(workflowIdFor(number)).signal(reclassifySignal, by);
  } catch (err) {
    throw toHttpError(err, number);
  }
}
