/**
 * One period replay check (services/audit/index.ts checkPeriod), run durably on a worker: the web
 * process makes the run's row and starts this workflow; the one working activity does the check,
 * heartbeating and writing its progress to the row, which every web process reads. Cancelling the
 * workflow cancels the activity (delivered on its next heartbeat; it also stops when it sees the
 * cancellation asked for on the row) and waits until it has stopped. The same shape as the
 * what-if run (what-if.ts); a workflow type of its own, so no existing history is touched.
 *
 * When the work ends without a result — cancelled, or failed after its attempts — a second, short
 * activity settles the row, outside the cancellation, so a page never waits on a run that will not
 * finish: also when the cancellation arrived between attempts, or before a worker ever took it.
 */
import { ActivityCancellationType, ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { AuditPeriodActivities, AuditPeriodRunInput, AuditPeriodRunOutcome } from './audit-run-types.ts';

/**
 * The activity heartbeats at least every second while it works (a batch of 25 replays takes a
 * second or two), so a worker that dies is noticed within 30 s and the run starts again elsewhere,
 * and a cancellation of the workflow reaches it within about a second. 30 s, not less: the first
 * check in a worker process builds the production workflow bundle (webpack) first, and a busy
 * machine must not be mistaken for a dead worker. Up to 3 attempts, each from the beginning.
 */
const { checkAuditPeriod } = proxyActivities<AuditPeriodActivities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '30 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 3 },
});

const { settleAuditPeriod } = proxyActivities<AuditPeriodActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/** The activity's own code (or Temporal's words): the message of the failure the activity failure wraps. */
function reasonOf(err: unknown): string {
  const e = err instanceof ActivityFailure && err.cause instanceof Error ? err.cause : err;
  return e instanceof Error && e.message ? e.message : 'stopped';
}

export async function auditPeriodRun(input: AuditPeriodRunInput): Promise<AuditPeriodRunOutcome> {
  try {
    return await checkAuditPeriod(input);
  } catch (err) {
    const cancelled = isCancellation(err);
    await CancellationScope.nonCancellable(() => settleAuditPeriod({ runId: input.runId, status: cancelled ? 'cancelled' : 'failed', error: cancelled ? null : reasonOf(err) }));
    if (cancelled) throw err;
    throw ApplicationFailure.create({ type: 'AuditPeriodFailed', message: reasonOf(err), nonRetryable: true });
  }
}
