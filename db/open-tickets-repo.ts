/**
 * The open tickets a newer rules version could be applied to (services/rules-admin/apply.ts):
 * those not resolved, closed or cancelled whose rules version is older than a given one, read a
 * page at a time in number order (keyset paging over tickets_open_number_idx, migration 0021),
 * each with what it holds now (priority, team, tier, SLA summary), the derived facts of its latest
 * recorded rules decision (ticket_decisions, migration 0019) and the events that moved its SLA
 * clocks. Returns plain records only; no words, no addresses.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import type { DerivedFacts } from '../rules/types.ts';
import type { TicketSla } from '../workflows/types.ts';
import { CLOCK_EVENT_TYPES, type ClockEvent, type RecordedOutcome } from './ticket-decisions-repo.ts';

/** The statuses a ticket is no longer re-classified in (workflows/transitions/classification.ts canReclassify). */
export const SETTLED_STATUSES = ['resolved', 'closed', 'cancelled', 'merged'] as const;

export interface OpenTicket {
  number: string;
  status: string;
  createdMs: number;
  rulesVersion: number;
  priority: string | null;
  teamId: string | null;
  tier: string | null;
  sla: TicketSla | null;
  /** Its latest recorded decision (the one of its own rules version first); null when none was recorded. */
  decision: { decidedMs: number; rulesVersion: number; facts: DerivedFacts; outcome: RecordedOutcome } | null;
  /** The events that move its SLA clocks, in order. */
  events: ClockEvent[];
}

interface Row {
  number: string; status: string; created_at: Date; rules_version: number; priority: string | null; team_id: string | null; tier: string | null;
  sla: TicketSla | null; decided_at: Date | null; decision_version: number | null; facts: DerivedFacts | null; outcome: RecordedOutcome | null;
}
interface EventRow { ticket_number: string; seq: number; type: string; occurred_at: Date; first_response: boolean }

const OPEN = `t.status NOT IN (${SETTLED_STATUSES.map((s) => `'${s}'`).join(', ')}) AND t.rules_version < :version`;

export function createOpenTicketsRepo(sequelize: Sequelize) {
  return {
    /** How many open tickets are on a rules version older than `version`. */
    async countOlder(version: number): Promise<number> {
      const [row] = await sequelize.query<{ n: string }>(`SELECT count(*)::text AS n FROM tickets t WHERE ${OPEN}`, { replacements: { version }, type: QueryTypes.SELECT });
      return Number(row!.n);
    },

    /** The next `limit` open tickets on a version older than `version`, after ticket `after` in number order. */
    async olderPage(version: number, after: string | null, limit: number): Promise<OpenTicket[]> {
      const rows = await sequelize.query<Row>(
        `SELECT t.number, t.status, t.created_at, t.rules_version, t.priority, t.team_id, t.tier, t.sla,
                d.decided_at, d.rules_version AS decision_version, d.facts, d.outcome
           FROM tickets t
           LEFT JOIN LATERAL (
             SELECT d.decided_at, d.rules_version, d.facts, d.outcome FROM ticket_decisions d
              WHERE d.ticket_number = t.number
              ORDER BY d.rules_version = t.rules_version DESC, d.decided_at DESC, d.recorded_at DESC
              LIMIT 1) d ON true
          WHERE ${OPEN}${after === null ? '' : ' AND t.number > :after'}
          ORDER BY t.number
          LIMIT :limit`,
        { replacements: { version, after, limit }, type: QueryTypes.SELECT },
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
        number: r.number, status: r.status, createdMs: r.created_at.getTime(), rulesVersion: r.rules_version,
        priority: r.priority, teamId: r.team_id, tier: r.tier, sla: r.sla,
        decision: r.decided_at && r.facts && r.outcome && r.decision_version !== null
          ? { decidedMs: r.decided_at.getTime(), rulesVersion: r.decision_version, facts: r.facts, outcome: r.outcome }
          : null,
        events: byTicket.get(r.number) ?? [],
      }));
    },
  };
}

export type OpenTicketsRepo = ReturnType<typeof createOpenTicketsRepo>;
