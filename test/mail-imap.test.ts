/**
 * Tickets by e-mail from an IMAP mailbox (issue 14, docs/mail-in.md), on the wire: the test starts
 * its own Debian dovecot (a config in a temp folder, IMAP on a free port on 127.0.0.1, STARTTLS
 * with a self-signed certificate, one user in a passwd-file, maildir under the temp folder) and
 * appends to the user's INBOX over IMAP; the worker's mailPollWorkflow reads it. A new mail is one
 * ticket (channel email), acknowledged to a real SMTP server the test reads; the requester's reply
 * to the acknowledgement is one requester_replied event without its quote; an auto-reply is
 * nothing; polling again adds nothing; every message taken is \Seen; a renumbered mailbox (another
 * UIDVALIDITY) is read again from the start and still adds nothing.
 */
import { expect } from 'chai';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import type { Worker } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { createI18n } from '../api/i18n.ts';
import { pollMailbox } from '../api/mail-in/imap.ts';
import { receiveMail } from '../api/mail-in/inbound.ts';
import { createImapMailboxesRepo } from '../db/imap-mailboxes-repo.ts';
import { ConfigError, loadConfig } from '../runtime/config.ts';
import { describeMailPollEnsured, ensureMailPollSchedule, mailPollSchedule } from '../runtime/imap-schedule.ts';
import { mailInDepsFor, mailPollerFor } from '../runtime/mail-poll.ts';
import { startWorker } from '../runtime/stack.ts';
import { freePort } from '../runtime/temporal-dev-server.ts';
import type { MailPollResult } from '../workflows/mail-poll.ts';
import { isolatedStack, workflowBundle, type IsolatedStack } from './support/env.ts';
import { startTestMailServer, type TestMailServer } from './support/mail.ts';
import { uniqueEmail } from './support/staff.ts';
import { timeline, waitForEvent } from './support/tickets.ts';
import { waitFor } from './support/processes.ts';
import { mailThreadSecret } from '../db/mail-thread-secret.ts';

const DOMAIN = 'helpdesk.test';
const HELPDESK = `helpdesk@${DOMAIN}`;
const DOVECOT = fs.existsSync('/usr/sbin/dovecot') ? '/usr/sbin/dovecot' : 'dovecot';

