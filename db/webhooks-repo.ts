/**
 * Webhook endpoints, their deliveries and every attempt (migration 0030, docs/webhooks.md). A
 * delivery names its event (ticket number and seq) and its endpoint, never what was sent: the body
 * is composed from the read model when it is sent, so an erasure leaves nothing behind here. A
 * failure is kept as a sentence and a status code, never the receiver's body.
 */
import { metrics } from '../observability/metrics.ts';
import { QueryTypes, type Sequelize } from 'sequelize';

export type WebhookFormat = 'standard' | 'slack' | 'teams';

export interface WebhookEndpoint {
  id: number;
  name: string;
  url: string;
  format: WebhookFormat;
  events: string[];
  language: 'pl' | 'en' | 'de';
  /** The Standard Webhooks signing secret (`whsec_…`); shown to admins only. */
  secret: string;
  createdBy: string;
  createdAt: string;
  disabledAt: string | null;
  /** Why it is disabled: by an admin, or the receiver answered 410 Gone. */
  disabledReason: WebhookDisabledReason | null;
}

export type WebhookDisabledReason = 'admin' | 'gone';

export type WebhookStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDelivery {
  id: number;
  endpointId: number;
  ticketNumber: string;
  eventSeq: number;
  eventType: string;
  /** The `webhook-id` header: the same for every attempt and every replay of one event's delivery. */
  messageId: string;
  replayOf: number | null;
  status: WebhookStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  failedAt: string | null;
}

export interface WebhookAttempt {
  id: number;
  attemptedAt: string;
  durationMs: number | null;
  statusCode: number | null;
  error: string | null;
}

interface EndpointRow { id: string; name: string; url: string; format: WebhookFormat; events: string[]; language: 'pl' | 'en' | 'de'; secret: string; created_by: string; created_at: Date; disabled_at: Date | null; disabled_reason: WebhookDisabledReason | null }
interface DeliveryRow { id: string; endpoint_id: string; ticket_number: string; event_seq: number; event_type: string; message_id: string; replay_of: string | null; status: WebhookStatus; attempts: number; last_error: string | null; created_at: Date; started_at: Date | null; delivered_at: Date | null; failed_at: Date | null }

const iso = (d: Date | null) => d?.toISOString() ?? null;

const toEndpoint = (r: EndpointRow): WebhookEndpoint => ({
  id: Number(r.id), name: r.name, url: r.url, format: r.format, events: r.events, language: r.language, secret: r.secret, createdBy: r.created_by,
  createdAt: r.created_at.toISOString(), disabledAt: iso(r.disabled_at), disabledReason: r.disabled_reason,
});

const toDelivery = (r: DeliveryRow): WebhookDelivery => ({
  id: Number(r.id), endpointId: Number(r.endpoint_id), ticketNumber: r.ticket_number, eventSeq: r.event_seq, eventType: r.event_type, messageId: r.message_id,
  replayOf: r.replay_of === null ? null : Number(r.replay_of), status: r.status, attempts: r.attempts, lastError: r.last_error,
  createdAt: r.created_at.toISOString(), deliveredAt: iso(r.delivered_at), failedAt: iso(r.failed_at),
});

/**
 * The statement that writes the deliveries of one event (:ticketNumber, :eventSeq, :eventType) to
 * every enabled endpoint that takes its type, once per event and endpoint, answering their ids.
 * `alsoFrom` joins what gates it: db/tickets-repo.ts project() runs it inside the event's own
 * statement, only when the event row is new.
 */
export function enqueueWebhooksSql(alsoFrom = ''): string {
  return `INSERT INTO webhook_deliveries (endpoint_id, ticket_number, event_seq, event_type, message_id)
     SELECT id, :ticketNumber, :eventSeq::integer, :eventType, 'msg_' || :ticketNumber || '.' || :eventSeq || '.e' || id
       FROM webhook_endpoints${alsoFrom} WHERE disabled_at IS NULL AND (:eventType = ANY (events) OR '*' = ANY (events))
     ON CONFLICT DO NOTHING RETURNING id`;
}

