/**
 * What the webhook delivery workflow (webhook.ts) asks of its activities (activities/webhooks.ts),
 * as types: delivery ids only — no URL, no body, no secret goes through a workflow's history.
 */
export interface WebhookActivities {
  /**
   * One attempt at one delivery: composed from the read model, signed, POSTed; recorded in the
   * delivery's log. Answers when the receiver took it (2xx) or it was taken before; fails
   * retryably otherwise, and non-retryably (`WebhookGone`) when the receiver answered 410 (the
   * endpoint is then disabled), the endpoint is disabled or gone, or the address is refused.
   */
  deliverWebhook(input: { id: number }): Promise<void>;
  /** Records a delivery as failed for good, with why. */
  failWebhook(input: { id: number; message: string }): Promise<void>;
}

/** One workflow per delivery (a replay is a delivery of its own), so no delivery is sent by two. */
export const webhookWorkflowId = (deliveryId: number): string => `webhook-${deliveryId}`;
