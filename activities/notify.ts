/**
 * The outbox's delivery as activities (workflows/notification.ts), over the delivery engine
 * (services/notifications/delivery.ts) bound in runtime/ — activities do not import services —
 * and the start of a row's delivery workflow from the worker's own client. A send that the server
 * refused for good fails non-retryably (`PermanentMailError`); any other failure is recorded on
 * the message (no address in it) and retried by Temporal.
 */
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { NotificationActivities, OutboxRowRef, OutboxSweepResult } from '../workflows/notification-types.ts';
import { notificationWorkflowId } from '../workflows/notification-types.ts';
import { activityContext } from './run-log.ts';
import { startWebhookDeliveries, type WebhookActivityDeps } from './webhooks.ts';

/** The outbox's delivery steps, as the activities call them (services/notifications/delivery.ts implements it). */
export interface NotificationEngine {
  /** The row's messages, planned once; the ids of those still to send. */
  plan(ref: OutboxRowRef): Promise<number[]>;
  /** Sends one message unless it was settled already (sent, or failed for good). Throws PermanentMailError when refused for good. */
  send(id: number): Promise<'sent' | 'already'>;
  /** Records that an attempt failed and will be retried. */
  retrying(id: number, message: string): Promise<void>;
  /** Records that a message failed for good. */
  fail(id: number, message: string): Promise<void>;
  /** Every message is settled: the row is delivered (its links leave the database). */
  settle(ref: OutboxRowRef): Promise<void>;
  /** The row could not be planned: settled as failed (why stays in the workflow's history). */
  abandon(ref: OutboxRowRef, message: string): Promise<void>;
  /** The outbox rows one event wrote (to start their deliveries). */
  eventRows(ticketNumber: string, eventSeq: number): Promise<OutboxRowRef[]>;
  /** Rows not delivered and older than `olderThanMs`, oldest first. */
  undelivered(olderThanMs: number, limit: number): Promise<OutboxRowRef[]>;
  /** Sends each recipient with digest lines waiting one digest (at most `limit` recipients); `beat` is called after each. */
  digests(limit: number, beat: () => void): Promise<{ digests: number; lines: number; later: number }>;
}

export interface NotificationActivityDeps extends WebhookActivityDeps {
  /** Absent when this worker sends no mail (no SMTP configured): rows then wait in the outbox. */
  notifications?: NotificationEngine | undefined;
}

/**
 * Starts the delivery of outbox rows (one workflow each, keyed by the row): a row whose delivery
 * was started already is left to it. Used by recordEvent, the web process and the outbox sweep.
 */
export async function startDeliveries(client: Client, taskQueue: string, refs: OutboxRowRef[]): Promise<number> {
  let started = 0;
  for (const ref of refs) {
    try {
      await client.workflow.start('notificationWorkflow', { workflowId: notificationWorkflowId(ref), taskQueue, args: [ref] });
      started++;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  return started;
}

export function createNotifyActivities(deps: NotificationActivityDeps): NotificationActivities {
  const engine = (): NotificationEngine => {
    // Retryable: another worker of the task queue that does send mail takes the task (a mixed fleet).
    if (!deps.notifications) throw ApplicationFailure.retryable('This worker sends no mail (HELPDESK_SMTP_URL is not set): start the worker with it.', 'MailNotConfigured');
    return deps.notifications;
  };
  return {
    async planDelivery(ref) {
      return { deliveries: await engine().plan(ref) };
    },
    async sendDelivery({ id }) {
      const e = engine();
      try {
        await e.send(id);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (err instanceof Error && err.name === 'PermanentMailError') throw ApplicationFailure.nonRetryable(message, 'PermanentMailError');
        await e.retrying(id, message).catch(() => undefined);
        throw ApplicationFailure.retryable(message, 'MailNotSentYet');
      }
    },
    async failDelivery({ id, message }) {
      await engine().fail(id, message);
    },
    async settleDelivery(ref) {
      await engine().settle(ref);
    },
    async abandonDelivery({ message, ...ref }) {
      await engine().abandon(ref, message);
    },
    async sendDigests({ limit }) {
      const ctx = activityContext();
      return engine().digests(limit, () => ctx?.heartbeat());
    },
    async sweepOutbox({ olderThanMs, limit }) {
      const ctx = activityContext();
      if (!ctx) return { waiting: 0, started: 0, noMail: true };
      // Webhook deliveries whose start was lost are started too, mail or no mail (docs/webhooks.md);
      // a fault there does not keep the mail's sweep from running, and is thrown after it (the run retries).
      let hooks: number[] = [];
      let webhooksStarted = 0;
      let fault: unknown;
      try {
        hooks = deps.webhooks ? await deps.webhooks.pending(olderThanMs, limit) : [];
        webhooksStarted = await startWebhookDeliveries(ctx.client, ctx.info.taskQueue, hooks, deps.webhooks?.started);
      } catch (err) {
        fault = err;
      }
      let result: OutboxSweepResult = { waiting: hooks.length, started: webhooksStarted, noMail: true };
      if (deps.notifications) {
        const waiting = await deps.notifications.undelivered(olderThanMs, limit);
        result = { waiting: waiting.length + hooks.length, started: (await startDeliveries(ctx.client, ctx.info.taskQueue, waiting)) + webhooksStarted, noMail: false };
      }
      if (fault) throw fault;
      return result;
    },
  };
}
