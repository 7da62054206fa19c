/**
 * The outbox's delivery (migration 0027, docs/mail.md): which messages an outbox row makes, one per
 * recipient, each with its Message-ID fixed when planned, and how each went. The recipient is a
 * key (`user:<id>`, `person:<uuid>`), never an address; a failure's text is kept without any
 * address in it (the caller passes it scrubbed). The rows an outbox row makes are written once
 * (ON CONFLICT DO NOTHING), so planning again after a crash plans the same messages.
 */
import { metrics } from '../observability/metrics.ts';
import { QueryTypes, type Sequelize } from 'sequelize';

import type { OutboxRowRef } from '../workflows/notification-types.ts';

/** An outbox row: a ticket's notification or an account mail (as the delivery workflow names it). */
export type OutboxRef = OutboxRowRef;

export interface TicketOutboxRow {
  id: number;
  ticketNumber: string;
  eventSeq: number;
  role: string;
  kind: string;
  payload: Record<string, unknown>;
  /** Who acted in the event (the read model's ticket_events.actor: a pseudonym, an address or a word like `sla`); null for rows of no event (the follow link). */
  actor: string | null;
  deliveredAt: string | null;
}

export interface AccountOutboxRow {
  id: number;
  recipientRef: string | null;
  language: string;
  kind: string;
  /** Sealed under the recipient's key (null: from before sealing, then `payload` holds it). */
  payloadSealed: string | null;
  payload: Record<string, unknown> | null;
  deliveredAt: string | null;
}

export type DeliveryStatus = 'pending' | 'sent' | 'failed';

export type DeliveryChannel = 'email' | 'sms' | 'digest';

export interface PlannedDelivery {
  recipient: string;
  /** How it goes: a mail, an SMS, or a line in the recipient's next digest (docs/notification-preferences.md). */
  channel: DeliveryChannel;
  language: string;
  messageId: string;
}

export interface DeliveryRow extends PlannedDelivery {
  id: number;
  ref: OutboxRef;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
  failedAt: string | null;
}

/** A delivery that failed for good, as the admins' page lists it: no address, the ticket's number. */
export interface FailedDelivery extends DeliveryRow {
  ticketNumber: string | null;
  kind: string;
}