export function createWebhooksRepo(sequelize: Sequelize) {
  const select = <T extends object>(sql: string, replacements: Record<string, unknown> = {}) => sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
  const run = (sql: string, replacements: Record<string, unknown>) => sequelize.query(sql, { replacements });

  return {
    async endpoints(): Promise<WebhookEndpoint[]> {
      return (await select<EndpointRow>(`SELECT * FROM webhook_endpoints ORDER BY id`)).map(toEndpoint);
    },

    async endpoint(id: number): Promise<WebhookEndpoint | undefined> {
      const [r] = await select<EndpointRow>(`SELECT * FROM webhook_endpoints WHERE id = :id`, { id });
      return r && toEndpoint(r);
    },

    async create(e: Pick<WebhookEndpoint, 'name' | 'url' | 'format' | 'events' | 'language' | 'secret' | 'createdBy'>): Promise<number> {
      const [r] = await select<{ id: string }>(
        `INSERT INTO webhook_endpoints (name, url, format, events, language, secret, created_by) VALUES (:name, :url, :format, ARRAY[:events]::text[], :language, :secret, :createdBy) RETURNING id`,
        { ...e },
      );
      return Number(r!.id);
    },

    async update(id: number, e: Pick<WebhookEndpoint, 'name' | 'events' | 'language'>): Promise<void> {
      await run(`UPDATE webhook_endpoints SET name = :name, events = ARRAY[:events]::text[], language = :language WHERE id = :id`, { id, ...e });
    },

    /** Disables (with why) or enables (null) an endpoint; pending deliveries to a disabled one fail when their turn comes. */
    async setDisabled(id: number, reason: WebhookDisabledReason | null): Promise<void> {
      await run(
        `UPDATE webhook_endpoints SET disabled_at = CASE WHEN :reason::text IS NULL THEN NULL ELSE COALESCE(disabled_at, now()) END, disabled_reason = :reason WHERE id = :id`,
        { id, reason },
      );
    },

    async remove(id: number): Promise<void> {
      await run(`DELETE FROM webhook_endpoints WHERE id = :id`, { id });
    },

    /** The deliveries one event wrote (recordEvent starts them). */
    async eventDeliveries(ticketNumber: string, eventSeq: number): Promise<number[]> {
      const rows = await select<{ id: string }>(`SELECT id FROM webhook_deliveries WHERE ticket_number = :ticketNumber AND event_seq = :eventSeq AND replay_of IS NULL ORDER BY id`, { ticketNumber, eventSeq });
      return rows.map((r) => Number(r.id));
    },

    async delivery(id: number): Promise<WebhookDelivery | undefined> {
      const [r] = await select<DeliveryRow>(`SELECT * FROM webhook_deliveries WHERE id = :id`, { id });
      return r && toDelivery(r);
    },

    /** One attempt, as it went: counted on the delivery, and its failure (a sentence, no body) kept as the last error. */
    async attempted(id: number, a: { durationMs: number | null; statusCode: number | null; error: string | null }): Promise<void> {
      await sequelize.transaction(async (t) => {
        await sequelize.query(`INSERT INTO webhook_attempts (delivery_id, duration_ms, status_code, error) VALUES (:id, :durationMs, :statusCode, :error)`, { replacements: { id, ...a }, transaction: t });
        await sequelize.query(`UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = :error WHERE id = :id`, { replacements: { id, error: a.error }, transaction: t });
      });
    },

    async delivered(id: number): Promise<void> {
      const rows = await sequelize.query<{ lag: number }>(
        `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(), last_error = NULL WHERE id = :id AND status = 'pending'
         RETURNING extract(epoch FROM now() - created_at)::float8 AS lag`,
        { replacements: { id }, type: QueryTypes.SELECT },
      );
      for (const r of rows) metrics.deliveryLag.observe({ channel: 'webhook' }, Math.max(0, Number(r.lag)));
    },

    async failed(id: number, error: string): Promise<void> {
      const rows = await sequelize.query(`UPDATE webhook_deliveries SET status = 'failed', failed_at = now(), last_error = :error WHERE id = :id AND status = 'pending' RETURNING id`, { replacements: { id, error }, type: QueryTypes.SELECT });
      if (rows.length) metrics.deliveryFailures.inc({ channel: 'webhook' });
    },

    /**
     * Deliveries still pending after `olderThanMs` whose workflow was never started, or last started
     * more than 3 hours ago (longer than its retries take: it has ended), oldest first — the sweep
     * starts them. A delivery whose workflow is still retrying is not among them.
     */
    async pending(olderThanMs: number, limit: number): Promise<number[]> {
      const rows = await select<{ id: string }>(
        `SELECT id FROM webhook_deliveries
          WHERE status = 'pending' AND created_at < now() - make_interval(secs => :secs) AND (started_at IS NULL OR started_at < now() - interval '3 hours')
          ORDER BY created_at LIMIT :limit`,
        { secs: olderThanMs / 1000, limit },
      );
      return rows.map((r) => Number(r.id));
    },

    /** Their workflows were started (or found running). */
    async started(ids: number[]): Promise<void> {
      if (ids.length) await run(`UPDATE webhook_deliveries SET started_at = now() WHERE id IN (:ids)`, { ids });
    },

    /** A replay: a new delivery of the same event with the same `webhook-id`, started by the caller. */
    async replay(id: number): Promise<number | undefined> {
      const [r] = await select<{ id: string }>(
        `INSERT INTO webhook_deliveries (endpoint_id, ticket_number, event_seq, event_type, message_id, replay_of)
         SELECT endpoint_id, ticket_number, event_seq, event_type, message_id, COALESCE(replay_of, id) FROM webhook_deliveries WHERE id = :id RETURNING id`,
        { id },
      );
      return r ? Number(r.id) : undefined;
    },

    /** An endpoint's latest deliveries, newest first, each with its attempts. */
    async log(endpointId: number, limit = 50): Promise<Array<WebhookDelivery & { attemptLog: WebhookAttempt[] }>> {
      const deliveries = (await select<DeliveryRow>(`SELECT * FROM webhook_deliveries WHERE endpoint_id = :endpointId ORDER BY id DESC LIMIT :limit`, { endpointId, limit })).map(toDelivery);
      if (!deliveries.length) return [];
      const attempts = await select<{ id: string; delivery_id: string; attempted_at: Date; duration_ms: number | null; status_code: number | null; error: string | null }>(
        `SELECT * FROM webhook_attempts WHERE delivery_id IN (:ids) ORDER BY id`,
        { ids: deliveries.map((d) => d.id) },
      );
      return deliveries.map((d) => ({
        ...d,
        attemptLog: attempts.filter((a) => Number(a.delivery_id) === d.id).map((a) => ({ id: Number(a.id), attemptedAt: a.attempted_at.toISOString(), durationMs: a.duration_ms, statusCode: a.status_code, error: a.error })),
      }));
    },
  };
}

export type WebhooksRepo = ReturnType<typeof createWebhooksRepo>;
