/**
 * The agents' queues in chromium, in English, Polish and German, on a stack of their own (so the
 * queues hold only this test's tickets): the demo requesters' seeded tickets are filed through the
 * API; the demo L1 agent signs in and sees the L1 ones in their tier's queue with both countdowns,
 * takes one with the bulk form (its result reported, and the ticket is in "My tickets"), escalates
 * another to L2 with a reason on the ticket page, and the demo L2 agent finds it in their queue;
 * a bulk priority change reports each ticket. A screenshot of the queue goes to
 * SCREENSHOTS_DIR/agent-queue.png (docs/screenshots/ under `npm run screenshots`).
 */
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO_TICKETS } from '../../db/seed.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { isolatedStack, type IsolatedStack, type TestEnv } from '../support/env.ts';
import { localeT } from '../support/admin-browser.ts';
import { DEMO_L2_AGENT, demoAgent, fileTicket, signInDemoAgent } from './agent-ticket-steps.ts';

const LANGUAGES = [
  { lng: 'en', locale: 'en-GB', title: 'Laptop docking station shows no picture' },
  { lng: 'pl', locale: 'pl-PL', title: 'Stacja dokująca laptopa nie pokazuje obrazu' },
  { lng: 'de', locale: 'de-DE', title: 'Dockingstation des Laptops zeigt kein Bild' },
] as const;

