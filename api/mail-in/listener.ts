/**
 * The mail-in listener (docs/mail.md): an SMTP or LMTP server (nodemailer's smtp-server) that a
 * production mail server (Postfix, Exim, Exchange connectors) hands the helpdesk's mail to, as
 * Zammad's and Znuny's mail-in do. It listens on HELPDESK_MAIL_IN_HOST (127.0.0.1 unless set: the
 * mail server beside it delivers; it is not an MX on the internet), takes no AUTH and no
 * STARTTLS, and answers each message only once it is taken in for good: 250 when it became a
 * ticket, a reply or was ignored by design; 451 (try again later) when PostgreSQL or Temporal was
 * out of reach, so the sending server keeps it and retries; 552 when it is over the size limit.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { InboundChannel } from '../../db/inbound-mail-repo.ts';
import type { MailInResult } from './inbound.ts';

export interface MailInListener {
  port: number;
  url: string;
  close(): Promise<void>;
}

export interface MailInListenerOptions {
  host: string;
  port: number;
  lmtp: boolean;
  maxBytes: number;
  receive(raw: Buffer, envelope: { from: string | false | undefined; channel: InboundChannel }): Promise<MailInResult>;
  log?: (line: string) => void;
}

class SmtpAnswer extends Error {
  constructor(readonly responseCode: number, message: string) {
    super(message);
  }
}

export async function startMailIn(opts: MailInListenerOptions): Promise<MailInListener> {
  const server = new SMTPServer({
    lmtp: opts.lmtp,
    banner: 'helpdesk mail-in',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: opts.maxBytes,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= opts.maxBytes) chunks.push(c);
      });
      stream.on('end', () => {
        if (stream.sizeExceeded || size > opts.maxBytes) {
          callback(new SmtpAnswer(552, `The message is larger than ${Math.round(opts.maxBytes / 1024 / 1024)} MB; send it without the large attachments.`));
          return;
        }
        const from = session.envelope.mailFrom === false ? false : session.envelope.mailFrom.address;
        opts.receive(Buffer.concat(chunks), { from, channel: opts.lmtp ? 'lmtp' : 'smtp' }).then(
          (r) => callback(null, r.ticket ? `taken in (${r.ticket})` : 'taken in'),
          (err: unknown) => {
            opts.log?.(`[mail-in] a message could not be taken in now (${(err as Error).name}); the sending server was told to try again later`);
            callback(new SmtpAnswer(451, 'The helpdesk cannot take the message in right now; try again later.'));
          },
        );
      });
    },
  });
  server.on('error', (err) => opts.log?.(`[mail-in] ${err.message}`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `${opts.lmtp ? 'lmtp' : 'smtp'}://${opts.host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
