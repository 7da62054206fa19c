/**
 * The admin form sections in chromium: a process owner changes the priority matrix cell impact
 * medium × urgency high to P1, adds the ladder step "at 50% of resolution notify duty_manager" and
 * changes the retention periods, each saved and shown again with its new values; every form posted
 * back unchanged leaves the draft canonical-identical (the shipped rules and the second-scale test
 * rules); and a German process owner who adds a step after 99h to the P1 ladder (4h resolution for
 * gold) sees the checks' warning beside that step, in German, with no JavaScript needed.
 */
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { canonicalJson } from '../../rules/hash.ts';
import { fastRulesText } from '../fixtures/fast-rules.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { isolatedStack, type IsolatedStack } from '../support/env.ts';
import { localeT, signInStaffInBrowser } from '../support/admin-browser.ts';
import { makeUser } from '../support/staff.ts';

/** Each form page and its save button. */
const PAGES: Array<[string, string]> = [
  ['matrix', '#matrix-save'], ['tiers', '#tiers-save'], ['ladders', '#ladders-save'], ['ladders/p1-major', '#ladder-save'],
  ['ladders/standard', '#ladder-save'], ['general', '#general-save'], ['retention', '#retention-save'],
];

describe('admin form sections in a browser: matrix, ladders, retention, and nothing lost on save', function () {
  this.timeout(300_000);
  let stack: IsolatedStack;
  let browser: Browser;

  before(async () => {
    stack = await isolatedStack('admin-forms', undefined, { worker: false });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  async function draftSource(id: number): Promise<string> {
    const [row] = await stack.db.sequelize.query<{ source: string }>('SELECT source FROM rules_drafts WHERE id = :id', { replacements: { id }, type: QueryTypes.SELECT });
    return row!.source;
  }

  /** Starts a draft from `version` on the admin home page; its id. */
  async function startDraft(page: Page, title: string, version?: number): Promise<number> {
    await page.goto(`${stack.web.url}/admin`);
    await page.fill('#draft-title', title);
    if (version !== undefined) await page.selectOption('#draft-from', String(version));
    await page.click('#new-draft-submit');
    await page.waitForURL(/\/admin\/drafts\/\d+$/);
    return Number(/\/admin\/drafts\/(\d+)$/.exec(page.url())![1]);
  }

  async function signedIn(language: string, locale: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale, javaScriptEnabled: false });
    const page = await context.newPage();
    await signInStaffInBrowser(page, stack.web.url, await makeUser(stack.db, 'process_owner', `forms-${language}`, language));
    return { context, page };
  }

  describe('in English', () => {
    let context: BrowserContext;
    let page: Page;
    before(async () => ({ context, page } = await signedIn('en', 'en-GB')));
    after(async () => context?.close());

    it('posting every form back unchanged leaves the draft canonical-identical, for the shipped rules and the second-scale test rules', async () => {
      const t = await localeT('en');
      const fast = await stack.db.rules.publish(fastRulesText(), { author: 'test', comment: 'second-scale rules for the forms test' });
      expect(fast.ok).to.equal(true);
      const versions = [1, (await stack.db.rules.active()).version];
      for (const version of versions) {
        const content = canonicalJson(JSON.parse((await stack.db.rules.get(version))!.source));
        const id = await startDraft(page, `Unchanged ${version}`, version);
        for (const [path, save] of PAGES) {
          await page.goto(`${stack.web.url}/admin/drafts/${id}/${path}`);
          await page.click(save);
          expect(await page.locator('#notice').innerText(), path).to.equal(t('notice.saved'));
          expect(canonicalJson(JSON.parse(await draftSource(id))), `${path} of version ${version}`).to.equal(content);
          if (version === 1 && (path === 'tiers' || path === 'general' || path === 'ladders')) await screenshot(page, `admin-${path}-en`);
        }
      }
    });

    it('changes the matrix cell medium × high to P1, adds "at 50% of resolution notify duty_manager" to a ladder and changes retention', async () => {
      const t = await localeT('en');
      const tf = await localeT('en', 'admin-forms');
      const id = await startDraft(page, 'Forms in a browser', 1);

      await page.click('.sections a[href$="/matrix"]');
      expect(await page.locator('#matrix-medium-high').inputValue()).to.equal('P2');
      await page.selectOption('#matrix-medium-high', 'P1');
      await page.click('#matrix-save');
      expect(await page.locator('#notice').innerText()).to.equal(t('notice.saved'));
      expect(await page.locator('#matrix-medium-high').inputValue()).to.equal('P1');
      expect(await page.locator('#matrix-high-medium').inputValue()).to.equal('P2');
      await screenshot(page, 'admin-matrix-en');

      await page.click('.sections a[href$="/ladders"]');
      await page.click(`a.edit-steps[href$="/ladders/standard"]`);
      expect(await page.locator('h1').innerText()).to.equal(tf('ladder.heading', { ladder: 'standard' }));
      await page.selectOption('#new-step-clock', 'resolution');
      await page.fill('#new-step-when', '50%');
      await page.fill('#new-step-notify', 'duty_manager');
      await page.click('#add-step-submit');
      expect(await page.locator('#notice').innerText()).to.equal(t('notice.saved'));
      const row = page.locator('#steps-table tr[data-step="resolution-50pct"]');
      expect(await row.locator('th').innerText()).to.equal('3');
      expect(await row.locator('select[name$=":clock"]').inputValue()).to.equal('resolution');
      expect(await row.locator('input[name$=":when"]').inputValue()).to.equal('50%');
      expect(await row.locator('input[name$=":notify"]').inputValue()).to.equal('duty_manager');
      await screenshot(page, 'admin-ladder-en');

      await page.click('.sections a[href$="/retention"]');
      expect(await page.locator('#ret-defaultDays').inputValue()).to.equal('730');
      await page.fill('#ret-defaultDays', '365');
      await page.fill('#ret-closedTicketDays', '1825');
      await page.click('#retention-save');
      expect(await page.locator('#notice').innerText()).to.equal(t('notice.saved'));
      expect(await page.locator('#ret-defaultDays').inputValue()).to.equal('365');
      expect(await page.locator('#ret-closedTicketDays').inputValue()).to.equal('1825');
      expect(await page.locator('#retention-meaning').innerText()).to.include(tf('retention.meansTicket', { count: 1825 }));
      await screenshot(page, 'admin-retention-en');

      await page.click(`.sections a[href$="/admin/drafts/${id}"]`);
      expect(await page.locator('#problem-count').innerText()).to.include(t('draft.errors', { count: 0 }));
      const saved = JSON.parse(await draftSource(id));
      expect(saved.priorityMatrix.medium.high).to.equal('P1');
      expect(saved.ladders[1].steps[2]).to.deep.equal({ id: 'resolution-50pct', at: { clock: 'resolution', fraction: 0.5 }, notify: ['duty_manager'] });
      expect(saved.retention).to.deep.equal({ personalData: { defaultDays: 365, byCategory: { access: 365 } }, closedTicketDays: 1825 });
    });
  });

  describe('in German', () => {
    let context: BrowserContext;
    let page: Page;
    before(async () => ({ context, page } = await signedIn('de', 'de-DE')));
    after(async () => context?.close());

    it('a step after 99h on the P1 ladder (gold P1 resolution 4h) shows the checks\' warning beside the step, in German', async () => {
      const t = await localeT('de');
      const rules = await localeT('de', 'rules');
      const id = await startDraft(page, 'Später Schritt', 1);
      await page.goto(`${stack.web.url}/admin/drafts/${id}/ladders/p1-major`);
      await page.selectOption('#new-step-clock', 'resolution');
      await page.fill('#new-step-when', '99h');
      await page.fill('#new-step-notify', 'duty_manager');
      await page.click('#add-step-submit');
      expect(await page.locator('#notice').innerText()).to.equal(t('notice.saved'));
      const when = page.locator('#step-4-when');
      expect(await when.inputValue()).to.equal('99h');
      expect(await when.getAttribute('aria-describedby')).to.include('step-4-when-problem-0');
      const warning = page.locator('tr[data-step-problems="resolution-99h"] #step-4-when-problem-0');
      expect(await warning.getAttribute('data-code')).to.equal('LADDER_STEP_BEYOND_TARGET');
      const text = await warning.innerText();
      const opening = rules('problem.LADDER_STEP_BEYOND_TARGET', { step: 'resolution-99h', ladder: 'p1-major', clock: 'resolution', at: '99h', targets: '' }).split('99h')[0]!;
      expect(text).to.include(opening);
      expect(text).to.include('"gold-p1" (4h)');
      expect(await page.locator('#error-summary a[href="#step-4-when"]').count()).to.equal(1);
      await screenshot(page, 'admin-ladder-warning-de');
    });
  });
});
