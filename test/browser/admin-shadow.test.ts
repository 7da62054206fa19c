/**
 * Shadow mode's page in chromium, in English, Polish and German: a draft shortening the silver
 * P2 resolution target from 9h to 4h is in shadow mode, three new tickets are filed through the
 * API (two silver P2, one standard), and a process owner reaches the page from the draft's
 * section links with the keyboard and reads how long the shadow has run, how many tickets it saw,
 * how often and where it differs (per field, per service level × priority, with shares), and the
 * diverging tickets with the live decision beside the shadow's, each linking to its ticket page.
 * Switched off on the draft's page, it says so and keeps its figures.
 */
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createDrafts } from '../../services/rules-admin/drafts.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { isolatedStack, type IsolatedStack } from '../support/env.ts';
import { localeT, signInStaffInBrowser } from '../support/admin-browser.ts';
import { makeUser } from '../support/staff.ts';
import { openTicket, waitForEvent } from '../support/tickets.ts';
import { waitFor } from '../support/processes.ts';

const LANGUAGES = [
  { language: 'en', locale: 'en-GB' },
  { language: 'pl', locale: 'pl-PL' },
  { language: 'de', locale: 'de-DE' },
] as const;
const SILVER = 'silver.shadow@example.com';

const percent = (language: string, part: number, whole: number) => new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 0 }).format(part / whole);