interface Dovecot {
  port: number;
  user: string;
  password: string;
  /** Stops it and starts it again on the same port; `renumber` first drops INBOX's UID list and indexes, so dovecot gives it a new UIDVALIDITY. */
  restart(opts: { renumber: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** A passwd or group file's entry by name or id: [name, id]. */
function entry(file: string, match: (fields: string[]) => boolean): [string, number] | undefined {
  const fields = fs.readFileSync(file, 'utf8').split('\n').map((l) => l.split(':')).find(match);
  return fields ? [fields[0]!, Number(fields[2])] : undefined;
}

/**
 * Dovecot as this test's own process (dovecot -F). As a non-root user everything runs as that
 * user; as root (CI), dovecot keeps its login and internal processes on its own users (dovenull,
 * dovecot) and refuses to serve mail as uid 0, so the mailbox belongs to `nobody`.
 */
async function startDovecot(): Promise<Dovecot> {
  if (!fs.existsSync('/usr/sbin/dovecot')) throw new Error('dovecot is not installed: run .ci/run, or apt-get install dovecot-core dovecot-imapd');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-dovecot-'));
  fs.chmodSync(dir, 0o711);
  const me = os.userInfo();
  const root = me.uid === 0;
  const [mailUser, mailUid] = root ? entry('/etc/passwd', (f) => f[0] === 'nobody') ?? ['nobody', 65534] : [me.username, me.uid];
  const mailGid = root ? Number(fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${mailUser}:`))?.split(':')[3] ?? 65534) : me.gid;
  const group = root ? 'dovecot' : entry('/etc/group', (f) => Number(f[2]) === me.gid)?.[0] ?? me.username;
  const mailDir = path.join(dir, 'mail');
  fs.mkdirSync(mailDir, { mode: 0o700 });
  if (root) fs.chownSync(mailDir, mailUid, mailGid);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  const user = 'helpdesk';
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  fs.writeFileSync(path.join(dir, 'passwd'), `${user}:{PLAIN}${password}::::::\n`, { mode: 0o644 });
  const port = await freePort();
  const conf = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(conf, [
    `instance_name = helpdesk-test-${process.pid}-${port}`,
    `base_dir = ${dir}/run`, `state_dir = ${dir}/state`, `log_path = ${dir}/dovecot.log`,
    'protocols = imap', 'listen = 127.0.0.1',
    // STARTTLS offered (a self-signed certificate); plaintext sign-in allowed, on loopback only.
    'ssl = yes', `ssl_cert = <${dir}/cert.pem`, `ssl_key = <${dir}/key.pem`, 'disable_plaintext_auth = no', 'auth_mechanisms = plain login',
    `default_internal_user = ${root ? 'dovecot' : me.username}`, `default_internal_group = ${group}`, `default_login_user = ${root ? 'dovenull' : me.username}`,
    `first_valid_uid = ${mailUid}`, `first_valid_gid = ${mailGid}`,
    `mail_location = maildir:${mailDir}/%u`,
    `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN ${dir}/passwd\n}`,
    `userdb {\n  driver = passwd-file\n  args = ${dir}/passwd\n  default_fields = uid=${mailUid} gid=${mailGid} home=${mailDir}/%u\n}`,
    // No chroot: a user other than root cannot, and the test's folder is all there is.
    'service anvil {\n  chroot =\n}',
    `service imap-login {\n  chroot =\n  inet_listener imap {\n    address = 127.0.0.1\n    port = ${port}\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}`,
    '',
  ].join('\n'));
  let child: ChildProcess | undefined;
  const logText = () => (fs.existsSync(path.join(dir, 'dovecot.log')) ? fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8') : '');
  const launch = async () => {
    let out = '';
    const c = spawn(DOVECOT, ['-F', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child = c;
    await waitFor('dovecot to greet', async () => {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`dovecot exited (${c.exitCode ?? c.signalCode}):\n${out}\n${logText()}`);
      return greets(port);
    }, 20_000, 100);
  };
  const halt = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  await launch();
  return {
    port, user, password,
    async restart({ renumber }) {
      await halt();
      if (renumber) {
        const inbox = path.join(mailDir, user);
        for (const f of fs.readdirSync(inbox)) if (f.startsWith('dovecot')) fs.rmSync(path.join(inbox, f), { force: true });
      }
      await launch();
    },
    async stop() {
      await halt();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** True once something on the port greets as an IMAP server. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.setTimeout(2_000, () => (s.destroy(), resolve(false)));
    s.once('data', (d) => (s.destroy(), resolve(d.toString().startsWith('* OK'))));
    s.once('error', () => resolve(false));
  });
}

/** A raw RFC 5322 message as a mail server delivers it (Return-Path written on delivery). */
function message(headers: Record<string, string>, body: string): Buffer {
  const head = Object.entries({ Date: new Date().toUTCString(), 'MIME-Version': '1.0', 'Content-Type': 'text/plain; charset=utf-8', 'Content-Transfer-Encoding': '8bit', ...headers }).map(([k, v]) => `${k}: ${v}`);
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}\r\n`);
}

describe('tickets by e-mail from an IMAP mailbox: dovecot polled by the worker, each message once', function () {
  this.timeout(180_000);
  let dovecot: Dovecot | undefined;
  let mail: TestMailServer | undefined;
  let stack: IsolatedStack;
  let scheduleId: string | undefined;
  const otherWorkers: Array<{ worker: Worker; done: Promise<void> }> = [];
  let polls = 0;

  const mailbox = async <T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> => {
    const c = new ImapFlow({ host: '127.0.0.1', port: dovecot!.port, secure: false, auth: { user: dovecot!.user, pass: dovecot!.password }, logger: false, tls: { rejectUnauthorized: false } });
    c.on('error', () => undefined);
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.logout().catch(() => c.close());
    }
  };
  const append = (raw: Buffer) => mailbox((c) => c.append('INBOX', raw));
  const poll = async (taskQueue = stack.taskQueue): Promise<MailPollResult> => stack.client.workflow.execute('mailPollWorkflow', { taskQueue, workflowId: `mail-poll-test-${taskQueue}-${++polls}`, args: [] });
  const seen = () => mailbox(async (c) => {
    const lock = await c.getMailboxLock('INBOX');
    try {
      return (await c.fetchAll('1:*', { uid: true, flags: true })).map((m) => ({ uid: m.uid, seen: !!m.flags?.has('\\Seen') }));
    } finally {
      lock.release();
    }
  });
  const inbound = async () => {
    const [rows] = await stack.db.sequelize.query(`SELECT channel, outcome, count(*)::int AS n FROM inbound_mail GROUP BY channel, outcome ORDER BY outcome`) as [Array<{ channel: string; outcome: string; n: number }>, unknown];
    return rows.map((r) => `${r.channel}:${r.outcome}:${r.n}`);
  };

  before(async () => {
    mail = await startTestMailServer();
    dovecot = await startDovecot();
    const url = `imap://${dovecot.user}:${encodeURIComponent(dovecot.password)}@127.0.0.1:${dovecot.port}/INBOX`;
    stack = await isolatedStack('mail-imap', undefined, { env: { HELPDESK_SMTP_URL: mail.sink.url, HELPDESK_MAIL_FROM: `Helpdesk <${HELPDESK}>`, HELPDESK_IMAP_URL: url, HELPDESK_IMAP_TLS_INSECURE: 'true' } });
  });

  after(async () => {
    for (const w of otherWorkers) {
      if (w.worker.getState() === 'RUNNING') w.worker.shutdown();
      await w.done.catch(() => undefined);
    }
    if (scheduleId) await stack.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
    await stack?.stopWorker();
    await dovecot?.stop();
    await mail?.close();
  });

  it('reads HELPDESK_IMAP_URL, its poll interval and TLS switch, and says what is wrong without repeating the password', () => {
    const imap = loadConfig({ HELPDESK_IMAP_URL: 'imaps://help%40example.com:s%3Acret@mail.example.com/Support%2FIn' }).mail.imap;
    expect(imap).to.deep.equal({ secure: true, host: 'mail.example.com', port: 993, user: 'help@example.com', password: 's:cret', mailbox: 'Support/In', tlsInsecure: false, pollIntervalMs: 60_000 });
    expect(loadConfig({ HELPDESK_IMAP_URL: 'imap://u:p@10.0.0.5', HELPDESK_IMAP_POLL_INTERVAL: '5m' }).mail.imap).to.include({ secure: false, port: 143, mailbox: 'INBOX', pollIntervalMs: 300_000 });
    expect(loadConfig({}).mail.imap).to.equal(undefined);
    const refused = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('no ConfigError');
    };
    expect(refused({ HELPDESK_IMAP_URL: 'pop3://u:hunter2@mail.example.com' })).to.match(/^HELPDESK_IMAP_URL must be an IMAP URL such as imaps:/).and.not.include('hunter2');
    expect(refused({ HELPDESK_IMAP_URL: 'imaps://mail.example.com/INBOX' })).to.match(/HELPDESK_IMAP_URL must name the mailbox's user and password/);
    expect(refused({ HELPDESK_IMAP_POLL_INTERVAL: '30s' })).to.equal('HELPDESK_IMAP_POLL_INTERVAL must be between 1m and 1h; got "30s"');
    expect(refused({ HELPDESK_IMAP_TLS_INSECURE: 'maybe' })).to.match(/^HELPDESK_IMAP_TLS_INSECURE must be true or false/);
  });

  it('makes one ticket of a new mail, one reply of the answer to its acknowledgement (without the quote), nothing of an auto-reply; polling again adds nothing, and every message is \\Seen', async () => {
    const ann = uniqueEmail('ann');
    await append(message({ 'Return-Path': `<${ann}>`, From: `Ann Example <${ann}>`, To: HELPDESK, Subject: 'The docking station does not charge my laptop', 'Message-ID': `<dock.${Date.now()}@mail.example.com>` },
      'Since this morning the docking station on desk 4.12 no longer charges my laptop.\n\n-- \nAnn Example\nFinance'));
    const first = await poll();
    expect(first).to.deep.include({ polled: true });
    expect(first.summary).to.include({ fetched: 1, created: 1, replied: 0, ignored: 0, duplicates: 0, uidValidityChanged: false });
    const tickets = await stack.db.tickets.list({ requesterEmail: ann, limit: 10 });
    expect(tickets).to.have.length(1);
    const number = tickets[0]!.number;
    const record = (await stack.db.tickets.get(number))!;
    expect(record).to.include({ channel: 'email', title: 'The docking station does not charge my laptop', description: 'Since this morning the docking station on desk 4.12 no longer charges my laptop.' });

    // The requester answers the acknowledgement from their mail client; their server's out-of-office answers it too.
    const [ack] = await mail!.waitFor('the acknowledgement', (m) => m.to.includes(ann) && m.subject.includes(number));
    await waitForEvent(stack, number, (e) => e.type === 'classified');
    await append(message({ 'Return-Path': `<${ann}>`, From: `Ann Example <${ann}>`, To: HELPDESK, Subject: `Re: ${ack!.subject}`, 'Message-ID': `<dock-reply.${Date.now()}@mail.example.com>`, 'In-Reply-To': ack!.messageId, References: [...ack!.references, ack!.messageId].join(' ') },
      `It is the USB-C dock, model WD19.\n\nOn ${new Date().toUTCString()} Helpdesk <${HELPDESK}> wrote:\n> ${ack!.text.split('\n')[0]}\n`));
    await append(message({ 'Return-Path': `<${ann}>`, From: `Ann Example <${ann}>`, To: HELPDESK, Subject: `Automatic reply: ${ack!.subject}`, 'Message-ID': `<ooo.${Date.now()}@mail.example.com>`, 'In-Reply-To': ack!.messageId, 'Auto-Submitted': 'auto-replied' },
      'I am out of the office until Monday.'));
    const second = await poll();
    expect(second.summary).to.include({ fetched: 2, created: 0, replied: 1, ignored: 1, duplicates: 0 });
    const replied = await waitForEvent(stack, number, (e) => e.type === 'requester_replied', 20_000);
    expect(replied.data.message).to.equal('It is the USB-C dock, model WD19.');
    const events = await timeline(stack, number);
    expect(events.filter((e) => e.type === 'requester_replied'), 'one reply, none from the auto-reply').to.have.length(1);
    expect(await stack.db.tickets.list({ requesterEmail: ann, limit: 10 })).to.have.length(1);
    expect(await inbound()).to.deep.equal(['imap:auto_reply:1', 'imap:created:1', 'imap:replied:1']);

    // Again: nothing new in the mailbox, nothing new in the helpdesk.
    const third = await poll();
    expect(third.summary).to.include({ fetched: 0, created: 0, replied: 0, ignored: 0, duplicates: 0 });
    expect((await timeline(stack, number)).length).to.equal(events.length);
    expect(await stack.db.tickets.list({ limit: 10 })).to.have.length(1);
    expect(await inbound()).to.have.length(3);
    expect(await seen()).to.deep.equal([{ uid: 1, seen: true }, { uid: 2, seen: true }, { uid: 3, seen: true }]);
  });

  it('reads a renumbered mailbox (another UIDVALIDITY) from its first message again, and takes none of its messages twice', async () => {
    const [before] = await stack.db.sequelize.query(`SELECT uid_validity::text AS v, last_uid::int AS last FROM imap_mailboxes`) as [Array<{ v: string; last: number }>, unknown];
    expect(before).to.have.length(1);
    expect(before[0]!.last).to.equal(3);
    const tickets = (await stack.db.tickets.list({ limit: 10 })).length;
    await dovecot!.restart({ renumber: true });
    const validity = await mailbox(async (c) => {
      const status = await c.status('INBOX', { uidValidity: true });
      return status ? String(status.uidValidity) : '';
    });
    expect(validity, 'dovecot gave INBOX a new UIDVALIDITY').to.not.equal(before[0]!.v);
    const again = await poll();
    expect(again.summary).to.include({ fetched: 3, created: 0, replied: 0, ignored: 0, duplicates: 3, uidValidityChanged: true });
    expect((await stack.db.tickets.list({ limit: 10 })).length).to.equal(tickets);
    expect(await inbound()).to.have.length(3);
    const [after] = await stack.db.sequelize.query(`SELECT uid_validity::text AS v, last_uid::int AS last FROM imap_mailboxes`) as [Array<{ v: string; last: number }>, unknown];
    expect(after).to.deep.equal([{ v: validity, last: 3 }]);
    expect((await poll()).summary).to.include({ fetched: 0, uidValidityChanged: false });
  });

  it('stops at a message it could not take in, leaving it unread, and the next poll begins with it', async () => {
    const bob = uniqueEmail('bob');
    for (const subject of ['The printer on floor 2 jams', 'The projector in room 3.01 shows no picture']) {
      await append(message({ 'Return-Path': `<${bob}>`, From: bob, To: HELPDESK, Subject: subject, 'Message-ID': `<${subject.length}.${Date.now()}@mail.example.com>` }, `${subject}, since this morning.`));
    }
    // The second message meets a fault of the helpdesk's own (as PostgreSQL or Temporal out of reach would be).
    const deps = mailInDepsFor(stack.config, stack.db, stack.client, await createI18n(), await mailThreadSecret(stack.db.sequelize), () => undefined);
    let calls = 0;
    const fault = await pollMailbox(stack.config.mail.imap!, {
      state: createImapMailboxesRepo(stack.db.sequelize), maxBytes: stack.config.mail.in.maxBytes,
      receive: async (raw, envelope) => {
        if (++calls === 2) throw new Error('the database is out of reach');
        return receiveMail(deps, raw, envelope);
      },
    }).then(() => undefined, (err: Error) => err);
    expect(fault?.message).to.equal('the database is out of reach');
    expect(await stack.db.tickets.list({ requesterEmail: bob, limit: 10 })).to.have.length(1);
    expect((await seen()).slice(3)).to.deep.equal([{ uid: 4, seen: true }, { uid: 5, seen: false }]);
    const [row] = await stack.db.sequelize.query(`SELECT last_uid::int AS last FROM imap_mailboxes`) as [Array<{ last: number }>, unknown];
    expect(row).to.deep.equal([{ last: 4 }]);
    const next = await poll();
    expect(next.summary).to.include({ fetched: 1, created: 1, duplicates: 0 });
    expect(await stack.db.tickets.list({ requesterEmail: bob, limit: 10 })).to.have.length(2);
    expect((await seen()).every((m) => m.seen)).to.equal(true);
  });

  it('says what to fix when dovecot refuses the password or its certificate is not trusted, without the password', async () => {
    const imap = stack.config.mail.imap!;
    const pollWith = async (over: Partial<typeof imap>) => {
      const poller = mailPollerFor({ ...stack.config, mail: { ...stack.config.mail, imap: { ...imap, ...over } } }, stack.db, () => undefined)!;
      return poller.poll({ client: stack.client, heartbeat: () => undefined, signal: undefined }).then(() => { throw new Error('the poll did not fail'); }, (err: Error & { permanent?: boolean }) => err);
    };
    const wrong = await pollWith({ password: 'not-the-password' });
    expect(wrong.name).to.equal('MailboxError');
    expect(wrong.permanent).to.equal(true);
    expect(wrong.message).to.equal(`The IMAP server at 127.0.0.1:${dovecot!.port} (HELPDESK_IMAP_URL) refused the sign-in: check the user name and password in HELPDESK_IMAP_URL (characters such as @, : or / percent-encoded).`);
    const untrusted = await pollWith({ tlsInsecure: false });
    expect(untrusted.message).to.match(/presented a TLS certificate that is not trusted .*set HELPDESK_IMAP_TLS_INSECURE=true/);
    expect(untrusted.message).to.not.include(imap.password);
    const gone = await pollWith({ port: await freePort() });
    expect(gone).to.include({ name: 'MailboxError', permanent: false });
    expect(gone.message).to.match(/cannot be reached \(ECONNREFUSED\): check its host and port/);

    // Through the schedule's workflow on a worker with the wrong password: failed at once, with the sentence; a worker without HELPDESK_IMAP_URL reads nothing.
    const onWorker = async (label: string, imapConfig: typeof imap | undefined) => {
      const taskQueue = `${stack.taskQueue}-${label}`;
      const config = { ...stack.config, temporal: { ...stack.config.temporal, taskQueue }, mail: { ...stack.config.mail, imap: imapConfig } };
      otherWorkers.push(await startWorker(config, stack.temporalAddress, stack.db, await workflowBundle()));
      return poll(taskQueue);
    };
    const failed = await onWorker('wrong-password', { ...imap, password: 'not-the-password' }).then(() => undefined, (err: unknown) => err);
    expect(failed).to.be.instanceOf(WorkflowFailedError);
    const cause = (failed as WorkflowFailedError).cause as { cause?: { type?: string; message?: string; nonRetryable?: boolean } } | undefined;
    expect(cause?.cause).to.include({ type: 'MailboxRefused', nonRetryable: true, message: wrong.message });
    expect(await onWorker('no-mailbox', undefined)).to.deep.equal({ polled: false, summary: null });
  });

  it('keeps a mail-poll schedule at HELPDESK_IMAP_POLL_INTERVAL that starts mailPollWorkflow', async () => {
    const schedule = mailPollSchedule(stack.config);
    scheduleId = schedule.scheduleId;
    expect(await ensureMailPollSchedule(stack.client, stack.config)).to.equal('created');
    scheduleId = schedule.scheduleId;
    expect(await ensureMailPollSchedule(stack.client, stack.config)).to.equal('unchanged');
    const d = await stack.client.schedule.getHandle(schedule.scheduleId).describe();
    expect(d.action).to.include({ workflowType: 'mailPollWorkflow', taskQueue: stack.taskQueue });
    expect(d.spec.intervals?.[0]?.every).to.equal(60_000);
    expect(describeMailPollEnsured('unchanged', stack.config)).to.equal(`Mailbox poll schedule mail-poll-${stack.taskQueue}: every 1 min`);
    await stack.client.schedule.getHandle(schedule.scheduleId).delete();
    scheduleId = undefined;
  });
});
