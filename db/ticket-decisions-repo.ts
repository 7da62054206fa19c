/**
 * The rules' decisions on tickets as the read model keeps them (migration 0019): the derived
 * facts each classification read — never the title, the description or the e-mail address — and
 * its outcome, written by the classifyTicket activity; and the reads the what-if and "try it"
 * make of them (services/rules-admin/). Returns plain records only.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import type { DecisionOutcome } from '../rules/derived-facts.ts';
import type { DerivedFacts } from '../rules/types.ts';

export type DecisionKind = 'classified' | 'reclassified';

/** What a decision decided: the replay's outcome, and the policy's targets and calendar. */
export interface RecordedOutcome extends DecisionOutcome {
  responseMs: number;
  resolutionMs: number;
  /** The policy's calendar id, in the decision's rules version. */
  calendar: string;
}

export interface DecisionRecordInput {
  ticketNumber: string;
  /** The instant the decision is for, epoch ms. */
  atMs: number;
  rulesVersion: number;
  rulesHash: string;
  facts: DerivedFacts;
  outcome: RecordedOutcome;
}

export interface TicketDecisionRecord {
  ticketNumber: string;
  kind: DecisionKind;
  /** ISO 8601. */
  decidedAt: string;
  rulesVersion: number;
  rulesHash: string;
  facts: DerivedFacts;
  outcome: RecordedOutcome;
}

/** A page's ticket for the what-if: its creation, its classification (null: none recorded) and its clock events. */
export interface PeriodTicket {
  number: string;
  createdMs: number;
  status: string;
  classification: { decidedMs: number; rulesVersion: number; rulesHash: string; facts: DerivedFacts; outcome: RecordedOutcome } | null;
  /** The events that move the SLA clocks or change the ticket's targets, in order. */
  events: ClockEvent[];
}

export interface ClockEvent {
  seq: number;
  type: string;
  atMs: number;
  /** Only the flags the clocks read (`firstResponse`); no words, no people. */
  firstResponse: boolean;
}

/** Where the next page starts: after this ticket in (created_at, number) order. */
export interface PageCursor {
  createdMs: number;
  number: string;
}

/** The event types the what-if reads: what moves a clock, and what changes a ticket's targets later. */
export const CLOCK_EVENT_TYPES = ['responded', 'pending', 'resumed', 'resolved', 'reopened', 'closed', 'cancelled', 'merged', 'priority_changed', 'reclassified'] as const;

interface DecisionRow {
  ticket_number: string; kind: DecisionKind; decided_at: Date; rules_version: number; rules_hash: string;
  facts: DerivedFacts; outcome: RecordedOutcome;
}
interface PageRow {
  number: string; created_at: Date; status: string;
  decided_at: Date | null; rules_version: number | null; rules_hash: string | null; facts: DerivedFacts | null; outcome: RecordedOutcome | null;
}
interface EventRow { ticket_number: string; seq: number; type: string; occurred_at: Date; first_response: boolean }

const toRecord = (r: DecisionRow): TicketDecisionRecord => ({
  ticketNumber: r.ticket_number, kind: r.kind, decidedAt: r.decided_at.toISOString(), rulesVersion: r.rules_version,
  rulesHash: r.rules_hash, facts: r.facts, outcome: r.outcome,
});

