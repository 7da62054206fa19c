/**
 * One rules version applied to open tickets (services/rules-admin/apply-runs.ts), run durably
 * on a worker: the web process makes the run's row and starts this workflow; the one activity
 * does the work — the reclassify signal to each selected ticket — heartbeating and writing its
 * progress to the row, which every web process reads. Cancelling the workflow cancels the
 * activity (delivered on its next heartbeat; it also stops when it sees the cancellation asked
 * for on the row) and waits until it has stopped.
 *
 * When the work ends without finishing — cancelled, or failed after its attempts — a second,
 * short activity ends the row (cancelled, or failed with the reason's code), outside the
 * cancellation, so a page never waits on a run that will not end.
 */
import { ActivityCancellationType, ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import { APPLY_STOP_CODES, type ApplyRulesActivities, type ApplyRulesRunInput, type ApplyRulesRunOutcome } from './apply-rules-types.ts';

/**
 * Heartbeats after every ticket: a worker that dies is noticed within 10 s and the run goes on
 * elsewhere from its last page. A retried attempt signals no ticket twice (the row keeps which
 * it took).
 */
const { applyRules } = proxyActivities<ApplyRulesActivities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '10 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5, nonRetryableErrorTypes: [...APPLY_STOP_CODES] },
});

const { settleApplyRules } = proxyActivities<ApplyRulesActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** The code of the failure: one of the stop codes, or `stopped` for any other. */
function codeOf(err: unknown): string {
  const e = err instanceof ActivityFailure ? err.cause : err;
  const type = e instanceof ApplicationFailure ? e.type : undefined;
  return type && (APPLY_STOP_CODES as readonly string[]).includes(type) ? type : 'stopped';
}

export async function applyRulesRun(input: ApplyRulesRunInput): Promise<ApplyRulesRunOutcome> {
  try {
    return await applyRules(input);
  } catch (err) {
    const cancelled = isCancellation(err);
    await CancellationScope.nonCancellable(() => settleApplyRules({ runId: input.runId, status: cancelled ? 'cancelled' : 'failed', error: cancelled ? null : codeOf(err) }));
    if (cancelled) throw err;
    throw ApplicationFailure.create({ type: 'ApplyRulesFailed', message: `The run ended: ${codeOf(err)}`, nonRetryable: true });
  }
}
