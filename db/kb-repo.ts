/**
 * The knowledge base: categories, articles in several languages (falling back to
 * another language when one is missing), full-text search, feedback and
 * deflections. Returns plain records.
 *
 * Search uses each language's PostgreSQL text-search configuration: 'english' and
 * 'german' stem words. PostgreSQL ships no Polish configuration, so Polish articles
 * are indexed with 'simple' (lower-cased words, no stemming) and searched by prefix
 * over a crudely shortened word ("drukarka" → "druka:*" matches drukarki,
 * drukarce…), plus trigram similarity on the title when the pg_trgm extension is
 * available (the migration enables it where it can).
 */
import { QueryTypes, type Sequelize } from 'sequelize';

/** Text-search configuration per language; languages not listed use 'simple'. */
export const TS_CONFIG: Record<string, string> = { en: 'english', de: 'german', pl: 'simple' };

/** Order in which other languages stand in for a missing translation. */
export const FALLBACK_ORDER = ['en', 'de', 'pl'];

export interface KbCategory {
  id: string;
  name: string;
  articleCount: number;
}

export interface KbArticleSummary {
  id: number;
  slug: string;
  language: string;
  title: string;
  summary: string;
  categoryId: string;
  updatedAt: string;
  /** True when the article is shown in another language than the one asked for. */
  fallback: boolean;
}

export interface KbArticle extends KbArticleSummary {
  body: string;
  /** Languages this article is written in. */
  languages: string[];
}

interface ArticleRow { id: string; slug: string; language: string; title: string; summary: string; body?: string; category_id: string; updated_at: Date }

const POLISH_STOPWORDS = new Set(['i', 'w', 'z', 'na', 'do', 'nie', 'się', 'mi', 'mam', 'jest', 'to', 'że', 'o', 'po', 'od', 'mój', 'moja', 'moje', 'jak', 'co']);

