/**
 * Applying a rules version to open tickets, as a run (issue 11, item 8): a row in
 * rules_apply_runs (version, scope, reason, status, counts) and an `applyRulesRun` workflow on the
 * worker (workflows/apply-rules.ts) whose activity (activities/apply-rules.ts) calls
 * {@link runApply}: it goes through the open tickets on older versions in number order and sends
 * each selected one the reclassify signal with the reason, through the ticket service's
 * requestReclassification — the path of `POST /api/v1/tickets/{number}/reclassify` — so each
 * records a `reclassified` event with the actor and the reason, and its SLA clocks keep their
 * elapsed time.
 *
 * Decisions:
 * - only the active version can be applied (a re-classification decides under the active
 *   version): refused with 409 otherwise, and a run stops (failed, `superseded`) when another
 *   version is published while it goes on — the tickets it reached keep what they got;
 * - scope `changing` re-assesses each ticket as the preview does (apply.ts) when the run reaches
 *   it; `all` signals every open ticket on an older version, those that cannot be previewed too;
 * - idempotent: each ticket is recorded for the run when it reaches it, before it is signalled
 *   (rules_apply_run_tickets), so a retried attempt goes on from where the last one wrote its
 *   progress, signals no ticket twice and counts only the outcomes it sets itself (the row's
 *   counts are those of the recorded tickets); a ticket already on the version is skipped, as is
 *   one another run of the version signalled minutes ago; one run of a version at a time (409,
 *   held by a unique index also when two start at the same moment);
 * - a ticket that cannot be signalled (it finished meanwhile, its workflow is gone, its data was
 *   erased) is counted as failed with the reason; Temporal or PostgreSQL out of reach is tried
 *   again three times, then counted so too;
 * - cancelling notes the request on the row (seen after the ticket in hand), then cancels the
 *   workflow; the tickets signalled so far stay re-classified. Every run's end is audited
 *   (`rules.applied_to_open`, db/rules-apply-runs-repo.ts).
 */
import type { Client } from '@temporalio/client';
import type { ApplyCounts, ApplyRunRecord, ApplyScope, ClaimedApplyRun, RulesApplyRunsRepo } from '../../db/rules-apply-runs-repo.ts';
import type { UsersRepo } from '../../db/users-repo.ts';
import type { applyRulesRun } from '../../workflows/apply-rules.ts';
import { applyRulesWorkflowId } from '../../workflows/apply-rules-types.ts';
import { requestReclassification, type ActionDeps } from '../tickets/actions.ts';
import { ConflictError, NotFoundError, ServiceError, UnavailableError, ValidationError } from '../errors.ts';
import { createAssessor, previewApply, targetVersion, type ApplyDeps, type ApplyPreview, type PreviewInput } from './apply.ts';

export interface RulesApplyDeps extends ApplyDeps {
  runs: RulesApplyRunsRepo;
  temporal: Client;
  /** The workers' task queue (TEMPORAL_TASK_QUEUE). */
  taskQueue: string;
}

/** A run as a page shows it, with the tickets it could not signal. */
export interface ApplyRunView extends ApplyRunRecord {
  /** A cancellation was asked for and the run has not stopped yet. */
  cancelling: boolean;
  failures: Array<{ number: string; key: string; params: Record<string, unknown> }>;
}

export const APPLY_SCOPES: readonly ApplyScope[] = ['changing', 'all'];
const START_DEADLINE_MS = 8_000;
const REASON_MAX = 2000;

