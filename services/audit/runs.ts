/**
 * Period replay checks as durable runs (docs/audit-runs.md): the web process starts, follows and
 * cancels them; the worker does them. A run is a row in audit_runs (the period, status, progress,
 * counts, the first differing tickets) and an `auditPeriodRun` workflow (workflows/audit-run.ts)
 * whose activity runs checkPeriod (index.ts) and writes its progress to the row. So a page that
 * polls gets the same answer from any web process, a run survives a restart of the web process or
 * of a worker, and a cancellation asked through one web process stops a run another one started.
 * The same shape as the process owners' what-if runs (services/rules-admin/what-if-runs.ts).
 *
 * Decisions:
 * - a period is [from, to) of the instant a ticket was closed, cancelled or merged, as the CLI's
 *   `helpdesk audit replay --closed-between FROM TO`: dates (YYYY-MM-DD, the start of that day in
 *   UTC) or ISO 8601 instants with a zone; from before to; at most MAX_PERIOD_DAYS;
 * - the row and its `audit.period_check_started` entry (actor user:<id>) are written together,
 *   after the period is checked: a refused period writes nothing;
 * - when the workflow cannot be started (Temporal unreachable) the run is marked failed
 *   (`startFailed`) and the answer is 503: nothing runs half-started;
 * - cancelling notes the request on the row first (the activity sees it after its batch, and a run
 *   no worker has started yet is cancelled at once), then cancels the workflow; cancelling a
 *   finished run changes nothing.
 */
import type { Client } from '@temporalio/client';
import { AuditRunInProgress, type AuditRunRecord, type AuditRunsRepo } from '../../db/audit-runs-repo.ts';
import type { auditPeriodRun } from '../../workflows/audit-run.ts';
import { auditPeriodWorkflowId } from '../../workflows/audit-run-types.ts';
import { instantOf } from './period.ts';
import { ConflictError, NotFoundError, UnavailableError, ValidationError, type FieldProblem } from '../errors.ts';

export interface AuditRunsDeps {
  runs: AuditRunsRepo;
  temporal: Client;
  /** The workers' task queue (TEMPORAL_TASK_QUEUE). */
  taskQueue: string;
}

/** A period of closing, [from, to): dates (YYYY-MM-DD, UTC) or ISO 8601 instants with a zone, or Dates. */
export interface AuditPeriodInput {
  from?: unknown;
  to?: unknown;
}

/** A run as a page shows it. */
export interface AuditRunView extends AuditRunRecord {
  /** A cancellation was asked for and the run has not stopped yet. */
  cancelling: boolean;
}

/** The longest period a run covers. */
export const MAX_PERIOD_DAYS = 366;
/** How many runs `list` gives at most. */
export const MAX_LISTED_RUNS = 100;
const DAY_MS = 86_400_000;
const START_DEADLINE_MS = 8_000;
/** Epoch ms of a date or an instant (services/audit/period.ts); undefined when absent, NaN when not one. */
function instant(v: unknown): number | undefined {
  if (v instanceof Date) return v.getTime();
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return undefined;
  if (typeof v !== 'string') return Number.NaN;
  return instantOf(v) ?? Number.NaN;
}

/** The period in epoch ms. @throws ValidationError naming `from` / `to` (keys under api:field.) */
export function checkRunPeriod(period: AuditPeriodInput | undefined): { fromMs: number; toMs: number } {
  const fromMs = instant(period?.from);
  const toMs = instant(period?.to);
  const problems: FieldProblem[] = [];
  for (const [field, ms] of [['from', fromMs], ['to', toMs]] as const) {
    if (ms === undefined) problems.push({ field, key: 'required' });
    else if (Number.isNaN(ms)) problems.push({ field, key: 'invalid' });
  }
  if (!problems.length && toMs! <= fromMs!) problems.push({ field: 'to', key: 'periodOrder' });
  if (!problems.length && toMs! - fromMs! > MAX_PERIOD_DAYS * DAY_MS) problems.push({ field: 'to', key: 'periodTooLong', params: { days: MAX_PERIOD_DAYS } });
  if (problems.length) throw new ValidationError(problems);
  return { fromMs: fromMs!, toMs: toMs! };
}

const view = (r: AuditRunRecord): AuditRunView => ({ ...r, cancelling: r.cancelRequestedAt !== null && (r.status === 'queued' || r.status === 'running') });

export function createAuditRuns(deps: AuditRunsDeps) {
  async function found(runId: string): Promise<AuditRunRecord> {
    let record: AuditRunRecord | undefined;
    try {
      record = await deps.runs.get(String(runId));
    } catch (err) {
      throw new UnavailableError(err);
    }
    if (!record) throw new NotFoundError('auditor-runs:errors.noRun', { id: String(runId).slice(0, 40) });
    return record;
  }

  return {
    /**
     * Queues the replay check of the tickets closed, cancelled or merged in `period`, asked for by user
     * `by`, and starts its workflow.
     * @throws ValidationError (422) for a bad period; ConflictError (409) while another run is
     *   queued or running; UnavailableError (503) when it cannot be started
     */
    async start(period: AuditPeriodInput | undefined, by: { id: number }): Promise<AuditRunView> {
      const range = checkRunPeriod(period);
      let run: AuditRunRecord;
      try {
        run = await deps.runs.create({ requestedBy: by.id, period: range });
      } catch (err) {
        // One check at a time (audit_runs_one_at_a_time): the start is refused, nothing written.
        if (err instanceof AuditRunInProgress) throw new ConflictError('AUDIT_RUN_IN_PROGRESS', 'auditor-runs:errors.oneAtATime');
        throw new UnavailableError(err);
      }
      try {
        await deps.temporal.withDeadline(Date.now() + START_DEADLINE_MS, () =>
          deps.temporal.workflow.start<typeof auditPeriodRun>('auditPeriodRun', {
            workflowId: auditPeriodWorkflowId(run.id),
            taskQueue: deps.taskQueue,
            args: [{ runId: run.id }],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          }),
        );
      } catch (err) {
        await deps.runs.settle(run.id, 'failed', 'startFailed').catch(() => undefined);
        throw new UnavailableError(err);
      }
      return view(run);
    },

    /** The run's status, progress and counts. @throws NotFoundError */
    async get(runId: string): Promise<AuditRunView> {
      return view(await found(runId));
    },

    /** The newest runs first (at most MAX_LISTED_RUNS). */
    async list(limit = 20): Promise<AuditRunView[]> {
      try {
        return (await deps.runs.list(Math.max(1, Math.min(MAX_LISTED_RUNS, Math.floor(limit))))).map(view);
      } catch (err) {
        throw new UnavailableError(err);
      }
    },

    /** Stops a run that has not finished; a finished run is returned as it is. @throws NotFoundError */
    async cancel(runId: string): Promise<AuditRunView> {
      const before = await found(runId);
      if (before.status !== 'queued' && before.status !== 'running') return view(before);
      let after: AuditRunRecord | undefined;
      try {
        after = await deps.runs.requestCancel(before.id);
      } catch (err) {
        throw new UnavailableError(err);
      }
      try {
        await deps.temporal.withDeadline(Date.now() + START_DEADLINE_MS, () => deps.temporal.workflow.getHandle(auditPeriodWorkflowId(before.id)).cancel());
      } catch {
        // Already closed, or Temporal unreachable: the row's note stops a run that is still going.
      }
      return view(after ?? before);
    },
  };
}

export type AuditRuns = ReturnType<typeof createAuditRuns>;
