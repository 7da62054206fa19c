import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    ALTER TABLE tickets ADD COLUMN sla jsonb;
    CREATE INDEX tickets_response_due_idx ON tickets (((sla->>'responseDueAt'))) WHERE sla IS NOT NULL;

    ALTER TABLE users ADD COLUMN service_level text;
    ALTER TABLE users ADD COLUMN organisation text;
    ALTER TABLE users ADD COLUMN department text;

    -- Notifications to deliver, written once per event and role (delivery is a separate concern).
    CREATE TABLE notification_outbox (
      id            bigserial PRIMARY KEY,
      ticket_number text NOT NULL,
      event_seq     integer NOT NULL,
      role          text NOT NULL,
      kind          text NOT NULL,
      payload       jsonb NOT NULL,
      created_at    timestamptz NOT NULL DEFAULT now(),
      delivered_at  timestamptz,
      UNIQUE (ticket_number, event_seq, role)
    );
    CREATE INDEX notification_outbox_pending_idx ON notification_outbox (created_at) WHERE delivered_at IS NULL;
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP TABLE notification_outbox;
    ALTER TABLE users DROP COLUMN service_level, DROP COLUMN organisation, DROP COLUMN department;
    DROP INDEX tickets_response_due_idx; ALTER TABLE tickets DROP COLUMN sla;
  `);
};
