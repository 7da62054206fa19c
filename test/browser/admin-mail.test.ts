/**
 * The admins' mail page in chromium, in Polish, English and German: a stack whose data folder
 * is the test's own, the real mail sink on that folder's `mail/`, and two messages sent to it by
 * nodemailer — one naming a real ticket of the stack in its subject — while its worker sends the
 * helpdesk's own mail to an SMTP server the test runs that refuses every recipient (550), so the
 * ticket's acknowledgement fails for real. An admin opens the page from the admin home, sees the
 * failed delivery above the mailbox (when, the ticket linked, the kind and the recipient's role in
 * their words, never an address, the attempts and the server's reason) and the mailbox's list
 * newest first with the subjects and the times in their zone,
 * opens the ticket's message and sees its headers, its text and its HTML in a sandbox (inline
 * styles kept, its script not run); the access log holds one ticket.read (web) for the ticket by
 * that admin before the download makes it two; the download is the stored .eml. An unknown id is
 * a 404 with a sentence; agents, auditors and process owners get 403 (and no link), requesters
 * 403, a visitor the sign-in; when the access log cannot be written the message is a 503 and shows
 * nothing; a stack that sends through HELPDESK_SMTP_URL (to the refusing server) has no mailbox
 * and says so in the admin's language, first that every message was delivered, then, once a
 * reported ticket's acknowledgement is refused, that failure with its reason, in each language.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { FAILURE_KINDS } from '../../admin-ui/mail/failures.ts';
import { formatDateTime } from '../../api/portal/format.ts';
import { LANGUAGES as SHIPPED } from '../../api/i18n.ts';
import { createDeliveriesRepo, type FailedDelivery } from '../../db/notification-deliveries-repo.ts';
import { startMailSink, type MailSink } from '../../runtime/mail-sink.ts';
import { startWorker } from '../../runtime/stack.ts';
import { openMailbox, type MailboxEntry } from '../../services/notifications/mailbox.ts';
import { localeT, signInStaffInBrowser } from '../support/admin-browser.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { isolatedStack, workflowBundle, type IsolatedStack } from '../support/env.ts';
import { waitFor } from '../support/processes.ts';
import { makeUser, PASSWORD } from '../support/staff.ts';
import { PortalClient, textOf } from '../portal-client.ts';
import { openTicket } from '../support/tickets.ts';

const LANGUAGES = [
  { language: 'pl', locale: 'pl-PL' },
  { language: 'en', locale: 'en-GB' },
  { language: 'de', locale: 'de-DE' },
] as const;

const HTML = `<!doctype html><html><body style="margin:0;font-family:Arial,sans-serif">
<h1 id="mail-title" style="color:rgb(0, 82, 155);font-size:20px">We have your request</h1>
<p id="probe">Reply to this message to add to your ticket.</p>
<script>document.getElementById('probe').textContent = 'script ran';</script>
<p>Your ticket number is <b>NUMBER</b>. We will answer within 4 working hours.</p>
</body></html>`;

/** An SMTP server that refuses every recipient for good (550), as a mail server answers for an address that does not exist. */
async function startRefusingSmtp(): Promise<{ url: string; close(): Promise<void> }> {
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], disableReverseLookup: true, logger: false,
    onRcptTo(address, _session, callback) {
      callback(Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown in local recipient table`), { responseCode: 550 }));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return { url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** The deliveries of a ticket that failed for good, once there are `count` (the worker's delivery workflows record them). */
const failuresOf = (stack: IsolatedStack, number: string, count = 1) => waitFor(`${count} failed deliveries of ${number}`, async () => {
  const found = (await createDeliveriesRepo(stack.db.sequelize).failures({ limit: 50 })).filter((f) => f.ticketNumber === number);
  return found.length >= count ? found : undefined;
}, 60_000, 200);

/** What the failures table shows of a failed delivery in `language`, cell by cell. */
async function failureCells(f: FailedDelivery, language: string, timeZone: string): Promise<string[]> {
  const t = await localeT(language, 'admin-mail');
  const role = f.recipient.startsWith('person:') ? 'requester' : 'agent';
  return [
    formatDateTime(f.failedAt!, language, timeZone), f.ticketNumber!, t(`failures.kind.${f.kind}`, { context: role === 'requester' ? 'requester' : 'staff' }),
    t(`failures.recipient.${role}`, { language: t(`failures.language.${f.language}`) }), t('failures.attempts', { count: f.attempts }), f.lastError!,
  ];
}

async function axeProblems(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help}`);
}

