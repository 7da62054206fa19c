/**
 * A ticket's histories wherever they are kept (docs/audit-archive.md): every run of
 * `ticket-<number>`, oldest first, read from the archive in PostgreSQL when it was archived
 * (its text checked against the sha256 recorded then), else from Temporal. A run that neither
 * holds any more is listed as missing with a sentence saying why. The timeline, the replay check
 * and the evidence export read histories only through here.
 *
 * Also the archive's operations for the CLI (`helpdesk audit archive [--status]`): a sweep now,
 * with this process's Temporal client (the same sweep as the scheduled one, activities/archive.ts),
 * and the status: the closed runs not archived yet, with their failures.
 */
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, isGrpcServiceError, type Client } from '@temporalio/client';
import { closedRunsQuery, historyText, listClosedRuns, sweepClosedHistories, type ArchiveStore } from '../../activities/archive.ts';
import type { ArchiveFailure, ArchivedRun, HistoryArchiveRepo } from '../../db/history-archive-repo.ts';
import type { ArchiveSweepSummary } from '../../workflows/archive-types.ts';
import { workflowIdFor } from '../../workflows/types.ts';
import type { HistoryJson, HistorySource, RunHistory, TicketHistories } from './types.ts';
import { UnavailableError } from '../errors.ts';

export interface HistorySourceDeps {
  /** Without one (Temporal not reachable), only archived histories are read: a ticket whose every run is archived is whole, any other fails. */
  client?: Client | undefined;
  archive: ArchiveStore & Pick<HistoryArchiveRepo, 'runsOf' | 'count'>;
  /** The task queue whose ticket runs the archive's sweep and status cover (not needed to read a ticket's histories). */
  taskQueue?: string;
}

/** A closed run not archived yet, as the status reports it. */
export interface UnarchivedRun {
  workflowId: string;
  runId: string;
  ticketNumber: string;
  closedAt: string | null;
  /** pending: closed, not tried yet or not failed; failing: a sweep failed on it (retried); lost: Temporal no longer has it. */
  state: 'pending' | 'failing' | 'lost';
  failure: Pick<ArchiveFailure, 'attempts' | 'lastError' | 'firstFailedAt' | 'lastAttemptAt'> | null;
  /** Closed longer ago than one archive interval (or lost): the archive is behind. */
  overdue: boolean;
}

export interface ArchiveStatus {
  checkedAt: string;
  /** Runs the archive holds (every ticket). */
  archivedRuns: number;
  /** Closed runs Temporal's visibility lists for the task queue. */
  closedRuns: number;
  /** Up to when the last complete sweep listed closed runs, or null before the first. */
  listedUntil: string | null;
  notArchived: UnarchivedRun[];
  /** Closed runs left out by design: their ticket is not in the database (deleted by retention), or it was reported before sealing. */
  skipped: { noTicket: number; legacy: number };
  overdue: number;
}

export interface HistorySourceWithArchive extends HistorySource {
  /** Sweeps the closed runs into the archive now: those of one ticket, or (without a number) every one not archived yet. */
  archiveNow(number?: string): Promise<ArchiveSweepSummary>;
  /** The closed runs not archived yet, with their failures; `intervalMs`: the archive's interval (a run closed longer ago is overdue). */
  archiveStatus(opts: { intervalMs: number; nowMs?: number }): Promise<ArchiveStatus>;
}

/** How long Temporal may take to list a ticket's runs, and to hand over one run's history. */
const LIST_DEADLINE_MS = 10_000;
const FETCH_DEADLINE_MS = 30_000;

const STATUS: Record<string, string> = { RUNNING: 'running', COMPLETED: 'completed', CONTINUED_AS_NEW: 'continued_as_new', FAILED: 'failed', CANCELLED: 'cancelled', TERMINATED: 'terminated', TIMED_OUT: 'timed_out' };

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const isNotFound = (err: unknown) => err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === 5);
const byAge = (a: { startedAt: string | null; closedAt: string | null }, b: { startedAt: string | null; closedAt: string | null }) =>
  (a.startedAt ?? '').localeCompare(b.startedAt ?? '') || (a.closedAt ?? '\uffff').localeCompare(b.closedAt ?? '\uffff');

