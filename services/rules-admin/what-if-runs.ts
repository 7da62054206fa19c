/**
 * What-if runs, as the web process starts, follows and cancels them (issue 11, item 6). A run is a
 * row in what_if_runs (the candidate, the period, status, progress, result) and a `whatIfRun`
 * workflow on the worker (workflows/what-if.ts) that does the work and writes its progress to the
 * row. So a page that polls gets the same answer from any web process, a run survives a restart
 * of the web process or of a worker, and a cancellation asked through one web process stops a
 * run another one started.
 *
 * Decisions:
 * - the candidate is validated again before anything is written (422 naming the problems): the
 *   worker never runs an invalid file;
 * - a period is [from, to) of ticket creation, from before to; at most 366 days;
 * - cancelling notes the request on the row first (the activity sees it at its next page, and a
 *   run no worker has started yet is cancelled at once), then cancels the workflow, whose
 *   cancellation reaches the activity on its next heartbeat; cancelling a finished run changes
 *   nothing; when Temporal cannot be reached the row's note still stops the run;
 * - when the workflow cannot be started (Temporal unreachable) the run is marked failed
 *   (`startFailed`) and the answer is 503: nothing runs half-started;
 * - a failed run's `error` is a code (WHAT_IF_RUN_ERRORS), said in the reader's words by the
 *   run's page (admin:whatIf.runError.<code>); no internal message reaches a page or the API.
 */
import type { Client } from '@temporalio/client';
import type { WhatIfRunRecord, WhatIfRunsRepo } from '../../db/what-if-runs-repo.ts';
import type { RulesFile } from '../../rules/types.ts';
import { validateRulesObject } from '../../rules/validate.ts';
import type { whatIfRun } from '../../workflows/what-if.ts';
import { whatIfWorkflowId } from '../../workflows/what-if-types.ts';
import { NotFoundError, UnavailableError, ValidationError, type FieldProblem } from '../errors.ts';
import type { WhatIfSummary } from './what-if.ts';

export interface WhatIfRunsDeps {
  runs: WhatIfRunsRepo;
  temporal: Client;
  /** The workers' task queue (TEMPORAL_TASK_QUEUE). */
  taskQueue: string;
}

/** A period of ticket creation, [from, to): ISO 8601 instants (or Dates). */
export interface WhatIfPeriodInput {
  from: string | Date;
  to: string | Date;
}

/** A run as a page shows it: its status and progress, and its figures once done. */
export interface WhatIfRunView extends WhatIfRunRecord {
  /** A cancellation was asked for and the run has not stopped yet. */
  cancelling: boolean;
  /** The figures (services/rules-admin/what-if.ts); null until the run is done. */
  result: WhatIfSummary | null;
}

/** The longest period a run covers. */
export const MAX_PERIOD_DAYS = 366;
const DAY_MS = 86_400_000;
const START_DEADLINE_MS = 8_000;

function instant(v: unknown): number {
  if (v instanceof Date) return v.getTime();
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v.trim())) return Number.NaN;
  return Date.parse(v.trim());
}

/** The period in epoch ms. @throws ValidationError naming `period.from` / `period.to` */
export function checkPeriod(period: WhatIfPeriodInput): { fromMs: number; toMs: number } {
  const fromMs = instant(period?.from);
  const toMs = instant(period?.to);
  const problems: FieldProblem[] = [];
  if (Number.isNaN(fromMs)) problems.push({ field: 'period.from', key: 'invalid' });
  if (Number.isNaN(toMs)) problems.push({ field: 'period.to', key: 'invalid' });
  if (!problems.length && toMs <= fromMs) problems.push({ field: 'period.to', key: 'periodOrder' });
  if (!problems.length && toMs - fromMs > MAX_PERIOD_DAYS * DAY_MS) problems.push({ field: 'period.to', key: 'periodTooLong', params: { days: MAX_PERIOD_DAYS } });
  if (problems.length) throw new ValidationError(problems);
  return { fromMs, toMs };
}

export function createWhatIfRuns(deps: WhatIfRunsDeps) {
  async function view(record: WhatIfRunRecord): Promise<WhatIfRunView> {
    const result = record.status === 'done' ? ((await deps.runs.result(record.id)) as WhatIfSummary | null) : null;
    return { ...record, cancelling: record.cancelRequestedAt !== null && (record.status === 'queued' || record.status === 'running'), result };
  }

  async function found(runId: string): Promise<WhatIfRunRecord> {
    let record: WhatIfRunRecord | undefined;
    try {
      record = await deps.runs.get(runId);
    } catch (err) {
      throw new UnavailableError(err);
    }
    if (!record) throw new NotFoundError('admin:errors.noWhatIfRun', { id: String(runId).slice(0, 40) });
    return record;
  }

  return {
    /**
     * Queues a what-if of `candidate` over the tickets created in `period`, asked for by user
     * `by` (from draft `draftId`, when it is one), and starts its workflow.
     * @returns the run's id
     * @throws ValidationError (422) for an invalid candidate or period; UnavailableError (503) when it cannot be started
     */
    async start(candidate: RulesFile, period: WhatIfPeriodInput, by: { id: number }, opts: { draftId?: number | null } = {}): Promise<string> {
      const checked = validateRulesObject(candidate);
      const problems: FieldProblem[] = checked.ok ? [] : checked.problems.map((p) => ({ field: `candidate${p.path.replace(/^\$/, '')}`, key: 'invalid', params: { code: p.code, message: p.message } }));
      let range: { fromMs: number; toMs: number } | undefined;
      try {
        range = checkPeriod(period);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        problems.push(...err.fields);
      }
      if (problems.length || !checked.ok || !range) throw new ValidationError(problems);
      let run: WhatIfRunRecord;
      try {
        run = await deps.runs.create({ requestedBy: by.id, draftId: opts.draftId ?? null, candidate: checked.file, period: range });
      } catch (err) {
        throw new UnavailableError(err);
      }
      try {
        await deps.temporal.withDeadline(Date.now() + START_DEADLINE_MS, () =>
          deps.temporal.workflow.start<typeof whatIfRun>('whatIfRun', {
            workflowId: whatIfWorkflowId(run.id),
            taskQueue: deps.taskQueue,
            args: [{ runId: run.id }],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          }),
        );
      } catch (err) {
        await deps.runs.settle(run.id, 'failed', 'startFailed').catch(() => undefined);
        throw new UnavailableError(err);
      }
      return run.id;
    },

    /** The run's status, progress and (once done) its figures. @throws NotFoundError */
    async get(runId: string): Promise<WhatIfRunView> {
      return view(await found(runId));
    },

    /**
     * Stops a run that has not finished; a finished run is returned as it is.
     * @throws NotFoundError
     */
    async cancel(runId: string): Promise<WhatIfRunView> {
      const before = await found(runId);
      if (before.status !== 'queued' && before.status !== 'running') return view(before);
      let after: WhatIfRunRecord | undefined;
      try {
        after = await deps.runs.requestCancel(runId);
      } catch (err) {
        throw new UnavailableError(err);
      }
      try {
        await deps.temporal.withDeadline(Date.now() + START_DEADLINE_MS, () => deps.temporal.workflow.getHandle(whatIfWorkflowId(runId)).cancel());
      } catch {
        // Already closed (WorkflowNotFoundError), or Temporal unreachable: the row's note stops a run that is still going.
      }
      return view(after ?? before);
    },
  };
}

export type WhatIfRuns = ReturnType<typeof createWhatIfRuns>;
