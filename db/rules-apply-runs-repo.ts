/**
 * Runs that apply a rules version to open tickets (migration 0021): the version, the scope, the
 * reason, the run's status and counts, in PostgreSQL, so a progress page reaches the same answer
 * through any web process. The web process makes a run and asks for its cancellation
 * (services/rules-admin/apply-runs.ts); the worker's activity (activities/apply-rules.ts) claims
 * it, records each ticket it goes through, writes its progress and ends it. Status only moves
 * forward: queued → running → done | cancelled | failed; at most one run of a version is queued or
 * running (a partial unique index, migration 0021). The counts on the row are always those of the
 * tickets recorded for it (rules_apply_run_tickets), so a retried attempt that goes through a page
 * again counts none of its tickets twice. Ending a run appends `rules.applied_to_open` to the audit
 * log in the same transaction, with the actor, the version, the reason and the counts, exactly
 * once per run. Returns plain records only.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { AuditJson, AuditRepo } from './audit-repo.ts';

export type ApplyScope = 'changing' | 'all';
export type ApplyRunStatus = 'queued' | 'running' | 'done' | 'cancelled' | 'failed';
export const FINAL_APPLY_STATUSES: readonly ApplyRunStatus[] = ['done', 'cancelled', 'failed'];

/** What a run has gone through: open tickets seen, signalled, left as they are, skipped, failed. */
export interface ApplyCounts {
  /** Open tickets on an older version gone through so far. */
  seen: number;
  /** Sent the reclassify signal. */
  sent: number;
  /** Not selected: the version changes nothing on them (scope `changing` only). */
  unchanged: number;
  /** Already on the version (or newer) by the time the run reached them. */
  skipped: number;
  /** The signal could not be sent (the ticket finished meanwhile, its workflow is gone, …). */
  failed: number;
}

export const NO_COUNTS: ApplyCounts = Object.freeze({ seen: 0, sent: 0, unchanged: 0, skipped: 0, failed: 0 });

