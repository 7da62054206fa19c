import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * Lists are reads too (issue 13, docs/access-log.md): a queue page, a team page, `GET
 * /api/v1/tickets`, the ticket page's likely duplicates and the requester card's other tickets show
 * staff each listed ticket's title and requester. Each such ticket is recorded as `ticket.listed`,
 * once per staff member and ticket in a window (services/privacy/access-log.ts LISTED_WINDOW_MS),
 * so paging back and forth through a queue does not write the same row again and again. This index
 * answers "has this viewer had this ticket listed lately" for a page's rows in one probe each.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE INDEX access_log_listed_idx ON access_log (viewer, ticket_number, occurred_at) WHERE what = 'ticket.listed';
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`DROP INDEX access_log_listed_idx`);
};
