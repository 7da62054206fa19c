/**
 * The period replay checks' pages (/audit/runs) in chromium: an auditor, in Polish and in German,
 * starts the check of today's closed tickets from the form, watches the page report its progress
 * while it reloads itself, and sees it done with every ticket reproducible, in their language with
 * plural forms; a period the wrong way round comes back with the message beside the field (422,
 * nothing started); a check waiting for a worker can be told to stop reloading (WCAG 2.2.1) and is
 * cancelled with its button. An agent is refused (403) and has no link. axe-core finds no serious
 * or critical violation.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, screenshot } from '../support/browser.ts';
import { isolatedStack, type IsolatedStack } from '../support/env.ts';
import { localeT, signInStaffInBrowser } from '../support/admin-browser.ts';
import { makeUser } from '../support/staff.ts';
import { act, openTicket, waitForEvent } from '../support/tickets.ts';

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const N = 30;

describe('period replay checks in a browser: start, progress, done, refusals', function () {
  this.timeout(300_000);
  let stack: IsolatedStack;
  let browser: Browser;
  const runsCount = async () => (await stack.db.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_runs`, { type: QueryTypes.SELECT }))[0]!.n;

  before(async () => {
    stack = await isolatedStack('auditor-runs');
    for (let i = 0; i < N; i += 10) {
      await Promise.all(Array.from({ length: Math.min(10, N - i) }, async (_, j) => {
        const number = await openTicket(stack, { title: `Duplicate ${i + j}`, description: 'Same as another one.' });
        await waitForEvent(stack, number, (e) => e.type === 'classified');
        expect((await act(stack, number, 'cancel', { reason: 'duplicate' })).status).to.equal(200);
        await waitForEvent(stack, number, (e) => e.type === 'cancelled');
      }));
    }
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  async function axe(page: Page): Promise<void> {
    const found = (await new AxeBuilder({ page }).analyze()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(found.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).to.deep.equal([]);
  }

  for (const { language, locale } of [{ language: 'pl', locale: 'pl-PL' }, { language: 'de', locale: 'de-DE' }] as const) {
    describe(`in ${language}`, () => {
      let context: BrowserContext;
      let page: Page;

      before(async () => {
        context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale, timezoneId: 'Europe/Warsaw' });
        page = await context.newPage();
        await signInStaffInBrowser(page, stack.web.url, await makeUser(stack.db, 'auditor', `auditor-${language}`, language));
      });

      after(async () => {
        await context?.close();
      });

      it('when an auditor starts the check of today, then the page shows its progress while it reloads itself, then done: all reproducible', async () => {
        const t = await localeT(language, 'auditor-runs');
        await page.goto(`${stack.web.url}/audit`);
        await page.click('#link-runs');
        expect(await page.locator('h1').innerText()).to.equal(t('title'));
        await axe(page);
        await page.fill('#run-from', isoDay(Date.now()));
        await page.fill('#run-to', isoDay(Date.now() + DAY));
        await page.click('#run-submit');
        await page.waitForURL(/\/audit\/runs\/[0-9a-f-]{36}$/);
        const id = page.url().split('/').pop()!;
        // While it runs: the status, the reloading said and stoppable, a cancel button.
        const first = await page.locator('#run-status strong').innerText();
        if (first !== t('status.done')) {
          expect([t('status.queued'), t('status.running')]).to.include(first);
          expect(await page.locator('#run-refresh').innerText()).to.include(t('run.refreshing'));
          expect(await page.locator('#run-refresh-off').innerText()).to.equal(t('run.refreshOff'));
          expect(await page.locator('#run-cancel-submit').innerText()).to.equal(t('run.cancel'));
          expect(await page.locator('meta[http-equiv="refresh"]').count()).to.equal(1);
        }
        // The page reloads itself until the check is done; every status it showed on the way is recorded.
        const shown: string[] = [];
        const deadline = Date.now() + 180_000;
        for (;;) {
          const text = await page.locator('#run-status').innerText().catch(() => '');
          if (text) shown.push(text);
          if (text.startsWith(t('status.done'))) break;
          expect(Date.now(), `still not done: ${shown.slice(-1)[0]}`).to.be.lessThan(deadline);
          await page.waitForTimeout(200);
        }
        const n = new Intl.NumberFormat(language).format(N);
        const sentence = t('progress.sentence', {
          checked: t('progress.checked', { count: N, done: n, total: n }),
          reproducible: t('progress.reproducible', { count: N, n }), differing: t('progress.differing', { count: 0, n: '0' }), unreadable: t('progress.unreadable', { count: 0, n: '0' }),
        });
        expect(await page.locator('#run-progress-text').innerText()).to.equal(sentence);
        if (language === 'pl') expect(sentence).to.equal('Sprawdzono 30 z 30 zgłoszeń: 30 odtwarzalnych, 0 z różnicami, 0 nieczytelnych.');
        if (language === 'de') expect(sentence).to.equal('30 von 30 Tickets geprüft: 30 reproduzierbar, 0 abweichend, 0 unlesbar.');
        expect(await page.locator('#run-summary').innerText()).to.equal(t('result.all', { count: N, n }));
        expect(await page.locator('#run-differing').count()).to.equal(0);
        // Done: no more reloading, no cancel button.
        expect(await page.locator('meta[http-equiv="refresh"]').count()).to.equal(0);
        expect(await page.locator('#run-cancel').count()).to.equal(0);
        expect(shown.length, 'the page was seen before it was done, or done at once').to.be.greaterThan(0);
        await axe(page);
        if (language === 'pl') await screenshot(page, 'auditor-runs-pl');
        // The recent list has it first, with its progress.
        await page.click('#runs-back');
        expect(await page.locator('#runs-recent tbody tr').first().getAttribute('data-run')).to.equal(id);
        expect(await page.locator('#runs-recent tbody tr').first().innerText()).to.include(t('status.done'));
      });

      it('when the period is the wrong way round, then the form comes back with the message beside the field, 422, and nothing is started', async () => {
        const t = await localeT(language, 'auditor-runs');
        const before = await runsCount();
        await page.goto(`${stack.web.url}/audit/runs`);
        await page.fill('#run-from', isoDay(Date.now() + DAY));
        await page.fill('#run-to', isoDay(Date.now()));
        const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/audit/runs') && r.request().method() === 'POST'), page.click('#run-submit')]);
        expect(res.status()).to.equal(422);
        expect(await page.locator('#run-to-error').innerText()).to.include(t('problem.periodOrder'));
        expect(await page.locator('#run-to').getAttribute('aria-invalid')).to.equal('true');
        expect(await page.locator('#error-summary').innerText()).to.include(t('form.to'));
        expect(await page.locator('#run-from').inputValue()).to.equal(isoDay(Date.now() + DAY));
        await axe(page);
        expect(await runsCount()).to.equal(before);
      });

      it('when a check waits for a worker, then its page can be told to stop reloading, and its cancel button cancels it', async () => {
        const t = await localeT(language, 'auditor-runs');
        await stack.stopWorker();
        try {
          await page.goto(`${stack.web.url}/audit/runs`);
          await page.click('#run-submit');
          await page.waitForURL(/\/audit\/runs\/[0-9a-f-]{36}$/);
          expect(await page.locator('#run-status strong').innerText()).to.equal(t('status.queued'));
          expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).to.equal('2');
          await page.click('#run-refresh-off');
          await page.waitForURL(/\?refresh=off$/);
          expect(await page.locator('meta[http-equiv="refresh"]').count()).to.equal(0);
          expect(await page.locator('#run-reload').innerText()).to.equal(t('run.reload'));
          expect(await page.locator('#run-refresh-on').innerText()).to.equal(t('run.refreshOn'));
          await page.click('#run-cancel-submit');
          await page.waitForURL(/\/audit\/runs\/[0-9a-f-]{36}$/);
          expect(await page.locator('#run-status strong').innerText()).to.equal(t('status.cancelled'));
          expect(await page.locator('#run-cancel').count()).to.equal(0);
        } finally {
          await stack.startWorker();
        }
      });
    });
  }

  it('when an agent opens the period checks, then they are refused (403) and their pages have no link to them', async () => {
    const context = await browser.newContext({ locale: 'en-GB' });
    try {
      const page = await context.newPage();
      await signInStaffInBrowser(page, stack.web.url, await makeUser(stack.db, 'agent', 'agent-runs'));
      expect(await page.locator('a[href^="/audit"]').count()).to.equal(0);
      const before = await runsCount();
      expect((await page.goto(`${stack.web.url}/audit/runs`))?.status()).to.equal(403);
      const posted = await page.request.post(`${stack.web.url}/audit/runs`, { form: { from: isoDay(Date.now()), to: isoDay(Date.now() + DAY) }, maxRedirects: 0 });
      expect(posted.status()).to.equal(403);
      expect(await runsCount()).to.equal(before);
    } finally {
      await context.close();
    }
  });
});
