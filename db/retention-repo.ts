/**
 * What retention reads from the ticket read model: every closed ticket with its closing instant
 * (its latest `closed` event). Returns plain records only; the plan is rules/retention.ts.
 *
 * It does not know which tickets' personal data was already erased: it returns every closed
 * ticket, and the caller passes the erased ones to the plan (`alreadyErased`), because an erased
 * ticket still falls due for deletion later. No migration here: the erasure records belong to the
 * erasure machinery.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import type { ClosedTicket } from '../rules/retention.ts';

interface Row { number: string; category: string | null; rules_version: number | null; closed_at: Date }

export function createRetentionRepo(sequelize: Sequelize) {
  return {
    /** Every closed ticket with its closing instant, earliest closed first (then by number). */
    async closedTickets(): Promise<ClosedTicket[]> {
      const rows = await sequelize.query<Row>(
        // Per closed ticket (tickets_status_idx), its own events by the primary key: no scan of every event.
        `SELECT t.number, t.category, t.rules_version, c.closed_at
           FROM tickets t
           CROSS JOIN LATERAL (
             SELECT e.occurred_at AS closed_at FROM ticket_events e
              WHERE e.ticket_number = t.number AND e.type = 'closed'
              ORDER BY e.seq DESC LIMIT 1) c
          WHERE t.status = 'closed'
          ORDER BY c.closed_at, t.number`,
        { type: QueryTypes.SELECT },
      );
      return rows.map((r) => ({ number: r.number, category: r.category, closedAt: r.closed_at.toISOString(), rulesVersion: r.rules_version }));
    },
  };
}

export type RetentionRepo = ReturnType<typeof createRetentionRepo>;