export function createRulesApply(deps: RulesApplyDeps) {
  async function found(runId: string): Promise<ApplyRunRecord> {
    let record: ApplyRunRecord | undefined;
    try {
      record = await deps.runs.get(runId);
    } catch (err) {
      throw new UnavailableError(err);
    }
    if (!record) throw new NotFoundError('admin-apply:errors.noRun', { id: String(runId).slice(0, 40) });
    return record;
  }
  async function view(record: ApplyRunRecord): Promise<ApplyRunView> {
    return { ...record, cancelling: record.cancelRequestedAt !== null && (record.status === 'queued' || record.status === 'running'), failures: record.counts.failed ? await deps.runs.failures(record.id) : [] };
  }

  return {
    /** {@link previewApply} over these deps. */
    preview: (input: PreviewInput): Promise<ApplyPreview> => previewApply(deps, input),

    /**
     * Queues a run applying `version` to the open tickets on older versions (scope `changing`:
     * those it changes; `all`: every one), asked for by user `by` with `reason`, and starts its workflow.
     * @returns the run's id
     * @throws NotFoundError (404) for an unknown version; ConflictError (409) when it is not the
     *   active version or a run of it is going on; ValidationError (422) for a missing reason or
     *   an unknown scope; UnavailableError (503) when it cannot be started
     */
    async start(version: number, input: { reason: string; scope: ApplyScope }, by: { id: number }): Promise<string> {
      await targetVersion(deps, version);
      const problems = [];
      const reason = typeof input.reason === 'string' ? input.reason.trim() : '';
      if (!reason) problems.push({ field: 'reason', key: 'required' });
      else if (reason.length > REASON_MAX) problems.push({ field: 'reason', key: 'tooLong', params: { max: REASON_MAX } });
      if (!APPLY_SCOPES.includes(input.scope)) problems.push({ field: 'scope', key: 'oneOf', params: { values: APPLY_SCOPES.join(', ') } });
      if (problems.length) throw new ValidationError(problems);
      const active = await deps.rules.active();
      if (active.version !== version) throw new ConflictError('VERSION_NOT_ACTIVE', 'admin-apply:errors.notActive', { version, active: active.version });
      const goingRun = async () => (await deps.runs.ofVersion(version)).find((r) => r.status === 'queued' || r.status === 'running');
      const going = await goingRun();
      if (going) throw new ConflictError('APPLY_RUNNING', 'admin-apply:errors.running', { version, id: going.id });
      let run: ApplyRunRecord | undefined;
      try {
        run = await deps.runs.create({ requestedBy: by.id, version, scope: input.scope, reason });
      } catch (err) {
        throw new UnavailableError(err);
      }
      if (!run) {
        // Another start of the version got in between the check and the insert.
        const other = await goingRun().catch(() => undefined);
        throw new ConflictError('APPLY_RUNNING', 'admin-apply:errors.running', { version, ...(other ? { id: other.id } : {}) });
      }
      const runId = run.id;
      try {
        await deps.temporal.withDeadline(Date.now() + START_DEADLINE_MS, () =>
          deps.temporal.workflow.start<typeof applyRulesRun>('applyRulesRun', {
            workflowId: applyRulesWorkflowId(runId),
            taskQueue: deps.taskQueue,
            args: [{ runId }],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          }),
        );
      } catch (err) {
        await deps.runs.settle(runId, 'failed', 'notStarted').catch(() => undefined);
        throw new UnavailableError(err);
      }
      return runId;
    },

    /** The run, its counts and the tickets it could not signal. @throws NotFoundError */
    async get(runId: string): Promise<ApplyRunView> {
      return view(await found(runId));
    },

    /** The newest runs of a version. */
    async runsOf(version: number): Promise<ApplyRunRecord[]> {
      return deps.runs.ofVersion(version);
    },

    /** Stops a run that has not finished; a finished run is returned as it is. @throws NotFoundError */
    async cancel(runId: string): Promise<ApplyRunView> {
      const before = await found(runId);
      if (before.status !== 'queued' && before.status !== 'running') return view(before);
      let after: ApplyRunRecord | undefined;
      try {
        after = await deps.runs.requestCancel(runId);
      } catch (err) {
        throw new UnavailableError(err);
      }
      try {
        await deps.temporal.withDeadline(Date.now() + START_DEADLINE_MS, () => deps.temporal.workflow.getHandle(applyRulesWorkflowId(runId)).cancel());
      } catch {
        // Already closed, or Temporal unreachable: the row's note stops a run that is still going.
      }
      return view(after ?? before);
    },
  };
}

export type RulesApply = ReturnType<typeof createRulesApply>;

// ----- the run itself, on the worker ----------------------------------------------------------

/** Why a run stops for good: a code the run's page says in words (admin-apply:runError.<code>). */
export class ApplyStopped extends Error {
  constructor(readonly code: 'superseded' | 'requesterGone', message: string) {
    super(message);
    this.name = 'ApplyStopped';
  }
}

