/**
 * The local mail sink: a real SMTP server (nodemailer's smtp-server) on 127.0.0.1 that keeps
 * every message it is given and delivers none, so `npm start` without HELPDESK_SMTP_URL sends its
 * mail somewhere an admin can read it (admin-ui/mail/, /admin/mail). No AUTH, no STARTTLS (the
 * client sends in clear over loopback), a size limit answered with 552. Each accepted message is
 * one `.eml` file in `dir` (services/notifications/mailbox.ts says how it is named and laid out),
 * written under a temporary name, synced and renamed, so a reader never sees half a message.
 * Whoever starts it stops it (close()). See docs/mail-sink.md.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { ENVELOPE_FROM, ENVELOPE_TO, mailIdAt } from '../services/notifications/mailbox.ts';
import { describeFailure, isAddressInUse, PortInUseError } from './failure.ts';

export interface MailSink {
  /** `smtp://127.0.0.1:PORT`: what nodemailer's createTransport({ url }) takes. */
  url: string;
  port: number;
  dir: string;
  /** Stops listening and ends the connections still open. */
  close(): Promise<void>;
}

export interface MailSinkOptions {
  /** The folder the messages are kept in; made (mode 0700) when it is missing. */
  dir: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0: any free port. @default 2525 */
  port?: number;
  log?: (line: string) => void;
  /** The largest message accepted, in bytes. @default 25 MiB */
  maxBytes?: number;
  /**
   * Seals a whole message (envelope lines included) before it touches the disk — `helpdesk start`
   * seals each under its recipient's data key (docs/privacy.md), so an erasure leaves it unreadable.
   * Without it (tests' own servers), messages are kept as they came.
   */
  seal?: (recipients: string[], message: Buffer) => Promise<string>;
}

export const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;

/** How long close() lets an open connection finish before it is cut. */
const CLOSE_GRACE_MS = 1_000;

/** A temporary file's name: hidden, and not a message's name, so the mailbox never lists it. */
const tempName = (id: string) => `.${id}.part`;
const TEMP = /^\.\d{8}T\d{9}Z-[0-9a-f]{8}\.part$/;

/** An address as one header value may carry it: no line breaks, no control characters. */
// eslint-disable-next-line no-control-regex -- control characters are what is removed
const clean = (address: string) => address.replace(/[\u0000-\u001f\u007f<>,]/g, '');

function envelopeLines(session: SMTPServerSession): string {
  const from = session.envelope.mailFrom ? clean(session.envelope.mailFrom.address) : '';
  const to = session.envelope.rcptTo.map((r) => `<${clean(r.address)}>`).join(', ');
  return `${ENVELOPE_FROM}: <${from}>\r\n${ENVELOPE_TO}: ${to}\r\n`;
}

const smtpError = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode });

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toLocaleString('en', { maximumFractionDigits: 1 });
}

export async function startMailSink(opts: MailSinkOptions): Promise<MailSink> {
  const host = opts.host ?? '127.0.0.1';
  const wanted = opts.port ?? 2525;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const log = opts.log ?? (() => undefined);
  const dir = path.resolve(opts.dir);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  // Left by a process that stopped in the middle of a message: never a message, so gone.
  for (const name of await fs.readdir(dir)) if (TEMP.test(name)) await fs.rm(path.join(dir, name), { force: true });

  // Names sort by arrival: a millisecond already used is moved on by one.
  let last = 0;
  const nextId = () => {
    last = Math.max(Date.now(), last + 1);
    return mailIdAt(last, randomBytes(4).toString('hex'));
  };

  /** Keeps one message; resolves with its id. Reads the whole stream whatever happens, so the client always gets its answer. */
  async function store(stream: Readable, session: SMTPServerSession): Promise<string> {
    const id = nextId();
    const temp = path.join(dir, tempName(id));
    let bytes = 0;
    let failure: unknown;
    const file = await fs.open(temp, 'wx', 0o600).catch((err: unknown) => {
      failure = err;
      return undefined;
    });
    // Sealed messages are kept whole in memory until sealed: nothing of them reaches the disk in plain text.
    const held: Buffer[] = [];
    const put = async (chunk: Buffer | string) => {
      if (opts.seal) held.push(Buffer.from(chunk));
      else if (file) await file.write(Buffer.from(chunk)).catch((err: unknown) => (failure ??= err));
    };
    try {
      if (file) await put(envelopeLines(session));
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (bytes > maxBytes || failure !== undefined || !file) continue;
        await put(chunk);
      }
      if (bytes > maxBytes || (stream as Readable & { sizeExceeded?: boolean }).sizeExceeded) {
        throw smtpError(552, `Message too large: this server accepts messages of at most ${maxBytes} bytes (${mib(maxBytes)} MiB); send a smaller message or fewer attachments.`);
      }
      if (failure !== undefined || !file) throw failure;
      if (opts.seal) await file.write(await opts.seal(session.envelope.rcptTo.map((r) => r.address), Buffer.concat(held)));
      await file.sync();
      await file.close();
      await fs.rename(temp, path.join(dir, `${id}.eml`));
      return id;
    } catch (err) {
      await file?.close().catch(() => undefined);
      await fs.rm(temp, { force: true });
      if ((err as { responseCode?: number }).responseCode) throw err;
      // The line names the fault (a full disk, a folder gone), never the message.
      log(`[mail-sink] a message could not be kept: ${describeFailure(err)}`);
      throw smtpError(451, 'The message could not be stored on this server; try again later.');
    }
  }

  const server = new SMTPServer({
    name: 'localhost',
    banner: 'Helpdesk local mail sink: messages are kept for the admins\' mail page and delivered to nobody',
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    size: maxBytes,
    disableReverseLookup: true,
    logger: false,
    closeTimeout: CLOSE_GRACE_MS,
    onData(stream, session, callback) {
      store(stream, session).then(
        (id) => {
          log(`[mail-sink] kept message ${id}`);
          callback(null, `OK: kept as ${id}`);
        },
        (err: Error) => callback(err),
      );
    },
  });
  // A connection's fault (a client gone in the middle) is that connection's; the server goes on.
  // (A failed listen comes here too, and is answered below.)
  let listening = false;
  server.on('error', (err: Error) => {
    if (listening) log(`[mail-sink] connection error: ${describeFailure(err)}`);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: unknown) => {
      server.server.off('listening', onListening);
      reject(isAddressInUse(err) ? new PortInUseError(wanted, 'HELPDESK_MAIL_SINK_PORT', 'the local mail sink, SMTP', ', or set HELPDESK_SMTP_URL to send through your own SMTP server') : err);
    };
    const onListening = () => {
      listening = true;
      server.server.off('error', onError);
      resolve();
    };
    server.server.once('error', onError);
    server.server.once('listening', onListening);
    server.listen(wanted, host);
  });
  const { port } = server.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `smtp://${host}:${port}`,
    port,
    dir,
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve()));
      return closing;
    },
  };
}
