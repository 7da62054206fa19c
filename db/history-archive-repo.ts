/**
 * The history archive's rows (migration 0022, docs/audit-archive.md): archived runs (append-only;
 * a run goes only with its ticket), the runs not archived yet with their failures, and how far
 * the last complete sweep listed. The sweep itself is activities/archive.ts; reading a ticket's
 * histories, services/audit/histories.ts.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

/** A closed run's status as archived (running runs are never archived). */
export type ArchivedStatus = 'completed' | 'continued_as_new' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';

export interface ArchivedRunInput {
  workflowId: string;
  runId: string;
  ticketNumber: string;
  status: ArchivedStatus;
  startedAt: string | null;
  closedAt: string;
  eventCount: number;
  sha256: string;
  /** historyToJSON's JSON with sorted keys (activities/archive.ts historyText), exactly as hashed. */
  history: string;
}

export interface ArchivedRun extends ArchivedRunInput {
  archivedAt: string;
}

/** A closed run not archived yet: how often a sweep tried, and the last error (a sentence without personal data). */
export interface ArchiveFailure {
  workflowId: string;
  runId: string;
  ticketNumber: string;
  closedAt: string | null;
  attempts: number;
  lastError: string;
  firstFailedAt: string;
  lastAttemptAt: string;
}

/** What the archive needs to know of a ticket before archiving its runs. */
export type TicketKind = 'sealed' | 'legacy';

interface RunRow { workflow_id: string; run_id: string; ticket_number: string; status: ArchivedStatus; started_at: Date | null; closed_at: Date; event_count: number; sha256: string; history: string; archived_at: Date }
interface FailureRow { workflow_id: string; run_id: string; ticket_number: string; closed_at: Date | null; attempts: number; last_error: string; first_failed_at: Date; last_attempt_at: Date }

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const key = (workflowId: string, runId: string) => `${workflowId}/${runId}`;

const toRun = (r: RunRow): ArchivedRun => ({
  workflowId: r.workflow_id, runId: r.run_id, ticketNumber: r.ticket_number, status: r.status, startedAt: iso(r.started_at), closedAt: r.closed_at.toISOString(),
  eventCount: r.event_count, sha256: r.sha256, history: r.history, archivedAt: r.archived_at.toISOString(),
});

const toFailure = (r: FailureRow): ArchiveFailure => ({
  workflowId: r.workflow_id, runId: r.run_id, ticketNumber: r.ticket_number, closedAt: iso(r.closed_at), attempts: r.attempts, lastError: r.last_error,
  firstFailedAt: r.first_failed_at.toISOString(), lastAttemptAt: r.last_attempt_at.toISOString(),
});

/** PostgreSQL's SQLSTATE of a Sequelize error, if it has one. */
const sqlState = (err: unknown): string | undefined => {
  const o = err as { parent?: { code?: unknown }; original?: { code?: unknown } } | null;
  const code = o?.parent?.code ?? o?.original?.code;
  return typeof code === 'string' ? code : undefined;
};

/** Rows asked for by (workflow id, run id) pairs, a page at a time. */
const PAGE = 500;

