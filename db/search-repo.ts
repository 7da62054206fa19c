/**
 * The plain-text search projection (migration 0012): the one place a ticket's title and
 * description are kept readable, so agents can search them. Erasure and retention delete a
 * ticket's row (and vacuum the table). Plain records only.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

/** PostgreSQL's text-search configuration per language ('simple' for Polish, which has none). */
const TS_CONFIG: Readonly<Record<string, string>> = { en: 'english', de: 'german', pl: 'simple' };

export function createSearchRepo(sequelize: Sequelize) {
  return {
    /**
     * Writes the ticket's words, unless its personal data was erased meanwhile: the ticket row is
     * share-locked and checked first, so an erasure (which locks the row, then deletes this) either
     * waits for this write and deletes it, or has committed and this writes nothing.
     */
    async index(ticketNumber: string, language: string, body: string): Promise<boolean> {
      return sequelize.transaction(async (t) => {
        const live = await sequelize.query(
          `SELECT 1 FROM tickets WHERE number = :ticketNumber AND personal_data_erased_at IS NULL FOR SHARE`,
          { replacements: { ticketNumber }, type: QueryTypes.SELECT, transaction: t },
        );
        if (live.length === 0) return false;
        await sequelize.query(
          `INSERT INTO ticket_search (ticket_number, ts_config, body) VALUES (:ticketNumber, :cfg::regconfig, :body)
           ON CONFLICT (ticket_number) DO UPDATE SET ts_config = EXCLUDED.ts_config, body = EXCLUDED.body`,
          { replacements: { ticketNumber, cfg: TS_CONFIG[language] ?? 'simple', body }, transaction: t },
        );
        return true;
      });
    },

    /** Ticket numbers whose words match `query` (web-search syntax), best first. */
    async search(query: string, limit = 50): Promise<string[]> {
      const rows = await sequelize.query<{ ticket_number: string }>(
        `SELECT ticket_number FROM ticket_search WHERE tsv @@ websearch_to_tsquery(ts_config, :query)
          ORDER BY ts_rank(tsv, websearch_to_tsquery(ts_config, :query)) DESC LIMIT :limit`,
        { replacements: { query, limit }, type: QueryTypes.SELECT },
      );
      return rows.map((r) => r.ticket_number);
    },

    async remove(ticketNumbers: string[], t?: Transaction): Promise<number> {
      if (ticketNumbers.length === 0) return 0;
      const rows = await sequelize.query<{ ticket_number: string }>(
        `DELETE FROM ticket_search WHERE ticket_number IN (:ticketNumbers) RETURNING ticket_number`,
        { replacements: { ticketNumbers }, type: QueryTypes.SELECT, ...(t ? { transaction: t } : {}) },
      );
      return rows.length;
    },
  };
}

export type SearchRepo = ReturnType<typeof createSearchRepo>;
