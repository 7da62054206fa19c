/**
 * Duplicates merged (issue 13): the source ticket ends as `merged` into the target, and the
 * target records that it received it. The workflow of one ticket cannot read another's, so the
 * target is checked here, from the read model and then from its workflow (which is newer): it
 * exists (404), is not the source (409 MERGE_INTO_SELF), not merged itself (409 MERGE_INTO_MERGED)
 * and not closed or cancelled (409 MERGE_TARGET_FINISHED). Then the source's `merge` Update (its
 * validator refuses a source that is not open: 409 INVALID_TRANSITION; nothing changed), then the
 * target's `mergeReceived` signal.
 *
 * Two merges sharing a ticket run one after the other (advisory locks on both numbers, across web
 * processes): the second sees the first's outcome, so A into B beside B into A merges one of them.
 *
 * Retrying is safe: when the source is already merged into this very target (the signal was lost
 * to an outage after the Update), the signal is sent again and the target records it once.
 * The target's page reads the sources (mergedSources) and links their conversation and
 * attachments: nothing is copied.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { mergeReceivedSignal, ticketQuery } from '../../workflows/messages.ts';
import { TicketStatus, workflowIdFor, type TicketSnapshot } from '../../workflows/types.ts';
import { NotFoundError, ServiceError, UnavailableError } from '../errors.ts';
import { performTicketAction } from './actions.ts';
import type { TicketRecord } from '../../db/tickets-repo.ts';
import type { TicketDeps } from './deps.ts';

export type MergeDeps = Pick<TicketDeps, 'temporal' | 'privacy' | 'tickets'>;

/** How long a merge waits for the workflow (a query, the signal) before the caller gets a 503. */
const DEADLINE_MS = 15_000;
/** How long the answer waits for the target's read model to show the merge it received. */
const SHOWN_WITHIN_MS = 5_000;

const FINISHED: ReadonlySet<string> = new Set([TicketStatus.closed, TicketStatus.cancelled]);

async function reading<R>(p: Promise<R>): Promise<R> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ServiceError) throw err;
    throw new UnavailableError(err);
  }
}

/** The target's refusal for its status, if it cannot take a merge. */
function targetRefusal(target: Pick<TicketSnapshot, 'number' | 'status' | 'sla'>): ServiceError | null {
  if (target.status === TicketStatus.merged) return new ServiceError(409, 'MERGE_INTO_MERGED', 'refusal.mergeIntoMerged', { number: target.number, into: target.sla?.merged?.into ?? '—' });
  if (FINISHED.has(target.status)) return new ServiceError(409, 'MERGE_TARGET_FINISHED', 'refusal.mergeTargetFinished', { number: target.number, status: target.status });
  return null;
}

/** The target as its workflow holds it now (newer than the read model); a workflow gone is a finished ticket. */
async function liveTarget(deps: MergeDeps, number: string): Promise<Pick<TicketSnapshot, 'number' | 'status' | 'sla'> | null> {
  try {
    return await deps.temporal.withDeadline(Date.now() + DEADLINE_MS, () => deps.temporal.workflow.getHandle(workflowIdFor(number)).query(ticketQuery));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw new UnavailableError(err);
  }
}

async function tellTarget(deps: MergeDeps, source: string, into: string, by: { actor: string; reason: string }): Promise<void> {
  let sealed: { actor: string; reason: string };
  try {
    sealed = await deps.privacy.sealReclassify(into, by);
  } catch (err) {
    throw new UnavailableError(err);
  }
  try {
    await deps.temporal.withDeadline(Date.now() + DEADLINE_MS, () => deps.temporal.workflow.getHandle(workflowIdFor(into)).signal(mergeReceivedSignal, { from: source, actor: sealed.actor, reason: sealed.reason }));
  } catch (err) {
    // The target finished in between: the merge stands (the source names it), there is nobody left to tell.
    if (err instanceof WorkflowNotFoundError) return;
    throw new UnavailableError(err);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let mergesInProcess: Promise<unknown> = Promise.resolve();
/** Runs `fn` after every merge this process started before it has finished (whatever its outcome). */
function oneAtATime<R>(fn: () => Promise<R>): Promise<R> {
  const run = mergesInProcess.then(fn, fn);
  mergesInProcess = run.catch(() => undefined);
  return run;
}

/** The target once its read model shows the merge (or as it stands after a short wait). */
async function targetShowing(deps: MergeDeps, source: string, into: string): Promise<TicketRecord> {
  const until = Date.now() + SHOWN_WITHIN_MS;
  for (;;) {
    const t = await reading(deps.tickets.get(into));
    if (!t) throw new NotFoundError('errors.ticketNotFound', { number: into });
    if (t.timeline.some((e) => e.type === 'merge_received' && e.data.from === source) || FINISHED.has(t.status) || t.status === TicketStatus.merged || Date.now() >= until) return t;
    await sleep(100);
  }
}

/**
 * Merges `source` into `into` as `by.actor`, for `by.reason` (see the module comment for the
 * checks and their answers). Returns both tickets after the merge, from the read model.
 */
export async function mergeTicket(deps: MergeDeps, source: string, into: string, by: { actor: string; reason: string }): Promise<{ source: TicketRecord; target: TicketRecord }> {
  if (into === source) throw new ServiceError(409, 'MERGE_INTO_SELF', 'refusal.mergeIntoSelf', { number: source });
  // Checked and merged under both tickets' locks: A into B beside B into A would otherwise both
  // pass their checks and leave two merged tickets pointing at each other, and nobody working.
  // One merge at a time in this process: the locks hold a pool connection while the checks need
  // others from the same pool, so many at once could take them all and wait on each other.
  await oneAtATime(() => reading(deps.tickets.whileLocked([source, into], async () => {
    const [target, current] = await reading(Promise.all([deps.tickets.get(into), deps.tickets.get(source)]));
    if (!current) throw new NotFoundError('errors.ticketNotFound', { number: source });
    if (!target) throw new NotFoundError('errors.ticketNotFound', { number: into });
    if (current.status === TicketStatus.merged && current.sla?.merged?.into === into) return; // a retry: tell the target again
    const refused = targetRefusal(target);
    if (refused) throw refused;
    const live = await liveTarget(deps, into);
    if (!live) throw new ServiceError(409, 'MERGE_TARGET_FINISHED', 'refusal.mergeTargetFinished', { number: into, status: target.status });
    const refusedNow = targetRefusal(live);
    if (refusedNow) throw refusedNow;
    await performTicketAction(deps, source, { action: 'merge', actor: by.actor, into, reason: by.reason });
  })));
  await tellTarget(deps, source, into, by);
  const [sourceAfter, targetAfter] = await Promise.all([reading(deps.tickets.get(source)), targetShowing(deps, source, into)]);
  if (!sourceAfter) throw new NotFoundError('errors.ticketNotFound', { number: source });
  return { source: sourceAfter, target: targetAfter };
}

/**
 * The tickets merged into this one, in the order they were merged: the target's own record of
 * each merge it received (`merge_received` in its timeline, which the read model keeps).
 */
export function mergedSources(t: Pick<TicketRecord, 'timeline'>): string[] {
  return [...new Set(t.timeline.filter((e) => e.type === 'merge_received' && typeof e.data.from === 'string').map((e) => e.data.from as string))];
}
