import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * Two mends of the agents' workspace (issue 13).
 *
 * Lists are reads too (issue 13, docs/access-log.md): a queue page, a team page, `GET
 * /api/v1/tickets`, the ticket page's likely duplicates and the requester card's other tickets show
 * staff each listed ticket's title and requester. Each such ticket is recorded as `ticket.listed`,
 * once per staff member and ticket in a window (services/privacy/access-log.ts LISTED_WINDOW_MS),
 * so paging back and forth through a queue does not write the same row again and again. This index
 * answers "has this viewer had this ticket listed lately" for a page's rows in one probe each.
 *
 * "At risk" is a warning of a clock that still runs: `tickets.warned_clock` names the clock of the
 * warning in `warned_at` (db/tickets-repo.ts project()), so a ticket whose response clock warned is
 * no longer at risk once answered, nor while its clocks are paused (db/ticket-list-repo.ts).
 * Backfilled from each ticket's last sla_warning.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE INDEX access_log_listed_idx ON access_log (viewer, ticket_number, occurred_at) WHERE what = 'ticket.listed';

    ALTER TABLE tickets ADD COLUMN warned_clock text CHECK (warned_clock IN ('response', 'resolution'));
    UPDATE tickets t SET warned_clock = w.clock FROM (
      SELECT DISTINCT ON (ticket_number) ticket_number, data->>'clock' AS clock FROM ticket_events
       WHERE type = 'sla_warning' AND data->>'clock' IN ('response', 'resolution') ORDER BY ticket_number, seq DESC
    ) w WHERE w.ticket_number = t.number AND t.warned_at IS NOT NULL;
    -- The queue counts read the open tickets from this index alone: it carries what "at risk" now reads.
    DROP INDEX tickets_open_counts_idx;
    CREATE INDEX tickets_open_counts_idx ON tickets (status)
      INCLUDE (assignee, team_id, tier, escalated_at, warned_at, warned_clock, response_due_at, resolution_due_at, breached)
      WHERE status IN ('new', 'assigned', 'in_progress', 'pending', 'reopened');
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP INDEX access_log_listed_idx;
    DROP INDEX tickets_open_counts_idx;
    ALTER TABLE tickets DROP COLUMN warned_clock;
    CREATE INDEX tickets_open_counts_idx ON tickets (status) INCLUDE (assignee, team_id, tier, escalated_at, warned_at, breached)
      WHERE status IN ('new', 'assigned', 'in_progress', 'pending', 'reopened');
  `);
};
