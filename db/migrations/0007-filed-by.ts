/**
 * Who filed a ticket, beside the requester it is for: an agent filing for a requester is
 * its `filed_by`, the requester stays `requester_email`. Tickets filed before this
 * migration keep `filed_by` null (it was not recorded; their `created` event names the
 * requester as its actor).
 */
import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`ALTER TABLE tickets ADD COLUMN filed_by text`);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`ALTER TABLE tickets DROP COLUMN filed_by`);
};