export function createHistoryArchiveRepo(sequelize: Sequelize) {
  const q = <T extends object>(sql: string, replacements: Record<string, unknown> = {}, transaction?: Transaction) =>
    sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) });
  return {
    /**
     * Archives one run and clears its failure, in one transaction. `exists`: archived already
     * (by another sweep; its row is left as it is). `no_ticket`: its ticket is not in the database
     * (deleted by retention meanwhile): nothing is kept.
     */
    async store(run: ArchivedRunInput): Promise<'stored' | 'exists' | 'no_ticket'> {
      try {
        return await sequelize.transaction(async (t) => {
          const inserted = await q<{ run_id: string }>(
            `INSERT INTO history_archive (workflow_id, run_id, ticket_number, status, started_at, closed_at, event_count, sha256, history)
             VALUES (:workflowId, :runId, :ticketNumber, :status, :startedAt, :closedAt, :eventCount, :sha256, :history)
             ON CONFLICT (workflow_id, run_id) DO NOTHING RETURNING run_id`,
            { ...run }, t);
          await sequelize.query(`DELETE FROM history_archive_failures WHERE workflow_id = :workflowId AND run_id = :runId`, { replacements: { workflowId: run.workflowId, runId: run.runId }, transaction: t });
          return inserted.length ? 'stored' : 'exists';
        });
      } catch (err) {
        if (sqlState(err) === '23503') return 'no_ticket';
        throw err;
      }
    },

    /** Which of these runs are archived, as `workflowId/runId` keys. */
    async archivedAmong(runs: ReadonlyArray<{ workflowId: string; runId: string }>): Promise<Set<string>> {
      const found = new Set<string>();
      for (let i = 0; i < runs.length; i += PAGE) {
        const page = runs.slice(i, i + PAGE);
        const rows = await q<{ workflow_id: string; run_id: string }>(
          `SELECT a.workflow_id, a.run_id FROM history_archive a
             JOIN unnest(ARRAY[:wf]::text[], ARRAY[:run]::text[]) AS w(workflow_id, run_id) USING (workflow_id, run_id)`,
          { wf: page.map((r) => r.workflowId), run: page.map((r) => r.runId) });
        for (const r of rows) found.add(key(r.workflow_id, r.run_id));
      }
      return found;
    },

    /** Every archived run of a workflow, oldest first (by start, then close). */
    async runsOf(workflowId: string): Promise<ArchivedRun[]> {
      const rows = await q<RunRow>(
        `SELECT workflow_id, run_id, ticket_number, status, started_at, closed_at, event_count, sha256, history, archived_at
           FROM history_archive WHERE workflow_id = :workflowId ORDER BY started_at NULLS FIRST, closed_at, run_id`, { workflowId });
      return rows.map(toRun);
    },

    /** How many runs the archive holds. */
    async count(): Promise<number> {
      const [row] = await q<{ n: string }>(`SELECT count(*)::text AS n FROM history_archive`);
      return Number(row?.n ?? 0);
    },

    /** The tickets of these numbers the database holds: sealed ones, or legacy (reported before sealing: no pseudonym). Absent: not in the database. */
    async ticketKinds(numbers: readonly string[]): Promise<Map<string, TicketKind>> {
      const kinds = new Map<string, TicketKind>();
      const unique = [...new Set(numbers)];
      for (let i = 0; i < unique.length; i += PAGE) {
        const rows = await q<{ number: string; legacy: boolean }>(
          `SELECT number, requester_ref IS NULL AS legacy FROM tickets WHERE number IN (:numbers)`, { numbers: unique.slice(i, i + PAGE) });
        for (const r of rows) kinds.set(r.number, r.legacy ? 'legacy' : 'sealed');
      }
      return kinds;
    },

    /** One more failed attempt at a run (the first makes its row). `error`: a sentence without personal data. */
    async recordFailure(f: { workflowId: string; runId: string; ticketNumber: string; closedAt: string | null; error: string; at: string }): Promise<ArchiveFailure> {
      const [row] = await q<FailureRow>(
        `INSERT INTO history_archive_failures AS f (workflow_id, run_id, ticket_number, closed_at, attempts, last_error, first_failed_at, last_attempt_at)
         VALUES (:workflowId, :runId, :ticketNumber, :closedAt, 1, :error, :at, :at)
         ON CONFLICT (workflow_id, run_id) DO UPDATE
           SET attempts = f.attempts + 1, last_error = EXCLUDED.last_error, last_attempt_at = EXCLUDED.last_attempt_at,
               closed_at = COALESCE(EXCLUDED.closed_at, f.closed_at)
         RETURNING *`, f);
      return toFailure(row!);
    },

    /** Forgets a run's failures (its ticket is gone, or the archive does not take it). */
    async clearFailure(workflowId: string, runId: string): Promise<void> {
      await sequelize.query(`DELETE FROM history_archive_failures WHERE workflow_id = :workflowId AND run_id = :runId`, { replacements: { workflowId, runId } });
    },

    /** The runs not archived yet that a sweep failed on, oldest closed first; of one workflow when given. */
    async failures(workflowId?: string): Promise<ArchiveFailure[]> {
      const rows = await q<FailureRow>(
        `SELECT * FROM history_archive_failures ${workflowId ? 'WHERE workflow_id = :workflowId' : ''} ORDER BY closed_at NULLS LAST, workflow_id, run_id`,
        workflowId ? { workflowId } : {});
      return rows.map(toFailure);
    },

    /** Up to when the last complete sweep on this task queue listed closed runs (ISO), or null before the first. */
    async listedUntil(taskQueue: string): Promise<string | null> {
      const [row] = await q<{ listed_until: Date }>(`SELECT listed_until FROM history_archive_sweeps WHERE task_queue = :taskQueue`, { taskQueue });
      return iso(row?.listed_until ?? null);
    },

    /** A complete sweep listed closed runs up to `until`; never moves back (two sweeps at once). */
    async markListed(taskQueue: string, until: string): Promise<void> {
      await sequelize.query(
        `INSERT INTO history_archive_sweeps (task_queue, listed_until, swept_at) VALUES (:taskQueue, :until, now())
         ON CONFLICT (task_queue) DO UPDATE SET listed_until = GREATEST(history_archive_sweeps.listed_until, EXCLUDED.listed_until), swept_at = now()`,
        { replacements: { taskQueue, until } });
    },
  };
}

export type HistoryArchiveRepo = ReturnType<typeof createHistoryArchiveRepo>;
