/**
 * Published rules versions: append-only. There is deliberately no update or delete here (and a
 * trigger refuses both in PostgreSQL). Returns plain records only.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { RulesFile } from '../rules/types.ts';
import type { PublishingTx, RulesVersionRecord, RulesVersionsStore, RulesVersionSummary } from '../rules/versions-store.ts';

interface Row {
  version: number; hash: string; author: string; comment: string; published_at: Date; rolled_back_from: number | null;
  name: string; rule_count: number;
}
interface FullRow extends Row { content: RulesFile; source: string }

const SUMMARY_COLUMNS = `version, hash, author, comment, published_at, rolled_back_from,
  content->>'name' AS name, jsonb_array_length(content->'rules') AS rule_count`;

/** Advisory lock serialising publications (and the first start's default publication) across processes. */
export const RULES_PUBLISH_LOCK = 7_233_002;

function toSummary(r: Row): RulesVersionSummary {
  return {
    version: r.version, hash: r.hash, author: r.author, comment: r.comment, publishedAt: r.published_at.toISOString(),
    rolledBackFrom: r.rolled_back_from, name: r.name, ruleCount: r.rule_count,
  };
}

function toRecord(r: FullRow): RulesVersionRecord {
  return { ...toSummary(r), file: r.content, source: r.source };
}

/** The rules versions' store (rules/versions-store.ts) over PostgreSQL, and a count for tests. */
export function createRulesRepo(sequelize: Sequelize): RulesVersionsStore & { count(): Promise<number> } {
  const latest = async (t?: Transaction): Promise<RulesVersionSummary | undefined> => {
    const rows = await sequelize.query<Row>(`SELECT ${SUMMARY_COLUMNS} FROM rules_versions ORDER BY version DESC LIMIT 1`, { type: QueryTypes.SELECT, transaction: t });
    return rows[0] && toSummary(rows[0]);
  };
  const get = async (version: number, t?: Transaction): Promise<RulesVersionRecord | undefined> => {
    const rows = await sequelize.query<FullRow>(
      `SELECT ${SUMMARY_COLUMNS}, content, source FROM rules_versions WHERE version = :version`,
      { replacements: { version }, type: QueryTypes.SELECT, transaction: t },
    );
    return rows[0] && toRecord(rows[0]);
  };

  return {
    /** The active version: the highest one. */
    latest: () => latest(),
    get: (version: number) => get(version),

    /** Every version, newest first. */
    async list(): Promise<RulesVersionSummary[]> {
      const rows = await sequelize.query<Row>(`SELECT ${SUMMARY_COLUMNS} FROM rules_versions ORDER BY version DESC`, { type: QueryTypes.SELECT });
      return rows.map(toSummary);
    },

    async count(): Promise<number> {
      const [row] = await sequelize.query<{ n: string }>(`SELECT count(*)::text AS n FROM rules_versions`, { type: QueryTypes.SELECT });
      return Number(row!.n);
    },

    /**
     * Runs `work` in one transaction holding the publish lock, so what it reads (the active
     * version) is still true when it appends, and version numbers have no gaps or duplicates
     * across processes. Returns what `work` returns; nothing is written unless it appends.
     */
    async publishing<T>(work: (tx: PublishingTx) => Promise<T>): Promise<T> {
      return sequelize.transaction(async (t) => {
        await sequelize.query('SELECT pg_advisory_xact_lock(:lock)', { replacements: { lock: RULES_PUBLISH_LOCK }, transaction: t });
        return work({
          handle: t,
          latest: () => latest(t),
          get: (version) => get(version, t),
          async append(draft) {
            const rows = await sequelize.query<FullRow>(
              `INSERT INTO rules_versions (version, hash, content, source, author, comment, published_at, rolled_back_from)
               SELECT COALESCE(max(version), 0) + 1, :hash, :content, :source, :author, :comment, clock_timestamp(), :rolledBackFrom
                 FROM rules_versions
               RETURNING ${SUMMARY_COLUMNS}, content, source`,
              {
                replacements: {
                  hash: draft.hash, content: JSON.stringify(draft.file), source: draft.source, author: draft.author,
                  comment: draft.comment, rolledBackFrom: draft.rolledBackFrom,
                },
                type: QueryTypes.SELECT,
                transaction: t,
              },
            );
            return toRecord(rows[0]!);
          },
        });
      });
    },
  };
}

export type RulesRepo = ReturnType<typeof createRulesRepo>;
