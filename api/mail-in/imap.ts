/**
 * IMAP polling (docs/mail-in.md), the other way in beside the SMTP/LMTP listener (listener.ts), as
 * Zammad's and Znuny's mail accounts poll: one poll connects (TLS for `imaps:`, STARTTLS when an
 * `imap:` server offers it), opens the mailbox, and hands every message above the last UID taken
 * in — in UID order, at most {@link MAX_PER_POLL} a poll — to `receive` (inbound.ts receiveMail,
 * channel `imap`), with the envelope sender read from its Return-Path (`<>`: a bounce). The last
 * UID moves on only once `receive` returned, and the message is then marked \Seen: a fault stops
 * the poll at that message, and the next poll begins with it. When the server answers another
 * UIDVALIDITY than last time (it renumbered the mailbox), the poll starts from the first message
 * again; inbound_mail's Message-ID keeps each message to once. A message larger than the
 * listener's limit is left unread in the mailbox for a person, and the poll goes past it.
 *
 * What an operator reads when a poll fails is a sentence naming the server and what to check —
 * never the password, the account's name or a message's content.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { ImapFlow, type ImapFlowError } from 'imapflow';
import type { ImapMailboxesRepo } from '../../db/imap-mailboxes-repo.ts';
import type { InboundChannel } from '../../db/inbound-mail-repo.ts';
import type { MailInResult } from './inbound.ts';
import type { MailPollSummary } from '../../workflows/mail-poll.ts';

/** How many messages one poll takes in at most; the next poll takes the rest. */
export const MAX_PER_POLL = 200;

export interface ImapMailbox {
  secure: boolean;
  host: string;
  port: number;
  user: string;
  password: string;
  mailbox: string;
  /** Take the server's TLS certificate unchecked (a test server only). */
  tlsInsecure: boolean;
}

