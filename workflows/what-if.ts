/**
 * One what-if over past tickets (services/rules-admin/what-if.ts), run durably on a worker: the
 * web process makes the run's row and starts this workflow; the one activity does the work,
 * heartbeating and writing its progress to the row, which every web process reads. Cancelling the
 * workflow cancels the activity (delivered on its next heartbeat; the activity also stops when it
 * sees the cancellation asked for on the row), and waits until it has stopped.
 *
 * When the work ends without a result — cancelled, or failed after its attempts — a second,
 * short activity settles the row (cancelled or failed with the reason), outside the cancellation,
 * so a page never waits on a run that will not finish: also when the cancellation arrived while
 * the activity was between attempts, or before a worker ever took it.
 */
import { ActivityCancellationType, ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { WhatIfActivities, WhatIfRunInput, WhatIfRunOutcome } from './what-if-types.ts';

/**
 * Heartbeats every page of tickets (a few hundred milliseconds' work): a worker that dies is
 * noticed within 30 s and the run starts again elsewhere. The worker sends heartbeats at least
 * every second (runtime/temporal.ts), so a cancellation of the workflow reaches the activity within
 * about a second (a cancellation asked through the service is also noted on the row, seen at the
 * next page). A shorter timeout restarted runs from the start on a busy machine, where one page
 * can take a few seconds.
 */
const { runWhatIf } = proxyActivities<WhatIfActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 3, nonRetryableErrorTypes: ['InvalidCandidate'] },
});

const { settleWhatIf } = proxyActivities<WhatIfActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** The activity's own sentence: the message of the failure the activity failure wraps. */
function reasonOf(err: unknown): string {
  const e = err instanceof ActivityFailure && err.cause instanceof Error ? err.cause : err;
  return e instanceof Error && e.message ? e.message : 'The what-if stopped for a reason it did not record.';
}

export async function whatIfRun(input: WhatIfRunInput): Promise<WhatIfRunOutcome> {
  try {
    return await runWhatIf(input);
  } catch (err) {
    const cancelled = isCancellation(err);
    await CancellationScope.nonCancellable(() => settleWhatIf({ runId: input.runId, status: cancelled ? 'cancelled' : 'failed', error: cancelled ? null : reasonOf(err) }));
    if (cancelled) throw err;
    throw ApplicationFailure.create({ type: 'WhatIfFailed', message: reasonOf(err), nonRetryable: true });
  }
}
