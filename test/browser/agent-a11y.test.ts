/**
 * The agents' workspace is accessible: @axe-core/playwright in chromium finds no serious or
 * critical violation (WCAG 2.1 A and AA) on the agent's pages — the queue page, the team page (as
 * the demo team lead), the ticket page as it is first opened, with a refused action's sentence beside its form, with a merged ticket's conversation
 * and timeline linked, and on a tablet's width — in English and Polish.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.ts';
import { getEnv, type TestEnv } from '../support/env.ts';
import { signInStaffInBrowser } from '../support/admin-browser.ts';
import { demoAgent, fileTicket, portalRequester, signInDemoAgent } from './agent-ticket-steps.ts';

const DEMO_LEAD = 'sd.lead@example.com';

async function violations(page: Page, label: string): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')
    .map((v) => `${label}: ${v.id} (${v.impact}) — ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

describe('agent pages are accessible (axe-core: no serious or critical violation)', function () {
  this.timeout(300_000);
  let env: TestEnv;
  let browser: Browser;

  before(async () => {
    env = await getEnv();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  for (const { language, locale } of [{ language: 'en', locale: 'en-GB' }, { language: 'pl', locale: 'pl-PL' }]) {
    it(`the queue, the team page and the ticket page in ${language}: as opened, with a refusal beside its form, with a merged ticket, on a tablet`, async () => {
      const requester = await portalRequester(env, language);
      const number = await fileTicket(env, requester, { title: 'Cannot sign in to the payroll portal', description: 'My account is locked since the password change.', locale: language, category: 'access' });
      const other = await fileTicket(env, requester, { title: 'Payroll portal sign-in locked again', description: 'The payroll portal locks my account.', locale: language, category: 'access' });
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale, timezoneId: 'Europe/Warsaw' });
      try {
        const page = await context.newPage();
        await signInDemoAgent(page, env, undefined, language);
        const found: string[] = [];
        const visit = async (url: string) => {
          const res = await page.goto(`${env.web.url}${url}`);
          expect(res?.status(), url).to.equal(200);
          found.push(...await violations(page, url));
        };
        await visit('/agent');
        await visit(`/agent/tickets/${number}`);
        await page.click('#take-submit');
        // The same priority again: refused, the sentence beside the form.
        await page.fill('#change_priority-reason', 'Checking the refusal');
        await page.click('#change_priority-submit');
        await page.locator('#error-change_priority').waitFor();
        found.push(...await violations(page, 'a refusal beside its form'));
        // The merge form without a reason's field filled by the browser check: typed into itself, refused.
        await page.fill('#merge-into', number);
        await page.fill('#merge-reason', 'Into itself');
        await page.click('#merge-typed-submit');
        await page.locator('#error-merge').waitFor();
        found.push(...await violations(page, 'a merge refused'));
        // Another ticket merged into this one: its conversation and timeline linked.
        await page.goto(`${env.web.url}/agent/tickets/${other}`);
        await page.fill('#merge-into', number);
        await page.fill('#merge-reason', 'Same lock-out');
        await page.click('#merge-typed-submit');
        await page.locator('#action-notice').waitFor();
        found.push(...await violations(page, 'a merged ticket'));
        await visit(`/agent/tickets/${number}`);
        await page.locator(`#timeline-${other}`).waitFor();
        await page.setViewportSize({ width: 820, height: 1180 });
        found.push(...await violations(page, 'the ticket page on a tablet'));

        // The team page, as the demo team lead sees it.
        const lead = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale, timezoneId: 'Europe/Warsaw' });
        try {
          const leadPage = await lead.newPage();
          const user = await demoAgent(env, DEMO_LEAD, language);
          await env.db.sequelize.query(`UPDATE users SET team_lead = true WHERE id = :id`, { replacements: { id: user.id } });
          await signInStaffInBrowser(leadPage, env.web.url, user);
          const res = await leadPage.goto(`${env.web.url}/agent/team`);
          expect(res?.status(), '/agent/team').to.equal(200);
          found.push(...await violations(leadPage, '/agent/team'));
        } finally {
          await lead.close();
        }
        expect(found).to.deep.equal([]);
      } finally {
        await context.close();
      }
    });
  }
});
