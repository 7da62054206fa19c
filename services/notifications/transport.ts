/**
 * Mail out over SMTP with nodemailer (docs/mail.md): one pooled transport per worker (at most
 * HELPDESK_SMTP_POOL connections, reused), DKIM-signed when a key is configured. A message is sent
 * with the Message-ID its delivery row fixed, the thread's In-Reply-To/References and the headers
 * of an automatic mail. What the server answers decides what happens next: a 5xx refusal is for
 * good (PermanentMailError), anything else — a 4xx, a connection that failed or broke — is tried
 * again. Error texts leave here without any address in them.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import { AUTOMATIC_HEADERS } from './threading.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** The thread's root: In-Reply-To and References. */
  thread?: string | undefined;
  /** The ticket the mail is about (header X-Helpdesk-Ticket: the local mail server seals such mail under the ticket's key). */
  ticket?: string | undefined;
  language: string;
}

export interface MailTransport {
  send(mail: OutgoingMail): Promise<{ response: string }>;
  close(): void;
}

/** The server refused the message for good (a 5xx): retrying would be refused again. */
export class PermanentMailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentMailError';
  }
}

/** How long a send waits for a free pooled connection before this attempt gives up. */
const SLOT_WAIT_MS = 5_000;

const ADDRESS = /[^\s<>"'(),;:]+@[^\s<>"'(),;:]+/g;

/** A server's or the network's words, with every address in them replaced (they end up in logs and on the admins' page). */
export function scrubAddresses(text: string): string {
  return text.replace(ADDRESS, '[address]').slice(0, 500);
}

/** What went wrong, in a sentence an operator can act on, and whether trying again can help. */
export function describeSendFailure(err: unknown): { permanent: boolean; message: string } {
  const e = err as { responseCode?: number; response?: string; code?: string; command?: string; message?: string };
  if (typeof e.responseCode === 'number') {
    const said = scrubAddresses(e.response ?? e.message ?? '');
    const permanent = e.responseCode >= 500 && e.responseCode < 600;
    return { permanent, message: `The SMTP server answered ${e.responseCode}${e.command ? ` to ${e.command}` : ''}: ${said}` };
  }
  const code = e.code ? ` (${e.code})` : '';
  return { permanent: false, message: `The SMTP server could not be reached or broke the connection${code}: ${scrubAddresses(e.message ?? String(err))}` };
}

/** What the transport is built from (runtime/mail-config.ts MailConfig, with the URL to send to). */
export interface TransportSettings {
  smtpUrl: string;
  from: { name: string; address: string };
  poolSize: number;
  dkim?: { domainName: string; keySelector: string; privateKey: string } | undefined;
}

export function createMailTransport(config: TransportSettings): MailTransport {
  const url = new URL(config.smtpUrl);
  const transporter: Transporter = nodemailer.createTransport({
    pool: true,
    maxConnections: config.poolSize,
    host: url.hostname,
    port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
    secure: url.protocol === 'smtps:',
    ...(url.username ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } } : {}),
    // Loopback (the local mail sink) needs no TLS; anywhere else STARTTLS is used when offered.
    ...(['127.0.0.1', 'localhost', '::1', '[::1]'].includes(url.hostname) ? { ignoreTLS: true } : {}),
    // With the wait for a free connection (SLOT_WAIT_MS), well inside the send activity's 30 s
    // start-to-close timeout (workflows/notification.ts): an attempt gives up before Temporal starts
    // the next one, so a slow server never gets two attempts at one message at once.
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 12_000,
    ...(config.dkim ? { dkim: config.dkim } : {}),
  });
  // At most poolSize sends at once; the others wait for a connection, but not past SLOT_WAIT_MS
  // (nodemailer's own queue has no deadline, and a send still queued when its activity times out would go out beside the retry).
  let busy = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    busy--;
    waiting.shift()?.();
  };
  const slot = () => new Promise<void>((resolve, reject) => {
    if (busy < config.poolSize) {
      busy++;
      resolve();
      return;
    }
    const go = () => {
      clearTimeout(timer);
      busy++;
      resolve();
    };
    const timer = setTimeout(() => {
      waiting.splice(waiting.indexOf(go), 1);
      reject(new Error(`Every SMTP connection (${config.poolSize}) was busy for ${SLOT_WAIT_MS / 1000} s; the message is sent on the next attempt.`));
    }, SLOT_WAIT_MS);
    waiting.push(go);
  });
  return {
    async send(mail) {
      await slot();
      try {
        const info = await transporter.sendMail({
          from: config.from.name ? { name: config.from.name, address: config.from.address } : config.from.address,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          messageId: mail.messageId,
          ...(mail.thread ? { inReplyTo: mail.thread, references: [mail.thread] } : {}),
          // X-Helpdesk-Loop: our own mail coming back (a forward, an alias) is recognised by mail-in and never taken in.
          headers: { ...AUTOMATIC_HEADERS, 'Content-Language': mail.language, 'X-Helpdesk-Loop': config.from.address, ...(mail.ticket ? { 'X-Helpdesk-Ticket': mail.ticket } : {}) },
        });
        return { response: scrubAddresses(String(info.response ?? '')) };
      } catch (err) {
        const failure = describeSendFailure(err);
        throw failure.permanent ? new PermanentMailError(failure.message) : new Error(failure.message);
      } finally {
        release();
      }
    },
    close() {
      transporter.close();
    },
  };
}
