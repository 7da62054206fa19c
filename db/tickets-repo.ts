/**
 * The ticket read model: the projection the ticket workflow writes, and intake's
 * idempotency records. Returns plain records only.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { Notification, TicketEvent, TicketSla, TicketSnapshot } from '../workflows/types.ts';
import { enqueueWebhooksSql } from './webhooks-repo.ts';
import { metrics } from '../observability/metrics.ts';

export interface TicketRecord extends TicketSnapshot {
  /** Who filed the ticket; null for tickets filed before it was recorded (migration 0007) or by a portal visitor without an account. */
  filedBy: string | null;
  /** Its personal data was erased (a person's erasure, or retention): readers show no one's address for it. */
  personalDataErased?: boolean;
  timeline: TicketEvent[];
}

export interface IntakeRecord {
  idempotencyKey: string;
  ticketNumber: string;
  requestHash: string;
  request: Record<string, unknown>;
  /** When the request was first accepted; the ticket's creation instant. */
  acceptedAt: string;
}

interface TicketRow {
  number: string; workflow_id: string; title: string; description: string; requester_email: string; locale: string;
  channel: string; impact: string; urgency: string; category: string | null; priority: string | null; status: string;
  tier: string | null; team_id: string | null; assignee: string | null; rules_version: number | null; sla: TicketSla | null;
  created_at: Date; updated_at: Date; last_event_seq: number; filed_by: string | null; requester_ref: string | null; personal_data_erased_at?: Date | null;
}
interface EventRow { seq: number; type: string; actor: string; reason: string | null; data: Record<string, unknown>; occurred_at: Date }

function toSnapshot(r: TicketRow): TicketSnapshot {
  return {
    number: r.number, workflowId: r.workflow_id, title: r.title, description: r.description, requesterEmail: r.requester_email,
    locale: r.locale, channel: r.channel as TicketSnapshot['channel'], impact: r.impact as TicketSnapshot['impact'],
    urgency: r.urgency as TicketSnapshot['urgency'], category: r.category, priority: r.priority,
    status: r.status as TicketSnapshot['status'], tier: r.tier, teamId: r.team_id, assignee: r.assignee,
    rulesVersion: r.rules_version, filedBy: r.filed_by, sla: r.sla, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
    lastEventSeq: r.last_event_seq,
    ...(r.requester_ref ? { requester: r.requester_ref } : {}),
  };
}

/** The ticket row: inserted, or moved forward to a later event (never back), not over erased words unless told. */
const UPSERT_TICKET = `INSERT INTO tickets (number, workflow_id, title, description, requester_email, locale, channel, impact, urgency, category,
              priority, status, tier, team_id, assignee, rules_version, sla, created_at, updated_at, last_event_seq, filed_by, requester_ref,
              response_due_at, resolution_due_at, next_due_at, breached, warned_at, warned_clock, escalated_at, escalated_by, merged_into)
           VALUES (:number, :workflowId, :title, :description, :requesterEmail, :locale, :channel, :impact, :urgency, :category,
              :priority, :status, :tier, :teamId, :assignee, :rulesVersion, :sla, :createdAt, :updatedAt, :lastEventSeq, :filedBy, :requesterRef,
              :responseDueAt, :resolutionDueAt, LEAST(:responseDueAt::timestamptz, :resolutionDueAt::timestamptz), :breached,
              CASE WHEN :warn = 'set' THEN :occurredAt::timestamptz END, CASE WHEN :warn = 'set' THEN :warnedClock END, CASE WHEN :escalation = 'set' THEN :occurredAt::timestamptz END,
              CASE WHEN :escalation = 'set' THEN :actor END, :mergedInto)
           ON CONFLICT (number) DO UPDATE SET
              -- Once erased, a ticket's words are not written back (a ticket reported before sealing carries them in plain).
              title = CASE WHEN tickets.personal_data_erased_at IS NULL THEN EXCLUDED.title ELSE tickets.title END,
              description = CASE WHEN tickets.personal_data_erased_at IS NULL THEN EXCLUDED.description ELSE tickets.description END, category = EXCLUDED.category, priority = EXCLUDED.priority,
              status = EXCLUDED.status, tier = EXCLUDED.tier, team_id = EXCLUDED.team_id,
              assignee = EXCLUDED.assignee,
              rules_version = EXCLUDED.rules_version, sla = EXCLUDED.sla, impact = EXCLUDED.impact, urgency = EXCLUDED.urgency,
              updated_at = EXCLUDED.updated_at, last_event_seq = EXCLUDED.last_event_seq,
              response_due_at = EXCLUDED.response_due_at, resolution_due_at = EXCLUDED.resolution_due_at, next_due_at = EXCLUDED.next_due_at,
              breached = EXCLUDED.breached,
              warned_at = CASE :warn WHEN 'set' THEN COALESCE(tickets.warned_at, EXCLUDED.warned_at) WHEN 'clear' THEN NULL ELSE tickets.warned_at END,
              warned_clock = CASE :warn WHEN 'set' THEN EXCLUDED.warned_clock WHEN 'clear' THEN NULL ELSE tickets.warned_clock END,
              escalated_at = CASE :escalation WHEN 'set' THEN EXCLUDED.escalated_at WHEN 'clear' THEN NULL ELSE tickets.escalated_at END,
              escalated_by = CASE :escalation WHEN 'set' THEN EXCLUDED.escalated_by WHEN 'clear' THEN NULL ELSE tickets.escalated_by END,
              merged_into = COALESCE(EXCLUDED.merged_into, tickets.merged_into)
           WHERE tickets.last_event_seq < EXCLUDED.last_event_seq
             AND (tickets.personal_data_erased_at IS NULL OR :writeErased)`;

