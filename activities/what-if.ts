/**
 * The what-if run's activities (workflows/what-if.ts). `runWhatIf` claims the run's row, runs the
 * what-if (deps.whatIf: services/rules-admin/what-if.ts, bound in runtime/) page by page, and
 * after each page heartbeats and writes the progress to the row, which any web process reads.
 * It stops between pages when the workflow is cancelled (Temporal delivers that on a heartbeat:
 * the activity then ends as cancelled) or when the row says its cancellation was asked for (then
 * it settles the row itself and ends normally). A retried attempt starts the run again from the
 * beginning; a finished or cancelled run is not run again.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { RulesValidationError } from '../rules/validate.ts';
import type { WhatIfRunInput, WhatIfRunOutcome, WhatIfSettleInput } from '../workflows/what-if-types.ts';
import type { ActivityDeps } from './deps.ts';

/** The activity's context, or undefined when called directly (a test). */
function context(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** Why the run stopped when the row asked for it (not Temporal). */
class CancelRequested extends Error {
  constructor() {
    super('The what-if was cancelled.');
    this.name = 'CancelRequested';
  }
}

export function createWhatIfActivities(deps: Pick<ActivityDeps, 'whatIfRuns' | 'whatIf'>) {
  return {
    async runWhatIf({ runId }: WhatIfRunInput): Promise<WhatIfRunOutcome> {
      const claimed = await deps.whatIfRuns.claim(runId);
      if (!claimed) return { runId, status: 'skipped', done: 0, total: 0 };
      const ctx = context();
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
          throw ApplicationFailure.nonRetryable('The candidate rules are not valid any more: validate the draft and start the what-if again.', 'InvalidCandidate');
        }
        throw new Error(`The what-if stopped with an error (${(err as Error).message}); start it again, and if it stops again, tell the helpdesk's administrator.`, { cause: err });
      } finally {
        ctx?.cancellationSignal.removeEventListener('abort', onCancel);
      }
    },

    async settleWhatIf({ runId, status, error }: WhatIfSettleInput): Promise<void> {
      await deps.whatIfRuns.settle(runId, status, error);
    },
  };
}
