/**
 * The history archive's sweep (docs/audit-archive.md): the closed runs of the task queue's ticket
 * workflows — completed, cancelled, failed, terminated, timed out, and every run that continued as
 * new — each exported from Temporal into PostgreSQL (db/history-archive-repo.ts) as
 * `historyToJSON`'s JSON (keys sorted: historyText) with its event count and sha256. Payloads are copied as Temporal stored
 * them: encrypted under the service keys, personal fields sealed per person; nothing is decoded.
 *
 * Which runs: those Temporal's visibility lists as closed since the last complete sweep (less a
 * margin for the visibility's lag), plus every run a sweep failed on before. A run archived
 * already is skipped; one whose ticket is not in the database (deleted by retention) or was
 * reported before sealing (its history holds personal data in plain text, which the archive would
 * keep out of erasure's reach) is left out by design. A run that cannot be fetched or stored is
 * recorded as a failure — attempts, a sentence without personal data, when — and retried by the
 * next sweep; the worker's log gets the error's class and code, never its message.
 *
 * `archiveClosedHistories` is the scheduled workflow's activity (workflows/archive.ts), with the
 * worker's own Temporal client; services/audit/histories.ts runs the same sweep with a process's
 * client (`helpdesk audit archive`).
 */
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { isGrpcServiceError, WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils.js';
import type { ArchivedRunInput, ArchivedStatus, HistoryArchiveRepo } from '../db/history-archive-repo.ts';
import type { ArchiveActivities, ArchiveSweepInput, ArchiveSweepSummary } from '../workflows/archive-types.ts';
import { internalDetail, warn } from './run-log.ts';

/** Temporal's visibility may list a closed run a little late: each sweep lists again this far before the last one. */
export const VISIBILITY_MARGIN_MS = 10 * 60_000;
export const TICKET_WORKFLOW_TYPE = 'ticketWorkflow';
const TICKET_PREFIX = 'ticket-';

const STATUS: Partial<Record<WorkflowExecutionInfo['status']['name'], ArchivedStatus>> = {
  COMPLETED: 'completed', CONTINUED_AS_NEW: 'continued_as_new', FAILED: 'failed', CANCELLED: 'cancelled', TERMINATED: 'terminated', TIMED_OUT: 'timed_out',
};

/** A closed run as the sweep knows it: what the archive keeps of it, before its history is fetched. */
export type ClosedRun = Omit<ArchivedRunInput, 'eventCount' | 'sha256' | 'history'>;

export type ArchiveStore = Pick<HistoryArchiveRepo, 'store' | 'archivedAmong' | 'ticketKinds' | 'recordFailure' | 'clearFailure' | 'failures' | 'listedUntil' | 'markListed'>;

export interface ArchiveSweepDeps {
  client: Client;
  archive: ArchiveStore;
  /** The task queue whose ticket workflows are swept (deployments sharing a namespace sweep their own). */
  taskQueue: string;
  /** How a run's history is fetched; the client's fetchHistory unless a test puts a failing one here. */
  fetchHistory?: (workflowId: string, runId: string) => Promise<History>;
  /** Told after every run (the activity heartbeats with it). */
  progress?: (p: { done: number; total: number }) => void;
  /** The worker's log (what went wrong, without messages). */
  log?: (line: string) => void;
}

const quote = (s: string) => `'${s.replace(/['\\]/g, '')}'`;

/** The visibility query of the task queue's closed ticket runs, closed since `since` (ISO) when given; of one workflow when given. */
export function closedRunsQuery(taskQueue: string, opts: { since?: string | null; workflowId?: string } = {}): string {
  const parts = [`WorkflowType = ${quote(TICKET_WORKFLOW_TYPE)}`, `TaskQueue = ${quote(taskQueue)}`, `ExecutionStatus != 'Running'`];
  if (opts.workflowId) parts.push(`WorkflowId = ${quote(opts.workflowId)}`);
  if (opts.since) parts.push(`CloseTime >= ${quote(opts.since)}`);
  return parts.join(' AND ');
}

/** The closed runs Temporal's visibility lists for `query` (ticket workflows only). */
export async function listClosedRuns(client: Client, query: string): Promise<ClosedRun[]> {
  const runs: ClosedRun[] = [];
  for await (const w of client.workflow.list({ query })) {
    const status = STATUS[w.status.name];
    if (!status || !w.workflowId.startsWith(TICKET_PREFIX)) continue;
    runs.push({ workflowId: w.workflowId, runId: w.runId, ticketNumber: w.workflowId.slice(TICKET_PREFIX.length), status, startedAt: w.startTime.toISOString(), closedAt: (w.closeTime ?? w.startTime).toISOString() });
  }
  return runs;
}

const isNotFound = (err: unknown) => err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === 5);

