/**
 * The auditors' ticket pages in chromium, in Polish, English and German: a ticket a real worker
 * ran through classification, a response breach and the ladder's escalation (second-scale
 * targets, test/fixtures/fast-rules.ts), a pause and its resolution. An auditor signs in (password,
 * enrolment code, authenticator), follows the staff navigation to /audit, is told in their
 * language when a number is malformed (400) or unknown (404, nothing recorded), opens the
 * timeline (one `ticket.read` row in the access log, channel web, role auditor), clicks "Why" on
 * the breach and reads its sentences, runs the replay check ("reproducible" in their language),
 * and downloads the evidence bundle, which verifies offline (services/audit/bundle.ts
 * verifyBundle, as `helpdesk audit verify-bundle`) and whose export is in the audit log by
 * `user:<id>`.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { QueryTypes } from 'sequelize';
import { verifyBundle, type EvidenceBundle } from '../../services/audit/bundle.ts';
import type { Timeline } from '../../services/audit/timeline-types.ts';
import { fastRulesText } from '../fixtures/fast-rules.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { isolatedStack, type IsolatedStack } from '../support/env.ts';
import { localeT, signInStaffInBrowser } from '../support/admin-browser.ts';
import { auditService } from '../../runtime/audit.ts';
import { makeUser } from '../support/staff.ts';
import { webReads } from '../support/staff-ticket.ts';
import { act, openTicket, waitForEvent } from '../support/tickets.ts';

/** A screenshot of the window only, written under `npm run screenshots` (SCREENSHOTS_DIR) like test/support/browser.ts screenshot. */
async function viewportScreenshot(page: Page, name: string): Promise<void> {
  const buffer = await page.screenshot({ fullPage: false });
  const dir = process.env.SCREENSHOTS_DIR;
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.png`), buffer);
}

const LANGUAGES = [
  { language: 'pl', locale: 'pl-PL' },
  { language: 'en', locale: 'en-GB' },
  { language: 'de', locale: 'de-DE' },
] as const;

describe('auditor ticket pages in a browser: timeline with "Why", replay check and evidence, in pl, en and de', function () {
  this.timeout(300_000);
  let stack: IsolatedStack;
  let browser: Browser;
  let number: string;

  before(async () => {
    // Response 3 s (24×7): nobody answers, the response clock breaches and the ladder moves the ticket up a tier.
    stack = await isolatedStack('auditor-ticket', fastRulesText({ response: '3s', resolution: '60s', autoCloseAfter: '1h' }));
    number = await openTicket(stack, { impact: 'high', urgency: 'high', title: 'Printer on fire', description: 'Smoke from the tray.' });
    expect((await act(stack, number, 'start', {})).status).to.equal(200);
    await waitForEvent(stack, number, (e) => e.type === 'sla_breached', 30_000);
    await waitForEvent(stack, number, (e) => e.type === 'escalated', 30_000);
    expect((await act(stack, number, 'set_pending', { reason: 'Waiting for the serial number' })).status).to.equal(200);
    expect((await act(stack, number, 'resume', { reason: 'Serial number received' })).status).to.equal(200);
    expect((await act(stack, number, 'resolve', { code: 'solved', note: 'Replaced the fuser' })).status).to.equal(200);
    await waitForEvent(stack, number, (e) => e.type === 'resolved');
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  for (const { language, locale } of LANGUAGES) {
    describe(`in ${language}`, () => {
      let context: BrowserContext;
      let page: Page;
      let auditor: Awaited<ReturnType<typeof makeUser>>;

      before(async () => {
        context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale, timezoneId: 'Europe/Warsaw', acceptDownloads: true });
        page = await context.newPage();
        auditor = await makeUser(stack.db, 'auditor', `auditor-${language}`, language);
        await signInStaffInBrowser(page, stack.web.url, auditor);
      });

      after(async () => {
        await context?.close();
      });

      it('leads from the staff navigation to the auditors\' home, which refuses a malformed number (400) and an unknown one (404) in the auditor\'s words, recording nothing', async () => {
        const t = await localeT(language, 'auditor');
        await page.click('nav a[href="/audit"]');
        await page.waitForURL(/\/audit$/);
        expect(await page.locator('h1').innerText()).to.equal(t('home.heading'));
        expect(await page.locator('#link-log').getAttribute('href')).to.equal('/audit/log');
        expect(await page.locator('#link-runs').getAttribute('href')).to.equal('/audit/runs');
        if (language === 'en') await screenshot(page, 'auditor-home-en');

        const readsBefore = (await webReads(stack.db.sequelize, number)).length;
        const malformed = await page.goto(`${stack.web.url}/audit?number=${encodeURIComponent('printer!')}`);
        expect(malformed?.status()).to.equal(400);
        expect(await page.locator('#number-error').innerText()).to.include(t('errors.numberMalformed', { number: 'printer!' }));
        expect(await page.locator('#number').inputValue()).to.equal('printer!');

        const unknownNumber = number.replace(/\d+$/, '999999');
        await page.fill('#number', unknownNumber);
        const [unknown] = await Promise.all([page.waitForResponse((r) => r.url().endsWith(`/audit/tickets/${unknownNumber}`)), page.click('#find-submit')]);
        expect(unknown.status()).to.equal(404);
        expect(await page.locator('#number-error').innerText()).to.include(t('errors.numberUnknown', { number: unknownNumber }));
        expect((await webReads(stack.db.sequelize, unknownNumber)).length).to.equal(0);
        expect((await webReads(stack.db.sequelize, number)).length).to.equal(readsBefore);
      });

      it('opens the timeline by its number: one ticket.read in the access log (web, auditor); "Why" on the breach is one click and shows its sentences, linked to the decision and calendar', async () => {
        const t = await localeT(language, 'auditor');
        const before = await webReads(stack.db.sequelize, number);
        await page.goto(`${stack.web.url}/audit`);
        await page.fill('#number', number.toLowerCase());
        await page.click('#find-submit');
        await page.waitForURL(new RegExp(`/audit/tickets/${number}$`));
        expect(await page.locator('#ticket-number').innerText()).to.equal(number);
        expect(await page.locator('#access-note').innerText()).to.equal(t('ticket.recorded'));
        const reads = await webReads(stack.db.sequelize, number);
        expect(reads.slice(before.length).map((r) => [r.viewerUserId, r.viewerRole, r.reason])).to.deep.equal([[auditor.id, 'auditor', null]]);

        // What the auditors' service says in the same words and zone (no viewer: no access-log entry of its own).
        const api = { body: await auditService(stack.config, stack.db, stack.client).timeline(number, { language, timeZone: 'Europe/Warsaw', viewer: undefined, channel: 'web' }) };
        const breach = api.body.entries.find((e) => e.type === 'sla_breached')!;
        expect(breach.why, 'the breach has a why').to.not.equal(null);
        const entry = page.locator(`#entry-${breach.seq}`);
        expect(await entry.locator('.sentence').innerText()).to.equal(breach.text);
        for (const e of api.body.entries.filter((x) => x.automated)) {
          expect(await page.locator(`#entry-${e.seq} a.why-link`).getAttribute('href'), `entry ${e.seq} (${e.type})`).to.equal(`#${e.why!.anchor}`);
        }
        await entry.locator('a.why-link').click();
        expect(new URL(page.url()).hash).to.equal(`#${breach.why!.anchor}`);
        const why = page.locator(`#${breach.why!.anchor}`);
        expect(await why.isVisible()).to.equal(true);
        expect(await why.locator('h3').innerText()).to.equal(breach.why!.title);
        expect(await why.locator('.sentences li').allInnerTexts()).to.deep.equal(breach.why!.sentences);
        const links = await why.locator('.rests-on a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
        const decision = api.body.decisions[breach.why!.decision!]!;
        expect(links).to.include(`#${decision.anchor}`);
        expect(await page.locator(`#${decision.anchor} .rules-hash`).innerText()).to.equal(decision.rulesHash);
        expect(await page.locator(`#${decision.anchor} .fired li`).count()).to.equal(decision.fired.length);
        expect(await page.locator('#pauses li').count()).to.equal(api.body.pauses.length).and.to.be.greaterThan(0);
        // The README's picture: the window as the click left it, the followed Why in view (the whole page is many screens long).
        if (language === 'en') await viewportScreenshot(page, 'auditor-timeline-why-en');
      });

      it('records a reason typed in the page\'s form with the read, and shows it', async () => {
        const t = await localeT(language, 'auditor');
        const before = (await webReads(stack.db.sequelize, number)).length;
        await page.fill('#reason', 'Q4 SLA sample');
        await page.click('#reason-submit');
        await page.waitForLoadState('load');
        expect(await page.locator('#access-note').innerText()).to.equal(t('ticket.recordedWithReason', { reason: 'Q4 SLA sample' }));
        const reads = await webReads(stack.db.sequelize, number);
        expect(reads.slice(before).map((r) => [r.viewerUserId, r.viewerRole, r.reason])).to.deep.equal([[auditor.id, 'auditor', 'Q4 SLA sample']]);
      });

      it('runs the replay check from the page: "reproducible" in the auditor\'s language, with the runs and their sha256', async () => {
        const t = await localeT(language, 'auditor');
        await page.goto(`${stack.web.url}/audit/tickets/${number}`);
        await page.click('#replay-submit');
        await page.waitForURL(new RegExp(`/audit/tickets/${number}/replay$`), { timeout: 120_000 });
        expect(await page.locator('#verdict-outcome').getAttribute('data-outcome')).to.equal('reproducible');
        expect(await page.locator('#verdict-outcome').innerText()).to.equal(t('verdict.outcome.reproducible'));
        expect(await page.locator('#differences').innerText()).to.equal(t('verdict.noDifferences'));
        expect(await page.locator('#runs tbody tr').count()).to.be.greaterThan(0);
        expect(await page.locator('#runs tbody tr td.hash').first().innerText()).to.match(/^[0-9a-f]{64}$/);
        if (language === 'pl') await screenshot(page, 'auditor-verdict-pl');
      });

      it('downloads the evidence bundle as evidence-<number>.json: it verifies, its timeline is in the auditor\'s language, and the export is in the audit log by user:<id>', async () => {
        await page.goto(`${stack.web.url}/audit/tickets/${number}`);
        const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click('#evidence-submit')]);
        expect(download.suggestedFilename()).to.equal(`evidence-${number}.json`);
        const text = fs.readFileSync((await download.path())!, 'utf8');
        const check = verifyBundle(text);
        expect(check.problems).to.deep.equal([]);
        expect(check).to.include({ ok: true, kind: 'ticket', subject: number });
        const bundle = JSON.parse(text) as EvidenceBundle;
        expect((JSON.parse(bundle.files['timeline-words.json']!) as Timeline).language).to.equal(language);
        const exports = await stack.db.sequelize.query<{ actor: string }>(
          `SELECT actor FROM audit_log WHERE action = 'audit.ticket_exported' AND subject = :subject AND actor = :actor`,
          { replacements: { subject: `ticket:${number}`, actor: `user:${auditor.id}` }, type: QueryTypes.SELECT },
        );
        expect(exports).to.have.length(1);
      });
    });
  }
});