/** Words of a query, lower-cased, letters and digits only (safe inside to_tsquery). */
export function queryWords(q: string): string[] {
  return (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((w) => w.length >= 2).slice(0, 8);
}

/** A Polish word shortened to a prefix that its inflected forms share. */
export function polishPrefix(word: string): string {
  if (word.length >= 7) return word.slice(0, -2);
  if (word.length >= 4) return word.slice(0, -1);
  return word;
}

/** tsquery text: any word, each as a prefix (so a half-typed word matches while typing). */
export function tsQueryText(words: string[], language: string): string {
  const terms = language === 'pl' ? words.filter((w) => !POLISH_STOPWORDS.has(w)).map(polishPrefix) : words;
  return terms.map((w) => `${w}:*`).join(' | ');
}

function toSummary(r: ArticleRow, lng: string): KbArticleSummary {
  return { id: Number(r.id), slug: r.slug, language: r.language, title: r.title, summary: r.summary, categoryId: r.category_id, updatedAt: r.updated_at.toISOString(), fallback: r.language !== lng };
}

/** Picks, per slug, the article in `lng` or else the first language of FALLBACK_ORDER. */
const BEST_VERSION = `
  SELECT DISTINCT ON (slug) id::text AS id, slug, language, title, summary, body, category_id, updated_at, tsv, ts_config
    FROM kb_articles
   ORDER BY slug, (language = :lng) DESC, array_position(ARRAY['en','de','pl'], language) NULLS LAST`;

export function createKbRepo(sequelize: Sequelize) {
  let trigram: Promise<boolean> | undefined;
  const hasTrigram = () => {
    trigram ??= sequelize
      .query<{ ok: boolean }>(`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') AS ok`, { type: QueryTypes.SELECT })
      .then((rows) => rows[0]?.ok === true);
    return trigram;
  };

  return {
    async categories(lng: string): Promise<KbCategory[]> {
      const rows = await sequelize.query<{ id: string; name: string; n: string }>(
        `SELECT c.id, coalesce(c.names->>:lng, c.names->>'en') AS name, (SELECT count(DISTINCT slug) FROM kb_articles a WHERE a.category_id = c.id)::text AS n
           FROM kb_categories c ORDER BY c.position, c.id`,
        { replacements: { lng }, type: QueryTypes.SELECT },
      );
      return rows.map((r) => ({ id: r.id, name: r.name, articleCount: Number(r.n) }));
    },

    async list(lng: string, categoryId?: string): Promise<KbArticleSummary[]> {
      const rows = await sequelize.query<ArticleRow>(
        `SELECT * FROM (${BEST_VERSION}) a WHERE (:category::text IS NULL OR category_id = :category) ORDER BY title`,
        { replacements: { lng, category: categoryId ?? null }, type: QueryTypes.SELECT },
      );
      return rows.map((r) => toSummary(r, lng));
    },

    async get(slug: string, lng: string): Promise<KbArticle | undefined> {
      const rows = await sequelize.query<ArticleRow & { languages: string[] }>(
        `SELECT a.*, (SELECT array_agg(language ORDER BY language) FROM kb_articles b WHERE b.slug = a.slug) AS languages
           FROM (${BEST_VERSION}) a WHERE slug = :slug`,
        { replacements: { lng, slug }, type: QueryTypes.SELECT },
      );
      const r = rows[0];
      return r && { ...toSummary(r, lng), body: r.body ?? '', languages: r.languages };
    },

    /**
     * Articles matching `q`, best first, in `lng` where the article exists in it and
     * in a fallback language otherwise; each version is searched with its own
     * language's configuration. When nothing matches so, the articles' versions in
     * the other languages are searched (a reader who typed "printer" in the German
     * portal), each shown in the language it matched in and marked as a fallback.
     */
    async search(q: string, lng: string, limit = 5): Promise<KbArticleSummary[]> {
      const words = queryWords(q);
      if (words.length === 0) return [];
      const trgm = await hasTrigram();
      const plQuery = tsQueryText(words, 'pl');
      const replacements = { lng, raw: words.join(' '), plQuery: plQuery || words.join(' | '), query: tsQueryText(words, 'en'), limit };
      const matching = (versions: string) => `
        SELECT v.id, v.slug, v.language, v.title, v.summary, v.category_id, v.updated_at,
               ts_rank(v.tsv, q.query) ${trgm ? `+ CASE WHEN v.language = 'pl' THEN word_similarity(:raw, v.title) ELSE 0 END` : ''} AS rank
          FROM (${versions}) v
          CROSS JOIN LATERAL (SELECT CASE WHEN v.language = 'pl'
                                          THEN to_tsquery('simple', :plQuery)
                                          ELSE to_tsquery(v.ts_config, :query) END AS query) q
         WHERE v.tsv @@ q.query ${trgm ? `OR (v.language = 'pl' AND word_similarity(:raw, v.title) > 0.45)` : ''}`;
      const found = await sequelize.query<ArticleRow & { rank: number }>(
        `SELECT * FROM (${matching(BEST_VERSION)}) a ORDER BY a.rank DESC, a.title LIMIT :limit`,
        { replacements, type: QueryTypes.SELECT },
      );
      if (found.length > 0) return found.map((r) => toSummary(r, lng));
      const elsewhere = await sequelize.query<ArticleRow & { rank: number }>(
        `SELECT * FROM (
           SELECT DISTINCT ON (slug) * FROM (${matching(`SELECT * FROM kb_articles WHERE language <> :lng`)}) m
            ORDER BY slug, m.rank DESC, array_position(ARRAY['en','de','pl'], m.language) NULLS LAST
         ) a ORDER BY a.rank DESC, a.title LIMIT :limit`,
        { replacements, type: QueryTypes.SELECT },
      );
      return elsewhere.map((r) => toSummary(r, lng));
    },

    /** "Was this helpful?" — one vote per voter (session or user) and article; a second vote replaces the first. */
    async feedback(articleId: number, helpful: boolean, voter: string): Promise<void> {
      await sequelize.query(
        `INSERT INTO kb_feedback (article_id, helpful, voter) VALUES (:articleId, :helpful, :voter)
         ON CONFLICT (article_id, voter) DO UPDATE SET helpful = EXCLUDED.helpful, created_at = now()`,
        { replacements: { articleId, helpful, voter } },
      );
    },

    async feedbackCounts(articleId: number): Promise<{ helpful: number; notHelpful: number }> {
      const [row] = await sequelize.query<{ yes: string; no: string }>(
        `SELECT count(*) FILTER (WHERE helpful)::text AS yes, count(*) FILTER (WHERE NOT helpful)::text AS no FROM kb_feedback WHERE article_id = :articleId`,
        { replacements: { articleId }, type: QueryTypes.SELECT },
      );
      return { helpful: Number(row?.yes ?? 0), notHelpful: Number(row?.no ?? 0) };
    },

    /** Counts a problem solved by an article without a ticket. */
    async recordDeflection(d: { articleId: number; language: string; query: string | null; userId: number | null }): Promise<void> {
      await sequelize.query(
        `INSERT INTO kb_deflections (article_id, language, query, user_id) VALUES (:articleId, :language, :query, :userId)`,
        { replacements: { ...d, query: d.query?.slice(0, 200) ?? null } },
      );
    },

    async deflectionCount(articleId?: number): Promise<number> {
      const [row] = await sequelize.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM kb_deflections WHERE (:articleId::bigint IS NULL OR article_id = :articleId)`,
        { replacements: { articleId: articleId ?? null }, type: QueryTypes.SELECT },
      );
      return Number(row?.n ?? 0);
    },

    /** Inserts or updates an article version (the seed and, later, the KB editor). */
    async upsertArticle(a: { slug: string; language: string; title: string; summary: string; body: string; categoryId: string }): Promise<void> {
      await sequelize.query(
        `INSERT INTO kb_articles (slug, language, title, summary, body, category_id, ts_config)
         VALUES (:slug, :language, :title, :summary, :body, :categoryId, :tsConfig::regconfig)
         ON CONFLICT (slug, language) DO UPDATE SET title = EXCLUDED.title, summary = EXCLUDED.summary, body = EXCLUDED.body,
           category_id = EXCLUDED.category_id, ts_config = EXCLUDED.ts_config, updated_at = now()
         WHERE (kb_articles.title, kb_articles.summary, kb_articles.body, kb_articles.category_id) IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.summary, EXCLUDED.body, EXCLUDED.category_id)`,
        { replacements: { ...a, tsConfig: TS_CONFIG[a.language] ?? 'simple' } },
      );
    },

    async upsertCategory(c: { id: string; position: number; names: Record<string, string> }): Promise<void> {
      await sequelize.query(
        `INSERT INTO kb_categories (id, position, names) VALUES (:id, :position, :names)
         ON CONFLICT (id) DO UPDATE SET position = EXCLUDED.position, names = EXCLUDED.names`,
        { replacements: { ...c, names: JSON.stringify(c.names) } },
      );
    },
  };
}

export type KbRepo = ReturnType<typeof createKbRepo>;
