/**
 * What-if runs (migration 0019): the candidate rules, the period, the run's status, progress and
 * result, in PostgreSQL, so a page's poll reaches the same answer through any web process. The
 * web process makes a run and asks for its cancellation (services/rules-admin/what-if-runs.ts);
 * the worker's activity (activities/what-if.ts) claims it, writes its progress and settles it.
 * Status only moves forward: queued → running → done | cancelled | failed (a retried activity
 * claims its running run again). Returns plain records only.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import type { RulesFile } from '../rules/types.ts';

export const WhatIfStatus = { queued: 'queued', running: 'running', done: 'done', cancelled: 'cancelled', failed: 'failed' } as const;
export type WhatIfStatus = (typeof WhatIfStatus)[keyof typeof WhatIfStatus];
export const FINAL_WHAT_IF_STATUSES: readonly WhatIfStatus[] = ['done', 'cancelled', 'failed'];

/**
 * Why a run failed, as a code its page says in the reader's words (admin:whatIf.runError.<code>);
 * never a sentence or an internal message (those go to the worker's log). `startFailed`: its
 * workflow could not be started; `invalidCandidate`: the candidate rules are no longer valid;
 * `evaluationFailed`: every attempt stopped with an error; `stopped`: it ended for another reason
 * (its attempts timed out, the worker was lost). Migration 0019 allows these only.
 */
export const WHAT_IF_RUN_ERRORS = ['startFailed', 'invalidCandidate', 'evaluationFailed', 'stopped'] as const;
export type WhatIfRunError = (typeof WHAT_IF_RUN_ERRORS)[number];
export const isWhatIfRunError = (v: unknown): v is WhatIfRunError => typeof v === 'string' && (WHAT_IF_RUN_ERRORS as readonly string[]).includes(v);

export interface WhatIfRunRecord {
  id: string;
  /** The staff member's user id; null once their account was deleted. */
  requestedBy: number | null;
  draftId: number | null;
  status: WhatIfStatus;
  /** Tickets gone through so far, of `total` (null until counted). */
  done: number;
  total: number | null;
  period: { from: string; to: string };
  createdAt: string;
  startedAt: string | null;
  updatedAt: string;
  cancelRequestedAt: string | null;
  finishedAt: string | null;
  /** Why it failed (a code), null unless failed. */
  error: WhatIfRunError | null;
}

export interface NewWhatIfRun {
  requestedBy: number;
  draftId: number | null;
  candidate: RulesFile;
  period: { fromMs: number; toMs: number };
}

interface Row {
  id: string; requested_by: string | null; draft_id: number | null; status: WhatIfStatus; done: number; total: number | null;
  period_from: Date; period_to: Date; created_at: Date; started_at: Date | null; updated_at: Date; cancel_requested_at: Date | null;
  finished_at: Date | null; error: WhatIfRunError | null;
}

const COLUMNS = `id::text AS id, requested_by::text AS requested_by, draft_id, status, done, total, period_from, period_to,
  created_at, started_at, updated_at, cancel_requested_at, finished_at, error`;
const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toRecord(r: Row): WhatIfRunRecord {
  return {
    id: r.id, requestedBy: r.requested_by === null ? null : Number(r.requested_by), draftId: r.draft_id, status: r.status,
    done: r.done, total: r.total, period: { from: r.period_from.toISOString(), to: r.period_to.toISOString() },
    createdAt: r.created_at.toISOString(), startedAt: iso(r.started_at), updatedAt: r.updated_at.toISOString(),
    cancelRequestedAt: iso(r.cancel_requested_at), finishedAt: iso(r.finished_at), error: r.error,
  };
}