export interface ApplyRunRecord {
  id: string;
  /** The staff member's user id; null once their account was deleted. */
  requestedBy: number | null;
  version: number;
  scope: ApplyScope;
  reason: string;
  status: ApplyRunStatus;
  /** Open tickets on an older version when the run started (null until then). */
  total: number | null;
  counts: ApplyCounts;
  createdAt: string;
  startedAt: string | null;
  updatedAt: string;
  cancelRequestedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

/** What the activity gets when it claims a run: what to do, and where a retried attempt goes on from. */
export interface ClaimedApplyRun {
  version: number;
  scope: ApplyScope;
  reason: string;
  requestedBy: number | null;
  total: number | null;
  afterNumber: string | null;
  counts: ApplyCounts;
}

/**
 * What became of a ticket the run reached (claimTicket). `outcome`: `send` — to be signalled now;
 * `sent`, `skipped`, `failed`, `unchanged` — what it is. `newlySeen`: the run had not reached it
 * before (count it as seen); `newlySet`: this call set `outcome` (count it under that outcome).
 */
export interface TicketTake {
  outcome: 'send' | 'sent' | 'skipped' | 'failed' | 'unchanged';
  newlySeen: boolean;
  newlySet: boolean;
}

/** A ticket the run could not signal: the message key (api namespace) and its parameters. */
export interface ApplyFailure {
  number: string;
  key: string;
  params: Record<string, unknown>;
}

interface Row {
  id: string; requested_by: string | null; version: number; scope: ApplyScope; reason: string; status: ApplyRunStatus; total: number | null;
  seen: number; sent: number; unchanged: number; skipped: number; failed: number; after_number: string | null;
  created_at: Date; started_at: Date | null; updated_at: Date; cancel_requested_at: Date | null; finished_at: Date | null; error: string | null;
}

const COLUMNS = `id::text AS id, requested_by::text AS requested_by, version, scope, reason, status, total, seen, sent, unchanged, skipped, failed,
  after_number, created_at, started_at, updated_at, cancel_requested_at, finished_at, error`;
const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const countsOf = (r: Pick<Row, keyof ApplyCounts>): ApplyCounts => ({ seen: r.seen, sent: r.sent, unchanged: r.unchanged, skipped: r.skipped, failed: r.failed });
/** SET clause: the row's counts from the tickets recorded for it (a ticket taken but not yet signalled counts as seen only). */
const RECORDED_COUNTS = `(seen, sent, unchanged, skipped, failed) = (
  SELECT count(*)::int, count(*) FILTER (WHERE k.outcome = 'sent')::int, count(*) FILTER (WHERE k.outcome = 'unchanged')::int,
         count(*) FILTER (WHERE k.outcome = 'skipped')::int, count(*) FILTER (WHERE k.outcome = 'failed')::int
    FROM rules_apply_run_tickets k WHERE k.run_id = rules_apply_runs.id)`;
const UNIQUE_VIOLATION = '23505';
const ONE_GOING_INDEX = 'rules_apply_runs_one_going_idx';

function toRecord(r: Row): ApplyRunRecord {
  return {
    id: r.id, requestedBy: r.requested_by === null ? null : Number(r.requested_by), version: r.version, scope: r.scope, reason: r.reason,
    status: r.status, total: r.total, counts: countsOf(r), createdAt: r.created_at.toISOString(), startedAt: iso(r.started_at),
    updatedAt: r.updated_at.toISOString(), cancelRequestedAt: iso(r.cancel_requested_at), finishedAt: iso(r.finished_at), error: r.error,
  };
}

export function createRulesApplyRunsRepo(sequelize: Sequelize, audit: Pick<AuditRepo, 'append'>) {
  const select = <T extends object>(sql: string, replacements: Record<string, unknown>, transaction?: Transaction) =>
    sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) });
  const get = async (id: string): Promise<ApplyRunRecord | undefined> => {
    if (!UUID.test(id)) return undefined;
    const [row] = await select<Row>(`SELECT ${COLUMNS} FROM rules_apply_runs WHERE id = :id::uuid`, { id });
    return row && toRecord(row);
  };

  /** Ends a run that has not ended, with the counts of its recorded tickets, and audits it, in `t`; undefined when it had ended already. */
  async function endIn(t: Transaction, id: string, status: 'done' | 'cancelled' | 'failed', error: string | null): Promise<Row | undefined> {
    const [row] = await select<Row>(
      `UPDATE rules_apply_runs SET status = :status, error = :error, updated_at = now(), finished_at = now(), ${RECORDED_COUNTS}
        WHERE id = :id::uuid AND status IN ('queued', 'running') RETURNING ${COLUMNS}`,
      { id, status, error: status === 'failed' ? error : null },
      t,
    );
    if (!row) return undefined;
    const details: { [key: string]: AuditJson } = {
      run: row.id, version: row.version, scope: row.scope, reason: row.reason, status: row.status, total: row.total, ...countsOf(row),
    };
    await audit.append({ actor: row.requested_by === null ? 'system:rules-apply' : `user:${row.requested_by}`, action: 'rules.applied_to_open', subject: `rules:${row.version}`, details }, t);
    return row;
  }

  return {
    /** A new run, queued; undefined when a run of the version is queued or running already. */
    async create(run: { requestedBy: number; version: number; scope: ApplyScope; reason: string }): Promise<ApplyRunRecord | undefined> {
      try {
        const [row] = await select<Row>(
          `INSERT INTO rules_apply_runs (requested_by, version, scope, reason) VALUES (:by, :version, :scope, :reason) RETURNING ${COLUMNS}`,
          { by: run.requestedBy, version: run.version, scope: run.scope, reason: run.reason },
        );
        return toRecord(row!);
      } catch (err) {
        const pg = (err as { parent?: { code?: string; constraint?: string } }).parent;
        if (pg?.code === UNIQUE_VIOLATION && pg.constraint === ONE_GOING_INDEX) return undefined;
        throw err;
      }
    },

    /** The run; undefined for an id that is not a run's. */
    get,

    /** The newest runs of a version, newest first. */
    async ofVersion(version: number, limit = 10): Promise<ApplyRunRecord[]> {
      const rows = await select<Row>(`SELECT ${COLUMNS} FROM rules_apply_runs WHERE version = :version ORDER BY created_at DESC LIMIT :limit`, { version, limit });
      return rows.map(toRecord);
    },

    /**
     * Claims the run for an activity attempt: queued (or running, after an attempt that died) and
     * not asked to stop becomes running; where it got to is kept, so a retried attempt goes on
     * from there, with the counts of the tickets recorded for it. Undefined when it is not to run.
     */
    async claim(id: string): Promise<ClaimedApplyRun | undefined> {
      const [row] = await select<Row>(
        `UPDATE rules_apply_runs SET status = 'running', started_at = coalesce(started_at, now()), updated_at = now(), ${RECORDED_COUNTS}
          WHERE id = :id::uuid AND status IN ('queued', 'running') AND cancel_requested_at IS NULL
          RETURNING ${COLUMNS}`,
        { id },
      );
      return row && { version: row.version, scope: row.scope, reason: row.reason, requestedBy: row.requested_by === null ? null : Number(row.requested_by), total: row.total, afterNumber: row.after_number, counts: countsOf(row) };
    },

    /**
     * Writes a running run's progress: its total, where it got to, and the counts of the tickets
     * recorded for it, which it returns (undefined when it is not running); tells whether its
     * cancellation was asked for meanwhile.
     */
    async progress(id: string, p: { total: number; afterNumber: string | null }): Promise<{ cancelRequested: boolean; counts?: ApplyCounts }> {
      const [row] = await select<{ cancel: boolean } & Pick<Row, keyof ApplyCounts>>(
        `UPDATE rules_apply_runs SET total = :total, after_number = coalesce(:after, after_number), updated_at = now(), ${RECORDED_COUNTS}
          WHERE id = :id::uuid AND status = 'running'
          RETURNING cancel_requested_at IS NOT NULL AS cancel, seen, sent, unchanged, skipped, failed`,
        { id, total: p.total, after: p.afterNumber },
      );
      return row ? { cancelRequested: row.cancel, counts: countsOf(row) } : { cancelRequested: true };
    },

    /**
     * Records a ticket the run reached, before it is signalled ({@link TicketTake}). `send`: to be
     * signalled (not taken before, or taken by an attempt that died before it was sent);
     * `skipped`: it is on the version (or a newer one) already, or another run of the version
     * sent it the signal in the last five minutes (its workflow may not have taken it yet);
     * `unchanged`: `opts.unchanged` (the version changes nothing on it) and not taken before;
     * `sent` / `failed` / …: this run went through it already. A ticket that is gone is
     * `skipped`, counted nowhere.
     */
    async claimTicket(runId: string, number: string, version: number, opts: { unchanged?: boolean } = {}): Promise<TicketTake> {
      type Outcome = 'claimed' | 'sent' | 'skipped' | 'failed' | 'unchanged';
      const [row] = await select<{ outcome: Outcome | null; before: Outcome | null }>(
        `WITH before AS (SELECT outcome FROM rules_apply_run_tickets WHERE run_id = :runId::uuid AND ticket_number = :number),
         skip AS (
           SELECT coalesce((SELECT rules_version >= :version FROM tickets WHERE number = :number), true)
               OR EXISTS (SELECT 1 FROM rules_apply_run_tickets o JOIN rules_apply_runs r ON r.id = o.run_id
                           WHERE o.ticket_number = :number AND o.run_id <> :runId::uuid AND o.outcome = 'sent'
                             AND r.version >= :version AND o.at > now() - interval '5 minutes') AS yes),
         taken AS (
           INSERT INTO rules_apply_run_tickets (run_id, ticket_number, outcome)
           SELECT :runId::uuid, t.number, CASE WHEN (SELECT yes FROM skip) THEN 'skipped' WHEN :unchanged THEN 'unchanged' ELSE 'claimed' END
             FROM tickets t WHERE t.number = :number
           ON CONFLICT (run_id, ticket_number) DO UPDATE
             SET outcome = CASE WHEN rules_apply_run_tickets.outcome = 'claimed' AND (SELECT yes FROM skip) THEN 'skipped' ELSE rules_apply_run_tickets.outcome END
           RETURNING outcome)
         SELECT (SELECT outcome FROM taken) AS outcome, (SELECT outcome FROM before) AS before`,
        { runId, number, version, unchanged: opts.unchanged === true },
      );
      if (!row?.outcome) return { outcome: 'skipped', newlySeen: false, newlySet: false };
      return {
        outcome: row.outcome === 'claimed' ? 'send' : row.outcome,
        newlySeen: row.before === null,
        newlySet: row.outcome !== 'claimed' && row.outcome !== row.before,
      };
    },

    /** What became of a ticket the run took (and is to send); false when it was not waiting to be sent. */
    async markTicket(runId: string, number: string, outcome: { sent: true } | { sent: false; key: string; params: Record<string, unknown> }): Promise<boolean> {
      const rows = await select<{ n: string }>(
        `UPDATE rules_apply_run_tickets SET outcome = :outcome, error_key = :key, error_params = :params::jsonb, at = now()
          WHERE run_id = :runId::uuid AND ticket_number = :number AND outcome = 'claimed' RETURNING ticket_number AS n`,
        outcome.sent
          ? { runId, number, outcome: 'sent', key: null, params: null }
          : { runId, number, outcome: 'failed', key: outcome.key, params: JSON.stringify(outcome.params) },
      );
      return rows.length > 0;
    },

    /** The tickets the run could not signal, in number order. */
    async failures(runId: string, limit = 50): Promise<ApplyFailure[]> {
      if (!UUID.test(runId)) return [];
      const rows = await select<{ ticket_number: string; error_key: string | null; error_params: Record<string, unknown> | null }>(
        `SELECT ticket_number, error_key, error_params FROM rules_apply_run_tickets
          WHERE run_id = :runId::uuid AND outcome = 'failed' ORDER BY ticket_number LIMIT :limit`,
        { runId, limit },
      );
      return rows.map((r) => ({ number: r.ticket_number, key: r.error_key ?? 'errors.unavailable', params: r.error_params ?? {} }));
    },

    /** Ends a running run (done or cancelled by the activity) with the counts of its recorded tickets, audited; false when it had ended already. */
    async finish(id: string, status: 'done' | 'cancelled'): Promise<boolean> {
      return sequelize.transaction(async (t) => (await endIn(t, id, status, null)) !== undefined);
    },

    /** Ends a run that has not ended as cancelled or failed (with the error's code), audited; a finished run stays as it is. */
    async settle(id: string, status: 'cancelled' | 'failed', error: string | null = null): Promise<ApplyRunRecord | undefined> {
      await sequelize.transaction((t) => endIn(t, id, status, error));
      return get(id);
    },

    /**
     * Asks a run to stop: noted on the row (a running activity sees it at its next progress), and
     * a run that has not started yet is cancelled at once (and audited). A finished run stays as it is.
     */
    async requestCancel(id: string): Promise<ApplyRunRecord | undefined> {
      if (!UUID.test(id)) return undefined;
      await sequelize.transaction(async (t) => {
        const [row] = await select<{ status: ApplyRunStatus }>(
          `UPDATE rules_apply_runs SET cancel_requested_at = coalesce(cancel_requested_at, now()), updated_at = now()
            WHERE id = :id::uuid AND status IN ('queued', 'running') RETURNING status`,
          { id }, t,
        );
        if (row?.status === 'queued') await endIn(t, id, 'cancelled', null);
      });
      return get(id);
    },
  };
}

export type RulesApplyRunsRepo = ReturnType<typeof createRulesApplyRunsRepo>;
