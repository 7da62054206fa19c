import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * IMAP polling (docs/mail-in.md): how far the helpdesk has read each mailbox it polls. A mailbox is
 * known by `mailbox_key`, a hash of its URL without the password (`imaps://user@host:993/INBOX`),
 * so neither the password nor the account's name is stored. `uid_validity` is the mailbox's
 * UIDVALIDITY when it was last read and `last_uid` the highest UID taken in under it: the next poll
 * fetches the messages above it; when the server answers another UIDVALIDITY (it renumbered the
 * mailbox), reading starts again from the first message, and inbound_mail (0028) keeps each
 * message to once by its Message-ID.
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE imap_mailboxes (
      mailbox_key  text PRIMARY KEY,
      uid_validity bigint NOT NULL CHECK (uid_validity > 0),
      last_uid     bigint NOT NULL DEFAULT 0 CHECK (last_uid >= 0),
      polled_at    timestamptz NOT NULL DEFAULT now(),
      taken_at     timestamptz
    );
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`DROP TABLE imap_mailboxes;`);
};
