/**
 * Period replay checks as durable runs (migration 0024): the period, the run's status, progress,
 * counts and its first differing tickets, in PostgreSQL, so a page's poll reaches the same answer
 * through any web process. The web process makes a run (with its `audit.period_check_started`
 * entry in the audit log, in the same transaction) and asks for its cancellation
 * (services/audit/runs.ts); the worker's activity (activities/audit-run.ts) claims it, writes its
 * progress and settles it. Status only moves forward: queued → running → done | cancelled | failed
 * (a retried activity claims its running run again, from nothing done). Returns plain records only.
 */
import { QueryTypes, UniqueConstraintError, type Sequelize, type Transaction } from 'sequelize';
import type { AuditRepo } from './audit-repo.ts';

/** Another run is queued or running: one at a time (audit_runs_one_at_a_time, migration 0024). */
export class AuditRunInProgress extends Error {
  constructor() {
    super('Another period check is queued or running.');
    this.name = 'AuditRunInProgress';
  }
}

export const AuditRunStatus = { queued: 'queued', running: 'running', done: 'done', cancelled: 'cancelled', failed: 'failed' } as const;
export type AuditRunStatus = (typeof AuditRunStatus)[keyof typeof AuditRunStatus];

/**
 * Why a run failed, as a code its page says in the reader's words (auditor-runs:runError.<code>);
 * never a sentence (what went wrong inside goes to the worker's log). `startFailed`: its workflow
 * could not be started; `checkFailed`: every attempt stopped with an error; `stopped`: it ended for
 * another reason (its attempts timed out, the worker was lost). Migration 0024 allows these only.
 */
export const AUDIT_RUN_ERRORS = ['startFailed', 'checkFailed', 'stopped'] as const;
export type AuditRunError = (typeof AUDIT_RUN_ERRORS)[number];
export const isAuditRunError = (v: unknown): v is AuditRunError => typeof v === 'string' && (AUDIT_RUN_ERRORS as readonly string[]).includes(v);

/** How many differing tickets a run keeps, in the order found; the counts cover them all. */
export const MAX_LISTED_DIFFERING = 500;

/** A ticket the check did not find reproducible, in short: no recorded or recomputed value, no text. */
export interface DifferingTicket {
  number: string;
  /** None of its history could be read. */
  unreadable: boolean;
  /** How many differences were found. */
  differences: number;
  /** Which checks found them (determinism, decision, deadline, policy, rules_version, integrity), each once. */
  kinds: string[];
}

/** Where a run is: tickets gone through of `total`, and what they were found to be. */
export interface AuditRunProgress {
  done: number;
  total: number;
  reproducible: number;
  differing: number;
  unreadable: number;
  /** The first MAX_LISTED_DIFFERING not reproducible (differing or unreadable). */
  listed: DifferingTicket[];
}

export interface AuditRunRecord {
  id: string;
  /** The staff member's user id; null once their account was deleted. */
  requestedBy: number | null;
  status: AuditRunStatus;
  period: { from: string; to: string };
  done: number;
  /** Null until the tickets of the period are counted. */
  total: number | null;
  counts: { reproducible: number; differing: number; unreadable: number };
  /** The first differing tickets (at most MAX_LISTED_DIFFERING); `counts.differing + counts.unreadable` is how many in all. */
  differing: DifferingTicket[];
  createdAt: string;
  startedAt: string | null;
  updatedAt: string;
  cancelRequestedAt: string | null;
  finishedAt: string | null;
  error: AuditRunError | null;
}

interface Row {
  id: string; requested_by: string | null; status: AuditRunStatus; period_from: Date; period_to: Date; done: number; total: number | null;
  reproducible: number; differing_count: number; unreadable: number; differing: DifferingTicket[]; created_at: Date; started_at: Date | null;
  updated_at: Date; cancel_requested_at: Date | null; finished_at: Date | null; error: AuditRunError | null;
}

const COLUMNS = `id::text AS id, requested_by::text AS requested_by, status, period_from, period_to, done, total, reproducible,
  differing_count, unreadable, differing, created_at, started_at, updated_at, cancel_requested_at, finished_at, error`;
const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toRecord(r: Row): AuditRunRecord {
  return {
    id: r.id, requestedBy: r.requested_by === null ? null : Number(r.requested_by), status: r.status,
    period: { from: r.period_from.toISOString(), to: r.period_to.toISOString() }, done: r.done, total: r.total,
    counts: { reproducible: r.reproducible, differing: r.differing_count, unreadable: r.unreadable }, differing: r.differing,
    createdAt: r.created_at.toISOString(), startedAt: iso(r.started_at), updatedAt: r.updated_at.toISOString(),
    cancelRequestedAt: iso(r.cancel_requested_at), finishedAt: iso(r.finished_at), error: r.error,
  };
}

const progressValues = (p: AuditRunProgress) => ({
  done: p.done, total: p.total, reproducible: p.reproducible, differing: p.differing, unreadable: p.unreadable,
  listed: JSON.stringify(p.listed.slice(0, MAX_LISTED_DIFFERING)),
});
const SET_PROGRESS = `done = :done, total = :total, reproducible = :reproducible, differing_count = :differing, unreadable = :unreadable,
  differing = :listed::jsonb, updated_at = now()`;

