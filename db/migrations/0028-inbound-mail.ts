import type { MigrationFn } from 'umzug';
import type { QueryInterface } from 'sequelize';

/**
 * Mail in (issue 14, docs/mail.md): every message the helpdesk took in, once. `message_key` is a
 * hash of the message's Message-ID (a message handed over twice — an MTA's retry, an IMAP poll
 * again — is recognised and not taken twice); `sender_bidx` the sender's blind index (the address
 * itself is never stored here), for the per-sender daily cap; `outcome` what became of it
 * (`created`, `replied`, or why it was ignored: `auto_reply`, `bounce`, `list`, `loop`, `capped`;
 * `processing` while it is being taken in: claimed first, so two deliveries of one message never
 * both land, and a claim left by a crash is taken over after 10 minutes).
 */
export const up: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`
    CREATE TABLE inbound_mail (
      id            bigserial PRIMARY KEY,
      message_key   text NOT NULL UNIQUE,
      sender_bidx   text,
      channel       text NOT NULL CHECK (channel IN ('smtp', 'lmtp', 'imap')),
      outcome       text NOT NULL CHECK (outcome IN ('processing', 'created', 'replied', 'auto_reply', 'bounce', 'list', 'loop', 'capped', 'empty')),
      ticket_number text,
      received_at   timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX inbound_mail_sender_idx ON inbound_mail (sender_bidx, received_at);
  `);
};

export const down: MigrationFn<QueryInterface> = async ({ context: qi }) => {
  await qi.sequelize.query(`DROP TABLE inbound_mail;`);
};
