/**
 * The tickets an auditor's period check covers: those whose lifecycle ended (closed or
 * cancelled) within a period, by the instant of that event in the read model (ticket_events);
 * and whether a ticket exists at all.
 */
import { QueryTypes, type Sequelize } from 'sequelize';

export interface PeriodRange {
  /** Inclusive. */
  fromMs: number;
  /** Exclusive. */
  toMs: number;
}

export function createAuditTicketsRepo(sequelize: Sequelize) {
  return {
    /** The numbers of the tickets closed, cancelled or merged into another in the period, in the order they ended. */
    async endedBetween(range: PeriodRange): Promise<string[]> {
      const rows = await sequelize.query<{ number: string }>(
        `SELECT e.ticket_number AS number FROM ticket_events e
          WHERE e.type IN ('closed', 'cancelled', 'merged') AND e.occurred_at >= :from AND e.occurred_at < :to
          GROUP BY e.ticket_number ORDER BY min(e.occurred_at), e.ticket_number`,
        { replacements: { from: new Date(range.fromMs), to: new Date(range.toMs) }, type: QueryTypes.SELECT },
      );
      return rows.map((r) => r.number);
    },

    /** Whether the read model has the ticket (nothing of it is read, sealed or not). */
    async exists(number: string): Promise<boolean> {
      const rows = await sequelize.query(`SELECT 1 FROM tickets WHERE number = :number`, { replacements: { number }, type: QueryTypes.SELECT });
      return rows.length > 0;
    },
  };
}

export type AuditTicketsRepo = ReturnType<typeof createAuditTicketsRepo>;
