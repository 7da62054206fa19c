/**
 * Agents' and requesters' actions on a ticket: each one workflow Update, so a
 * refused action comes back synchronously as a typed error and changes nothing.
 * Arguments that name people, teams or tiers are checked first (action-arguments.ts):
 * a bad one answers 422 and no Update is sent.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { requesterReplySignal, reclassifySignal, ticketActionUpdate } from '../../workflows/messages.ts';
import { RefusalType, workflowIdFor, type RequesterReply, type TicketAction, type TicketSnapshot } from '../../workflows/types.ts';
import { ServiceError, NotFoundError, UnavailableError } from '../errors.ts';
import type { TicketDeps } from './deps.ts';
import { ErasedError } from '../../db/vault.ts';
import { checkActionArguments, needsDirectory, type ArgumentDeps, type PlainAction, type TicketRef } from './action-arguments.ts';

export type ActionDeps = Pick<TicketDeps, 'temporal' | 'privacy'>;

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

/** How long an action may wait for the workflow before the caller gets a 503 (it may still apply). */
const ACTION_DEADLINE_MS = 15_000;

/** A finished ticket's workflow no longer takes messages: say so (409), unless there is no such ticket at all (404). */
async function finishedOrMissing(deps: ActionDeps, number: string): Promise<ServiceError> {
  try {
    const d = await deps.temporal.workflow.getHandle(workflowIdFor(number)).describe();
    if (d.status.name !== 'RUNNING') return new ServiceError(409, 'TICKET_FINISHED', 'refusal.ticketFinished', { number });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) return new UnavailableError(err);
  }
  return new NotFoundError('errors.ticketNotFound', { number });
}

function toServiceError(err: unknown, number: string): ServiceError {
  const refusal = refusalOf(err);
  if (refusal) {
    const details = (refusal.details?.[0] ?? { key: 'generic' }) as RefusalDetails;
    const status = refusal.type === RefusalType.invalidTransition ? 409 : 422;
    return new ServiceError(status, refusal.type === RefusalType.invalidTransition ? 'INVALID_TRANSITION' : 'INVALID_ARGUMENT', `refusal.${details.key}`, details.params ?? {});
  }
  if (err instanceof WorkflowNotFoundError) return new NotFoundError('errors.ticketNotFound', { number });
  if (err instanceof WorkflowUpdateFailedError) return new ServiceError(409, 'INVALID_TRANSITION', 'refusal.generic');
  return new UnavailableError(err);
}

/** Runs one message to the ticket's workflow, bounded in time, with its failures as ServiceErrors. */
async function send<R>(deps: ActionDeps, number: string, fn: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<R>): Promise<R> {
  try {
    return await deps.temporal.withDeadline(Date.now() + ACTION_DEADLINE_MS, () => fn(deps.temporal.workflow.getHandle(workflowIdFor(number))));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw await finishedOrMissing(deps, number);
    throw toServiceError(err, number);
  }
}

/**
 * Sends one action as an Update. Actions whose arguments name people, teams or tiers
 * need the directory and the ticket's rules version (the second form); they are checked
 * before anything is sent.
 */
export function performTicketAction(deps: ActionDeps, number: string, action: PlainAction): Promise<TicketSnapshot>;
export function performTicketAction(deps: ActionDeps & ArgumentDeps, ticket: TicketRef, action: TicketAction): Promise<TicketSnapshot>;
export async function performTicketAction(deps: ActionDeps & Partial<ArgumentDeps>, ticket: string | TicketRef, action: TicketAction): Promise<TicketSnapshot> {
  const ref: TicketRef = typeof ticket === 'string' ? { number: ticket, rulesVersion: null } : ticket;
  if (needsDirectory(action)) {
    const { directory, rules } = deps;
    if (!directory || !rules || typeof ticket === 'string') throw new Error(`performTicketAction: '${action.action}' is checked against the directory; pass it and the ticket's rules version`);
    await checkActionArguments({ directory, rules }, ref, action);
  }
  const sealed = await seal(() => deps.privacy.sealAction(ref.number, action));
  const after = await send(deps, ref.number, (h) => h.executeUpdate(ticketActionUpdate, { args: [sealed] }));
  return seal(() => deps.privacy.openSnapshot(after));
}

/**
 * Sealing and opening read the keys from PostgreSQL: a failure there is a 503, and nothing was sent.
 * A ticket whose personal data was erased takes no more text (409, and nothing was sent).
 */
async function seal<R>(fn: () => Promise<R>): Promise<R> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ErasedError) throw new ServiceError(409, 'PERSONAL_DATA_ERASED', 'privacy.ticketErased');
    throw new UnavailableError(err);
  }
}

export async function sendRequesterReply(deps: ActionDeps, number: string, reply: RequesterReply): Promise<void> {
  const sealed = await seal(() => deps.privacy.sealReply(number, reply));
  return send(deps, number, (h) => h.signal(requesterReplySignal, sealed));
}

export async function requestReclassification(deps: ActionDeps, number: string, by: { actor: string; reason: string }): Promise<void> {
  const sealed = await seal(() => deps.privacy.sealReclassify(number, by));
  return send(deps, number, (h) => h.signal(reclassifySignal, sealed));
}