interface Row {
  id: string; ticket_outbox_id: string | null; account_outbox_id: string | null; recipient: string; channel: DeliveryChannel; language: string; message_id: string;
  status: DeliveryStatus; attempts: number; last_error: string | null; created_at: Date; sent_at: Date | null; failed_at: Date | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

function toDelivery(r: Row): DeliveryRow {
  return {
    id: Number(r.id),
    ref: r.ticket_outbox_id !== null ? { source: 'ticket', id: Number(r.ticket_outbox_id) } : { source: 'account', id: Number(r.account_outbox_id) },
    recipient: r.recipient, channel: r.channel, language: r.language, messageId: r.message_id, status: r.status, attempts: r.attempts,
    lastError: r.last_error, createdAt: r.created_at.toISOString(), sentAt: iso(r.sent_at), failedAt: iso(r.failed_at),
  };
}

const column = (ref: OutboxRef) => (ref.source === 'ticket' ? 'ticket_outbox_id' : 'account_outbox_id');
const table = (ref: OutboxRef) => (ref.source === 'ticket' ? 'notification_outbox' : 'account_mail_outbox');

export function createDeliveriesRepo(sequelize: Sequelize) {
  const select = <T extends object>(sql: string, replacements: Record<string, unknown>) => sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });

  return {
    async ticketOutbox(id: number): Promise<TicketOutboxRow | undefined> {
      const [r] = await select<{ id: string; ticket_number: string; event_seq: number; role: string; kind: string; payload: Record<string, unknown>; actor: string | null; delivered_at: Date | null }>(
        `SELECT o.id, o.ticket_number, o.event_seq, o.role, o.kind, o.payload, e.actor, o.delivered_at
           FROM notification_outbox o LEFT JOIN ticket_events e ON e.ticket_number = o.ticket_number AND e.seq = o.event_seq AND o.event_seq > 0
          WHERE o.id = :id`,
        { id },
      );
      return r && { id: Number(r.id), ticketNumber: r.ticket_number, eventSeq: r.event_seq, role: r.role, kind: r.kind, payload: r.payload, actor: r.actor, deliveredAt: iso(r.delivered_at) };
    },

    async accountOutbox(id: number): Promise<AccountOutboxRow | undefined> {
      const [r] = await select<{ id: string; recipient_ref: string | null; language: string; kind: string; payload_sealed: string | null; payload: Record<string, unknown> | null; delivered_at: Date | null }>(
        `SELECT id, recipient_ref, language, kind, payload_sealed, payload, delivered_at FROM account_mail_outbox WHERE id = :id`,
        { id },
      );
      return r && { id: Number(r.id), recipientRef: r.recipient_ref, language: r.language, kind: r.kind, payloadSealed: r.payload_sealed, payload: r.payload, deliveredAt: iso(r.delivered_at) };
    },

    /** The ticket outbox rows of one event, lowest id first: recordEvent starts their deliveries, and planning tells each person once. */
    async ticketOutboxRoles(ticketNumber: string, eventSeq: number): Promise<Array<{ id: number; role: string }>> {
      const rows = await select<{ id: string; role: string }>(`SELECT id, role FROM notification_outbox WHERE ticket_number = :ticketNumber AND event_seq = :eventSeq ORDER BY id`, { ticketNumber, eventSeq });
      return rows.map((r) => ({ id: Number(r.id), role: r.role }));
    },

    /** Writes the planned messages of an outbox row (those planned before stay as they were) and answers all of them. */
    async plan(ref: OutboxRef, planned: PlannedDelivery[]): Promise<DeliveryRow[]> {
      for (const p of planned) {
        await sequelize.query(
          `INSERT INTO notification_deliveries (${column(ref)}, recipient, channel, language, message_id) VALUES (:id, :recipient, :channel, :language, :messageId) ON CONFLICT DO NOTHING`,
          { replacements: { id: ref.id, ...p } },
        );
      }
      return this.of(ref);
    },

    async of(ref: OutboxRef): Promise<DeliveryRow[]> {
      return (await select<Row>(`SELECT * FROM notification_deliveries WHERE ${column(ref)} = :id ORDER BY id`, { id: ref.id })).map(toDelivery);
    },

    async get(id: number): Promise<DeliveryRow | undefined> {
      const [r] = await select<Row>(`SELECT * FROM notification_deliveries WHERE id = :id`, { id });
      return r && toDelivery(r);
    },

    /** Counts an attempt (before the SMTP transaction). */
    async attempt(id: number): Promise<void> {
      await sequelize.query(`UPDATE notification_deliveries SET attempts = attempts + 1 WHERE id = :id AND status = 'pending'`, { replacements: { id } });
    },

    /** The server took it (its 250): sent. A later failure does not undo it. */
    async sent(id: number): Promise<void> {
      const rows = await select<LagRow>(`UPDATE notification_deliveries SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = :id AND status = 'pending' RETURNING ${LAG}`, { id });
      observeLags(rows);
    },

    /** An attempt failed but will be retried: what the server said (no address in it). */
    async retrying(id: number, error: string): Promise<void> {
      await sequelize.query(`UPDATE notification_deliveries SET last_error = :error WHERE id = :id AND status = 'pending'`, { replacements: { id, error } });
    },

    /** Failed for good (a permanent refusal, or retries used up). */
    async failed(id: number, error: string): Promise<void> {
      const rows = await select<LagRow>(`UPDATE notification_deliveries SET status = 'failed', failed_at = now(), last_error = :error WHERE id = :id AND status = 'pending' RETURNING ${LAG}`, { id, error });
      for (const r of rows) metrics.deliveryFailures.inc({ channel: r.channel });
    },

    /** Every message of the row is settled: the row is delivered (and failed, when one failed for good). */
    async settle(ref: OutboxRef): Promise<void> {
      await sequelize.query(
        `UPDATE ${table(ref)} o SET delivered_at = COALESCE(o.delivered_at, now()),
                failed_at = CASE WHEN EXISTS (SELECT 1 FROM notification_deliveries d WHERE d.${column(ref)} = o.id AND d.status = 'failed') THEN COALESCE(o.failed_at, now()) ELSE NULL END
          WHERE o.id = :id`,
        { replacements: { id: ref.id } },
      );
    },

    /** A row that could not be planned: marked failed (no message was made for it; why is in its workflow's history). */
    async abandoned(ref: OutboxRef): Promise<void> {
      await sequelize.query(`UPDATE ${table(ref)} SET failed_at = COALESCE(failed_at, now()), delivered_at = COALESCE(delivered_at, now()) WHERE id = :id`, { replacements: { id: ref.id } });
    },

    /** The follow link is mailed: it leaves the outbox (only its hash stays, in requester_tokens). */
    async forgetFollowLink(id: number): Promise<void> {
      await sequelize.query(`UPDATE notification_outbox SET payload = payload - 'link' WHERE id = :id AND kind = 'follow_link'`, { replacements: { id } });
    },

    /** Outbox rows not delivered and older than `olderThanMs`, oldest first: the sweep starts their deliveries. */
    async undelivered(opts: { olderThanMs: number; limit: number }): Promise<OutboxRef[]> {
      const rows = await select<{ source: 'ticket' | 'account'; id: string }>(
        `(SELECT 'ticket' AS source, id, created_at FROM notification_outbox WHERE delivered_at IS NULL AND created_at < now() - make_interval(secs => :secs) ORDER BY created_at LIMIT :limit)
         UNION ALL
         (SELECT 'account' AS source, id, created_at FROM account_mail_outbox WHERE delivered_at IS NULL AND created_at < now() - make_interval(secs => :secs) ORDER BY created_at LIMIT :limit)
         ORDER BY created_at LIMIT :limit`,
        { secs: opts.olderThanMs / 1000, limit: opts.limit },
      );
      return rows.map((r) => ({ source: r.source, id: Number(r.id) }));
    },

    /** Who has digest lines waiting (docs/notification-preferences.md), at most `limit`. */
    async digestRecipients(limit: number): Promise<string[]> {
      const rows = await select<{ recipient: string }>(`SELECT DISTINCT recipient FROM notification_deliveries WHERE channel = 'digest' AND status = 'pending' ORDER BY recipient LIMIT :limit`, { limit });
      return rows.map((r) => r.recipient);
    },

    /** One recipient's waiting digest lines (at most `limit`): those stamped for a digest first (a digest to send again), then the oldest. */
    async digestLines(recipient: string, limit: number): Promise<Array<{ id: number; language: string; digestId: string | null; ticketNumber: string; kind: string; payload: Record<string, unknown> }>> {
      const rows = await select<{ id: string; language: string; digest_id: string | null; ticket_number: string; kind: string; payload: Record<string, unknown> }>(
        `SELECT d.id, d.language, d.digest_id, o.ticket_number, o.kind, o.payload FROM notification_deliveries d JOIN notification_outbox o ON o.id = d.ticket_outbox_id
          WHERE d.recipient = :recipient AND d.channel = 'digest' AND d.status = 'pending' ORDER BY d.digest_id IS NULL, d.id LIMIT :limit`,
        { recipient, limit },
      );
      return rows.map((r) => ({ id: Number(r.id), language: r.language, digestId: r.digest_id, ticketNumber: r.ticket_number, kind: r.kind, payload: r.payload }));
    },

    /** Puts lines in one digest (its Message-ID) before it is sent: sent again after a crash, it carries exactly these. */
    async stampDigest(ids: number[], digestId: string): Promise<void> {
      if (ids.length) await sequelize.query(`UPDATE notification_deliveries SET digest_id = :digestId WHERE id IN (:ids) AND status = 'pending' AND digest_id IS NULL`, { replacements: { ids, digestId } });
    },

    /** Digest lines sent in one digest (or failed for good, with why). */
    async settleLines(ids: number[], outcome: { sent: true } | { sent: false; error: string }): Promise<void> {
      if (!ids.length) return;
      const rows = await select<LagRow>(
        outcome.sent
          ? `UPDATE notification_deliveries SET status = 'sent', sent_at = now(), attempts = attempts + 1 WHERE id IN (:ids) AND status = 'pending' RETURNING ${LAG}`
          : `UPDATE notification_deliveries SET status = 'failed', failed_at = now(), last_error = :error WHERE id IN (:ids) AND status = 'pending' RETURNING ${LAG}`,
        { ids, error: outcome.sent ? null : outcome.error },
      );
      if (outcome.sent) observeLags(rows);
      else for (const r of rows) metrics.deliveryFailures.inc({ channel: r.channel });
    },

    /** The deliveries that failed for good, newest first (the admins' mail page). */
    async failures(opts: { limit: number }): Promise<FailedDelivery[]> {
      const rows = await select<Row & { ticket_number: string | null; kind: string }>(
        `SELECT d.*, o.ticket_number, COALESCE(o.kind, a.kind) AS kind FROM notification_deliveries d
           LEFT JOIN notification_outbox o ON o.id = d.ticket_outbox_id
           LEFT JOIN account_mail_outbox a ON a.id = d.account_outbox_id
          WHERE d.status = 'failed' ORDER BY d.failed_at DESC LIMIT :limit`,
        { limit: opts.limit },
      );
      return rows.map((r) => ({ ...toDelivery(r), ticketNumber: r.ticket_number, kind: r.kind }));
    },
  };
}

export type DeliveriesRepo = ReturnType<typeof createDeliveriesRepo>;

/** What a settled delivery's UPDATE returns for the metrics: its channel and its time in the outbox. */
interface LagRow { channel: string; lag: number }
const LAG = `channel, extract(epoch FROM now() - created_at)::float8 AS lag`;

function observeLags(rows: LagRow[]): void {
  for (const r of rows) metrics.deliveryLag.observe({ channel: r.channel }, Math.max(0, Number(r.lag)));
}
