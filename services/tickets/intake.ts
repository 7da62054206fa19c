/**
 * Intake: validate → reserve a number for the idempotency key → start the ticket's
 * workflow → wait until the workflow has recorded the ticket → return it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { TicketRecord } from '../../db/tickets-repo.ts';
import { intakeRecordedUpdate } from '../../workflows/messages.ts';
import type { ticketWorkflow } from '../../workflows/ticket.ts';
import { workflowIdFor, type TicketInput } from '../../workflows/types.ts';
import { metrics } from '../../observability/metrics.ts';
import { ServiceError, UnavailableError } from '../errors.ts';
import { validate } from '../validation.ts';
import type { TicketDeps } from './deps.ts';
import { createTicketIntake, type CreateTicketRequest } from './schemas.ts';

export type IntakeDeps = Pick<TicketDeps, 'tickets' | 'temporal' | 'taskQueue' | 'ticketPrefix' | 'intakeWaitMs' | 'clock' | 'vault'>;

const START_DEADLINE_MS = 8_000;

export type IntakeResult =
  | { kind: 'recorded'; ticket: TicketRecord; replayed: boolean }
  | { kind: 'accepted'; number: string; replayed: boolean };

/** The fingerprint idempotency records kept before sealing: a plain SHA-256 (still recognised on a retry). */
function legacyHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

type PlainRequest = ReturnType<typeof normalise>;

/**
 * The report as the workflow and the read model keep it: the requester as a pseudonym, title,
 * description and address sealed under the requester's key for this ticket, the filer as a pseudonym.
 */
async function sealRequest(vault: IntakeDeps['vault'], request: PlainRequest, number: string): Promise<Record<string, unknown>> {
  const requester = await vault.personRef(request.requesterEmail);
  const { filedBy, ...rest } = request as PlainRequest & { filedBy?: string };
  return {
    ...rest,
    title: await vault.sealTicket(number, requester, 'title', request.title),
    description: await vault.sealTicket(number, requester, 'description', request.description),
    requesterEmail: await vault.sealTicket(number, requester, 'email', request.requesterEmail),
    requester,
    ...(filedBy ? { filedBy: await vault.personRef(filedBy) } : {}),
  };
}

function normalise(body: CreateTicketRequest, requestLanguage: string, filedBy: string | undefined) {
  return {
    title: body.title.trim(),
    description: body.description.trim(),
    requesterEmail: body.requesterEmail.trim().toLowerCase(),
    locale: body.locale ?? requestLanguage,
    impact: body.impact ?? 'low',
    urgency: body.urgency ?? 'medium',
    category: body.category ?? null,
    channel: body.channel ?? 'api',
    ...(filedBy ? { filedBy: filedBy.trim().toLowerCase() } : {}),
  } as const;
}

/**
 * `opts.filedBy` is who files the report (the API token's user, the portal's signed-in
 * account), never a field of the body; it is part of the request a key stands for, so the
 * same key from someone else is a different request (422).
 */
export async function createTicket(deps: IntakeDeps, raw: unknown, opts: { idempotencyKey?: string | undefined; language: string; filedBy?: string | undefined }): Promise<IntakeResult> {
  // Intake rate and latency by outcome (observability/metrics.ts): created, refused, unavailable.
  const started = performance.now();
  const given = (raw as { channel?: unknown } | null)?.channel;
  const channel = given === 'portal' || given === 'email' || given === 'phone' ? given : 'api';
  let outcome = 'created';
  try {
    return await fileTicket(deps, raw, opts);
  } catch (err) {
    outcome = err instanceof UnavailableError ? 'unavailable' : err instanceof ServiceError && err.status < 500 ? 'refused' : 'failed';
    throw err;
  } finally {
    metrics.intake.observe({ channel, outcome }, (performance.now() - started) / 1000);
  }
}

async function fileTicket(deps: IntakeDeps, raw: unknown, opts: { idempotencyKey?: string | undefined; language: string; filedBy?: string | undefined }): Promise<IntakeResult> {
  const body = validate<CreateTicketRequest>(createTicketIntake, raw);
  const key = opts.idempotencyKey ?? randomUUID();
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) throw new ServiceError(400, 'BAD_IDEMPOTENCY_KEY', 'errors.badIdempotencyKey');
  const request = normalise(body, opts.language, opts.filedBy);
  // The key's fingerprint is the report as sent: a retry whose Accept-Language differs is still
  // the same report (the language of the first acceptance is kept).
  const fingerprinted = { ...request, locale: body.locale ?? null };
  let requestHash: string;
  try {
    // Keyed (HMAC), so the stored fingerprint tells nothing about the report it stands for.
    requestHash = await deps.vault.fingerprint(JSON.stringify(fingerprinted));
  } catch (err) {
    throw new UnavailableError(err);
  }
  const now = new Date((deps.clock ?? Date.now)());

  let reservation;
  try {
    reservation = await deps.tickets.reserveIntake(key, requestHash, (number) => sealRequest(deps.vault, request, number), deps.ticketPrefix, now);
  } catch (err) {
    throw new UnavailableError(err);
  }
  const { intake, created } = reservation;
  if (intake.requestHash !== requestHash && intake.requestHash !== legacyHash(fingerprinted)) throw new ServiceError(422, 'IDEMPOTENCY_KEY_REUSED', 'errors.idempotencyConflict');

  const stored = intake.request as Omit<TicketInput, 'number' | 'createdAt'>;
  const input: TicketInput = {
    number: intake.ticketNumber,
    ...stored,
    // The instant of the first acceptance, so a retried start creates the same ticket.
    createdAt: intake.acceptedAt,
  };
  const workflowId = workflowIdFor(intake.ticketNumber);
  try {
    // Bounded, so an unreachable Temporal answers 503 in seconds; a start that did reach the
    // server is found again by the retry (same key, same workflow id, conflict policy USE_EXISTING).
    await deps.temporal.withDeadline(Date.now() + START_DEADLINE_MS, () =>
      deps.temporal.workflow.start<typeof ticketWorkflow>('ticketWorkflow', {
        workflowId,
        taskQueue: deps.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw new UnavailableError(err);
    // The ticket's workflow already finished: it was recorded long ago.
  }

  // Wait (bounded) for the workflow to write the ticket to the read model. The call is
  // aborted at the bound, so nothing keeps polling Temporal after we have answered. With no
  // wait (HELPDESK_INTAKE_WAIT_MS=0) no Update is sent at all: it would still cost the
  // workflow a task and two history events.
  if (deps.intakeWaitMs > 0) {
    const handle = deps.temporal.workflow.getHandle(workflowId);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), deps.intakeWaitMs);
    await deps.temporal.withAbortSignal(abort.signal, () => handle.executeUpdate(intakeRecordedUpdate)).catch(() => undefined);
    clearTimeout(timer);
  }

  const ticket = await deps.tickets.get(intake.ticketNumber).catch(() => undefined);
  if (ticket) return { kind: 'recorded', ticket, replayed: !created };
  return { kind: 'accepted', number: intake.ticketNumber, replayed: !created };
}
