/**
 * Binds the IMAP mailbox's poll (api/mail-in/imap.ts) for the worker's activity
 * (activities/mail-poll.ts): HELPDESK_IMAP_URL's mailbox, how far it was read (imap_mailboxes),
 * and each message taken in by inbound.ts's receiveMail with the services the SMTP/LMTP listener
 * gets (runtime/stack.ts startMailInFor), starting tickets through the activity's own Temporal
 * client. Undefined when HELPDESK_IMAP_URL is not set.
 */
import type { Client } from '@temporalio/client';
import type { i18n } from 'i18next';
import type { Sequelize } from 'sequelize';
import type { MailPoller } from '../activities/mail-poll.ts';
import { createI18n } from '../api/i18n.ts';
import { receiveMail, type MailInDeps } from '../api/mail-in/inbound.ts';
import { pollMailbox } from '../api/mail-in/imap.ts';
import { createImapMailboxesRepo } from '../db/imap-mailboxes-repo.ts';
import { createInboundMailRepo } from '../db/inbound-mail-repo.ts';
import { ticketDeps, type Repositories } from './compose.ts';
import type { Config } from './config.ts';
import { mailThreadSecret } from '../db/mail-thread-secret.ts';

/** What receiveMail needs, as the SMTP/LMTP listener gets it, over `client` (the activity's own). */
export function mailInDepsFor(config: Config, db: Repositories & { sequelize: Sequelize }, client: Client, texts: i18n, threadSecret: string, log: (line: string) => void): MailInDeps {
  return {
    ...ticketDeps(config, db, client),
    inbound: createInboundMailRepo(db.sequelize), users: db.users, portal: db.portal, vault: db.vault, i18n: texts, log,
    settings: { ourAddress: config.mail.from.address, domain: config.mail.domain, threadSecret, dailyCap: config.mail.in.dailyCap, defaultLanguage: config.mail.in.defaultLanguage },
  };
}

export function mailPollerFor(config: Config, db: Repositories & { sequelize: Sequelize }, log: (line: string) => void = (line) => console.error(`[worker] ${line}`)): MailPoller | undefined {
  const imap = config.mail.imap;
  if (!imap) return undefined;
  const state = createImapMailboxesRepo(db.sequelize);
  let texts: Promise<i18n> | undefined;
  let secret: Promise<string> | undefined;
  return {
    async poll({ client, heartbeat, signal }) {
      const deps = mailInDepsFor(config, db, client, await (texts ??= createI18n()), await (secret ??= mailThreadSecret(db.sequelize)), log);
      return pollMailbox(imap, { state, receive: (raw, envelope) => receiveMail(deps, raw, envelope), maxBytes: config.mail.in.maxBytes, heartbeat, ...(signal ? { signal } : {}), log });
    },
  };
}
