/**
 * The process owners' admin pages in chromium, in English, Polish and German: a process owner
 * signs in, starts a draft from the active version, changes the silver P2 resolution target
 * from 9h to 4h in the SLA table and adds a holiday to the Warsaw calendar, publishes with a
 * comment, reads the new version's changes in words, and the next ticket is classified under
 * the new version. A draft with an unknown calendar, overlapping hours, an unsatisfiable
 * condition and a shadowed rule shows each problem beside its field in the viewer's language;
 * publishing it is refused and changes nothing.
 */
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, screenshot } from '../support/browser.ts';
import { isolatedStack, type IsolatedStack } from '../support/env.ts';
import { localeT, signInStaffInBrowser } from '../support/admin-browser.ts';
import { makeUser } from '../support/staff.ts';
import { openTicket } from '../support/tickets.ts';
import { waitFor } from '../support/processes.ts';

const LANGUAGES = [
  { language: 'en', locale: 'en-GB' },
  { language: 'pl', locale: 'pl-PL' },
  { language: 'de', locale: 'de-DE' },
] as const;

describe('admin pages in a browser: a process owner changes SLA targets and a calendar, publishes, and the next ticket follows', function () {
  this.timeout(300_000);
  let stack: IsolatedStack;
  let browser: Browser;

  before(async () => {
    stack = await isolatedStack('admin-ui');
    // Tickets the what-if goes over: classified under the shipped rules, their facts recorded.
    for (const title of ['VPN drops at home', 'Printer jams on floor 2', 'Password reset for the HR share']) {
      const number = await openTicket(stack, { title, impact: 'medium', urgency: 'high' });
      await waitFor('classification', async () => (await stack.db.tickets.get(number))?.rulesVersion, 30_000);
    }
    browser = await launchChromium();
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
        const owner = await makeUser(stack.db, 'process_owner', `owner-${language}`, language);
        await signInStaffInBrowser(page, stack.web.url, owner);
      });

      after(async () => {
        await context?.close();
      });

      it('changes silver P2 resolution 9h → 4h and adds a Warsaw holiday in a draft, publishes it with a comment, and a new ticket is classified under the new version', async () => {
        const t = await localeT(language);
        // Each language's flow starts from the shipped rules: the one before published 4h already.
        if ((await stack.db.rules.active()).version > 1) {
          const back = await stack.db.rules.rollback(1, { author: 'test', comment: 'back to the shipped rules' });
          expect(back.ok).to.equal(true);
        }
        const before = (await stack.db.rules.active()).version;
        await page.click(`nav a[href="/admin"]`);
        expect(await page.locator('h1').innerText()).to.equal(t('home.heading'));
        await page.fill('#draft-title', `Shorter P2 for silver (${language})`);
        await page.click('#new-draft-submit');
        await page.waitForURL(/\/admin\/drafts\/\d+$/);
        expect(await page.locator('#draft-status').innerText()).to.include(t('draft.base', { version: before }));
        await screenshot(page, `admin-draft-${language}`);

        await page.click(`.sections a[href$="/sla"]`);
        const cell = page.locator('#sla-table tr:has(th:text-is("silver")) td:nth-of-type(2)');
        const resolution = cell.locator('input[name^="resolution:"]');
        expect(await resolution.inputValue()).to.equal('9h');
        await resolution.fill('4h');
        await page.click('#sla-save');
        expect(await page.locator('#notice').innerText()).to.equal(t('notice.saved'));
        expect(await page.locator('#sla-table tr:has(th:text-is("silver")) td:nth-of-type(2) input[name^="resolution:"]').inputValue()).to.equal('4h');
        await screenshot(page, `admin-sla-${language}`);

        await page.click(`.sections a[href$="/calendars/warsaw-business"]`);
        const holidays = page.locator('#cal-holidays');
        const listed = await holidays.inputValue();
        await holidays.fill(`${listed}\n2027-06-15`);
        await page.click('#calendar-save');
        expect(await page.locator('#notice').innerText()).to.equal(t('notice.saved'));
        expect((await page.locator('#cal-holidays').inputValue()).split('\n')).to.include('2027-06-15');

        // Try it: a silver P2 sample under the draft (4h) and the active version (9h), with why.
        await page.click(`.sections a[href$="/try"]`);
        await page.fill('#try-title', 'VPN drops at home');
        await page.selectOption('#try-impact', 'medium');
        await page.selectOption('#try-urgency', 'high');
        await page.selectOption('#try-service-level', 'silver');
        await page.click('#try-submit');
        const policy = page.locator('#try-outcome tr[data-field="policy"]');
        expect(await policy.getAttribute('class')).to.include('differs');
        expect(await policy.locator('td.draft').innerText()).to.equal('silver-p2: 1h / 4h (warsaw-business)');
        expect(await policy.locator('td.active').innerText()).to.equal('silver-p2: 1h / 9h (warsaw-business)');
        const fired = await page.locator('#try-draft-explanation ol.fired > li').allInnerTexts();
        expect(fired[0]).to.include('Network problems to Infrastructure');
        await page.click('#try-draft-explanation details > summary');
        const vip = page.locator('#try-draft-explanation ul.not-fired > li[data-rule="VIP first"] li.failed-condition');
        expect(await vip.first().innerText()).to.equal(t('try.failedMissing', { where: 'requester $.vip', operator: 'equal', value: 'true' }));
        await screenshot(page, `admin-try-${language}`);

        // What-if over the tickets so far, with progress, until its figures are there.
        const n = (await stack.db.sequelize.query<{ n: string }>('SELECT count(*)::text AS n FROM tickets', { type: QueryTypes.SELECT }))[0]!.n;
        await page.click(`.sections a[href$="/what-if"]`);
        await page.click('#what-if-submit');
        await page.waitForURL(/\/admin\/what-if\/[0-9a-f-]{36}$/);
        expect(await page.locator('#what-if-status').innerText()).to.not.equal('');
        await page.waitForSelector('#what-if-result', { timeout: 60_000 });
        expect(await page.locator('#fig-seen').innerText()).to.equal(t('whatIf.seen', { count: Number(n) }));
        expect(await page.locator('#what-if-status').innerText()).to.equal(`${t('whatIf.status.done')} · ${t('whatIf.progress', { done: Number(n), count: Number(n) })}`);
        await screenshot(page, `admin-what-if-${language}`);

        await page.goBack();
        await page.click(`.sections a[href$="/admin/drafts/${/\/admin\/drafts\/(\d+)/.exec(page.url())![1]}"]`);
        expect(await page.locator('#problem-count').innerText()).to.include(t('draft.errors', { count: 0 }));
        await page.fill('#publish-comment', 'Silver customers asked for faster P2 resolution; Corpus Christi bridge day');
        await page.click('#publish-submit');
        await page.waitForURL(/\/admin\/versions\/\d+$/);
        const published = (await stack.db.rules.active()).version;
        expect(published).to.equal(before + 1);
        expect(await page.locator('#notice').innerText()).to.equal(t('notice.published', { version: published }));
        // The changes in words, in the page's language (rules/change-text.ts, `change.*` in locales/{lng}/rules.json).
        const said = await localeT(language, 'rules');
        const silverP2 = said('change.policyField', { priority: 'P2', serviceLevel: 'silver', field: 'resolution', from: '9h', to: '4h' });
        expect(silverP2).to.equal({ en: 'P2 resolution (silver) 9h → 4h', pl: 'Rozwiązanie P2 (silver): 9h → 4h', de: 'P2-Lösung (silver): 9h → 4h' }[language]);
        const changes = await page.locator('#changes li').allInnerTexts();
        expect(changes).to.include(silverP2);
        expect(changes).to.include(said('change.holiday', { context: 'added', calendar: 'warsaw-business', date: '2027-06-15' }));
        await screenshot(page, `admin-version-${language}`);

        const number = await openTicket(stack, { title: `Printer after publication ${language}` });
        const ticket = await waitFor('classification', async () => {
          const found = await stack.db.tickets.get(number);
          return found?.rulesVersion ? found : undefined;
        }, 30_000);
        expect(ticket.rulesVersion).to.equal(published);
      });
    });
  }
});