export function createWhatIfRunsRepo(sequelize: Sequelize) {
  const select = <T extends object>(sql: string, replacements: Record<string, unknown>) => sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
  const get = async (id: string): Promise<WhatIfRunRecord | undefined> => {
    if (!UUID.test(id)) return undefined;
    const [row] = await select<Row>(`SELECT ${COLUMNS} FROM what_if_runs WHERE id = :id::uuid`, { id });
    return row && toRecord(row);
  };

  return {
    /** A new run, queued. */
    async create(run: NewWhatIfRun): Promise<WhatIfRunRecord> {
      const [row] = await select<Row>(
        `INSERT INTO what_if_runs (requested_by, draft_id, candidate, period_from, period_to)
         VALUES (:by, :draftId, :candidate::jsonb, :from, :to) RETURNING ${COLUMNS}`,
        { by: run.requestedBy, draftId: run.draftId, candidate: JSON.stringify(run.candidate), from: new Date(run.period.fromMs), to: new Date(run.period.toMs) },
      );
      return toRecord(row!);
    },

    /** The run, without its result; undefined for an id that is not a run's. */
    get,

    /** A finished run's result (the what-if's figures); null until it is done. */
    async result(id: string): Promise<unknown> {
      if (!UUID.test(id)) return null;
      const [row] = await select<{ result: unknown }>(`SELECT result FROM what_if_runs WHERE id = :id::uuid`, { id });
      return row?.result ?? null;
    },

    /**
     * Claims the run for an activity attempt: queued (or running, after an attempt that died) and
     * not asked to stop becomes running, from nothing done. Undefined when it is not to run: it is
     * finished already, or its cancellation was asked for.
     */
    async claim(id: string): Promise<{ candidate: RulesFile; period: { fromMs: number; toMs: number } } | undefined> {
      const [row] = await select<{ candidate: RulesFile; period_from: Date; period_to: Date }>(
        `UPDATE what_if_runs SET status = 'running', done = 0, started_at = coalesce(started_at, now()), updated_at = now()
          WHERE id = :id::uuid AND status IN ('queued', 'running') AND cancel_requested_at IS NULL
          RETURNING candidate, period_from, period_to`,
        { id },
      );
      return row && { candidate: row.candidate, period: { fromMs: row.period_from.getTime(), toMs: row.period_to.getTime() } };
    },

    /** Writes the progress of a running run; tells whether its cancellation was asked for meanwhile. */
    async progress(id: string, done: number, total: number): Promise<{ cancelRequested: boolean }> {
      const [row] = await select<{ cancel: boolean }>(
        `UPDATE what_if_runs SET done = :done, total = :total, updated_at = now()
          WHERE id = :id::uuid AND status = 'running'
          RETURNING cancel_requested_at IS NOT NULL AS cancel`,
        { id, done, total },
      );
      return { cancelRequested: row?.cancel !== false };
    },

    /** A running run is done: its result is written with its last progress. False when it was no longer running. */
    async finish(id: string, result: unknown, done: number, total: number): Promise<boolean> {
      const rows = await select<{ id: string }>(
        `UPDATE what_if_runs SET status = 'done', result = :result::jsonb, done = :done, total = :total, updated_at = now(), finished_at = now()
          WHERE id = :id::uuid AND status = 'running' RETURNING id::text AS id`,
        { id, result: JSON.stringify(result), done, total },
      );
      return rows.length > 0;
    },

    /** Ends a run that is not finished as cancelled or failed (with the error's code); a finished run stays as it is. */
    async settle(id: string, status: 'cancelled' | 'failed', error: WhatIfRunError | null = null): Promise<WhatIfRunRecord | undefined> {
      await select(
        `UPDATE what_if_runs SET status = :status, error = :error, updated_at = now(), finished_at = now()
          WHERE id = :id::uuid AND status IN ('queued', 'running')`,
        { id, status, error: status === 'failed' ? (error ?? 'stopped') : null },
      );
      return get(id);
    },

    /**
     * Asks a run to stop: noted on the row (a running activity sees it at its next progress), and
     * a run that has not started yet is cancelled at once. A finished run stays as it is.
     */
    async requestCancel(id: string): Promise<WhatIfRunRecord | undefined> {
      if (!UUID.test(id)) return undefined;
      await select(
        `UPDATE what_if_runs SET cancel_requested_at = coalesce(cancel_requested_at, now()), updated_at = now(),
                status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,
                finished_at = CASE WHEN status = 'queued' THEN now() ELSE finished_at END
          WHERE id = :id::uuid AND status IN ('queued', 'running')`,
        { id },
      );
      return get(id);
    },
  };
}

export type WhatIfRunsRepo = ReturnType<typeof createWhatIfRunsRepo>;
