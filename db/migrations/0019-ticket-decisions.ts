import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * The rules' decisions in the read model, and the what-if runs (issue 11, items 5 and 6).
 *
 * `ticket_decisions`: every classification and re-classification the classifyTicket activity
 * makes, with the derived facts it was made on (RedactedDecision's explanation.facts: no title,
 * no description, no e-mail address) and its outcome, so a what-if or a "try it" can re-evaluate
 * past tickets without Temporal's histories. Keyed by (ticket, instant, rules version), so an
 * activity's retry writes nothing twice. Goes with its ticket (ON DELETE CASCADE: a retention
 * deletion takes it along, as it takes ticket_events).
 *
 * `what_if_runs`: one what-if over past tickets (services/rules-admin/what-if-runs.ts), run on
 * the worker by the `whatIfRun` workflow; its progress and result live here, so any web process
 * answers a page's poll. `draft_id` names a draft of the drafts table (another migration): no
 * foreign key, a run outlives its draft. `requested_by` is set to NULL when the account is
 * deleted (an erasure deletes staff accounts too). `error` is a code (db/what-if-runs-repo.ts's
 * WHAT_IF_RUN_ERRORS), never text, so no internal message reaches a page or the API.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE ticket_decisions (
      ticket_number text NOT NULL REFERENCES tickets(number) ON DELETE CASCADE,
      kind          text NOT NULL CHECK (kind IN ('classified', 'reclassified')),
      decided_at    timestamptz NOT NULL,
      rules_version integer NOT NULL,
      rules_hash    text NOT NULL,
      facts         jsonb NOT NULL,
      outcome       jsonb NOT NULL,
      recorded_at   timestamptz NOT NULL DEFAULT now(),
      UNIQUE (ticket_number, decided_at, rules_version)
    );
    COMMENT ON TABLE ticket_decisions IS 'Each rules decision on a ticket: the derived facts it read (no text, no address) and its outcome; written by the classifyTicket activity.';
    COMMENT ON COLUMN ticket_decisions.decided_at IS 'The instant the decision is for (the ticket''s creation, or the re-classification).';
    COMMENT ON COLUMN ticket_decisions.facts IS 'DerivedFacts (rules/types.ts): ticket impact/urgency/category/channel/language, requester vip/serviceLevel/organisation/department, the keywords the rules tested for, calendar, time, matrix.';
    COMMENT ON COLUMN ticket_decisions.outcome IS 'decisionOutcome (rules/derived-facts.ts) with the policy''s responseMs, resolutionMs and calendar id.';

    -- The what-if reads the tickets created in a period in (created_at, number) order, a page at a time.
    CREATE INDEX tickets_created_number_idx ON tickets (created_at, number);

    CREATE TABLE what_if_runs (
      id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      requested_by        bigint REFERENCES users(id) ON DELETE SET NULL,
      draft_id            integer,
      candidate           jsonb NOT NULL,
      period_from         timestamptz NOT NULL,
      period_to           timestamptz NOT NULL,
      status              text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'cancelled', 'failed')),
      done                integer NOT NULL DEFAULT 0 CHECK (done >= 0),
      total               integer CHECK (total >= 0),
      result              jsonb,
      error               text CHECK (error IN ('startFailed', 'invalidCandidate', 'evaluationFailed', 'stopped')),
      created_at          timestamptz NOT NULL DEFAULT now(),
      started_at          timestamptz,
      updated_at          timestamptz NOT NULL DEFAULT now(),
      cancel_requested_at timestamptz,
      finished_at         timestamptz,
      CHECK (period_from < period_to),
      CHECK ((error IS NOT NULL) = (status = 'failed')),
      CHECK ((status = 'done') = (result IS NOT NULL)),
      CHECK ((status IN ('done', 'cancelled', 'failed')) = (finished_at IS NOT NULL))
    );
    CREATE INDEX what_if_runs_created_idx ON what_if_runs (created_at DESC);
    COMMENT ON TABLE what_if_runs IS 'What-if runs over past tickets: candidate rules, period of ticket creation, progress and result.';
    COMMENT ON COLUMN what_if_runs.error IS 'Why a failed run failed, a code the run''s page says in words (admin:whatIf.runError.<code>); the internal detail is in the worker''s log only.';
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP TABLE what_if_runs;
    DROP INDEX tickets_created_number_idx;
    DROP TABLE ticket_decisions;
  `);
};
