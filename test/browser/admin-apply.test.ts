/**
 * Applying a rules version to open tickets, in chromium: a process owner goes from the version's
 * page to the preview, sees the open tickets the version changes and how ("Resolution target:
 * 9h → 4h"), is told beside the field when the reason is missing, applies it to the tickets that
 * change and follows the run's page, which reloads itself (no JavaScript) until it is done; a
 * run waiting for a worker is cancelled from its page. The preview in Polish and German; no
 * serious accessibility violation on the preview, nor on the run's page with its reloading
 * turned off (axe's meta-refresh rule flags any self-reloading page: the page offers the switch
 * WCAG 2.2.1 asks for).
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, screenshot } from '../support/browser.ts';
import { isolatedStack, type IsolatedStack } from '../support/env.ts';
import { localeT, signInStaffInBrowser } from '../support/admin-browser.ts';
import { makeUser } from '../support/staff.ts';
import { openTicket, timeline, waitForEvent } from '../support/tickets.ts';

describe('admin pages in a browser: a process owner previews and applies the active version to open tickets', function () {
  this.timeout(300_000);
  let stack: IsolatedStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const p1: string[] = [];
  let p4: string;

  async function axe(url: string): Promise<string[]> {
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${url}: ${v.id} — ${v.help}`);
  }

  before(async () => {
    stack = await isolatedStack('admin-apply');
    p1.push(await openTicket(stack, { impact: 'high', urgency: 'high', title: 'Payroll down' }), await openTicket(stack, { impact: 'high', urgency: 'high', title: 'Scanners offline' }));
    p4 = await openTicket(stack, { impact: 'low', urgency: 'low', title: 'Mouse squeaks' });
    for (const n of [...p1, p4]) await waitForEvent(stack, n, (e) => e.type === 'classified');
    p1.sort();
    const file = structuredClone((await stack.db.rules.active()).file);
    file.slaPolicies.find((p) => p.id === 'standard-p1')!.resolution = '4h';
    expect((await stack.db.rules.publish(JSON.stringify(file, null, 2), { author: 'owner', comment: 'P1 resolution 9h → 4h' })).ok).to.equal(true);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Warsaw' });
    page = await context.newPage();
    await signInStaffInBrowser(page, stack.web.url, await makeUser(stack.db, 'process_owner', 'apply-owner', 'en'));
  });

  after(async () => {
    await context?.close();
    await browser?.close();
  });

  it('previews the change from the version page, asks for a reason, applies it to the tickets that change and follows the run until it is done', async () => {
    const t = await localeT('en', 'admin-apply');
    await page.goto(`${stack.web.url}/admin/versions/2`);
    await page.click('#version-apply-link');
    await page.waitForURL(/\/admin\/versions\/2\/apply$/);
    expect(await page.locator('h1').innerText()).to.equal(t('heading', { version: 2 }));
    expect(await page.locator('#count-open').innerText()).to.equal(t('count.open', { count: 3 }));
    expect(await page.locator('#count-changing').innerText()).to.equal(t('count.changing', { count: 2 }));
    expect(await page.locator('#count-unchanged').innerText()).to.equal(t('count.unchanged', { count: 1 }));
    expect(await page.locator('#apply-tickets tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-number')))).to.deep.equal(p1);
    const changes = await page.locator(`#apply-tickets tr[data-number="${p1[0]}"] .apply-changes li`).allInnerTexts();
    expect(changes[0]).to.equal(t('change', { field: t('field.resolutionTarget'), from: '9h', to: '4h' }));
    expect(changes[1]).to.match(new RegExp(`^${t('field.resolutionDeadline')}: .+ → .+$`));
    await page.click('#apply-lists a[data-list="unchanged"]');
    expect(await page.locator('#apply-tickets tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-number')))).to.deep.equal([p4]);
    const found = await axe('/admin/versions/2/apply');
    await screenshot(page, 'admin-apply-en');

    // A reason of spaces only: refused, said beside the field.
    await page.click('#apply-lists a[data-list="changing"]');
    expect(await page.locator('#apply-changing').innerText()).to.equal(t('form.applyChanging', { count: 2 }));
    expect(await page.locator('#apply-all').innerText()).to.equal(t('form.applyAll', { count: 3 }));
    await page.fill('#apply-reason', '   ');
    await page.click('#apply-changing');
    expect(await page.locator('#apply-reason-problem-0').innerText()).to.include(t('form.reasonRequired'));
    expect(await page.locator('#apply-reason').getAttribute('aria-invalid')).to.equal('true');

    // With no worker the run waits: its page says so, reloads itself and offers to cancel.
    await stack.stopWorker();
    await page.fill('#apply-reason', 'P1 resolution is 4h now');
    await page.click('#apply-changing');
    await page.waitForURL(/\/admin\/apply-runs\/[0-9a-f-]{36}$/);
    expect(await page.locator('#apply-run-status').getAttribute('data-status')).to.equal('queued');
    expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).to.equal('2');
    expect(await page.locator('#apply-run-cancel-submit').innerText()).to.equal(t('run.cancel'));
    // The reloading can be turned off (WCAG 2.2.1), and on again.
    await page.click('#apply-run-refresh-off');
    expect(await page.locator('meta[http-equiv="refresh"]').count()).to.equal(0);
    expect(await page.locator('#apply-run-reload').innerText()).to.equal(t('run.reload'));
    found.push(...(await axe('/admin/apply-runs/:run?refresh=off (queued)')));
    await page.click('#apply-run-refresh-on');
    expect(await page.locator('meta[http-equiv="refresh"]').getAttribute('content')).to.equal('2');
    await stack.startWorker();
    // No reload from here: the page's own refresh brings the end.
    await page.locator('#apply-run-status[data-status="done"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('#apply-run-status').innerText()).to.include(t('status.done'));
    expect(await page.locator('#run-sent').innerText()).to.equal(t('run.sent', { count: 2 }));
    expect(await page.locator('#run-unchanged').innerText()).to.equal(t('run.unchanged', { count: 1 }));
    expect(await page.locator('meta[http-equiv="refresh"]').count()).to.equal(0);
    expect(await page.locator('#apply-run-cancel').count()).to.equal(0);
    await screenshot(page, 'admin-apply-run-en');
    for (const n of p1) {
      const e = await waitForEvent(stack, n, (x) => x.type === 'reclassified');
      expect(e.reason).to.equal('P1 resolution is 4h now');
    }
    expect((await timeline(stack, p4)).some((e) => e.type === 'reclassified')).to.equal(false);
    expect(found, found.join('\n')).to.deep.equal([]);
  });

  it('cancels a run from its page', async () => {
    const t = await localeT('en', 'admin-apply');
    await page.goto(`${stack.web.url}/admin/versions/2/apply`);
    expect(await page.locator('#count-open').innerText()).to.equal(t('count.open', { count: 1 }));
    await stack.stopWorker();
    try {
      await page.fill('#apply-reason', 'everything on version 2');
      await page.click('#apply-all');
      await page.waitForURL(/\/admin\/apply-runs\/[0-9a-f-]{36}$/);
      await page.click('#apply-run-cancel-submit');
      await page.locator('#apply-run-status[data-status="cancelled"]').waitFor();
      expect(await page.locator('#apply-run-status').innerText()).to.include(t('status.cancelled'));
      expect(await page.locator('#run-sent').innerText()).to.equal(t('run.sent', { count: 0 }));
    } finally {
      await stack.startWorker();
    }
    await page.goto(`${stack.web.url}/admin/versions/2/apply`);
    expect(await page.locator('#apply-runs li').count()).to.equal(2);
    expect((await stack.db.tickets.get(p4))!.rulesVersion).to.equal(1);
  });

  for (const language of ['pl', 'de'] as const) {
    it(`shows the preview in ${language}`, async () => {
      const t = await localeT(language, 'admin-apply');
      await page.goto(`${stack.web.url}/admin/versions/2/apply`);
      await page.click(`form.languages button[value="${language}"]`);
      await page.waitForURL(/\/admin\/versions\/2\/apply$/);
      expect(await page.locator('h1').innerText()).to.equal(t('heading', { version: 2 }));
      expect(await page.locator('#count-open').innerText()).to.equal(t('count.open', { count: 1 }));
      expect(await page.locator('#apply-none').innerText()).to.equal(t('none.changing'));
    });
  }
});
