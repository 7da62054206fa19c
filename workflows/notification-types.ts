/**
 * What the outbox's delivery workflow (notification.ts) asks of its activities
 * (activities/notify.ts), as types. Row and message ids only: no address, no text ever goes
 * through the workflow's history.
 */

/** An outbox row: a ticket's notification (`notification_outbox`) or an account mail (`account_mail_outbox`). */
export interface OutboxRowRef {
  source: 'ticket' | 'account';
  id: number;
}

export interface NotificationResult {
  sent: number;
  failed: number;
}

export interface NotificationActivities {
  /** Plans the row's messages (once) and answers the ids of those still to send. */
  planDelivery(ref: OutboxRowRef): Promise<{ deliveries: number[] }>;
  /** Sends one message (a no-op when sent already); fails non-retryably (`PermanentMailError`) when refused for good. */
  sendDelivery(input: { id: number }): Promise<void>;
  /** Records a message as failed for good, with what went wrong. */
  failDelivery(input: { id: number; message: string }): Promise<void>;
  /** The row is delivered (its links leave the database). */
  settleDelivery(ref: OutboxRowRef): Promise<void>;
  /** The row could not be planned at all: settled as failed, with why (the admins' page lists it). */
  abandonDelivery(input: OutboxRowRef & { message: string }): Promise<void>;
  /** Starts the delivery of every row still waiting after `olderThanMs` (at most `limit`, oldest first). */
  sweepOutbox(input: { olderThanMs: number; limit: number }): Promise<OutboxSweepResult>;
  /** Mails every recipient with digest lines waiting one digest of them (at most `limit` recipients a run). */
  sendDigests(input: { limit: number }): Promise<{ digests: number; lines: number; later: number }>;
}

export interface OutboxSweepResult {
  /** Rows found waiting. */
  waiting: number;
  /** Deliveries started now (the others were running already). */
  started: number;
  /** True when this worker sends no mail, so nothing was started. */
  noMail: boolean;
}

/** The workflow id of a row's delivery: one per row, so a second start of it is refused. */
export const notificationWorkflowId = (ref: OutboxRowRef): string => `notify-${ref.source}-${ref.id}`;
