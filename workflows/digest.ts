/**
 * The digest run (docs/notification-preferences.md), started by its schedule
 * (runtime/digest-schedule.ts) every HELPDESK_DIGEST_INTERVAL: every staff member who chose a
 * digest for some kind of notification gets one mail listing what gathered since the last run.
 * One activity does it; a run cut off is run again, and a digest already sent is not sent again
 * (its lines are marked), one sent but not yet marked goes again with the same Message-ID.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { NotificationActivities } from './notification-types.ts';

const { sendDigests } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '30s', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 5 },
});

export async function digestWorkflow(): Promise<{ digests: number; lines: number; later: number }> {
  return sendDigests({ limit: 500 });
}
