/**
 * The history archive's run (docs/audit-archive.md): the `history-archive` Temporal Schedule
 * starts one every HELPDESK_ARCHIVE_INTERVAL (runtime/archive-schedule.ts). It sweeps the ticket
 * runs that have closed into PostgreSQL (activities/archive.ts), then signs a checkpoint of the
 * audit log when it has grown (activities/audit-checkpoint.ts, docs/audit-proof.md). The sweep
 * is idempotent, so a retried or repeated run archives nothing twice.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { ArchiveActivities, HistoryArchiveRunResult } from './archive-types.ts';

/**
 * The sweep heartbeats after every run it archives, so a worker that dies mid-sweep is noticed
 * within a minute and the sweep goes on elsewhere. A few attempts, then the run fails and the
 * next scheduled run takes up what is still due (failed runs are retried from their records).
 */
const { archiveClosedHistories } = proxyActivities<ArchiveActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 3 },
});

const { writeAuditCheckpoint } = proxyActivities<ArchiveActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 3 },
});

export async function historyArchiveWorkflow(): Promise<HistoryArchiveRunResult> {
  const sweep = await archiveClosedHistories({ atMs: Date.now() });
  const checkpoint = await writeAuditCheckpoint({ reason: 'periodic' });
  return { sweep, checkpoint };
}
