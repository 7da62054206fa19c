/**
 * Drafts of the next rules version (migration 0018). Plain records only; the use cases (what a
 * save checks, when a publication is refused) are in services/rules-admin/drafts.ts.
 *
 * Every write names the revision it was made from and succeeds only when that is still the
 * draft's revision (an optimistic lock): `update` returns undefined otherwise, and nothing is
 * written. Each write is made in the caller's transaction when one is given, so the audit entry
 * that records it (db/audit-repo.ts) is kept with it or not at all.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

export const DraftStatus = { draft: 'draft', shadow: 'shadow', published: 'published', dropped: 'dropped' } as const;
export type DraftStatus = (typeof DraftStatus)[keyof typeof DraftStatus];

export interface DraftSummary {
  id: number;
  title: string;
  baseVersion: number;
  revision: number;
  status: DraftStatus;
  publishedVersion: number | null;
  createdBy: number | null;
  updatedBy: number | null;
  /** ISO 8601, UTC. */
  createdAt: string;
  updatedAt: string;
  shadowSince: string | null;
}

export interface DraftRecord extends DraftSummary {
  /** The draft's JSON text as last saved; it may be invalid. */
  source: string;
}

interface Row {
  id: string; title: string; base_version: number; revision: number; status: DraftStatus; published_version: number | null;
  created_by: string | null; updated_by: string | null; created_at: Date; updated_at: Date; shadow_since: Date | null; source?: string;
}

const COLUMNS = 'id, title, base_version, revision, status, published_version, created_by, updated_by, created_at, updated_at, shadow_since';

function toSummary(r: Row): DraftSummary {
  return {
    id: Number(r.id), title: r.title, baseVersion: r.base_version, revision: r.revision, status: r.status,
    publishedVersion: r.published_version, createdBy: r.created_by === null ? null : Number(r.created_by),
    updatedBy: r.updated_by === null ? null : Number(r.updated_by), createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(), shadowSince: r.shadow_since ? r.shadow_since.toISOString() : null,
  };
}
const toRecord = (r: Row): DraftRecord => ({ ...toSummary(r), source: r.source ?? '' });

/** What a write changes; absent fields keep their value. */
export interface DraftChange {
  title?: string;
  source?: string;
  status?: DraftStatus;
  publishedVersion?: number;
  /** Rebasing onto a newer version (after a conflict was resolved). */
  baseVersion?: number;
}

export function createRulesDraftsRepo(sequelize: Sequelize) {
  return {
    sequelize,

    async create(d: { title: string; baseVersion: number; source: string; by: number | null }, transaction?: Transaction): Promise<DraftRecord> {
      const rows = await sequelize.query<Row>(
        `INSERT INTO rules_drafts (title, base_version, source, created_by, updated_by) VALUES (:title, :base, :source, :by, :by)
         RETURNING ${COLUMNS}, source`,
        { replacements: { title: d.title, base: d.baseVersion, source: d.source, by: d.by }, type: QueryTypes.SELECT, transaction },
      );
      return toRecord(rows[0]!);
    },

    async get(id: number, transaction?: Transaction, lock = false): Promise<DraftRecord | undefined> {
      const rows = await sequelize.query<Row>(
        `SELECT ${COLUMNS}, source FROM rules_drafts WHERE id = :id${lock ? ' FOR UPDATE' : ''}`,
        { replacements: { id }, type: QueryTypes.SELECT, transaction },
      );
      return rows[0] && toRecord(rows[0]);
    },

    /** Drafts newest first; dropped and published ones only when asked. */
    async list(opts: { all?: boolean } = {}): Promise<DraftSummary[]> {
      const rows = await sequelize.query<Row>(
        `SELECT ${COLUMNS} FROM rules_drafts ${opts.all ? '' : `WHERE status IN ('draft', 'shadow')`} ORDER BY updated_at DESC, id DESC LIMIT 200`,
        { type: QueryTypes.SELECT },
      );
      return rows.map(toSummary);
    },

    /** Drafts in shadow mode, with their text (the classify activity evaluates them). */
    async shadows(transaction?: Transaction): Promise<DraftRecord[]> {
      const rows = await sequelize.query<Row>(`SELECT ${COLUMNS}, source FROM rules_drafts WHERE status = 'shadow' ORDER BY id`, { type: QueryTypes.SELECT, transaction });
      return rows.map(toRecord);
    },

    /**
     * Applies `change` when the draft is still at `revision`, and counts one more revision.
     * Undefined when the draft does not exist or another write came first.
     */
    async update(id: number, revision: number, change: DraftChange & { by: number | null }, transaction?: Transaction): Promise<DraftRecord | undefined> {
      const rows = await sequelize.query<Row>(
        `UPDATE rules_drafts SET
           title = COALESCE(:title, title), source = COALESCE(:source, source), status = COALESCE(:status, status),
           published_version = COALESCE(:published, published_version), base_version = COALESCE(:base, base_version),
           shadow_since = CASE WHEN COALESCE(:status, status) = 'shadow' THEN COALESCE(shadow_since, clock_timestamp()) ELSE NULL END,
           revision = revision + 1, updated_by = :by, updated_at = clock_timestamp()
         WHERE id = :id AND revision = :revision
         RETURNING ${COLUMNS}, source`,
        {
          replacements: {
            id, revision, by: change.by, title: change.title ?? null, source: change.source ?? null, status: change.status ?? null,
            published: change.publishedVersion ?? null, base: change.baseVersion ?? null,
          },
          type: QueryTypes.SELECT,
          transaction,
        },
      );
      return rows[0] && toRecord(rows[0]);
    },
  };
}

export type RulesDraftsRepo = ReturnType<typeof createRulesDraftsRepo>;