/**
 * What project() wrote: whether the event is new, and the outbox rows and webhook deliveries it
 * created (to start their deliveries; a retry, which creates none, looks them up).
 */
export interface Projected {
  written: boolean;
  outbox: number[];
  webhooks: number[];
}

export function createTicketsRepo(sequelize: Sequelize) {
  /**
   * One statement, one round trip: the ticket, its event, the event's outbox rows and webhook
   * deliveries, and the live feed's notice, atomically. Null, having written nothing, when the
   * ticket's personal data was erased and this write is neither sealed nor `scrubbed`.
   */
  async function projectOnce(snapshot: TicketSnapshot, event: TicketEvent, notify: Notification | undefined, scrubbed: boolean): Promise<Projected | null> {
    const [row] = await sequelize.query<{ ok: boolean; written: boolean; outbox: string[]; webhooks: string[] }>(
      `WITH prior AS (
         SELECT personal_data_erased_at IS NOT NULL AS erased FROM tickets WHERE number = :number FOR UPDATE
       ), go AS (
         SELECT NOT COALESCE((SELECT erased FROM prior), false) OR :writeErased AS ok
       ), upsert AS (
         ${UPSERT_TICKET}
       ), ev AS (
         INSERT INTO ticket_events (ticket_number, seq, type, actor, reason, data, occurred_at)
         SELECT :number, :seq::integer, :type, :actor, :reason, :data::jsonb, :occurredAt::timestamptz FROM go WHERE go.ok
         ON CONFLICT (ticket_number, seq) DO NOTHING RETURNING seq
       ), ob AS (
         INSERT INTO notification_outbox (ticket_number, event_seq, role, kind, payload)
         SELECT :number, :seq::integer, r.role, :kind, :payload::jsonb FROM go, jsonb_array_elements_text(:roles::jsonb) AS r(role) WHERE go.ok
         ON CONFLICT (ticket_number, event_seq, role) DO NOTHING RETURNING id
       ), wh AS (
         ${enqueueWebhooksSql(', (SELECT 1 FROM ev) AS written')}
       )
       SELECT go.ok, EXISTS (SELECT 1 FROM ev) AS written,
              ARRAY(SELECT id FROM ob ORDER BY id)::text[] AS outbox, ARRAY(SELECT id FROM wh ORDER BY id)::text[] AS webhooks,
              CASE WHEN go.ok THEN pg_notify('ticket_changed', :number) END AS notified
         FROM go`,
      {
        replacements: {
          ...upsertReplacements(snapshot, event),
          writeErased: scrubbed || Boolean(snapshot.requester),
          seq: event.seq, type: event.type, reason: event.reason ?? null, data: JSON.stringify(event.data),
          ticketNumber: snapshot.number, eventSeq: event.seq, eventType: event.type,
          roles: JSON.stringify(notify?.roles ?? []),
          kind: notify?.kind ?? null,
          payload: JSON.stringify(notify ? outboxPayload(snapshot, notify, scrubbed) : {}),
        },
        type: QueryTypes.SELECT,
      },
    );
    if (!row?.ok) return null;
    // Breach lateness (observability/metrics.ts): once per breach, now that the row that records it has committed.
    if (row.written && event.type === 'sla_breached') observeBreach(event.data);
    return { written: row.written, outbox: row.outbox.map(Number), webhooks: row.webhooks.map(Number) };
  }

  return {
    /** Next ticket number, e.g. HD-2026-000042. The sequence never repeats, even across years. */
    async allocateNumber(prefix: string, year: number, t?: Transaction): Promise<string> {
      const [row] = await sequelize.query<{ n: string }>(`SELECT nextval('ticket_number_seq')::text AS n`, { type: QueryTypes.SELECT, transaction: t });
      return formatTicketNumber(prefix, year, Number(row!.n));
    },

    async findIntake(key: string, t?: Transaction): Promise<IntakeRecord | undefined> {
      const rows = await sequelize.query<{ idempotency_key: string; ticket_number: string; request_hash: string; request: Record<string, unknown>; created_at: Date }>(
        `SELECT idempotency_key, ticket_number, request_hash, request, created_at FROM intake_requests WHERE idempotency_key = :key`,
        { replacements: { key }, type: QueryTypes.SELECT, transaction: t },
      );
      const r = rows[0];
      return r && { idempotencyKey: r.idempotency_key, ticketNumber: r.ticket_number, requestHash: r.request_hash, request: r.request, acceptedAt: r.created_at.toISOString() };
    },

    /**
     * Reserves a number for an idempotency key, or returns the reservation that key
     * already has. Concurrent requests with one key get one number.
     */
    async reserveIntake(key: string, requestHash: string, request: Record<string, unknown> | ((ticketNumber: string) => Promise<Record<string, unknown>>), prefix: string, now: Date, ): Promise<{ intake: IntakeRecord; created: boolean }> {
      // Sealing needs the number (it is bound into each sealed value) and reads and writes keys on
      // connections of its own: so a new key's number is taken and its request sealed before the
      // transaction, which holds one connection only. A retry finds its reservation first; two
      // first attempts at once leave the loser's number unused (a gap, as a rolled-back insert would).
      let pre: { ticketNumber: string; stored: Record<string, unknown> } | undefined;
      if (typeof request === 'function') {
        const found = await this.findIntake(key);
        if (found) return { intake: found, created: false };
        const ticketNumber = await this.allocateNumber(prefix, now.getUTCFullYear());
        pre = { ticketNumber, stored: await request(ticketNumber) };
      }
      return sequelize.transaction(async (t) => {
        await sequelize.query(`SELECT pg_advisory_xact_lock(hashtext(:key))`, { replacements: { key }, transaction: t });
        const existing = await this.findIntake(key, t);
        if (existing) {
          // The other first attempt won: the number is left unused, and the key made for it is dropped (nothing kept was sealed under it).
          if (pre) await sequelize.query(`DELETE FROM data_keys WHERE scope = :scope`, { replacements: { scope: `ticket:${pre.ticketNumber}` }, transaction: t });
          return { intake: existing, created: false };
        }
        const ticketNumber = pre?.ticketNumber ?? (await this.allocateNumber(prefix, now.getUTCFullYear(), t));
        const stored = pre?.stored ?? (request as Record<string, unknown>);
        await sequelize.query(
          `INSERT INTO intake_requests (idempotency_key, ticket_number, request_hash, request, created_at) VALUES (:key, :ticketNumber, :requestHash, :request, :now)`,
          { replacements: { key, ticketNumber, requestHash, request: JSON.stringify(stored), now }, transaction: t },
        );
        return { intake: { idempotencyKey: key, ticketNumber, requestHash, request: stored, acceptedAt: now.toISOString() }, created: true };
      });
    },

    /**
     * Runs `fn` holding a PostgreSQL advisory lock on each of `numbers` (taken in one order, so two
     * callers cannot deadlock), across every web process: two merges that share a ticket (A into B
     * beside B into A) run one after the other, and the second sees the first's outcome.
     */
    async whileLocked<R>(numbers: string[], fn: () => Promise<R>): Promise<R> {
      return sequelize.transaction(async (t) => {
        for (const n of [...new Set(numbers)].sort()) {
          await sequelize.query(`SELECT pg_advisory_xact_lock(hashtextextended('ticket:' || :n, 0))`, { replacements: { n }, transaction: t });
        }
        return fn();
      });
    },

    /**
     * Writes one workflow event and the ticket as it stands after it. Idempotent: the
     * event is keyed by (ticket, seq) and the row only moves forward, so a retried or
     * replayed write changes nothing.
     */
    async project(snapshot: TicketSnapshot, event: TicketEvent, notify?: Notification): Promise<Projected> {
      const written = await projectOnce(snapshot, event, notify, false);
      if (written) return written;
      // A ticket reported before sealing carries its words and addresses in plain in its workflow: once its
      // personal data is erased (which is never undone), what the workflow writes next is scrubbed first.
      // An erased requester assigned to their own ticket is not named by address either.
      const self = snapshot.assignee?.toLowerCase() === snapshot.requesterEmail.toLowerCase();
      return (await projectOnce(self ? { ...snapshot, assignee: ERASED_TEXT } : snapshot, scrubbedEvent(event, snapshot.requesterEmail), notify, true))!;
    },

    async get(number: string): Promise<TicketRecord | undefined> {
      const rows = await sequelize.query<TicketRow>(`SELECT * FROM tickets WHERE number = :number`, { replacements: { number }, type: QueryTypes.SELECT });
      const row = rows[0];
      if (!row) return undefined;
      const events = await sequelize.query<EventRow>(
        `SELECT seq, type, actor, reason, data, occurred_at FROM ticket_events WHERE ticket_number = :number ORDER BY seq`,
        { replacements: { number }, type: QueryTypes.SELECT },
      );
      return {
        ...toSnapshot(row),
        filedBy: row.filed_by,
        personalDataErased: (row.personal_data_erased_at ?? null) !== null,
        timeline: events.map((e) => ({ seq: e.seq, type: e.type, actor: e.actor, reason: e.reason, data: e.data, occurredAt: e.occurred_at.toISOString() })),
      };
    },

    /** Tickets, newest first; `submittedBy` keeps those a portal account reported itself (ticket_submitters). */
    async list(opts: { status?: string; requesterEmail?: string; requesterRef?: string | null; submittedBy?: number; limit?: number } = {}): Promise<TicketSnapshot[]> {
      // A requester's tickets: by pseudonym (sealed tickets), or by plain address (tickets reported before sealing).
      const rows = await sequelize.query<TicketRow>(
        `SELECT * FROM tickets
          WHERE (:status::text IS NULL OR status = :status)
            AND (:requester::text IS NULL OR (requester_ref IS NULL AND requester_email = :requester) OR requester_ref = :requesterRef::uuid)
            AND (:submitter::bigint IS NULL OR number IN (SELECT ticket_number FROM ticket_submitters WHERE user_id = :submitter))
          ORDER BY created_at DESC LIMIT :limit`,
        { replacements: { status: opts.status ?? null, requester: opts.requesterEmail ?? null, requesterRef: opts.requesterRef ?? null, submitter: opts.submittedBy ?? null, limit: opts.limit ?? 50 }, type: QueryTypes.SELECT },
      );
      return rows.map(toSnapshot);
    },

    /** Notifications written for a ticket, oldest first: when each was queued, and delivered (null while it waits). */
    async outbox(number: string): Promise<Array<{ eventSeq: number; role: string; kind: string; payload: Record<string, unknown>; createdAt: string; deliveredAt: string | null }>> {
      const rows = await sequelize.query<{ event_seq: number; role: string; kind: string; payload: Record<string, unknown>; created_at: Date; delivered_at: Date | null }>(
        `SELECT event_seq, role, kind, payload, created_at, delivered_at FROM notification_outbox WHERE ticket_number = :number ORDER BY id`,
        { replacements: { number }, type: QueryTypes.SELECT },
      );
      return rows.map((r) => ({ eventSeq: r.event_seq, role: r.role, kind: r.kind, payload: r.payload, createdAt: r.created_at.toISOString(), deliveredAt: r.delivered_at?.toISOString() ?? null }));
    },

    async countEvents(number: string, type?: string): Promise<number> {
      const [row] = await sequelize.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM ticket_events WHERE ticket_number = :number AND (:type::text IS NULL OR type = :type)`,
        { replacements: { number, type: type ?? null }, type: QueryTypes.SELECT },
      );
      return Number(row!.n);
    },
  };
}

export type TicketsRepo = ReturnType<typeof createTicketsRepo>;

/** What readers show where erased personal data was (services/privacy/ticket-data.ts ERASED). */
const ERASED_TEXT = '[erased]';
const TEXT_FIELDS = ['message', 'comment', 'requester', 'note'];

/** An event of an erased ticket from before sealing, without the requester's address and anyone's words. */
function scrubbedEvent(e: TicketEvent, requesterEmail: string): TicketEvent {
  const data = { ...e.data };
  for (const k of TEXT_FIELDS) if (typeof data[k] === 'string') data[k] = ERASED_TEXT;
  const byRequester = e.actor.toLowerCase() === requesterEmail.toLowerCase();
  return { ...e, actor: byRequester ? ERASED_TEXT : e.actor, reason: byRequester && e.reason !== null ? ERASED_TEXT : e.reason, data };
}

/**
 * The queue columns of migration 0025 an event sets: the due instants and breach from the snapshot's
 * SLA; the warning mark (the first warning since the clocks were planned, and the clock of the latest:
 * at risk while that clock runs), the escalation (the last
 * `escalated`, cleared by `deescalated`) and the merge target from the event.
 */
function queueColumns(s: TicketSnapshot, e: TicketEvent) {
  const replans = e.type === 'reclassified' || e.type === 'priority_changed';
  const into = e.type === 'merged' && typeof e.data.into === 'string' ? e.data.into : null;
  return {
    responseDueAt: s.sla?.responseDueAt ?? null,
    resolutionDueAt: s.sla?.resolutionDueAt ?? null,
    breached: (s.sla?.breached.length ?? 0) > 0,
    warn: e.type === 'sla_warning' ? 'set' : replans ? 'clear' : 'keep',
    warnedClock: e.type === 'sla_warning' && (e.data.clock === 'response' || e.data.clock === 'resolution') ? e.data.clock : null,
    escalation: e.type === 'escalated' ? 'set' : e.type === 'deescalated' ? 'clear' : 'keep',
    occurredAt: e.occurredAt,
    actor: e.actor,
    mergedInto: into,
  };
}

export const TICKET_NUMBER_PATTERN = /^[A-Z]{1,8}-\d{4}-\d{6,}$/;

export function formatTicketNumber(prefix: string, year: number, n: number): string {
  return `${prefix}-${year}-${String(n).padStart(6, '0')}`;
}

function observeBreach(data: Record<string, unknown>): void {
  const late = typeof data.lateByMs === 'number' ? data.lateByMs : null;
  const clock = data.clock === 'response' || data.clock === 'resolution' ? data.clock : 'other';
  if (late !== null) metrics.breachLateness.observe({ clock }, Math.max(0, late) / 1000);
}

/** The ticket upsert's values: the snapshot's columns and the queue columns the event moves. */
function upsertReplacements(s: TicketSnapshot, e: TicketEvent) {
  return { ...s, filedBy: s.filedBy ?? null, requesterRef: s.requester ?? null, sla: s.sla ? JSON.stringify(s.sla) : null, ...queueColumns(s, e) };
}

/** An outbox row's payload: what the notification needs, scrubbed of the words once erased. */
function outboxPayload(s: TicketSnapshot, notify: Notification, scrub: boolean): Record<string, unknown> {
  return { ...(scrub ? {} : notify.data), ticket: s.number, title: scrub ? ERASED_TEXT : s.title, priority: s.priority, team: s.teamId, tier: s.tier, assignee: s.assignee, locale: s.locale };
}
