/**
 * `helpdesk start` on a fresh data folder, as `npm start` runs on a fresh clone, with the demo
 * seed: it says where its local mail server keeps the mail (the data folder's mail/), the demo
 * tickets' mails land there as files, and an admin added beside it with `helpdesk user add`
 * (the enrolment code it prints, a first sign-in that sets the password, an authenticator) opens
 * the admins' mail page in chromium and sees them: every demo ticket's acknowledgement to its
 * requester, with the ticket's number in its subject, and none that failed; the acknowledgement
 * opens in the requester's language. The test stops the helpdesk it started and removes its folder.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { localeT } from '../support/admin-browser.ts';
import { launchChromium } from '../support/browser.ts';
import { startHelpdeskProcess, type StartedHelpdesk } from '../support/helpdesk-process.ts';
import { spawnHelpdesk, waitFor } from '../support/processes.ts';
import { totpCode } from '../support/staff.ts';

const ADMIN = 'ada.admin@example.com';
const PASSWORD = 'first admin password 2026';
/** The demo tickets' requesters (db/seed.ts DEMO_TICKETS), in the order they are filed, and the language each writes in. */
const REQUESTERS = [['anna.kowalska@example.com', 'pl'], ['jonas.weber@example.com', 'de'], ['ceo@example.com', 'en']] as const;

/** The mailbox list's rows as the admin reads them: received, from, to, subject (linked). */
const mailRows = (page: Page) => page.locator('#mail-list tbody tr').evaluateAll((trs) => trs.map((tr) => ({
  cells: [...tr.querySelectorAll('td, th')].map((c) => (c as unknown as { innerText: string }).innerText),
  href: tr.querySelector('a')?.getAttribute('href') ?? '',
})));

describe('helpdesk start: the mails it sends are in the data folder\'s mail/ and on the admins\' mail page', function () {
  this.timeout(180_000);
  let helpdesk: StartedHelpdesk | undefined;
  let browser: Browser | undefined;

  before(async () => {
    helpdesk = await startHelpdeskProcess({ HELPDESK_SEED_DEMO: 'true' });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await helpdesk?.dispose();
  });

  it('says where it keeps the mail, keeps the demo tickets\' mails there, and an admin sees each acknowledgement with its ticket number', async () => {
    const { dataDir, env, url, proc } = helpdesk!;
    const folder = path.join(dataDir, 'mail');
    expect(proc.output()).to.include(`Mail: a local SMTP server at smtp://127.0.0.1:${env.HELPDESK_MAIL_SINK_PORT} keeps every message the helpdesk sends under ${folder}; admins read them at`);
    const numbers = /Seeded demo data: .* tickets (\S+), (\S+), (\S+)$/m.exec(proc.output())?.slice(1) ?? [];
    expect(numbers, proc.output()).to.have.length(REQUESTERS.length);
    // One file per message: at least each ticket's acknowledgement (its team's agents get theirs too).
    await waitFor('the demo tickets\' mails in mail/', async () => fs.existsSync(folder) && fs.readdirSync(folder).filter((f) => f.endsWith('.eml')).length >= numbers.length, 60_000, 250);
    // Kept sealed (under the ticket's or the recipient's key): no file holds a requester's address, a subject or a ticket number in plain text.
    for (const f of fs.readdirSync(folder).filter((n) => n.endsWith('.eml'))) {
      const kept = fs.readFileSync(path.join(folder, f), 'utf8');
      expect(kept.startsWith('sealed:v1:'), f).to.equal(true);
      for (const secret of [...REQUESTERS.map(([address]) => address), ...numbers]) expect(kept, f).not.to.include(secret);
    }

    // An admin, added beside the running helpdesk as an operator would, with the code it prints once.
    const add = spawnHelpdesk(['user', 'add', '--email', ADMIN, '--name', 'Ada Admin', '--role', 'admin'], env);
    expect(await add.exited, add.output()).to.equal(0);
    const code = /enrolment code for user #\d+ .*: (\S+)$/m.exec(add.output())?.[1];
    expect(code, add.output()).to.be.a('string');

    const page = await browser!.newPage({ locale: 'en-GB', timezoneId: 'Europe/Warsaw' });
    try {
      // The first sign-in sets the password with the code; the authenticator follows, as docs/staff-sign-in.md says.
      await page.goto(`${url}/staff/sign-in`);
      await page.click('#first-sign-in');
      await page.fill('#email', ADMIN);
      await page.fill('#enrolmentCode', code!);
      await page.fill('#password', PASSWORD);
      await page.fill('#passwordConfirm', PASSWORD);
      await page.click('form[action="/staff/sign-in/first"] button[type="submit"]');
      const secret = (await page.locator('#totp-secret').innerText()).replace(/\s/g, '');
      await page.fill('#code', totpCode(secret));
      await page.click('form[action="/staff/sign-in/enrol"] button[type="submit"]');
      await page.click('#continue');

      const t = await localeT('en', 'admin-mail');
      await page.click('nav a[href="/admin"]');
      await page.click('#mail-link');
      await page.waitForURL(/\/admin\/mail$/);
      expect(await page.locator('h1').innerText()).to.equal(t('heading'));
      expect(await page.locator('#no-failures').innerText()).to.equal(t('failures.none'));
      // Mails still on their way appear on a later look, as the admin would reload.
      const rows = await waitFor('every acknowledgement on the page', async () => {
        await page.reload();
        const found = await mailRows(page);
        return REQUESTERS.every(([to], i) => found.some((r) => r.cells[2] === to && r.cells[3]!.startsWith(`[${numbers[i]}] `))) ? found : undefined;
      }, 60_000, 1_000);
      expect(rows.length).to.be.at.least(numbers.length);
      expect(await page.locator('#mail-list caption').innerText()).to.equal(t('list.caption', { count: rows.length }));
      for (const row of rows) expect(row.cells[1], 'From').to.match(/helpdesk@/i);

      // The Polish requester's acknowledgement, opened: in Polish, with the number in its subject and text.
      const i = REQUESTERS.findIndex(([, language]) => language === 'pl');
      const ack = rows.find((r) => r.cells[2] === REQUESTERS[i]![0] && r.cells[3]!.startsWith(`[${numbers[i]}] `))!;
      await page.click(`#mail-list a[href="${ack.href}"]`);
      await page.waitForURL(new RegExp(`${ack.href}$`));
      expect(await page.locator('#mail-subject').innerText()).to.equal(ack.cells[3]);
      expect(await page.locator('#mail-tickets a').innerText()).to.equal(numbers[i]);
      const pl = await localeT('pl', 'mail');
      expect(await page.locator('#mail-text').innerText()).to.include(pl('kinds.classified.requester.heading', { number: numbers[i] }));
    } finally {
      await page.close();
    }
  });
});
