import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * `audit_runs`: one period replay check (services/audit/runs.ts, docs/audit-runs.md), run on the
 * worker by the `auditPeriodRun` workflow; its progress, counts and differing tickets live here,
 * so any web process answers a page's poll. The period is [period_from, period_to) of the instant
 * a ticket was closed or cancelled. `requested_by` is set to NULL when the account is deleted.
 * `differing` holds the first tickets found not reproducible (at most 500, in the order found:
 * number, whether unreadable, how many differences and of which kinds — no recorded or recomputed
 * value, no text); `differing_count + unreadable` is how many there are in all. `error` is a code
 * (db/audit-runs-repo.ts AUDIT_RUN_ERRORS), never text. At most one run is queued or running at
 * a time (audit_runs_one_at_a_time): a second start is refused.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE audit_runs (
      id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      requested_by        bigint REFERENCES users(id) ON DELETE SET NULL,
      period_from         timestamptz NOT NULL,
      period_to           timestamptz NOT NULL,
      status              text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'cancelled', 'failed')),
      done                integer NOT NULL DEFAULT 0 CHECK (done >= 0),
      total               integer CHECK (total >= 0),
      reproducible        integer NOT NULL DEFAULT 0 CHECK (reproducible >= 0),
      differing_count     integer NOT NULL DEFAULT 0 CHECK (differing_count >= 0),
      unreadable          integer NOT NULL DEFAULT 0 CHECK (unreadable >= 0),
      differing           jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(differing) = 'array' AND jsonb_array_length(differing) <= 500),
      error               text CHECK (error IN ('startFailed', 'checkFailed', 'stopped')),
      created_at          timestamptz NOT NULL DEFAULT now(),
      started_at          timestamptz,
      updated_at          timestamptz NOT NULL DEFAULT now(),
      cancel_requested_at timestamptz,
      finished_at         timestamptz,
      CHECK (period_from < period_to),
      CHECK (reproducible + differing_count + unreadable <= done),
      CHECK ((error IS NOT NULL) = (status = 'failed')),
      CHECK ((status IN ('done', 'cancelled', 'failed')) = (finished_at IS NOT NULL))
    );
    CREATE INDEX audit_runs_created_idx ON audit_runs (created_at DESC);
    -- One check at a time: a period check is heavy, and the worker it runs on keeps the SLA clocks.
    CREATE UNIQUE INDEX audit_runs_one_at_a_time ON audit_runs ((true)) WHERE status IN ('queued', 'running');
    COMMENT ON TABLE audit_runs IS 'Period replay checks: the tickets closed or cancelled in [period_from, period_to) replayed and recomputed on the worker, with progress and counts.';
    COMMENT ON COLUMN audit_runs.differing IS 'The first 500 tickets not reproducible, in the order found: {number, unreadable, differences, kinds}; no values, no text.';
    COMMENT ON COLUMN audit_runs.error IS 'Why a failed run failed, a code the run''s page says in words (auditor-runs:runError.<code>); the internal detail is in the worker''s log only.';
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`DROP TABLE audit_runs;`);
};
