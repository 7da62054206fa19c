/**
 * An agent's saved queue views (agent_saved_views, migration 0025): a name and the query's
 * filters and sort (services/agent/queues.ts ListQuery without its cursor and limit), one row per
 * name per agent; saving a name again replaces its query. Deleted with the user (ON DELETE CASCADE).
 */
import { QueryTypes, type Sequelize } from 'sequelize';

export interface SavedViewRecord {
  id: number;
  userId: number;
  name: string;
  /** As saved: `{ filters, sort }`; the service reads it back through the queue's own parser. */
  query: Record<string, unknown>;
  createdAt: string;
}

interface Row {
  id: string;
  user_id: string;
  name: string;
  query: Record<string, unknown>;
  created_at: Date;
}

const record = (r: Row): SavedViewRecord => ({ id: Number(r.id), userId: Number(r.user_id), name: r.name, query: r.query, createdAt: r.created_at.toISOString() });

export function createSavedViewsRepo(sequelize: Sequelize) {
  return {
    /** The agent's views, by name. */
    async list(userId: number): Promise<SavedViewRecord[]> {
      const rows = await sequelize.query<Row>(`SELECT id, user_id, name, query, created_at FROM agent_saved_views WHERE user_id = :userId ORDER BY lower(name), id`, {
        replacements: { userId }, type: QueryTypes.SELECT,
      });
      return rows.map(record);
    },


    /** Saves the query under the name (replacing the query of a view of that name); answers the view. */
    async save(userId: number, name: string, query: Record<string, unknown>): Promise<SavedViewRecord> {
      const [row] = await sequelize.query<Row>(
        `INSERT INTO agent_saved_views (user_id, name, query) VALUES (:userId, :name, CAST(:query AS jsonb))
         ON CONFLICT (user_id, name) DO UPDATE SET query = EXCLUDED.query
         RETURNING id, user_id, name, query, created_at`,
        { replacements: { userId, name, query: JSON.stringify(query) }, type: QueryTypes.SELECT },
      );
      return record(row!);
    },


    /** Deletes one of the agent's views; answers whether there was one. */
    async remove(userId: number, id: number): Promise<boolean> {
      const rows = await sequelize.query<{ id: string }>(`DELETE FROM agent_saved_views WHERE user_id = :userId AND id = :id RETURNING id`, {
        replacements: { userId, id }, type: QueryTypes.SELECT,
      });
      return rows.length > 0;
    },
  };
}

export type SavedViewsRepo = ReturnType<typeof createSavedViewsRepo>;
