/**
 * Retention of closed tickets (docs/retention.md): one run erases the personal data whose
 * period has ended and deletes the tickets whose period has ended, under the active rules
 * version's retention. The `privacy-retention` Temporal Schedule starts one run every
 * HELPDESK_RETENTION_INTERVAL (runtime/retention-schedule.ts); `helpdesk privacy retention`
 * triggers one now.
 *
 * A run is one activity, at the workflow's own clock (recorded in history): the plan, the
 * erasures and the deletions read and write the world, so they all run there.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { RetentionActivities, RetentionRunSummary } from './activity-types.ts';

/**
 * The run heartbeats between batches, so a worker that dies mid-run is noticed within a minute
 * and the run goes on elsewhere (it is idempotent). A few attempts, then the run fails and the
 * schedule's next run takes up what is still due.
 */
const { applyRetention } = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 5 },
});

export async function retentionWorkflow(): Promise<RetentionRunSummary> {
  return applyRetention({ atMs: Date.now() });
}