export interface ImapPollOptions {
  state: Pick<ImapMailboxesRepo, 'begin' | 'advance'>;
  receive(raw: Buffer, envelope: { from: string | false | undefined; channel: InboundChannel }): Promise<MailInResult>;
  /** The largest message taken in (the listener's limit); a larger one is left in the mailbox. */
  maxBytes: number;
  /** Called after connecting and after every message (the activity heartbeats). */
  heartbeat?: (progress: { uid: number }) => void;
  /** Stops the poll between two messages (the activity was cancelled). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** What one poll did: counts only (they go through the poll workflow's history). */
export type ImapPollResult = MailPollSummary;

/** An IMAP failure said as a sentence an operator can act on; `permanent` when trying again cannot help before the configuration changes. */
export class MailboxError extends Error {
  constructor(message: string, readonly permanent: boolean) {
    super(message);
    this.name = 'MailboxError';
  }
}

/** The mailbox's key in imap_mailboxes: its URL without the password, hashed (no account name stored). */
export function mailboxKey(m: Pick<ImapMailbox, 'secure' | 'host' | 'port' | 'user' | 'mailbox'>): string {
  return createHash('sha256').update(`${m.secure ? 'imaps' : 'imap'}://${m.user.toLowerCase()}@${m.host.toLowerCase()}:${m.port}/${m.mailbox}`).digest('hex');
}

/** The envelope sender a delivering server wrote in Return-Path: the address, false for the null path `<>`, undefined without one. */
export function returnPathOf(raw: Buffer): string | false | undefined {
  const head = raw.subarray(0, Math.min(raw.length, 256 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const lines = (end >= 0 ? head.slice(0, end) : head).replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
  const line = lines.find((l) => /^return-path[ \t]*:/i.test(l));
  if (line === undefined) return undefined;
  const value = line.slice(line.indexOf(':') + 1).trim();
  const address = (/^<\s*([^<>\s]*)\s*>/.exec(value) ?? /^([^<>\s]+)/.exec(value))?.[1] ?? '';
  return address || false;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'ETIMEOUT', 'EPIPE', 'NoConnection']);

/** What went wrong, in words, for HELPDESK_IMAP_URL's server. */
export function describeImapFailure(err: unknown, m: Pick<ImapMailbox, 'host' | 'port' | 'mailbox'>): MailboxError {
  if (err instanceof MailboxError) return err;
  const e = (err ?? {}) as ImapFlowError & { cause?: { code?: string } };
  const where = `The IMAP server at ${m.host}:${m.port} (HELPDESK_IMAP_URL)`;
  const tlsCode = [e.code, e._err && (e._err as { code?: string }).code, e.cause?.code].find((c) => typeof c === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME|ERR_SSL|ERR_TLS/.test(c));
  if (tlsCode || e.tlsFailed) {
    return new MailboxError(`${where} presented a TLS certificate that is not trusted${tlsCode ? ` (${tlsCode})` : ''}, or the TLS handshake failed: give the server a certificate a trusted authority issued for that name, or, for a test server only, set HELPDESK_IMAP_TLS_INSECURE=true.`, true);
  }
  if (e.authenticationFailed || e.serverResponseCode === 'AUTHENTICATIONFAILED') {
    return new MailboxError(`${where} refused the sign-in: check the user name and password in HELPDESK_IMAP_URL (characters such as @, : or / percent-encoded).`, true);
  }
  if (e.mailboxMissing || e.serverResponseCode === 'NONEXISTENT') {
    return new MailboxError(`${where} has no mailbox "${m.mailbox}": check the mailbox path at the end of HELPDESK_IMAP_URL (such as /INBOX).`, true);
  }
  const code = [e.code, e.cause?.code].find((c) => typeof c === 'string' && /^[A-Za-z_]{2,40}$/.test(c));
  if (code && UNREACHABLE.has(code)) {
    return new MailboxError(`${where} cannot be reached (${code}): check its host and port, and that the server is running; the next poll tries again.`, false);
  }
  return new MailboxError(`${where} did not complete the poll (${code ?? (err instanceof Error ? err.name : 'error')}${e.responseStatus ? `, answer ${e.responseStatus}` : ''}); the next poll tries again.`, false);
}

/** One poll of the mailbox: every message above the last UID taken in, in UID order. */
export async function pollMailbox(m: ImapMailbox, opts: ImapPollOptions): Promise<ImapPollResult> {
  const client = new ImapFlow({
    host: m.host, port: m.port, secure: m.secure, auth: { user: m.user, pass: m.password },
    // `imap:` upgrades with STARTTLS when the server offers it (imapflow's default when unset).
    tls: { rejectUnauthorized: !m.tlsInsecure, ...(isIP(m.host) ? {} : { servername: m.host }) },
    logger: false, disableAutoIdle: true, connectionTimeout: 30_000, greetingTimeout: 16_000, socketTimeout: 120_000,
    clientInfo: { name: 'helpdesk' },
  });
  // A connection that drops while idle is reported as an event; without a listener it would end the worker.
  client.on('error', () => undefined);
  const result: ImapPollResult = { fetched: 0, created: 0, replied: 0, ignored: 0, duplicates: 0, skipped: 0, more: false, uidValidityChanged: false };
  let stage: 'connect' | 'poll' = 'connect';
  try {
    await client.connect();
    const lock = await client.getMailboxLock(m.mailbox);
    try {
      stage = 'poll';
      const box = client.mailbox;
      if (!box) throw new MailboxError(`The IMAP server at ${m.host}:${m.port} (HELPDESK_IMAP_URL) did not open the mailbox "${m.mailbox}"; the next poll tries again.`, false);
      const key = mailboxKey(m);
      const uidValidity = String(box.uidValidity);
      const start = await opts.state.begin(key, uidValidity);
      if (start.previousUidValidity !== null && start.previousUidValidity !== uidValidity) {
        result.uidValidityChanged = true;
        opts.log?.(`[mail-in] the IMAP mailbox "${m.mailbox}" at ${m.host} was renumbered (UIDVALIDITY changed): it is read again from its first message, and messages taken in before are recognised by their Message-ID`);
      }
      opts.heartbeat?.({ uid: start.lastUid });
      // `n:*` also answers the highest message when it is below n: only UIDs above the last are new.
      const listed = box.exists === 0 ? [] : await client.fetchAll(`${start.lastUid + 1}:*`, { uid: true, size: true }, { uid: true });
      const fresh = listed.filter((x) => x.uid > start.lastUid).sort((a, b) => a.uid - b.uid);
      result.more = fresh.length > MAX_PER_POLL;
      for (const listedMessage of fresh.slice(0, MAX_PER_POLL)) {
        opts.signal?.throwIfAborted();
        const uid = listedMessage.uid;
        result.fetched++;
        if ((listedMessage.size ?? 0) > opts.maxBytes) {
          result.skipped++;
          opts.log?.(`[mail-in] a message in the IMAP mailbox "${m.mailbox}" is larger than ${Math.round(opts.maxBytes / 1024 / 1024)} MB: it was left there unread, for a person to handle`);
        } else {
          const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
          if (!message || !message.source) {
            result.skipped++;
          } else {
            const r = await opts.receive(message.source, { from: returnPathOf(message.source), channel: 'imap' });
            if (r.outcome === 'created') result.created++;
            else if (r.outcome === 'replied') result.replied++;
            else if (r.outcome === 'duplicate') result.duplicates++;
            else result.ignored++;
            // Read, for the people who look into the mailbox; what counts for the helpdesk is the UID below.
            await client.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
          }
        }
        await opts.state.advance(key, uidValidity, uid);
        opts.heartbeat?.({ uid });
      }
    } finally {
      lock.release();
    }
    // Everything is taken in by now: a goodbye the server does not answer changes nothing.
    await client.logout().catch(() => client.close());
    return result;
  } catch (err) {
    client.close();
    // A fault of our own while taking a message in (the database, Temporal) is the caller's to say; the server's is said here.
    if (stage === 'poll' && !isImapError(err)) throw err;
    throw describeImapFailure(err, m);
  }
}

function isImapError(err: unknown): boolean {
  if (err instanceof MailboxError) return true;
  const e = err as ImapFlowError | null;
  return !!e && (e.responseStatus !== undefined || e.serverResponseCode !== undefined || e.mailboxMissing === true || e.authenticationFailed === true || e.tlsFailed === true ||
    (typeof e.code === 'string' && (UNREACHABLE.has(e.code) || /^(ETHROTTLE|LineTooLarge|LiteralTooLarge|ResponseTooLarge|TooManyTokens|ClosedAfterConnect|StateLogout)$/.test(e.code))));
}
