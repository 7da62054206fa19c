import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * Applying a rules version to open tickets (issue 11, item 8; DESIGN.md: "applying it to open
 * tickets is an explicit, recorded action").
 *
 * `rules_apply_runs`: one run, asked for by a process owner or admin with a reason, carried out
 * on the worker by the `applyRulesRun` workflow (services/rules-admin/apply-runs.ts): it sends
 * the reclassify signal to each selected open ticket. Its status and counts live here, so any
 * web process answers the progress page; `after_number` is where a retried attempt goes on from.
 * `requested_by` is set to NULL when the account is deleted (an erasure deletes staff accounts).
 * At most one run of a version is queued or running at a time (`rules_apply_runs_one_going_idx`:
 * two process owners who start one at the same moment get one run, and the other a 409).
 *
 * `rules_apply_run_tickets`: each ticket a run went through — sent the signal, left unchanged
 * (the version changes nothing on it), skipped (on the version already, or sent by another run
 * of it minutes ago), or failed — so a retried attempt never signals a ticket twice nor counts it
 * twice (the run's counts are those of its rows), and the run's page can say which failed and why
 * (a message key and its parameters, said in the reader's language). Goes with its ticket.
 *
 * `tickets_open_number_idx`: the open tickets in number order, which the preview and the run
 * page through (keyset paging) without reading the closed ones.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE rules_apply_runs (
      id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      requested_by        bigint REFERENCES users(id) ON DELETE SET NULL,
      version             integer NOT NULL CHECK (version >= 1),
      scope               text NOT NULL CHECK (scope IN ('changing', 'all')),
      reason              text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
      status              text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'cancelled', 'failed')),
      total               integer CHECK (total >= 0),
      seen                integer NOT NULL DEFAULT 0 CHECK (seen >= 0),
      sent                integer NOT NULL DEFAULT 0 CHECK (sent >= 0),
      unchanged           integer NOT NULL DEFAULT 0 CHECK (unchanged >= 0),
      skipped             integer NOT NULL DEFAULT 0 CHECK (skipped >= 0),
      failed              integer NOT NULL DEFAULT 0 CHECK (failed >= 0),
      after_number        text,
      error               text,
      created_at          timestamptz NOT NULL DEFAULT now(),
      started_at          timestamptz,
      updated_at          timestamptz NOT NULL DEFAULT now(),
      cancel_requested_at timestamptz,
      finished_at         timestamptz,
      CHECK ((status IN ('done', 'cancelled', 'failed')) = (finished_at IS NOT NULL))
    );
    CREATE INDEX rules_apply_runs_created_idx ON rules_apply_runs (created_at DESC);
    CREATE UNIQUE INDEX rules_apply_runs_one_going_idx ON rules_apply_runs (version) WHERE status IN ('queued', 'running');
    COMMENT ON TABLE rules_apply_runs IS 'A rules version applied to open tickets: the reclassify signal sent to each, with the reason; progress and counts.';
    COMMENT ON COLUMN rules_apply_runs.scope IS 'changing: only the tickets whose outcome the version changes (as the preview shows them); all: every open ticket on an older version.';
    COMMENT ON COLUMN rules_apply_runs.after_number IS 'The last open ticket gone through (number order): where a retried attempt goes on from.';

    CREATE TABLE rules_apply_run_tickets (
      run_id        uuid NOT NULL REFERENCES rules_apply_runs(id) ON DELETE CASCADE,
      ticket_number text NOT NULL REFERENCES tickets(number) ON DELETE CASCADE,
      outcome       text NOT NULL CHECK (outcome IN ('claimed', 'sent', 'unchanged', 'skipped', 'failed')),
      error_key     text,
      error_params  jsonb,
      at            timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (run_id, ticket_number)
    );
    CREATE INDEX rules_apply_run_tickets_failed_idx ON rules_apply_run_tickets (run_id, ticket_number) WHERE outcome = 'failed';
    COMMENT ON TABLE rules_apply_run_tickets IS 'Each ticket an apply run went through: taken (claimed, about to be signalled), signalled (sent), not changed by the version (unchanged), found on the version already (skipped), or not signalled (failed, with a message key); a retried attempt signals none twice, and the run''s counts are these rows''.';

    CREATE INDEX tickets_open_number_idx ON tickets (number) WHERE status NOT IN ('resolved', 'closed', 'cancelled');
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP INDEX tickets_open_number_idx;
    DROP TABLE rules_apply_run_tickets;
    DROP TABLE rules_apply_runs;
  `);
};
