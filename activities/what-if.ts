/**
 * The what-if run's activities (workflows/what-if.ts). `runWhatIf` claims the run's row, runs the
 * what-if (deps.whatIf: services/rules-admin/what-if.ts, bound in runtime/) page by page, and
 * after each page heartbeats and writes the progress to the row, which any web process reads.
 * It stops between pages when the workflow is cancelled (Temporal delivers that on a heartbeat:
 * the activity then ends as cancelled) or when the row says its cancellation was asked for (then
 * it settles the row itself and ends normally). A retried attempt starts the run again from the
 * beginning; a finished or cancelled run is not run again, and one whose cancellation was asked
 * for while no attempt ran (the workflow's cancellation lost on the way) is ended as cancelled.
 *
 * A failure leaves the row a code (db/what-if-runs-repo.ts's WHAT_IF_RUN_ERRORS), which is also
 * the message of the activity's failure, so the workflow hands it back to settleWhatIf; what went
 * wrong inside goes to the worker's log, without the error's message (run-log.ts).
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { isWhatIfRunError } from '../db/what-if-runs-repo.ts';
import { RulesValidationError } from '../rules/validate.ts';
import type { WhatIfRunInput, WhatIfRunOutcome, WhatIfSettleInput } from '../workflows/what-if-types.ts';
import type { ActivityDeps } from './deps.ts';
import { activityContext, CancelRequested, internalDetail, warn } from './run-log.ts';

/** `log`: the worker's log (tests read it). */
export function createWhatIfActivities(deps: Pick<ActivityDeps, 'whatIfRuns' | 'whatIf'>, log: (line: string) => void = warn) {
  return {
    async runWhatIf({ runId }: WhatIfRunInput): Promise<WhatIfRunOutcome> {
      let claimed: Awaited<ReturnType<typeof deps.whatIfRuns.claim>>;
      try {
        claimed = await deps.whatIfRuns.claim(runId);
        if (!claimed) {
          // Finished already, or its cancellation was asked for: settling touches only a run not finished.
          const row = await deps.whatIfRuns.settle(runId, 'cancelled');
          return { runId, status: row?.status === 'cancelled' ? 'cancelled' : 'skipped', done: row?.done ?? 0, total: row?.total ?? 0 };
        }
      } catch (err) {
        log(`What-if run ${runId}: an attempt could not claim its run (${internalDetail(err)}); it is tried again.`);
        throw ApplicationFailure.retryable('evaluationFailed', 'EvaluationFailed');
      }
      const ctx = activityContext();
      const stop = new AbortController();
      const onCancel = () => stop.abort(ctx?.cancellationSignal.reason ?? new CancelledFailure('CANCELLED'));
      ctx?.cancellationSignal.addEventListener('abort', onCancel, { once: true });
      let last = { done: 0, total: 0 };
      const onProgress = async (done: number, total: number): Promise<void> => {
        last = { done, total };
        ctx?.heartbeat(last);
        const { cancelRequested } = await deps.whatIfRuns.progress(runId, done, total);
        if (cancelRequested && !stop.signal.aborted) stop.abort(new CancelRequested());
      };
      try {
        const result = await deps.whatIf.run(claimed.candidate, claimed.period, { onProgress, signal: stop.signal });
        const total = Math.max(last.total, result.seen);
        const finished = await deps.whatIfRuns.finish(runId, result, result.seen, total);
        return { runId, status: finished ? 'done' : 'skipped', done: result.seen, total };
      } catch (err) {
        if (ctx?.cancellationSignal.aborted) throw ctx.cancellationSignal.reason instanceof CancelledFailure ? ctx.cancellationSignal.reason : new CancelledFailure('CANCELLED');
        if (stop.signal.reason instanceof CancelRequested) {
          await deps.whatIfRuns.settle(runId, 'cancelled');
          return { runId, status: 'cancelled', ...last };
        }
        if (err instanceof RulesValidationError) {
          log(`What-if run ${runId}: its candidate rules are not valid any more (${err.problems.length} problem(s)); the run fails.`);
          throw ApplicationFailure.nonRetryable('invalidCandidate', 'InvalidCandidate');
        }
        log(`What-if run ${runId}: an attempt stopped after ${last.done} of ${last.total} tickets with ${internalDetail(err)} (a run has up to 3 attempts).`);
        throw ApplicationFailure.retryable('evaluationFailed', 'EvaluationFailed');
      } finally {
        ctx?.cancellationSignal.removeEventListener('abort', onCancel);
      }
    },

    /**
     * `error` is the message of the failure the workflow saw: this activity's own code, or
     * Temporal's words for a timeout or a lost worker, stored as `stopped` (never as text).
     */
    async settleWhatIf({ runId, status, error }: WhatIfSettleInput): Promise<void> {
      if (status === 'failed' && !isWhatIfRunError(error)) log(`What-if run ${runId} failed without a code of its own (its attempts timed out or their worker was lost): see the history of workflow what-if-${runId}.`);
      await deps.whatIfRuns.settle(runId, status, status === 'failed' ? (isWhatIfRunError(error) ? error : 'stopped') : null);
    },
  };
}