/** A run listed by Temporal's visibility. */
interface Listed { runId: string; status: string; startedAt: string | null; closedAt: string | null }

/** The archive alone tells the whole story when its newest run ended the workflow (it did not continue as new; only closed runs are archived). */
function wholeInArchive(archived: ArchivedRun[]): boolean {
  const last = [...archived].sort(byAge).at(-1);
  return last !== undefined && last.status !== 'continued_as_new';
}

export function createHistorySource(deps: HistorySourceDeps): HistorySourceWithArchive {
  const client = (): Client => {
    if (!deps.client) throw new Error('The history archive\'s sweep and status read Temporal: start the helpdesk (`helpdesk start`), or set TEMPORAL_ADDRESS to the Temporal its workers use.');
    return deps.client;
  };
  const taskQueue = (): string => {
    if (!deps.taskQueue) throw new Error('The history archive needs the task queue of the ticket workflows (HELPDESK_TASK_QUEUE) to sweep or report.');
    return deps.taskQueue;
  };

  /**
   * Temporal's answer within `ms`: a Temporal out of reach is a fault said within seconds (a
   * page's 503, the CLI's sentence), not after the client's connection retries of a minute or more.
   */
  const soon = <T>(fn: () => Promise<T>, ms = LIST_DEADLINE_MS): Promise<T> => client().withDeadline(Date.now() + ms, fn);

  async function listRuns(workflowId: string): Promise<Listed[]> {
    return soon(async () => {
      const listed: Listed[] = [];
      for await (const w of client().workflow.list({ query: `WorkflowId = '${workflowId.replace(/['\\]/g, '')}'` })) {
        listed.push({ runId: w.runId, status: STATUS[w.status.name] ?? w.status.name.toLowerCase(), startedAt: w.startTime.toISOString(), closedAt: w.closeTime?.toISOString() ?? null });
      }
      return listed;
    });
  }

  function fromArchive(a: ArchivedRun, problems: NonNullable<TicketHistories['problems']>): RunHistory {
    const actual = sha256(a.history);
    const run: RunHistory = {
      workflowId: a.workflowId, runId: a.runId, status: a.status, origin: 'archive', eventCount: a.eventCount, sha256: actual, text: a.history,
      history: parse(a.history), startedAt: a.startedAt, closedAt: a.closedAt,
    };
    if (actual !== a.sha256) {
      run.recordedSha256 = a.sha256;
      problems.push({ runId: a.runId, why: `The archived history of run ${a.runId} no longer matches the sha256 recorded when it was archived (${a.sha256}, now ${actual}): it was changed in the database after archiving.` });
    }
    return run;
  }

  return {
    async forTicket(number: string): Promise<TicketHistories> {
      const workflowId = workflowIdFor(number);
      const [archived, failures] = await Promise.all([deps.archive.runsOf(workflowId), deps.archive.failures(workflowId)]);
      // Temporal out of reach is a fault (tried again by the caller) unless the archive holds the whole story.
      const listed = await listRuns(workflowId).catch((err: unknown) => {
        if (wholeInArchive(archived)) return [];
        // No client at all (the CLI found no Temporal to reach) is Temporal out of reach, too.
        throw deps.client ? err : new UnavailableError(err);
      });
      const runs: RunHistory[] = [];
      const missing: TicketHistories['missing'] = [];
      const problems: NonNullable<TicketHistories['problems']> = [];
      const inArchive = new Set(archived.map((a) => a.runId));
      for (const a of archived) runs.push(fromArchive(a, problems));
      for (const r of listed) {
        if (inArchive.has(r.runId)) continue;
        try {
          const text = historyText(await soon(() => client().workflow.getHandle(workflowId, r.runId).fetchHistory(), FETCH_DEADLINE_MS));
          const history = parse(text);
          runs.push({ workflowId, runId: r.runId, status: r.status, origin: 'temporal', eventCount: history.events.length, sha256: sha256(text), text, history, startedAt: r.startedAt, closedAt: r.closedAt });
        } catch (err) {
          if (!isNotFound(err)) throw err;
          missing.push({ runId: r.runId, closedAt: r.closedAt, why: `Temporal listed run ${r.runId} but no longer has its history (the namespace's retention passed, or it was deleted), and the archive does not hold it.` });
        }
      }
      // Runs only the archive's failure records still know: Temporal has forgotten them before they could be archived.
      const known = new Set([...inArchive, ...listed.map((r) => r.runId)]);
      for (const f of failures) {
        if (known.has(f.runId)) continue;
        missing.push({ runId: f.runId, closedAt: f.closedAt, why: `Temporal no longer has run ${f.runId} and the archive does not hold it: archiving it failed ${f.attempts} ${f.attempts === 1 ? 'time' : 'times'}, last at ${f.lastAttemptAt}: ${f.lastError}` });
      }
      runs.sort(byAge);
      missing.sort((a, b) => (a.closedAt ?? '').localeCompare(b.closedAt ?? ''));
      return { number, workflowId, runs, missing, ...(problems.length ? { problems } : {}) };
    },

    archiveNow(number?: string): Promise<ArchiveSweepSummary> {
      return sweepClosedHistories({ client: client(), archive: deps.archive, taskQueue: taskQueue(), log: () => {} }, { atMs: Date.now(), ...(number ? { ticket: number } : {}) });
    },

    async archiveStatus({ intervalMs, nowMs = Date.now() }): Promise<ArchiveStatus> {
      const queue = taskQueue();
      const closed = await listClosedRuns(client(), closedRunsQuery(queue));
      const [archived, kinds, failures, archivedRuns, listedUntil] = await Promise.all([
        deps.archive.archivedAmong(closed), deps.archive.ticketKinds(closed.map((c) => c.ticketNumber)), deps.archive.failures(), deps.archive.count(), deps.archive.listedUntil(queue),
      ]);
      const failureOf = new Map(failures.map((f) => [`${f.workflowId}/${f.runId}`, f]));
      const skipped = { noTicket: 0, legacy: 0 };
      const notArchived: UnarchivedRun[] = [];
      const due = nowMs - intervalMs;
      const failureView = (f: ArchiveFailure | undefined) => (f ? { attempts: f.attempts, lastError: f.lastError, firstFailedAt: f.firstFailedAt, lastAttemptAt: f.lastAttemptAt } : null);
      for (const c of closed) {
        const key = `${c.workflowId}/${c.runId}`;
        if (archived.has(key)) continue;
        const kind = kinds.get(c.ticketNumber);
        if (kind !== 'sealed') {
          skipped[kind ? 'legacy' : 'noTicket']++;
          continue;
        }
        const f = failureOf.get(key);
        notArchived.push({ workflowId: c.workflowId, runId: c.runId, ticketNumber: c.ticketNumber, closedAt: c.closedAt, state: f ? 'failing' : 'pending', failure: failureView(f), overdue: Date.parse(c.closedAt) < due });
      }
      const listedKeys = new Set(closed.map((c) => `${c.workflowId}/${c.runId}`));
      for (const f of failures) {
        if (listedKeys.has(`${f.workflowId}/${f.runId}`)) continue;
        notArchived.push({ workflowId: f.workflowId, runId: f.runId, ticketNumber: f.ticketNumber, closedAt: f.closedAt, state: 'lost', failure: failureView(f), overdue: true });
      }
      notArchived.sort((a, b) => (a.closedAt ?? '').localeCompare(b.closedAt ?? ''));
      return { checkedAt: new Date(nowMs).toISOString(), archivedRuns, closedRuns: closed.length, listedUntil, notArchived, skipped, overdue: notArchived.filter((r) => r.overdue).length };
    },
  };
}

function parse(text: string): HistoryJson {
  const parsed = JSON.parse(text) as Partial<HistoryJson>;
  return { ...parsed, events: Array.isArray(parsed.events) ? parsed.events : [] };
}