export interface ApplyRunDeps extends ApplyDeps, Pick<ActionDeps, 'privacy'> {
  runs: Pick<RulesApplyRunsRepo, 'claimTicket' | 'markTicket'>;
  users: Pick<UsersRepo, 'findById'>;
}

/** Where a run is: the activity writes it to the row after each page (and when it stops). */
export interface ApplyProgress {
  total: number;
  counts: ApplyCounts;
  afterNumber: string | null;
}

export interface ApplyRunOptions {
  /** After each page: write the progress; the run stops when `signal` is aborted meanwhile. */
  onProgress: (p: ApplyProgress) => Promise<void>;
  /** After each ticket (the activity heartbeats). */
  onTicket?: () => void;
  signal: AbortSignal;
  /** @default 100 */
  pageSize?: number;
  /** Signals in flight at once. @default 8 */
  concurrency?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Carries out the run `run` (claimed from its row): signals the selected tickets, updating
 * `progress` as it goes. Resolves 'done' when every ticket was gone through, 'stopped' when the
 * signal was aborted (between tickets; those in flight finish first).
 * @throws ApplyStopped when the version is no longer the active one, or the requester is gone
 */
export async function runApply(
  deps: ApplyRunDeps & { temporal: Client }, run: ClaimedApplyRun & { runId: string }, progress: ApplyProgress, opts: ApplyRunOptions,
): Promise<'done' | 'stopped'> {
  const target = await targetVersion(deps, run.version);
  const requester = run.requestedBy === null ? undefined : await deps.users.findById(run.requestedBy);
  if (!requester) throw new ApplyStopped('requesterGone', 'The account that asked for this run no longer exists: apply the version again from an account of your own.');
  const by = { actor: requester.email, reason: run.reason };
  const assess = run.scope === 'changing' ? createAssessor(deps, target) : undefined;
  const pageSize = opts.pageSize ?? 100;
  const concurrency = opts.concurrency ?? 8;
  const c = progress.counts;

  async function signalOne(number: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await requestReclassification(deps, number, by);
        if (await deps.runs.markTicket(run.runId, number, { sent: true })) c.sent += 1;
        return;
      } catch (err) {
        if (err instanceof UnavailableError && attempt < 3) {
          await sleep(500 * 2 ** attempt);
          continue;
        }
        const e = err instanceof ServiceError ? err : new UnavailableError(err);
        if (await deps.runs.markTicket(run.runId, number, { sent: false, key: e.messageKey, params: e.params })) c.failed += 1;
        return;
      }
    }
  }

  for (;;) {
    if (opts.signal.aborted) return 'stopped';
    const active = await deps.rules.active();
    if (active.version !== run.version) {
      throw new ApplyStopped('superseded', `Version ${active.version} was published while version ${run.version} was being applied; the tickets not reached yet were left as they were. Apply version ${active.version} instead.`);
    }
    const page = await deps.openTickets.olderPage(run.version, progress.afterNumber, pageSize);
    if (page.length === 0) return 'done';
    let next = 0;
    let stopped = false;
    const asOfMs = Date.now();
    const worker = async () => {
      while (next < page.length) {
        if (opts.signal.aborted) {
          stopped = true;
          return;
        }
        const t = page[next++]!;
        const unchanged = assess !== undefined && (await assess(t, asOfMs)).kind !== 'changing';
        // A retried attempt goes through its predecessor's last page again: only what this attempt sets is counted.
        const taken = await deps.runs.claimTicket(run.runId, t.number, run.version, { unchanged });
        if (taken.newlySeen) c.seen += 1;
        if (taken.outcome === 'send') await signalOne(t.number);
        else if (taken.newlySet) c[taken.outcome] += 1;
        opts.onTicket?.();
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, page.length) }, worker));
    if (stopped) {
      // The tickets of this page not reached yet are gone through by no one: counted as seen only up to here.
      return 'stopped';
    }
    progress.afterNumber = page[page.length - 1]!.number;
    progress.total = Math.max(progress.total, c.seen);
    await opts.onProgress(progress);
    if (page.length < pageSize) return 'done';
  }
}