describe('admin pages in a browser: shadow mode\'s divergence', function () {
  this.timeout(300_000);
  let stack: IsolatedStack;
  let browser: Browser;
  let draftId: number;
  const numbers: string[] = [];

  before(async () => {
    stack = await isolatedStack('admin-shadow');
    browser = await launchChromium();
    const author = await makeUser(stack.db, 'process_owner', 'shadow-author');
    const drafts = createDrafts({ drafts: stack.db.rulesDrafts, rules: stack.db.rules, audit: stack.db.audit });
    const draft = await drafts.create({ title: 'Silver P2 in 4h' }, { id: author.id });
    const file = structuredClone(draft.review.file!);
    file.slaPolicies.find((p) => p.id === 'silver-p2')!.resolution = '4h';
    const saved = await drafts.save(draft.id, { revision: draft.revision, file }, { id: author.id });
    await drafts.setShadow(draft.id, { revision: saved.revision, on: true }, { id: author.id });
    draftId = draft.id;

    await stack.tokenFor(SILVER, 'requester');
    await stack.db.sequelize.query(`UPDATE users SET service_level = 'silver' WHERE email_bidx = :bidx`, { replacements: { bidx: await stack.db.vault.blindIndex(SILVER) } });
    for (const over of [
      { title: 'Payroll export fails', impact: 'high', urgency: 'medium', requesterEmail: SILVER },
      { title: 'Mouse broken', impact: 'low', urgency: 'low' },
      { title: 'Shared drive unreachable', impact: 'medium', urgency: 'high', requesterEmail: SILVER },
    ]) {
      const number = await openTicket(stack, over);
      await waitForEvent(stack, number, (e) => e.type === 'classified');
      numbers.push(number);
    }
    await waitFor('the shadow decisions', async () => (await stack.db.shadowDecisions.totals(draftId)).decided === 3 || undefined, 10_000, 50);
  });

  after(async () => {
    await browser?.close();
  });

  for (const { language, locale } of LANGUAGES) {
    describe(`in ${language}`, () => {
      let context: BrowserContext;
      let page: Page;

      before(async () => {
        context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale, timezoneId: 'Europe/Warsaw' });
        page = await context.newPage();
        await signInStaffInBrowser(page, stack.web.url, await makeUser(stack.db, 'process_owner', `shadow-${language}`, language));
      });

      after(async () => {
        await context?.close();
      });

      it('shows how long the shadow has run, how often and where it differs, and the diverging tickets side by side', async () => {
        const t = await localeT(language, 'admin-shadow');
        await page.goto(`${stack.web.url}/admin/drafts/${draftId}`);
        // From the draft's section links, with the keyboard.
        const link = page.locator(`.sections a[href="/admin/drafts/${draftId}/shadow"]`);
        expect(await link.innerText()).to.equal(t('section'));
        await link.focus();
        await page.keyboard.press('Enter');
        await page.waitForURL(new RegExp(`/admin/drafts/${draftId}/shadow$`));
        expect(await page.locator('h1').innerText()).to.equal(t('heading'));
        expect(await link.getAttribute('aria-current')).to.equal('page');
        expect(await page.title()).to.include(t('title', { title: 'Silver P2 in 4h' }));

        expect(await page.locator('#shadow-period').getAttribute('data-state')).to.equal('running');
        // "In shadow mode since <when>: for <elapsed> so far." — the words around the date and the duration.
        const [lead, middle, end] = t('period.running', { when: '|', elapsed: '|' }).split('|');
        const period = await page.locator('#shadow-period').innerText();
        expect(period.startsWith(lead!) && period.includes(middle!) && period.endsWith(end!), period).to.equal(true);
        expect(await page.locator('#shadow-decided').innerText()).to.equal(t('totals.decided', { count: 3 }));
        expect(await page.locator('#shadow-diverged').innerText()).to.equal(t('totals.diverged', { count: 3, diverged: 2, share: percent(language, 2, 3) }));

        // Per field: only the resolution target differs, on 2 of 3 tickets.
        const row = page.locator('#shadow-fields tr[data-field="resolutionMs"]');
        expect(await row.locator('th').innerText()).to.equal(t('field.resolutionMs'));
        expect(await row.locator('td').allInnerTexts()).to.deep.equal(['2', percent(language, 2, 3)]);
        expect(await page.locator('#shadow-fields tr[data-field="team"] td').first().innerText()).to.equal('0');
        expect(await page.locator('#shadow-fields tr.differs').count()).to.equal(1);

        // Per service level × priority of the live decision.
        expect(await page.locator('#shadow-cells tr[data-level="silver"] td[data-priority="P2"]').innerText()).to.equal(t('cells.value', { count: 2, total: 2, share: percent(language, 2, 2) }));
        expect(await page.locator('#shadow-cells tr[data-level="standard"] td[data-priority="P4"]').innerText()).to.equal(t('cells.value', { count: 0, total: 1, share: percent(language, 0, 1) }));
        expect(await page.locator('#shadow-cells tr[data-level="gold"] td[data-priority="P1"]').innerText()).to.equal(t('cells.none'));

        // The diverging tickets, newest first, the live decision (version 1, 9h) beside the shadow's (4h).
        const examples = page.locator('.shadow-example');
        expect(await examples.locator('h3 a').allInnerTexts()).to.deep.equal([numbers[2], numbers[0]]);
        expect(await examples.first().locator('h3 a').getAttribute('href')).to.equal(`/staff/tickets/${numbers[2]}`);
        const heads = await examples.first().locator('thead th').allInnerTexts();
        expect(heads.slice(1)).to.deep.equal([t('example.live', { version: 1 }), t('example.shadowRevision', { revision: 3 })]);
        const resolution = examples.first().locator('tr[data-field="resolutionMs"]');
        expect(await resolution.locator('td').allInnerTexts()).to.deep.equal(['9h', '4h']);
        expect(await resolution.locator('.differs-mark').innerText()).to.equal(t('example.differs'));
        expect(await examples.first().locator('tr[data-field="priority"] td').allInnerTexts()).to.deep.equal(['P2', 'P2']);
        expect(await examples.first().locator('tr[data-field="priority"] .differs-mark').count()).to.equal(0);
        await screenshot(page, `admin-shadow-${language}`);

        await examples.first().locator('h3 a').click();
        await page.waitForURL(new RegExp(`/staff/tickets/${numbers[2]}`));
      });
    });
  }

  // A suite of its own: mocha runs a suite's own tests before its inner suites'.
  describe('after shadow mode is switched off', () => it('says so and keeps its figures', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Warsaw' });
    try {
      const page = await context.newPage();
      await signInStaffInBrowser(page, stack.web.url, await makeUser(stack.db, 'process_owner', 'shadow-off', 'en'));
      const t = await localeT('en', 'admin-shadow');
      await page.goto(`${stack.web.url}/admin/drafts/${draftId}`);
      await page.click('#shadow-submit');
      await page.waitForURL(new RegExp(`/admin/drafts/${draftId}$`));
      await page.goto(`${stack.web.url}/admin/drafts/${draftId}/shadow`);
      expect(await page.locator('#shadow-period').getAttribute('data-state')).to.equal('stopped');
      expect(await page.locator('#shadow-switch').innerText()).to.include(t('switchHint'));
      expect(await page.locator('#shadow-decided').innerText()).to.equal(t('totals.decided', { count: 3 }));
    } finally {
      await context.close();
    }
  }));
});
