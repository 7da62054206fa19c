/**
 * A draft with an undefined calendar, overlapping working hours, a condition that can never hold
 * and a shadowed rule, seen by a Polish and a German process owner: each problem stands beside its
 * field in their language — the SLA cell's calendar, the Monday hours, the rule's second test, the
 * shadowed rule's row — and the draft's summary lists them all; publishing it answers 422, says
 * why, and publishes nothing.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { problemText } from '../../rules/problem-text.ts';
import { reviewText } from '../../services/rules-admin/review.ts';
import { localeT, signInStaffInBrowser } from '../support/admin-browser.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { isolatedStack, type IsolatedStack } from '../support/env.ts';
import { request } from '../support/http.ts';
import { makeUser } from '../support/staff.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rules files and answers read as JSON
type Json = Record<string, any>;

/** The shipped rules with the four mistakes. */
function brokenRules(): Json {
  const f = JSON.parse(readFileSync(fileURLToPath(new URL('../../rules/default.rules.json', import.meta.url)), 'utf8')) as Json;
  f.slaPolicies.find((p: Json) => p.id === 'silver-p2').calendar = 'mars-base';
  f.calendars['warsaw-business'].hours.mon = [{ from: '08:00', to: '12:00' }, { from: '11:00', to: '17:00' }];
  f.rules.push({ name: 'High and low at once', priority: 3, conditions: { all: [{ fact: 'ticket', path: '$.impact', operator: 'equal', value: 'high' }, { fact: 'ticket', path: '$.impact', operator: 'equal', value: 'low' }] }, event: { type: 'add-tag', params: { tag: 'never' } } });
  f.rules.push({ name: 'Wi-Fi is hardware', priority: 2, conditions: { all: [{ fact: 'keywords', operator: 'containsAny', value: ['vpn', 'network', 'wifi'] }] }, event: { type: 'set-category', params: { category: 'hardware' } } });
  return f;
}

describe('admin pages in a browser: an invalid draft shows each problem beside its field, and publishing it changes nothing', function () {
  this.timeout(300_000);
  let stack: IsolatedStack;
  let browser: Browser;
  let draftId: number;
  const source = `${JSON.stringify(brokenRules(), null, 2)}\n`;
  const review = reviewText(source);
  const item = (code: string) => review.items.find((i) => i.code === code)!;

  before(async () => {
    expect(review.items.map((i) => i.code)).to.include.members(['UNKNOWN_CALENDAR', 'OVERLAPPING_RANGES', 'CONFLICTING_EQUALS', 'SHADOWED_RULE']);
    stack = await isolatedStack('admin-invalid');
    const token = await stack.tokenFor('script.owner@example.com', 'process_owner');
    const created = await request<Json>(stack.web.url, 'POST', '/api/v1/rules/drafts', { token, body: { title: 'Four mistakes' } });
    draftId = created.body.id as number;
    const saved = await request<Json>(stack.web.url, 'PUT', `/api/v1/rules/drafts/${draftId}`, { token, body: { revision: 1, source } });
    expect(saved.status).to.equal(200);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  for (const [language, locale] of [['pl', 'pl-PL'], ['de', 'de-DE']] as const) {
    it(`in ${language}: beside the calendar, the hours, the condition and the rule; 422 and nothing published`, async () => {
      const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale, timezoneId: 'Europe/Warsaw' });
      try {
        const page: Page = await context.newPage();
        await signInStaffInBrowser(page, stack.web.url, await makeUser(stack.db, 'process_owner', `owner-invalid-${language}`, language));
        const rulesT = await localeT(language, 'rules');
        const t = await localeT(language);
        const words = (code: string) => problemText(item(code), rulesT);
        const d = `${stack.web.url}/admin/drafts/${draftId}`;

        await page.goto(d);
        const listed = await page.locator('#problems li').allInnerTexts();
        for (const code of ['UNKNOWN_CALENDAR', 'OVERLAPPING_RANGES', 'CONFLICTING_EQUALS', 'SHADOWED_RULE']) {
          expect(listed.some((l) => l.includes(words(code))), `${code} in the summary`).to.equal(true);
        }

        await page.goto(`${d}/sla`);
        const calendar = page.locator('#sla-5-calendar');
        expect(await calendar.inputValue()).to.equal('mars-base');
        expect(await page.locator('#sla-5-calendar-problem-0').innerText()).to.include(words('UNKNOWN_CALENDAR'));
        expect(await calendar.getAttribute('aria-invalid')).to.equal('true');
        await screenshot(page, `admin-invalid-sla-${language}`);

        await page.goto(`${d}/calendars/warsaw-business`);
        expect(await page.locator('#cal-hours-mon-problem-0').innerText()).to.include(words('OVERLAPPING_RANGES'));

        await page.goto(`${d}/rules/8`);
        expect(await page.locator('#cond-all-1 > .field-error[data-code="CONFLICTING_EQUALS"]').innerText()).to.include(words('CONFLICTING_EQUALS'));

        await page.goto(`${d}/rules`);
        expect(await page.locator('#rule-problems-9 li[data-code="SHADOWED_RULE"]').innerText()).to.include(words('SHADOWED_RULE'));

        const before = (await stack.db.rules.active()).version;
        await page.goto(d);
        await page.fill('#publish-comment', 'Publish it anyway');
        const answer = page.waitForResponse((r) => r.url().endsWith(`/admin/drafts/${draftId}/publish`));
        await page.click('#publish-submit');
        expect((await answer).status()).to.equal(422);
        expect(await page.locator('#publish-refused h3').innerText()).to.equal(t('draft.publishRefused', { count: review.errors }));
        expect((await stack.db.rules.active()).version).to.equal(before);
        expect(await page.locator('#draft-status').innerText()).to.include(t('status.draft'));
      } finally {
        await context.close();
      }
    });
  }
});
