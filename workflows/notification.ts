/**
 * The delivery of one outbox row (docs/mail.md): one workflow per row (id `notify-<source>-<id>`,
 * so a row is never delivered by two), started when the row is written (activities/index.ts
 * recordEvent, the portal's follow link, sign-up mails) and by the outbox sweep for any row still
 * waiting (workflows/outbox-sweep.ts). It plans the row's messages — one per recipient, with a
 * Message-ID fixed at planning — sends each with retries and backoff (about an hour and a quarter
 * in all), records a message the server refused for good (a 5xx) or that ran out of retries as
 * failed, and then settles the row. A worker that dies mid-way is replaced by another: the plan is
 * read back, a message already sent is not sent again, and one whose send was cut off is sent again
 * with the same Message-ID.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { NotificationActivities, NotificationResult, OutboxRowRef, OutboxSweepResult } from './notification-types.ts';

/** Planning waits for the ticket to be recorded (a follow link is queued as intake records it), but not for ever: about 2 hours. */
const { planDelivery } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 30 },
});

const { failDelivery, settleDelivery, abandonDelivery } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

const { sendDelivery } = proxyActivities<NotificationActivities>({
  // A send is one SMTP transaction; a worker that died with one open is noticed after this long.
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '30 minutes', maximumAttempts: 10, nonRetryableErrorTypes: ['PermanentMailError'] },
});

/** The sentence of why a send failed for good, as the activity said it. */
function reasonOf(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.message) return cause.message;
  return cause instanceof Error && cause.message ? cause.message : 'The message could not be sent.';
}

const { sweepOutbox } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 3 },
});

/**
 * The outbox sweep (runtime/outbox-schedule.ts): every row still waiting 30 s after it was written
 * gets its delivery started (a row whose start was lost to a fault); at most 1,000 a run, oldest
 * first — the next run takes the rest.
 */
export async function outboxSweepWorkflow(): Promise<OutboxSweepResult> {
  return sweepOutbox({ olderThanMs: 30_000, limit: 1_000 });
}

export async function notificationWorkflow(ref: OutboxRowRef): Promise<NotificationResult> {
  let deliveries: number[];
  try {
    ({ deliveries } = await planDelivery(ref));
  } catch (err) {
    // Nothing could be planned in two hours (its ticket never came): the row is settled as failed, and the sweep leaves it.
    await abandonDelivery({ ...ref, message: reasonOf(err) });
    return { sent: 0, failed: 1 };
  }
  const outcomes = await Promise.all(
    deliveries.map(async (id) => {
      try {
        await sendDelivery({ id });
        return 'sent' as const;
      } catch (err) {
        await failDelivery({ id, message: reasonOf(err) });
        return 'failed' as const;
      }
    }),
  );
  await settleDelivery(ref);
  return { sent: outcomes.filter((o) => o === 'sent').length, failed: outcomes.filter((o) => o === 'failed').length };
}