/** Why a run could not be archived: a sentence one can act on, naming no data (no error message: it may quote some). */
export function archiveFailureSentence(err: unknown): string {
  if (isNotFound(err)) return 'Temporal no longer has this run\'s history (the namespace\'s retention passed, or it was deleted) and it had not been archived.';
  if (err instanceof EmptyHistoryError) return 'Temporal returned this run\'s history without any event; the next sweep tries again.';
  if (isGrpcServiceError(err)) return `Temporal did not return this run's history (gRPC status ${err.code}); the next sweep tries again. Check that the Temporal server is reachable.`;
  const o = err as { parent?: { code?: unknown }; original?: { code?: unknown } } | null;
  const state = o?.parent?.code ?? o?.original?.code;
  if (typeof state === 'string' && /^[0-9A-Z]{5}$/.test(state)) return `The history could not be written to PostgreSQL (SQLSTATE ${state}); the next sweep tries again.`;
  const name = err instanceof Error ? err.name : typeof err;
  return `Archiving this run failed (${name}); the next sweep tries again. The worker's log says where it failed.`;
}

/** Temporal answered with a history of no events (it should never). */
class EmptyHistoryError extends Error {
  override name = 'EmptyHistoryError';
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The value with every object's keys in code-point order (arrays keep theirs). */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) out[k] = sortedKeys((value as Record<string, unknown>)[k]);
  return out;
}

/**
 * A history as the archive keeps and hashes it: `historyToJSON`'s JSON (what the Temporal CLI
 * prints, what historyFromJSON reads back) with every object's keys sorted. Temporal serialises
 * maps (a payload's metadata, headers, memo) in no fixed order, so two fetches of one history
 * print its keys differently; sorted, the same history always gives the same text and sha256,
 * from the archive or from Temporal.
 */
export function historyText(history: History): string {
  return JSON.stringify(sortedKeys(JSON.parse(historyToJSON(history))), null, 2);
}

/** The history's text, event count and hash, as the archive keeps them. */
export function archivedForm(history: History): { text: string; eventCount: number; sha256: string } {
  const text = historyText(history);
  return { text, eventCount: history.events?.length ?? 0, sha256: sha256(text) };
}

/**
 * One sweep: lists, archives, records failures. Idempotent and safe beside another sweep (the
 * archive keeps the first copy of a run). Listing errors throw (the activity is retried);
 * a run's own failure is recorded and the sweep goes on.
 */
