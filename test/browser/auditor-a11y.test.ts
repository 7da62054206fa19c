/**
 * Accessibility of the auditors' pages (/audit): axe-core (@axe-core/playwright) in Debian's
 * chromium finds no serious or critical violation on the home (also with a malformed number), a
 * ticket's timeline (with a "Why" targeted), the replay check's verdict, the audit log's proof and
 * the population form refused, in English and Polish.
 * Every GET page route in auditor-ui/routes/*.ts must be visited here, so a new page cannot go unchecked.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { fastRulesText } from '../fixtures/fast-rules.ts';
import { launchChromium } from '../support/browser.ts';
import { isolatedStack, type IsolatedStack } from '../support/env.ts';
import { signInStaffInBrowser } from '../support/admin-browser.ts';
import { makeUser } from '../support/staff.ts';
import { act, openTicket, waitForEvent } from '../support/tickets.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

function pageRoutes(): string[] {
  const dir = path.join(root, 'auditor-ui/routes');
  return fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))
    .flatMap((f) => [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/router\.get\(\s*'([^']+)'/g)].map((m) => m[1]!));
}

const matches = (pattern: string, url: string) => new RegExp(`^${pattern.replace(/:[A-Za-z]+/g, '[^/?#]+')}$`).test(url.replace(/[?#].*$/, ''));

async function violations(page: Page, label: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')
    .map((v) => `${label}: ${v.id} (${v.impact}) — ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

describe('auditor pages are accessible (axe-core: no serious or critical violation)', function () {
  this.timeout(300_000);
  let stack: IsolatedStack;
  let browser: Browser;
  let number: string;

  before(async () => {
    stack = await isolatedStack('auditor-a11y', fastRulesText({ response: '2s', resolution: '60s', autoCloseAfter: '1h' }));
    number = await openTicket(stack, { impact: 'high', urgency: 'high', title: 'Printer on fire', description: 'Smoke from the tray.' });
    expect((await act(stack, number, 'start', {})).status).to.equal(200);
    await waitForEvent(stack, number, (e) => e.type === 'sla_breached', 30_000);
    expect((await act(stack, number, 'set_pending', { reason: 'Waiting for the serial number' })).status).to.equal(200);
    expect((await act(stack, number, 'resume', { reason: 'Serial number received' })).status).to.equal(200);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  for (const { language, locale } of [{ language: 'en', locale: 'en-GB' }, { language: 'pl', locale: 'pl-PL' }]) {
    it(`every auditor page in ${language}`, async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale, timezoneId: 'Europe/Warsaw' });
      try {
        const page = await context.newPage();
        await signInStaffInBrowser(page, stack.web.url, await makeUser(stack.db, 'auditor', `axe-auditor-${language}`, language));
        const visited: string[] = [];
        const found: string[] = [];
        const visit = async (url: string) => {
          await page.goto(`${stack.web.url}${url}`);
          visited.push(url);
          found.push(...await violations(page, url));
        };
        await visit('/audit');
        await visit('/audit?number=printer');
        await visit(`/audit/tickets/${number}`);
        const why = page.locator('a.why-link').first();
        await why.click();
        found.push(...await violations(page, `/audit/tickets/${number}${new URL(page.url()).hash}`));
        await page.click('#replay-submit');
        await page.waitForURL(/\/replay$/, { timeout: 120_000 });
        found.push(...await violations(page, 'the verdict'));
        await visit('/audit/verify');
        // The population form with a period the wrong way round: its problems beside the fields.
        await page.goto(`${stack.web.url}/audit`);
        await page.fill('#population-from', '2026-12-02');
        await page.fill('#population-to', '2026-12-01');
        await page.click('#population-submit');
        await page.waitForSelector('#population-errors');
        found.push(...await violations(page, 'the population form refused'));
        expect(found).to.deep.equal([]);
        const unvisited = pageRoutes().filter((p) => !visited.some((u) => matches(p, u)));
        expect(unvisited, 'GET page routes this test does not visit').to.deep.equal([]);
      } finally {
        await context.close();
      }
    });
  }
});