describe('agent queues in a browser: seeded tickets with countdowns, take, escalate to L2, bulk priority (en, pl, de)', function () {
  this.timeout(400_000);
  let stack: IsolatedStack;
  let env: TestEnv;
  let browser: Browser;
  const seeded: Array<{ number: string; title: string; l1: boolean }> = [];

  before(async () => {
    stack = await isolatedStack('agent-queue');
    // The steps read the database, the web server and tokens: an isolated stack has all three.
    env = stack as unknown as TestEnv;
    await demoAgent(env);
    for (const t of DEMO_TICKETS) {
      const number = await fileTicket(env, { email: t.requesterEmail }, { title: t.title, description: t.description, locale: t.locale, category: t.category });
      // Network problems go to Infrastructure (L2, the default rules); the rest stay with the Service Desk (L1).
      seeded.push({ number, title: t.title, l1: t.category !== 'network' });
    }
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  for (const { lng, locale, title } of LANGUAGES) {
    it(`in ${lng}: the L1 agent sees the L1 queue with countdowns, takes a ticket, escalates one that the L2 agent then finds, and changes priorities in bulk`, async () => {
      const ag = await localeT(lng, 'agent');
      const api = await localeT(lng, 'api');
      const file = (suffix: string) => fileTicket(env, { email: 'anna.kowalska@example.com' }, { title: `${title} ${suffix}`, description: `${title}: ${suffix}.`, locale: lng, category: 'hardware' });
      const taken = await file('A');
      const escalated = await file('B');
      const bulk = [await file('C'), await file('D')];

      const l1Ctx: BrowserContext = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale, timezoneId: 'Europe/Warsaw' });
      const l2Ctx: BrowserContext = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale, timezoneId: 'Europe/Warsaw' });
      try {
        const page: Page = await l1Ctx.newPage();
        const agent = await signInDemoAgent(page, env, undefined, lng);
        // The Queues link in the staff navigation; the agent's tier's queue opens first.
        await page.click('#nav-agent');
        await page.waitForURL(/\/agent$/);
        expect(await page.locator('html').getAttribute('lang')).to.equal(lng);
        expect(await page.locator('#queue-heading').innerText()).to.equal(ag('queue.name.tier'));
        expect(await page.locator('#tab-tier').getAttribute('aria-current')).to.equal('page');
        for (const s of seeded.filter((x) => x.l1)) {
          const row = page.locator(`tr[data-ticket="${s.number}"]`);
          expect(await row.locator('td.title').innerText()).to.include(s.title);
          for (const clock of ['response', 'resolution']) {
            const cell = row.locator(`[data-clock="${clock}"]`);
            expect((await cell.innerText()).trim()).to.not.equal('').and.not.equal('—');
            expect(await cell.getAttribute('class')).to.match(/^sla sla-(ok|warning|breached|paused|met|stopped)$/);
          }
        }
        // The VIP's ticket is marked in words.
        const vipRow = page.locator(`tr[data-ticket="${seeded.find((s) => s.title.startsWith('Mail'))!.number}"]`);
        expect(await vipRow.locator('[data-vip]').innerText()).to.equal(ag('table.vip'));
        if (lng === 'en') await screenshot(page, 'agent-queue');

        // Take one with the bulk form: its result is reported, and it is in "My tickets".
        await page.check(`#select-${taken}`);
        await page.check('#bulk-take');
        await page.click('#bulk-submit');
        await page.waitForSelector('#bulk-results');
        expect(await page.locator(`#bulk-results li[data-result="${taken}"]`).innerText()).to.equal(`${taken}: ${ag('bulk.ok', { status: api('statusName.assigned') })}`);
        expect(await page.locator('#bulk-summary').innerText()).to.equal(ag('bulk.summary', { count: 1, done: 1 }));
        await page.click('#tab-mine');
        expect(await page.locator(`tr[data-ticket="${taken}"] [data-field="assignee"]`).innerText()).to.equal(agent.email);

        // Escalate another to L2 with a reason on the ticket page.
        await page.goto(`${env.web.url}/agent/tickets/${escalated}`);
        await page.click('#take-submit');
        await page.selectOption('#escalate-tier', 'L2');
        await page.fill('#escalate-reason', `${lng}: the dock needs a firmware fix from second line`);
        await page.click('#escalate-submit');
        await page.waitForSelector('#action-notice');

        // The L2 agent finds it in their tier's queue and under "escalated to me".
        const l2 = await l2Ctx.newPage();
        await signInDemoAgent(l2, env, DEMO_L2_AGENT, lng);
        await l2.goto(`${env.web.url}/agent`);
        expect(await l2.locator(`tr[data-ticket="${escalated}"] td.title`).innerText()).to.include(`${title} B`);
        await l2.click('#tab-escalated');
        expect(await l2.locator(`tr[data-ticket="${escalated}"] .badge.escalated`).innerText()).to.equal(ag('table.escalated'));

        // A bulk priority change reports each ticket.
        await page.goto(`${env.web.url}/agent?queue=tier`);
        for (const n of bulk) await page.check(`#select-${n}`);
        await page.check('#bulk-change-priority');
        await page.fill('#bulk-priority', 'P1');
        await page.fill('#bulk-reason', `${lng}: the whole floor is affected`);
        await page.click('#bulk-submit');
        await page.waitForSelector('#bulk-results');
        expect(await page.locator('#bulk-summary').innerText()).to.equal(ag('bulk.summary', { count: 2, done: 2 }));
        for (const n of bulk) {
          expect(await page.locator(`#bulk-results li[data-result="${n}"]`).getAttribute('class')).to.equal('result-ok');
          expect(await page.locator(`tr[data-ticket="${n}"] td.priority`).innerText()).to.equal('P1');
        }
        // A bad bulk request is refused beside its field, nothing done.
        await page.check(`#select-${bulk[0]}`);
        await page.check('#bulk-change-priority');
        await page.fill('#bulk-priority', 'P2');
        await page.fill('#bulk-reason', '');
        await page.click('#bulk-submit');
        expect(await page.locator('#reason-error').innerText()).to.equal(api('field.required', { field: ag('bulk.reason') }));
        expect(await page.locator(`tr[data-ticket="${bulk[0]}"] td.priority`).innerText()).to.equal('P1');
      } finally {
        await l1Ctx.close();
        await l2Ctx.close();
      }
    });
  }
});
