/**
 * Webhook deliveries as activities (workflows/webhook.ts) over the webhook engine
 * (services/webhooks/delivery.ts, bound in runtime/ — activities do not import services), and
 * the start of a delivery's workflow from the worker's own client.
 */
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { WebhookActivities } from '../workflows/webhook-types.ts';
import { webhookWorkflowId } from '../workflows/webhook-types.ts';

/** What one attempt came to. `gone`: never again (410, disabled, refused address); `retry`: try again later. */
export type WebhookAttemptOutcome = { outcome: 'delivered' | 'already' } | { outcome: 'gone' | 'retry'; message: string };

/** The webhook steps, as the activities call them (services/webhooks/delivery.ts implements it). */
export interface WebhookEngine {
  attempt(id: number): Promise<WebhookAttemptOutcome>;
  fail(id: number, message: string): Promise<void>;
  /** The deliveries one event wrote. */
  eventDeliveries(ticketNumber: string, eventSeq: number): Promise<number[]>;
  /** Deliveries still pending after `olderThanMs` and not started for hours (a start lost to a fault). */
  pending(olderThanMs: number, limit: number): Promise<number[]>;
  /** Records that their workflows were started (or found running). */
  started(ids: number[]): Promise<void>;
}

export interface WebhookActivityDeps {
  webhooks?: WebhookEngine | undefined;
}

/**
 * Starts the workflows of webhook deliveries (one each, keyed by the delivery); one started
 * already is left to it. `mark` records them as started (the sweep then leaves them alone).
 */
export async function startWebhookDeliveries(client: Client, taskQueue: string, ids: number[], mark?: (ids: number[]) => Promise<void>): Promise<number> {
  let started = 0;
  const running: number[] = [];
  for (const id of ids) {
    try {
      await client.workflow.start('webhookDeliveryWorkflow', { workflowId: webhookWorkflowId(id), taskQueue, args: [{ id }] });
      started++;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    running.push(id);
  }
  await mark?.(running);
  return started;
}

export function createWebhookActivities(deps: WebhookActivityDeps): WebhookActivities {
  const engine = (): WebhookEngine => {
    if (!deps.webhooks) throw ApplicationFailure.retryable('This worker delivers no webhooks: start it with the database it serves.', 'WebhooksNotConfigured');
    return deps.webhooks;
  };
  return {
    async deliverWebhook({ id }) {
      const r = await engine().attempt(id);
      if (r.outcome === 'gone') throw ApplicationFailure.nonRetryable(r.message, 'WebhookGone');
      if (r.outcome === 'retry') throw ApplicationFailure.retryable(r.message, 'WebhookNotDelivered');
    },
    async failWebhook({ id, message }) {
      await engine().fail(id, message);
    },
  };
}