describe('the local mailbox in a browser: admins read the mails the helpdesk sent, every read of a ticket recorded', function () {
  this.timeout(300_000);
  let root: string;
  let stack: IsolatedStack;
  let sink: MailSink | undefined;
  let refusing: Awaited<ReturnType<typeof startRefusingSmtp>> | undefined;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  let browser: Browser;
  let number: string;
  let entries: MailboxEntry[];
  let failed: FailedDelivery;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-admin-mail-'));
    // The web process keeps the local mailbox (no HELPDESK_SMTP_URL); its worker, started here, sends to the refusing server.
    stack = await isolatedStack('admin-mail', undefined, { worker: false, env: { HELPDESK_DATA_DIR: root } });
    expect(stack.config.mail.sinkDir).to.equal(path.join(root, 'mail'));
    sink = await startMailSink({ dir: stack.config.mail.sinkDir, port: 0 });
    refusing = await startRefusingSmtp();
    worker = await startWorker({ ...stack.config, mail: { ...stack.config.mail, smtpUrl: refusing.url } }, stack.temporalAddress, stack.db, await workflowBundle());
    number = await openTicket(stack, { title: 'VPN drops at home', impact: 'medium', urgency: 'high' });
    await waitFor('the ticket in the read model', () => stack.db.tickets.get(number), 30_000);
    [failed] = (await failuresOf(stack, number)) as [FailedDelivery];
    // The requester's acknowledgement, refused for good at once: one attempt, no retry.
    expect([failed.kind, failed.recipient.split(':')[0], failed.attempts]).to.deep.equal(['classified', 'person', 1]);
    expect(failed.lastError).to.include('550').and.include('User unknown').and.not.include('@');
    const transport = nodemailer.createTransport({ url: sink.url });
    await transport.sendMail({ from: 'Helpdesk <helpdesk@example.com>', to: 'new.user@example.com', subject: 'Welcome to the helpdesk', text: 'Your account is ready.' });
    await transport.sendMail({
      from: 'Helpdesk <helpdesk@example.com>', to: 'Zofia Nowak <requester@example.com>',
      subject: `[${number}] We have your request: VPN drops at home`,
      text: `We have your request.\nYour ticket number is ${number}. We will answer within 4 working hours.\n`,
      html: HTML.replace('NUMBER', number),
      messageId: `<${number.toLowerCase()}.root@example.com>`,
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
      attachments: [{ filename: 'vpn.log', content: 'connect\ndrop\n', contentType: 'text/plain' }],
    });
    entries = (await openMailbox(sink.dir).list({ limit: 50 })).entries;
    expect(entries).to.have.length(2);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    if (worker?.worker.getState() === 'RUNNING') worker.worker.shutdown();
    await worker?.done;
    await refusing?.close();
    await sink?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('every notification kind and every language a message is written in has words on the page, in pl, en and de', async () => {
    const mailKinds = Object.keys(JSON.parse(fs.readFileSync(new URL('../../locales/en/mail.json', import.meta.url), 'utf8')).kinds as object);
    expect(FAILURE_KINDS).to.include.members([...mailKinds, 'sign_up_link', 'sign_up_existing']);
    for (const language of SHIPPED) {
      const t = await localeT(language, 'admin-mail');
      for (const kind of FAILURE_KINDS) expect(t(`failures.kind.${kind}`), `${language} ${kind}`).to.not.equal(`failures.kind.${kind}`);
      for (const code of SHIPPED) expect(t(`failures.language.${code}`), `${language} ${code}`).to.not.equal(`failures.language.${code}`);
    }
  });

  const ticketReads = async (userId: number) => (await stack.db.accessLog.query({ ticket: number })).filter((e) => e.what === 'ticket.read' && e.viewerUserId === userId);

  for (const { language, locale } of LANGUAGES) {
    describe(`in ${language}`, () => {
      let context: BrowserContext;
      let page: Page;

      before(async () => {
        context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale, timezoneId: 'Europe/Warsaw', acceptDownloads: true });
        page = await context.newPage();
      });

      after(async () => {
        await context?.close();
      });

      it('an admin opens the mailbox from the admin home, reads the ticket\'s mail — one ticket.read — and downloads it', async () => {
        const t = await localeT(language, 'admin-mail');
        const admin = await makeUser(stack.db, 'admin', `mail-admin-${language}`, language);
        const { timeZone } = (await stack.db.users.findByEmail(admin.email))!;
        await signInStaffInBrowser(page, stack.web.url, admin);
        await page.click('nav a[href="/admin"]');
        expect(await page.locator('#mail-heading').innerText()).to.equal(t('home.heading'));
        await page.click('#mail-link');
        await page.waitForURL(/\/admin\/mail$/);
        expect(await page.locator('h1').innerText()).to.equal(t('heading'));
        // Above the mailbox, the message that could not be delivered: the ticket linked, the requester by role, the server's reason.
        expect(await page.locator('#mail-failures-heading').innerText()).to.equal(t('failures.heading'));
        expect(await page.locator('#mail-failures caption').innerText()).to.equal(t('failures.caption', { count: 1 }));
        const failure = page.locator('#mail-failures tbody tr');
        expect(await failure.locator('td, th').allInnerTexts()).to.deep.equal(await failureCells(failed, language, timeZone));
        expect(await failure.locator('a').getAttribute('href')).to.equal(`/agent/tickets/${number}`);
        expect(await page.locator('#mail-failures').innerText()).to.not.include('requester@example.com');
        expect(await page.locator('#mail-list caption').innerText()).to.equal(t('list.caption', { count: 2 }));
        const [ticketMail, welcome] = entries as [MailboxEntry, MailboxEntry];
        const rows = page.locator('#mail-list tbody tr');
        expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-mail')))).to.deep.equal([ticketMail.id, welcome.id]);
        expect(await rows.first().locator('td, th').allInnerTexts()).to.deep.equal([
          formatDateTime(ticketMail.receivedAt, language, timeZone), 'Helpdesk <helpdesk@example.com>', 'Zofia Nowak <requester@example.com>', `[${number}] We have your request: VPN drops at home`,
        ]);
        // The list names the ticket and its requester: listed, not read.
        const listed = (await stack.db.accessLog.query({ ticket: number })).filter((e) => e.what === 'ticket.listed' && e.viewerUserId === admin.id);
        expect(listed.map((e) => e.channel)).to.deep.equal(['web']);
        expect(await ticketReads(admin.id)).to.have.length(0);
        expect(await axeProblems(page), 'the list').to.deep.equal([]);
        if (language === 'en') await screenshot(page, 'admin-mail');

        await rows.first().locator('a').click();
        await page.waitForURL(new RegExp(`/admin/mail/${ticketMail.id}$`));
        expect(await page.locator('#mail-subject').innerText()).to.equal(`[${number}] We have your request: VPN drops at home`);
        const header = (name: string) => page.locator(`#mail-headers dd[data-header="${name}"]`).innerText();
        expect(await header('from')).to.equal('Helpdesk <helpdesk@example.com>');
        expect(await header('to')).to.equal('Zofia Nowak <requester@example.com>');
        expect(await header('message-id')).to.equal(`<${number.toLowerCase()}.root@example.com>`);
        expect(await header('auto-submitted')).to.equal('auto-generated');
        expect(await header('x-auto-response-suppress')).to.equal('All');
        expect(await header('in-reply-to')).to.equal(t('message.notSet'));
        expect(await header('date')).to.match(/2\d{3}|\d{2}\.\d{2}\./);
        expect(await page.locator('#mail-envelope-to').innerText()).to.equal('<requester@example.com>');
        expect(await page.locator('#mail-text').innerText()).to.include(`Your ticket number is ${number}.`);
        expect(await page.locator('#mail-tickets a').innerText()).to.equal(number);
        expect(await page.locator('#mail-attachments tbody th').innerText()).to.equal('vpn.log');
        // The HTML part in a sandbox: its inline styles kept, its script not run.
        const frame = page.locator('#mail-html');
        expect(await frame.getAttribute('sandbox')).to.equal('');
        const inFrame = page.frameLocator('#mail-html');
        expect(await inFrame.locator('#mail-title').innerText()).to.equal('We have your request');
        expect(await inFrame.locator('#mail-title').evaluate((h) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(h).color)).to.equal('rgb(0, 82, 155)');
        expect(await inFrame.locator('#probe').innerText()).to.equal('Reply to this message to add to your ticket.');

        // Recorded before it was shown: one read of the ticket, by this admin, on the web.
        const reads = await ticketReads(admin.id);
        expect(reads.map((r) => [r.viewerRole, r.channel, r.reason])).to.deep.equal([['admin', 'web', null]]);
        expect(await axeProblems(page), 'the message').to.deep.equal([]);
        if (language === 'en') {
          // Chromium paints a frame only inside the viewport: the whole page in one, for the screenshot.
          const height = Number(await page.evaluate('document.documentElement.scrollHeight'));
          await page.setViewportSize({ width: 1366, height });
          await screenshot(page, 'admin-mail-message');
          await page.setViewportSize({ width: 1366, height: 900 });
        }

        const [download] = await Promise.all([page.waitForEvent('download'), page.click('#mail-download')]);
        expect(download.suggestedFilename()).to.equal(`${ticketMail.id}.eml`);
        const saved = path.join(root, `download-${language}.eml`);
        await download.saveAs(saved);
        expect(fs.readFileSync(saved).equals(fs.readFileSync(path.join(sink!.dir, `${ticketMail.id}.eml`)))).to.equal(true);
        expect(await ticketReads(admin.id)).to.have.length(2);

        // An id that is no message: a 404 with the sentence, nothing recorded.
        for (const id of ['20200101T000000000Z-00000000', '..%2F..%2Fetc']) {
          const missing = await page.goto(`${stack.web.url}/admin/mail/${id}`);
          expect(missing?.status(), id).to.equal(404);
          expect(await page.locator('#error-message').innerText()).to.equal(t('errors.noMessage'));
        }
        expect(await ticketReads(admin.id)).to.have.length(2);
      });
    });
  }

  it('agents, auditors and process owners get 403 on /admin/mail and /admin/mail/:id, and no link to it; a requester 403; a visitor is sent to the sign-in', async () => {
    const staff = await localeT('en', 'staff');
    const id = entries[0]!.id;
    for (const role of ['agent', 'auditor', 'process_owner'] as const) {
      const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Warsaw' });
      try {
        const page = await context.newPage();
        const user = await makeUser(stack.db, role, `mail-${role}`, 'en');
        await signInStaffInBrowser(page, stack.web.url, user);
        // The admin pages let a process owner in; the mailbox is the admins' alone.
        const allowed = role === 'process_owner' ? ['admin'] : ['process_owner', 'admin'];
        for (const url of ['/admin/mail', `/admin/mail/${id}`, `/admin/mail/${id}/raw`]) {
          const res = await page.goto(`${stack.web.url}${url}`);
          expect(res?.status(), `${role} ${url}`).to.equal(403);
          expect(await page.locator('#error-message').innerText()).to.equal(staff('errors.roleRefused', { role: staff(`role.${role}`), roles: allowed.map((r) => staff(`role.${r}`)).join(', ') }));
          expect(await page.content()).to.not.include('VPN drops at home');
        }
        expect(await ticketReads(user.id)).to.have.length(0);
        if (role === 'process_owner') {
          await page.goto(`${stack.web.url}/admin`);
          expect(await page.locator('#new-draft').count()).to.equal(1);
          expect(await page.locator('a[href="/admin/mail"]').count()).to.equal(0);
        }
      } finally {
        await context.close();
      }
    }
    const requester = await makeUser(stack.db, 'requester', 'mail-requester', 'en');
    const c = new PortalClient(stack.web.url, 'en');
    expect((await c.signIn(requester.email, PASSWORD)).status).to.equal(303);
    for (const url of ['/admin/mail', `/admin/mail/${id}`, `/admin/mail/${id}/raw`]) {
      const res = await c.get(url);
      expect(res.status, `requester ${url}`).to.equal(403);
      expect(textOf(res.text, 'error-message')).to.equal(staff('errors.notStaff'));
      expect(res.text).to.not.include('VPN drops at home');
    }
    const visitor = await browser.newContext({ locale: 'en-GB' });
    try {
      const page = await visitor.newPage();
      await page.goto(`${stack.web.url}/admin/mail/${id}`);
      expect(new URL(page.url()).pathname).to.equal('/staff/sign-in');
    } finally {
      await visitor.close();
    }
  });

  it('when the access log cannot be written, the message and its download answer 503 with a sentence and show nothing of it', async () => {
    const api = await localeT('en', 'api');
    const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Warsaw' });
    const sql = stack.db.sequelize;
    try {
      const page = await context.newPage();
      const admin = await makeUser(stack.db, 'admin', 'mail-admin-503', 'en');
      await signInStaffInBrowser(page, stack.web.url, admin);
      await sql.query(`CREATE FUNCTION refuse_mail_access_log() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'access log unavailable'; END $$;
                       CREATE TRIGGER refuse_mail_access_log BEFORE INSERT ON access_log FOR EACH ROW EXECUTE FUNCTION refuse_mail_access_log();`);
      try {
        for (const url of [`/admin/mail/${entries[0]!.id}`, `/admin/mail/${entries[0]!.id}/raw`, '/admin/mail']) {
          const res = await page.goto(`${stack.web.url}${url}`);
          expect(res?.status(), url).to.equal(503);
          expect(await page.locator('#error-message').innerText()).to.equal(api('errors.unavailable'));
          expect(await page.content()).to.not.include('VPN drops at home').and.not.include('requester@example.com');
        }
        // A message that names no ticket records nothing, and is shown.
        expect((await page.goto(`${stack.web.url}/admin/mail/${entries[1]!.id}`))?.status()).to.equal(200);
        expect(await page.locator('#mail-subject').innerText()).to.equal('Welcome to the helpdesk');
      } finally {
        await sql.query('DROP TRIGGER refuse_mail_access_log ON access_log; DROP FUNCTION refuse_mail_access_log();');
      }
      expect((await page.goto(`${stack.web.url}/admin/mail/${entries[0]!.id}`))?.status()).to.equal(200);
      expect(await ticketReads(admin.id)).to.have.length(1);
    } finally {
      await context.close();
    }
  });

  it('where mail goes out through HELPDESK_SMTP_URL, the page has no mailbox and says so; it shows that every message was delivered, then the refused acknowledgement with its reason, in pl, en and de', async () => {
    const smtp = await isolatedStack('admin-mail-smtp', undefined, { env: { HELPDESK_SMTP_URL: refusing!.url } });
    const context = await browser.newContext({ locale: 'pl-PL', timezoneId: 'Europe/Warsaw' });
    try {
      const page = await context.newPage();
      const admin = await makeUser(smtp.db, 'admin', 'mail-admin-smtp', 'pl');
      const { timeZone } = (await smtp.db.users.findByEmail(admin.email))!;
      await signInStaffInBrowser(page, smtp.web.url, admin);
      await page.click('nav a[href="/admin"]');
      await page.click('#mail-link');
      const pl = await localeT('pl', 'admin-mail');
      expect(await page.locator('#no-mailbox').innerText()).to.equal(pl('none.text'));
      expect(await page.locator('#no-failures').innerText()).to.equal(pl('failures.none'));
      expect(await page.locator('#mail-list').count()).to.equal(0);

      const reported = await openTicket(smtp, { title: 'Printer on the 2nd floor', impact: 'low', urgency: 'medium' });
      const [f] = (await failuresOf(smtp, reported)) as [FailedDelivery];
      await page.reload();
      // The language switch, as the admin would use it.
      for (const language of ['pl', 'en', 'de']) {
        if (language !== 'pl') {
          await page.click(`form.languages button[value="${language}"]`);
          await page.waitForURL(/\/admin\/mail$/);
        }
        const t = await localeT(language, 'admin-mail');
        expect(await page.locator('#no-mailbox').innerText(), language).to.equal(t('none.text'));
        expect(await page.locator('#mail-failures-heading').innerText()).to.equal(t('failures.heading'));
        expect(await page.locator('#mail-failures caption').innerText()).to.equal(t('failures.caption', { count: 1 }));
        expect(await page.locator('#mail-failures tbody tr td, #mail-failures tbody tr th').allInnerTexts()).to.deep.equal(await failureCells(f, language, timeZone));
        expect(await page.locator('#mail-failures tbody tr td').last().innerText()).to.match(/^The SMTP server answered 550 to RCPT TO: .*User unknown/);
        expect(await page.locator('#no-failures').count()).to.equal(0);
        expect(await page.content()).to.not.include('requester@example.com');
      }
      expect(await axeProblems(page)).to.deep.equal([]);
      await page.click(`#mail-failures a[href="/agent/tickets/${reported}"]`);
      await page.waitForURL(new RegExp(`/agent/tickets/${reported}$`));
      const res = await page.goto(`${smtp.web.url}/admin/mail/${entries[0]!.id}`);
      expect(res?.status()).to.equal(404);
      expect(await page.content()).to.not.include('VPN drops at home');
    } finally {
      await context.close();
      await smtp.stopWorker();
    }
  });
});
