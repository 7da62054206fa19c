/**
 * What retention reads from the ticket read model: every closed ticket with its closing instant
 * (its latest `closed` event). Returns plain records only; the plan is rules/retention.ts.
 *
 * closedTickets() returns erased tickets too, because an erased ticket still falls due for
 * deletion later; the caller passes erasedTickets() to the plan (`alreadyErased`), which then
 * lists them for deletion only. An erased ticket is one with tickets.personal_data_erased_at set
 * (by the erasure machinery, services/privacy/erase.ts).
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

    /** The closed tickets whose personal data was already erased (by retention or a person's erasure). */
    async erasedTickets(): Promise<Set<string>> {
      const rows = await sequelize.query<{ number: string }>(
        `SELECT number FROM tickets WHERE status = 'closed' AND personal_data_erased_at IS NOT NULL`,
        { type: QueryTypes.SELECT },
      );
      return new Set(rows.map((r) => r.number));
    },
  };
}

export type RetentionRepo = ReturnType<typeof createRetentionRepo>;
