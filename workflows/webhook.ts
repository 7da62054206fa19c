/**
 * The delivery of one webhook (docs/webhooks.md): one workflow per delivery row (id
 * `webhook-<id>`), started when the event is recorded (activities/index.ts recordEvent), by the
 * outbox sweep for a delivery whose start was lost, and by an admin's replay. Each attempt is an
 * activity; Temporal retries it with backoff — 5 s, doubling, at most an hour apart, 12 attempts
 * (about 2.4 hours in all) — and a receiver's 410 Gone, a disabled endpoint or a refused address
 * stop the retries at once. A delivery that runs out of attempts is recorded as failed.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { WebhookActivities } from './webhook-types.ts';

const { deliverWebhook } = proxyActivities<WebhookActivities>({
  // One HTTP request of at most 10 s; a worker that died with one open is noticed after this long.
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1 hour', maximumAttempts: 12, nonRetryableErrorTypes: ['WebhookGone'] },
});

const { failWebhook } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

function reasonOf(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.message) return cause.message;
  return cause instanceof Error && cause.message ? cause.message : 'The webhook could not be delivered.';
}

export async function webhookDeliveryWorkflow(input: { id: number }): Promise<'delivered' | 'failed'> {
  try {
    await deliverWebhook(input);
    return 'delivered';
  } catch (err) {
    await failWebhook({ id: input.id, message: reasonOf(err) });
    return 'failed';
  }
}