export async function sweepClosedHistories(deps: ArchiveSweepDeps, input: ArchiveSweepInput): Promise<ArchiveSweepSummary> {
  const fetch = deps.fetchHistory ?? ((workflowId: string, runId: string) => deps.client.workflow.getHandle(workflowId, runId).fetchHistory());
  const log = deps.log ?? warn;
  const until = new Date(input.atMs).toISOString();
  const workflowId = input.ticket ? `${TICKET_PREFIX}${input.ticket}` : undefined;
  const mark = workflowId ? null : await deps.archive.listedUntil(deps.taskQueue);
  const since = mark ? new Date(Date.parse(mark) - VISIBILITY_MARGIN_MS).toISOString() : null;
  const listed = await listClosedRuns(deps.client, closedRunsQuery(deps.taskQueue, { since, ...(workflowId ? { workflowId } : {}) }));

  // Runs that failed before and were not listed this time: retried from their records.
  const seen = new Set(listed.map((r) => `${r.workflowId}/${r.runId}`));
  const retried: Array<ClosedRun | { workflowId: string; runId: string; ticketNumber: string; closedAt: string | null; status: null }> = [];
  for (const f of await deps.archive.failures(workflowId)) {
    if (!seen.has(`${f.workflowId}/${f.runId}`)) retried.push({ workflowId: f.workflowId, runId: f.runId, ticketNumber: f.ticketNumber, closedAt: f.closedAt, status: null });
  }
  const candidates = [...listed, ...retried];
  const archived = await deps.archive.archivedAmong(candidates);
  const kinds = await deps.archive.ticketKinds(candidates.map((c) => c.ticketNumber));
  const summary: ArchiveSweepSummary = { considered: candidates.length, archived: 0, alreadyArchived: 0, failed: 0, skipped: { noTicket: 0, legacy: 0 }, listedUntil: workflowId ? null : until };

  let done = 0;
  for (const c of candidates) {
    const kind = kinds.get(c.ticketNumber);
    try {
      if (archived.has(`${c.workflowId}/${c.runId}`)) {
        summary.alreadyArchived++;
        await deps.archive.clearFailure(c.workflowId, c.runId);
      } else if (!kind || kind === 'legacy') {
        summary.skipped[kind ? 'legacy' : 'noTicket']++;
        await deps.archive.clearFailure(c.workflowId, c.runId);
      } else {
        const run = c.status ? c : await describeClosed(deps.client, c.workflowId, c.runId);
        const form = archivedForm(await fetch(c.workflowId, c.runId));
        if (form.eventCount === 0) throw new EmptyHistoryError('no events');
        const outcome = await deps.archive.store({ ...run, ticketNumber: c.ticketNumber, eventCount: form.eventCount, sha256: form.sha256, history: form.text });
        if (outcome === 'stored') summary.archived++;
        else if (outcome === 'exists') summary.alreadyArchived++;
        else summary.skipped.noTicket++;
      }
    } catch (err) {
      summary.failed++;
      log(`history archive: run ${c.runId} of ${c.workflowId} not archived: ${internalDetail(err)}`);
      await deps.archive.recordFailure({ workflowId: c.workflowId, runId: c.runId, ticketNumber: c.ticketNumber, closedAt: c.closedAt, error: archiveFailureSentence(err), at: new Date().toISOString() });
    }
    deps.progress?.({ done: ++done, total: candidates.length });
  }
  if (!workflowId) await deps.archive.markListed(deps.taskQueue, until);
  return summary;
}

/** A run known from a failure record, as Temporal describes it now (NotFound when its history is gone). */
async function describeClosed(client: Client, workflowId: string, runId: string): Promise<ClosedRun> {
  const d = await client.workflow.getHandle(workflowId, runId).describe();
  const status = STATUS[d.status.name];
  if (!status) throw new Error(`run ${runId} is not closed`);
  return { workflowId, runId, ticketNumber: workflowId.slice(TICKET_PREFIX.length), status, startedAt: d.startTime.toISOString(), closedAt: (d.closeTime ?? d.startTime).toISOString() };
}

export interface ArchiveActivityDeps {
  /** The history archive's rows (db/history-archive-repo.ts). */
  historyArchive: ArchiveStore;
}

export function createArchiveActivities(deps: ArchiveActivityDeps): Pick<ArchiveActivities, 'archiveClosedHistories'> {
  return {
    async archiveClosedHistories(input: ArchiveSweepInput): Promise<ArchiveSweepSummary> {
      const ctx = Context.current();
      return sweepClosedHistories({
        client: ctx.client,
        archive: deps.historyArchive,
        taskQueue: ctx.info.taskQueue,
        progress: (p) => ctx.heartbeat(p),
        log: (line) => ctx.log.warn(line),
      }, input);
    },
  };
}