export function createTicketDecisionsRepo(sequelize: Sequelize) {
  return {
    /**
     * Records a decision once: a retry of the same decision (same ticket, instant and rules
     * version) writes nothing. The decision at the ticket's creation instant is its
     * classification, any later one a re-classification. Nothing is written for a ticket the read
     * model does not hold (its `created` event is written before it is classified). Returns the
     * kind written, or null when nothing was.
     */
    async record(d: DecisionRecordInput): Promise<DecisionKind | null> {
      const rows = await sequelize.query<{ kind: DecisionKind }>(
        `INSERT INTO ticket_decisions (ticket_number, kind, decided_at, rules_version, rules_hash, facts, outcome)
         SELECT t.number, CASE WHEN t.created_at = :decidedAt::timestamptz THEN 'classified' ELSE 'reclassified' END,
                :decidedAt::timestamptz, :rulesVersion, :rulesHash, :facts::jsonb, :outcome::jsonb
           FROM tickets t WHERE t.number = :number
         ON CONFLICT (ticket_number, decided_at, rules_version) DO NOTHING
         RETURNING kind`,
        {
          replacements: {
            number: d.ticketNumber, decidedAt: new Date(d.atMs).toISOString(), rulesVersion: d.rulesVersion, rulesHash: d.rulesHash,
            facts: JSON.stringify(d.facts), outcome: JSON.stringify(d.outcome),
          },
          type: QueryTypes.SELECT,
        },
      );
      return rows[0]?.kind ?? null;
    },

    /** Whether the ticket exists, and its recorded decisions, oldest first. */
    async forTicket(number: string): Promise<{ exists: boolean; decisions: TicketDecisionRecord[] }> {
      const [found] = await sequelize.query<{ n: number }>(`SELECT 1 AS n FROM tickets WHERE number = :number`, { replacements: { number }, type: QueryTypes.SELECT });
      if (!found) return { exists: false, decisions: [] };
      const rows = await sequelize.query<DecisionRow>(
        `SELECT ticket_number, kind, decided_at, rules_version, rules_hash, facts, outcome FROM ticket_decisions
          WHERE ticket_number = :number ORDER BY decided_at, recorded_at`,
        { replacements: { number }, type: QueryTypes.SELECT },
      );
      return { exists: true, decisions: rows.map(toRecord) };
    },

    /** How many tickets were created in [from, to). */
    async countCreated(period: { fromMs: number; toMs: number }): Promise<number> {
      const [row] = await sequelize.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM tickets WHERE created_at >= :from AND created_at < :to`,
        { replacements: { from: new Date(period.fromMs), to: new Date(period.toMs) }, type: QueryTypes.SELECT },
      );
      return Number(row!.n);
    },

    /**
     * The next `limit` tickets created in [from, to) after `after`, in (created_at, number) order
     * (keyset paging: each page costs the same however far the run has got), each with its
     * recorded classification and clock events. Of several classifications recorded at creation
     * (an activity retried under a newer active version), the one its `classified` event names.
     */
    async createdPage(period: { fromMs: number; toMs: number }, after: PageCursor | null, limit: number): Promise<PeriodTicket[]> {
      const rows = await sequelize.query<PageRow>(
        `SELECT t.number, t.created_at, t.status, d.decided_at, d.rules_version, d.rules_hash, d.facts, d.outcome
           FROM tickets t
           LEFT JOIN LATERAL (
             SELECT d.* FROM ticket_decisions d
              WHERE d.ticket_number = t.number AND d.kind = 'classified'
              ORDER BY d.rules_version = (SELECT (e.data->>'rulesVersion')::int FROM ticket_events e
                                           WHERE e.ticket_number = t.number AND e.type = 'classified' ORDER BY e.seq LIMIT 1) DESC NULLS LAST,
                       d.recorded_at DESC
              LIMIT 1) d ON true
          WHERE t.created_at >= :from AND t.created_at < :to
            AND (:afterAt::timestamptz IS NULL OR (t.created_at, t.number) > (:afterAt::timestamptz, :afterNumber::text))
          ORDER BY t.created_at, t.number
          LIMIT :limit`,
        {
          replacements: {
            from: new Date(period.fromMs), to: new Date(period.toMs), limit,
            afterAt: after ? new Date(after.createdMs).toISOString() : null, afterNumber: after?.number ?? null,
          },
          type: QueryTypes.SELECT,
        },
      );
      if (rows.length === 0) return [];
      const events = await sequelize.query<EventRow>(
        `SELECT ticket_number, seq, type, occurred_at, coalesce((data->>'firstResponse')::boolean, false) AS first_response
           FROM ticket_events WHERE ticket_number IN (:numbers) AND type IN (:types)
          ORDER BY ticket_number, seq`,
        { replacements: { numbers: rows.map((r) => r.number), types: [...CLOCK_EVENT_TYPES] }, type: QueryTypes.SELECT },
      );
      const byTicket = new Map<string, ClockEvent[]>();
      for (const e of events) {
        const list = byTicket.get(e.ticket_number) ?? [];
        list.push({ seq: e.seq, type: e.type, atMs: e.occurred_at.getTime(), firstResponse: e.first_response === true });
        byTicket.set(e.ticket_number, list);
      }
      return rows.map((r) => ({
        number: r.number,
        createdMs: r.created_at.getTime(),
        status: r.status,
        classification: r.decided_at && r.facts && r.outcome && r.rules_version !== null && r.rules_hash !== null
          ? { decidedMs: r.decided_at.getTime(), rulesVersion: r.rules_version, rulesHash: r.rules_hash, facts: r.facts, outcome: r.outcome }
          : null,
        events: byTicket.get(r.number) ?? [],
      }));
    },
  };
}

export type TicketDecisionsRepo = ReturnType<typeof createTicketDecisionsRepo>;
