/**
 * The local mail sink on the wire: a real SMTP server (runtime/mail-sink.ts) on a free port of
 * 127.0.0.1, real nodemailer sending to it, and the mailbox (services/notifications/mailbox.ts)
 * reading what it kept — newest first with their headers and envelope, bodies and attachments'
 * facts, the raw bytes. Too large a message is refused with 552 and not kept; ids that are no
 * message's name give nothing; a busy port names HELPDESK_MAIL_SINK_PORT; close() frees the port.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { startMailSink, type MailSink } from '../runtime/mail-sink.ts';
import { PortInUseError } from '../runtime/failure.ts';
import { MAIL_ID_PATTERN, openMailbox } from '../services/notifications/mailbox.ts';
import { acceptsConnections } from './support/processes.ts';

const MAX_BYTES = 64 * 1024;


describe('the local mail sink: real SMTP on 127.0.0.1, one .eml per message, read by the mailbox', function () {
  this.timeout(30_000);
  let root: string;
  let dir: string;
  let sink: MailSink | undefined;
  const started: MailSink[] = [];

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-mail-sink-'));
    dir = path.join(root, 'mail');
    sink = await startMailSink({ dir, port: 0, maxBytes: MAX_BYTES });
    started.push(sink);
  });

  after(async () => {
    for (const s of started) await s.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const send = (message: SendMailOptions) => nodemailer.createTransport({ url: sink!.url }).sendMail(message);

  it('keeps two messages sent by nodemailer, and the mailbox lists them newest first with their headers and envelope', async () => {
    expect(sink!.url).to.equal(`smtp://127.0.0.1:${sink!.port}`);
    expect(fs.statSync(dir).mode & 0o777).to.equal(0o700);
    const first = await send({
      from: 'Helpdesk <helpdesk@example.com>', to: 'Zofia Nowak <zofia@example.com>',
      subject: '[HD-2026-000042] Zgłoszenie przyjęte', text: 'Dziękujemy, przyjęliśmy zgłoszenie.\n',
      messageId: '<hd-2026-000042.root@example.com>', headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
    });
    expect(first.response).to.match(/^250 /);
    const second = await send({
      from: 'Helpdesk <helpdesk@example.com>', to: ['Zofia Nowak <zofia@example.com>', 'lead@example.com'], bcc: 'archive@example.com',
      envelope: { from: 'bounces@example.com', to: ['zofia@example.com', 'lead@example.com', 'archive@example.com'] },
      subject: 'Re: [HD-2026-000042] Odpowiedź', text: 'Odpowiedź agenta.', html: '<p>Odpowiedź <b>agenta</b>.</p>',
      messageId: '<hd-2026-000042.reply1@example.com>', inReplyTo: '<hd-2026-000042.root@example.com>', references: ['<hd-2026-000042.root@example.com>'],
      attachments: [{ filename: 'log.txt', content: 'line one\nline two\n', contentType: 'text/plain' }],
    });
    expect(second.response).to.match(/^250 /);

    const files = fs.readdirSync(dir);
    expect(files).to.have.length(2);
    for (const f of files) {
      expect(f).to.match(/^\d{8}T\d{9}Z-[0-9a-f]{8}\.eml$/);
      expect(fs.statSync(path.join(dir, f)).mode & 0o777).to.equal(0o600);
    }

    const { entries, total } = await openMailbox(dir).list({ limit: 50 });
    expect(total).to.equal(2);
    expect(entries.map((e) => e.subject)).to.deep.equal(['Re: [HD-2026-000042] Odpowiedź', '[HD-2026-000042] Zgłoszenie przyjęte']);
    const [newest, oldest] = entries as [typeof entries[0], typeof entries[0]];
    expect(newest.id > oldest.id).to.equal(true);
    expect(Date.parse(newest.receivedAt)).to.be.closeTo(Date.now(), 30_000);
    expect(newest).to.deep.include({
      from: 'Helpdesk <helpdesk@example.com>', to: ['Zofia Nowak <zofia@example.com>', 'lead@example.com'],
      messageId: '<hd-2026-000042.reply1@example.com>', inReplyTo: '<hd-2026-000042.root@example.com>', references: ['<hd-2026-000042.root@example.com>'],
      envelope: { from: 'bounces@example.com', to: ['zofia@example.com', 'lead@example.com', 'archive@example.com'] },
      size: fs.statSync(path.join(dir, `${newest.id}.eml`)).size,
    });
    expect(oldest).to.deep.include({ messageId: '<hd-2026-000042.root@example.com>', inReplyTo: null, references: [], envelope: { from: 'helpdesk@example.com', to: ['zofia@example.com'] } });

    // Paged: one at a time, the older one after the newest.
    const page1 = await openMailbox(dir).list({ limit: 1 });
    const page2 = await openMailbox(dir).list({ limit: 1, before: page1.entries[0]!.id });
    const page3 = await openMailbox(dir).list({ limit: 1, before: page2.entries[0]!.id });
    expect([page1, page2, page3].map((p) => [p.entries.map((e) => e.id), p.total])).to.deep.equal([[[newest.id], 2], [[oldest.id], 2], [[], 2]]);
  });

  it('reads a message: its text, its HTML, every header in order, its attachments; raw gives the stored bytes', async () => {
    const mailbox = openMailbox(dir);
    const { entries } = await mailbox.list({ limit: 50 });
    const reply = (await mailbox.read(entries[0]!.id))!;
    expect(reply.text.trim()).to.equal('Odpowiedź agenta.');
    expect(reply.html).to.equal('<p>Odpowiedź <b>agenta</b>.</p>');
    expect(reply.attachments).to.deep.equal([{ filename: 'log.txt', contentType: 'text/plain', size: 'line one\nline two\n'.length }]);
    expect(reply.headers.slice(0, 2)).to.deep.equal([['X-Envelope-From', '<bounces@example.com>'], ['X-Envelope-To', '<zofia@example.com>, <lead@example.com>, <archive@example.com>']]);
    expect(reply.headers.map(([name]) => name)).to.include.members(['From', 'To', 'Subject', 'Message-ID', 'In-Reply-To', 'References', 'Date', 'MIME-Version']);
    // A Bcc is in the envelope only.
    expect(reply.headers.map(([name]) => name.toLowerCase())).to.not.include('bcc');

    const ack = (await mailbox.read(entries[1]!.id))!;
    expect(ack.text.trim()).to.equal('Dziękujemy, przyjęliśmy zgłoszenie.');
    expect(ack.html).to.equal(null);
    expect(ack.attachments).to.deep.equal([]);
    expect(ack.headers).to.deep.include.members([['Auto-Submitted', 'auto-generated'], ['X-Auto-Response-Suppress', 'All']]);

    const raw = (await mailbox.raw(entries[1]!.id))!;
    expect(raw.equals(fs.readFileSync(path.join(dir, `${entries[1]!.id}.eml`)))).to.equal(true);
    expect(raw.toString('utf8')).to.match(/^X-Envelope-From: <helpdesk@example\.com>\r\nX-Envelope-To: <zofia@example\.com>\r\n/);
    expect(raw.toString('utf8')).to.include('Message-ID: <hd-2026-000042.root@example.com>');
  });

  it('refuses a message over the size limit with 552 and a sentence, and keeps nothing of it', async () => {
    const before = fs.readdirSync(dir);
    let refusal: (Error & { responseCode?: number; response?: string }) | undefined;
    try {
      await send({ from: 'helpdesk@example.com', to: 'zofia@example.com', subject: 'Too large', text: 'x'.repeat(MAX_BYTES * 2) });
    } catch (err) {
      refusal = err as typeof refusal;
    }
    expect(refusal, 'the send was refused').to.not.equal(undefined);
    expect(refusal!.responseCode).to.equal(552);
    expect(refusal!.response).to.match(/^552 Message too large: this server accepts messages of at most 65536 bytes \(0\.1 MiB\); send a smaller message or fewer attachments\.$/);
    expect(fs.readdirSync(dir)).to.deep.equal(before);
    // The connection is still good for the next one.
    expect((await send({ from: 'helpdesk@example.com', to: 'zofia@example.com', subject: 'Small', text: 'ok' })).response).to.match(/^250 /);
    expect((await openMailbox(dir).list({ limit: 50 })).total).to.equal(3);
  });

  it('gives nothing for an id that is no message of the folder, and an empty mailbox for a missing folder', async () => {
    const mailbox = openMailbox(dir);
    const real = (await mailbox.list({ limit: 1 })).entries[0]!.id;
    // Ids are lower-case hex; an upper-case letter in one (not toUpperCase: an id of digits only has none to change) names nothing.
    expect(real).to.match(MAIL_ID_PATTERN);
    fs.writeFileSync(path.join(root, 'x.eml'), 'Subject: outside\r\n\r\nnot in the mailbox\r\n');
    for (const id of ['../x', 'a/b', 'x.eml', `${real}.eml`, `../mail/${real}`, '', '.', '..', `${real}/`, '20261203T142233123Z-00000000', `${real.slice(0, -1)}F`]) {
      expect(await mailbox.read(id), id).to.equal(undefined);
      expect(await mailbox.raw(id), id).to.equal(undefined);
    }
    expect(await openMailbox(path.join(root, 'nowhere')).list({ limit: 50 })).to.deep.equal({ entries: [], total: 0 });
    expect(await openMailbox(path.join(root, 'nowhere')).read(real)).to.equal(undefined);
  });

  it('names HELPDESK_MAIL_SINK_PORT when the port is taken, and close() frees the port', async () => {
    let refused: unknown;
    try {
      started.push(await startMailSink({ dir: path.join(root, 'other'), port: sink!.port }));
    } catch (err) {
      refused = err;
    }
    expect(refused).to.be.instanceOf(PortInUseError);
    expect((refused as Error).message).to.equal(`Port ${sink!.port} (the local mail sink, SMTP) is already in use by another program. Stop that program, or set HELPDESK_MAIL_SINK_PORT to a free port, or set HELPDESK_SMTP_URL to send through your own SMTP server.`);

    const port = sink!.port;
    expect(await acceptsConnections(port)).to.equal(true);
    await sink!.close();
    expect(await acceptsConnections(port)).to.equal(false);
    let failed: unknown;
    try {
      await nodemailer.createTransport({ url: `smtp://127.0.0.1:${port}`, connectionTimeout: 5_000 }).sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'after', text: 'after close' });
    } catch (err) {
      failed = err;
    }
    expect((failed as { code?: string } | undefined)?.code).to.equal('ESOCKET');
  });
});
