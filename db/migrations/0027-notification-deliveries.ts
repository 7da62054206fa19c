import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * Delivery of the outbox (issue 14, docs/mail.md). One row per message a recipient gets for an
 * outbox row: a ticket's notification (`notification_outbox`, one row per event and role, which
 * may reach several people — a team) or an account mail (`account_mail_outbox`, one person).
 * The recipient is named by key, never by address (`user:<id>` for an account, `person:<uuid>`
 * for a requester known by pseudonym): the address is opened when the mail is sent. Each row's
 * Message-ID is fixed when the row is written, so every attempt of one message sends the same
 * Message-ID and a copy sent twice (a crash after the server's 250) is one message to mail
 * clients. Deleting an outbox row (erasure) deletes its deliveries.
 *
 * `notification_outbox.failed_at`/`account_mail_outbox.failed_at`: the row is settled but some
 * delivery failed for good (the admins' mail page lists them).
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE notification_deliveries (
      id                 bigserial PRIMARY KEY,
      ticket_outbox_id   bigint REFERENCES notification_outbox (id) ON DELETE CASCADE,
      account_outbox_id  bigint REFERENCES account_mail_outbox (id) ON DELETE CASCADE,
      recipient          text NOT NULL,
      channel            text NOT NULL DEFAULT 'email' CHECK (channel IN ('email')),
      language           text NOT NULL,
      message_id         text NOT NULL UNIQUE,
      status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
      attempts           integer NOT NULL DEFAULT 0,
      last_error         text,
      created_at         timestamptz NOT NULL DEFAULT now(),
      sent_at            timestamptz,
      failed_at          timestamptz,
      CHECK ((ticket_outbox_id IS NULL) <> (account_outbox_id IS NULL))
    );
    CREATE UNIQUE INDEX notification_deliveries_ticket_idx ON notification_deliveries (ticket_outbox_id, recipient, channel) WHERE ticket_outbox_id IS NOT NULL;
    CREATE UNIQUE INDEX notification_deliveries_account_idx ON notification_deliveries (account_outbox_id, recipient, channel) WHERE account_outbox_id IS NOT NULL;
    CREATE INDEX notification_deliveries_failed_idx ON notification_deliveries (failed_at DESC) WHERE status = 'failed';

    ALTER TABLE notification_outbox ADD COLUMN failed_at timestamptz;
    ALTER TABLE account_mail_outbox ADD COLUMN failed_at timestamptz;

    -- Written before anything delivered the outbox: what is older than a day would arrive far too
    -- late to help anyone (a link long expired, an answer long read on the portal), so it is settled
    -- unsent; the last day's rows are delivered once a worker sends mail.
    UPDATE notification_outbox SET delivered_at = now() WHERE delivered_at IS NULL AND created_at < now() - interval '1 day';
    UPDATE account_mail_outbox SET delivered_at = now() WHERE delivered_at IS NULL AND created_at < now() - interval '1 day';
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    DROP TABLE notification_deliveries;
    ALTER TABLE notification_outbox DROP COLUMN failed_at;
    ALTER TABLE account_mail_outbox DROP COLUMN failed_at;
  `);
};
