/**
 * Likely duplicates of a ticket (services/agent/context.ts): the other open tickets of the same
 * requester or of the same organisation, scored by the trigram similarity (pg_trgm) of their
 * words in the plain-text search projection (ticket_search.body) to the ticket's words, plus
 * their full-text rank (ts_rank) for the ticket's words; recent first where scores tie. Only the
 * newest MAX_CANDIDATES of them are scored.
 *
 * pg_trgm is created by the migrations where the server ships it (0004, 0025). Where it is
 * missing (an embedded PostgreSQL without contrib), or its functions cannot be called, the
 * score is the full-text rank alone: never an error.
 *
 * A ticket from before sealing has no ticket_search row: its plain title and description stand
 * in (until its personal data is erased, which writes "[erased]" over them: then it is left out).
 * The organisation is the one of the requester's account; a candidate's organisation is found
 * through its pseudonym (users.person_id), or its plain address for tickets and accounts from
 * before sealing. Plain rows only; titles come out as stored (the service opens them).
 */
import { QueryTypes, type Sequelize } from 'sequelize';

export interface DuplicateQuery {
  number: string;
  /** The ticket's requester pseudonym and plain address (lower-cased; tickets from before sealing carry it). */
  ref: string | null;
  email: string | null;
  /** The requester's organisation (their account's), or null. */
  organisation: string | null;
  /** The ticket's words: title and description, opened. */
  text: string;
  /** A to_tsquery text of the ticket's words (any of them), or '' for none. */
  tsQuery: string;
  openStatuses: readonly string[];
  limit: number;
}

export interface DuplicateRow {
  number: string;
  title: string;
  status: string;
  created_at: Date;
  similarity: number;
  rank: number;
  same_requester: boolean;
  same_organisation: boolean;
}

/**
 * What a candidate needs: a trigram similarity of at least MIN_SIMILARITY, or a full-text rank of
 * at least MIN_RANK. ts_rank of an any-word query is about 0.1 × the share of the query's words a
 * text holds (each once), so 0.03 asks for roughly a third of the ticket's words.
 */
export const MIN_SIMILARITY = 0.3;
export const MIN_RANK = 0.03;
/**
 * The most open tickets scored, the newest of the requester's and their organisation's: in a
 * helpdesk whose organisation is the whole company that is every open ticket otherwise, scored on
 * every view of a ticket page.
 */
export const MAX_CANDIDATES = 500;
/** The most of the ticket's text compared (the rest of a long description adds little). */
export const TEXT_MAX = 2000;

const SAME_REQUESTER = `(t.requester_ref = :ref::uuid OR (t.requester_ref IS NULL AND t.requester_email = :email::text))`;
const SAME_ORGANISATION = `(:organisation::text IS NOT NULL AND EXISTS (
  SELECT 1 FROM users u WHERE u.organisation = :organisation::text
     AND (u.person_id = t.requester_ref OR (t.requester_ref IS NULL AND u.email_bidx IS NULL AND lower(u.email) = lower(t.requester_email)))))`;

function candidatesSql(trigram: boolean): string {
  const similarity = trigram ? `similarity(c.body, :text)` : `0::real`;
  return `
    WITH c AS (
      SELECT t.number, t.title, t.status, t.created_at,
             coalesce(s.body, CASE WHEN t.requester_ref IS NULL THEN t.title || E'\\n' || t.description END) AS body,
             coalesce(s.tsv, CASE WHEN t.requester_ref IS NULL THEN to_tsvector('simple', t.title || E'\\n' || t.description) END) AS tsv,
             coalesce(s.ts_config, 'simple'::regconfig) AS ts_config,
             ${SAME_REQUESTER} AS same_requester,
             ${SAME_ORGANISATION} AS same_organisation
        FROM tickets t
        LEFT JOIN ticket_search s ON s.ticket_number = t.number
       WHERE t.number <> :number AND t.status IN (:open) AND t.personal_data_erased_at IS NULL
         AND (${SAME_REQUESTER} OR ${SAME_ORGANISATION})
       ORDER BY t.created_at DESC
       LIMIT ${MAX_CANDIDATES}
    ), scored AS (
      SELECT c.number, c.title, c.status, c.created_at, c.same_requester, c.same_organisation,
             ${similarity}::float8 AS similarity,
             CASE WHEN :tsQuery::text = '' THEN 0 ELSE ts_rank(c.tsv, to_tsquery(c.ts_config, :tsQuery::text)) END::float8 AS rank
        FROM c WHERE c.body IS NOT NULL
    )
    SELECT * FROM scored
     WHERE ${trigram ? `similarity >= :minSimilarity OR ` : ''}rank >= :minRank
     ORDER BY similarity + rank DESC, created_at DESC, number DESC
     LIMIT :limit`;
}

export function createDuplicatesRepo(sequelize: Sequelize) {
  let trigram: Promise<boolean> | undefined;
  const hasTrigram = () => {
    trigram ??= sequelize
      .query<{ ok: boolean }>(`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') AS ok`, { type: QueryTypes.SELECT })
      .then((rows) => rows[0]?.ok === true)
      .catch((err: unknown) => {
        trigram = undefined;
        throw err;
      });
    return trigram;
  };

  async function run(q: DuplicateQuery, withTrigram: boolean): Promise<DuplicateRow[]> {
    const rows = await sequelize.query<DuplicateRow>(candidatesSql(withTrigram), {
      replacements: {
        number: q.number, ref: q.ref, email: q.email, organisation: q.organisation, text: q.text.slice(0, TEXT_MAX), tsQuery: q.tsQuery,
        open: [...q.openStatuses], limit: q.limit, minSimilarity: MIN_SIMILARITY, minRank: MIN_RANK,
      },
      type: QueryTypes.SELECT,
    });
    return rows.map((r) => ({ ...r, similarity: Number(r.similarity), rank: Number(r.rank) }));
  }

  return {
    /** Whether similarity is scored by pg_trgm here (false: full-text rank only). */
    trigram: hasTrigram,

    async candidates(q: DuplicateQuery): Promise<DuplicateRow[]> {
      if (!q.ref && !q.email && !q.organisation) return [];
      if (!(await hasTrigram())) return run(q, false);
      try {
        return await run(q, true);
      } catch (err) {
        // 42883 undefined_function: pg_trgm installed in a schema not on the search path, or dropped since; rank only from now on.
        if ((err as { original?: { code?: string } }).original?.code !== '42883') throw err;
        trigram = Promise.resolve(false);
        return run(q, false);
      }
    },
  };
}

export type DuplicatesRepo = ReturnType<typeof createDuplicatesRepo>;