export function createAuditRunsRepo(sequelize: Sequelize, audit: Pick<AuditRepo, 'append'>) {
  const select = <T extends object>(sql: string, replacements: Record<string, unknown>, transaction?: Transaction) =>
    sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) });
  const get = async (id: string): Promise<AuditRunRecord | undefined> => {
    if (!UUID.test(id)) return undefined;
    const [row] = await select<Row>(`SELECT ${COLUMNS} FROM audit_runs WHERE id = :id::uuid`, { id });
    return row && toRecord(row);
  };

  return {
    /** A new run, queued, and its `audit.period_check_started` entry by `user:<requestedBy>`, in one transaction. */
    /** Queues a run with its audit-log entry; AuditRunInProgress while another is queued or running. */
    async create(run: { requestedBy: number; period: { fromMs: number; toMs: number } }): Promise<AuditRunRecord> {
      return sequelize.transaction(async (t) => {
        const [row] = await select<Row>(
          `INSERT INTO audit_runs (requested_by, period_from, period_to) VALUES (:by, :from, :to) RETURNING ${COLUMNS}`,
          { by: run.requestedBy, from: new Date(run.period.fromMs), to: new Date(run.period.toMs) }, t,
        );
        const record = toRecord(row!);
        await audit.append({
          actor: `user:${run.requestedBy}`, action: 'audit.period_check_started', subject: `audit-run:${record.id}`,
          details: { run: record.id, from: record.period.from, to: record.period.to },
        }, t);
        return record;
      }).catch((err: unknown) => {
        throw err instanceof UniqueConstraintError ? new AuditRunInProgress() : err;
      });
    },

    /** The run; undefined for an id that is not a run's. */
    get,

    /** The newest runs first, at most `limit`. */
    async list(limit: number): Promise<AuditRunRecord[]> {
      const rows = await select<Row>(`SELECT ${COLUMNS} FROM audit_runs ORDER BY created_at DESC, id LIMIT :limit`, { limit });
      return rows.map(toRecord);
    },

    /**
     * Claims the run for an activity attempt: queued (or running, after an attempt that died) and
     * not asked to stop becomes running, from nothing done. Undefined when it is not to run: it is
     * finished already, or its cancellation was asked for.
     */
    async claim(id: string): Promise<{ period: { fromMs: number; toMs: number } } | undefined> {
      const [row] = await select<{ period_from: Date; period_to: Date }>(
        `UPDATE audit_runs SET status = 'running', done = 0, total = NULL, reproducible = 0, differing_count = 0, unreadable = 0,
                differing = '[]'::jsonb, started_at = coalesce(started_at, now()), updated_at = now()
          WHERE id = :id::uuid AND status IN ('queued', 'running') AND cancel_requested_at IS NULL
          RETURNING period_from, period_to`,
        { id },
      );
      return row && { period: { fromMs: row.period_from.getTime(), toMs: row.period_to.getTime() } };
    },

    /** Writes the progress of a running run; tells whether its cancellation was asked for meanwhile (or it is no longer running). */
    async progress(id: string, p: AuditRunProgress): Promise<{ cancelRequested: boolean }> {
      const [row] = await select<{ cancel: boolean }>(
        `UPDATE audit_runs SET ${SET_PROGRESS} WHERE id = :id::uuid AND status = 'running'
          RETURNING cancel_requested_at IS NOT NULL AS cancel`,
        { id, ...progressValues(p) },
      );
      return { cancelRequested: row?.cancel !== false };
    },

    /** A running run is done, with its last progress. False when it was no longer running. */
    async finish(id: string, p: AuditRunProgress): Promise<boolean> {
      const rows = await select<{ id: string }>(
        `UPDATE audit_runs SET ${SET_PROGRESS}, status = 'done', finished_at = now()
          WHERE id = :id::uuid AND status = 'running' RETURNING id::text AS id`,
        { id, ...progressValues(p) },
      );
      return rows.length > 0;
    },

    /** Ends a run that is not finished as cancelled or failed (with the error's code); a finished run stays as it is. */
    async settle(id: string, status: 'cancelled' | 'failed', error: AuditRunError | null = null): Promise<AuditRunRecord | undefined> {
      if (!UUID.test(id)) return undefined;
      await select(
        `UPDATE audit_runs SET status = :status, error = :error, updated_at = now(), finished_at = now()
          WHERE id = :id::uuid AND status IN ('queued', 'running')`,
        { id, status, error: status === 'failed' ? (error ?? 'stopped') : null },
      );
      return get(id);
    },

    /**
     * Asks a run to stop: noted on the row (a running activity sees it at its next progress), and
     * a run that has not started yet is cancelled at once. A finished run stays as it is.
     */
    async requestCancel(id: string): Promise<AuditRunRecord | undefined> {
      if (!UUID.test(id)) return undefined;
      await select(
        `UPDATE audit_runs SET cancel_requested_at = coalesce(cancel_requested_at, now()), updated_at = now(),
                status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END
          WHERE id = :id::uuid AND status IN ('queued', 'running')`,
        { id },
      );
      return get(id);
    },
  };
}

export type AuditRunsRepo = ReturnType<typeof createAuditRunsRepo>;
