/**
 * The agent's ticket page in chromium, in English, Polish and German: the demo L1 agent takes a
 * ticket, replies publicly, adds an internal note (marked as one, in words) and sets it pending;
 * the requester replies through the portal in another browser context and the reply appears on
 * the agent's page without reloading (live.js over the SSE feed); a refused action (the same
 * priority again) is said beside its form in the agent's language and changes nothing; the agent
 * escalates to L2 with a reason; the requester's second, similar ticket is merged into the first
 * from its duplicates, and the target shows both timelines. Each view is a read in the access log.
 */
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { localeT } from '../support/admin-browser.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { getEnv, type TestEnv } from '../support/env.ts';
import { webReads } from '../support/staff-ticket.ts';
import { fileTicket, portalRequester, signInDemoAgent, signInRequester } from './agent-ticket-steps.ts';

const LANGUAGES = [
  { lng: 'en', locale: 'en-GB', words: { title: 'Cannot sign in to the payroll portal', dup: 'Still cannot sign in to the payroll portal', description: 'Since the password change my account is locked when I sign in to the payroll portal.' } },
  { lng: 'pl', locale: 'pl-PL', words: { title: 'Nie mogę zalogować się do portalu płacowego', dup: 'Nadal nie mogę zalogować się do portalu płacowego', description: 'Od zmiany hasła moje konto blokuje się przy logowaniu do portalu płacowego.' } },
  { lng: 'de', locale: 'de-DE', words: { title: 'Anmeldung am Gehaltsportal nicht möglich', dup: 'Anmeldung am Gehaltsportal immer noch nicht möglich', description: 'Seit der Passwortänderung wird mein Konto bei der Anmeldung am Gehaltsportal gesperrt.' } },
] as const;

describe('agent ticket page in a browser: take, reply, note, pending, the requester’s reply live, a refusal, escalation and a merge (en, pl, de)', function () {
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

  for (const { lng, locale, words } of LANGUAGES) {
    it(`in ${lng}: the demo L1 agent works a ticket from take to escalation, sees the requester’s reply appear without reloading, and merges the duplicate`, async () => {
      const tk = await localeT(lng, 'agent-ticket');
      const api = await localeT(lng, 'api');
      const requester = await portalRequester(env, lng);
      const number = await fileTicket(env, requester, { title: words.title, description: words.description, locale: lng, category: 'access' });
      const duplicate = await fileTicket(env, requester, { title: words.dup, description: words.description, locale: lng, category: 'access' });

      const agentCtx: BrowserContext = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale, timezoneId: 'Europe/Warsaw' });
      const requesterCtx: BrowserContext = await browser.newContext({ locale, timezoneId: 'Europe/Warsaw' });
      try {
        const page: Page = await agentCtx.newPage();
        const agent = await signInDemoAgent(page, env, undefined, lng);
        await page.goto(`${env.web.url}/agent/tickets/${number}`);
        expect(await page.locator('html').getAttribute('lang')).to.equal(lng);
        expect(await page.locator('#ticket-title').innerText()).to.equal(words.title);
        expect(await page.locator('#ticket-description').innerText()).to.equal(words.description);
        expect(await page.locator('main').getAttribute('data-ticket')).to.equal(number);
        const notice = () => page.locator('#action-notice').innerText();

        // Take it.
        await page.click('#take-submit');
        expect(await notice()).to.equal(tk('notice.take', { number }));
        expect(await page.locator('#ticket-assignee').innerText()).to.equal(agent.email);

        // Reply publicly, then an internal note: each marked for what it is, in words.
        const reply = `${lng}: please restart the VPN client and tell us if it still drops.`;
        await page.fill('#reply-message', reply);
        await page.click('#respond-submit');
        expect(await notice()).to.equal(tk('notice.respond'));
        const publicMsg = page.locator('#conversation li.msg-public', { hasText: reply });
        expect(await publicMsg.locator('.msg-label').innerText()).to.equal(tk('conversation.publicLabel'));

        const note = `${lng}: same router model as last month's outage.`;
        await page.fill('#comment-message', note);
        await page.click('#comment-submit');
        expect(await notice()).to.equal(tk('notice.comment'));
        const noteMsg = page.locator('#conversation li.msg-internal', { hasText: note });
        expect(await noteMsg.locator('.note-label').innerText()).to.include(tk('conversation.internalLabel'));
        // Different not by colour alone: a dashed frame.
        expect(await page.evaluate(`getComputedStyle(document.querySelector('#conversation li.msg-internal')).borderTopStyle`)).to.equal('dashed');

        // Set pending with a reason.
        await page.fill('#set_pending-reason', 'Waiting for the requester to restart the client');
        await page.click('#set_pending-submit');
        expect(await notice()).to.equal(tk('notice.set_pending', { number }));
        expect(await page.locator('#ticket-status').innerText()).to.equal(api('statusName.pending'));
        expect(await page.locator('#form-resume').count()).to.equal(1);
        expect(await page.locator('#form-set_pending').count()).to.equal(0);
        if (lng === 'en') await screenshot(page, 'agent-ticket');

        // The requester replies on the portal; the agent's page shows it without a reload.
        let navigations = 0;
        page.on('framenavigated', (f) => {
          if (f === page.mainFrame()) navigations++;
        });
        const portal = await requesterCtx.newPage();
        await signInRequester(portal, env.web.url, requester);
        await portal.goto(`${env.web.url}/tickets/${number}`);
        expect(await portal.content()).not.to.include(note);
        const answer = `${lng}: restarted, it still drops.`;
        await portal.fill('#message', answer);
        await portal.click('#send-reply');
        await page.locator('#conversation li.msg-reply', { hasText: answer }).waitFor({ timeout: 20_000 });
        await page.locator('#ticket-status', { hasText: api('statusName.in_progress') }).waitFor({ timeout: 20_000 });
        expect(navigations).to.equal(0);

        // A refused action: the same priority again (409), said beside its form; nothing changed.
        const priority = (await env.db.tickets.get(number))!.priority!;
        const before = (await env.db.tickets.get(number))!.lastEventSeq;
        await page.fill('#change_priority-reason', 'Checking the refusal');
        const refused = page.waitForResponse((r) => r.url().endsWith('/actions/change_priority'));
        await page.click('#change_priority-submit');
        expect((await refused).status()).to.equal(409);
        await page.waitForLoadState('load');
        expect(await page.locator('#error-change_priority').innerText()).to.equal(api('refusal.samePriority', { priority }));
        expect((await env.db.tickets.get(number))!.lastEventSeq).to.equal(before);

        // Escalate to L2 with a reason.
        await page.selectOption('#escalate-tier', 'L2');
        await page.fill('#escalate-reason', 'The router firmware needs the network team');
        await page.click('#escalate-submit');
        expect(await notice()).to.equal(tk('notice.escalate', { number, tier: 'L2' }));
        expect(await page.locator('#ticket-tier').innerText()).to.equal('L2');
        expect(await page.locator('#timeline').innerText()).to.include('The router firmware needs the network team');

        // The second ticket's page offers the first as a likely duplicate; merged into it, the target shows both timelines.
        await page.goto(`${env.web.url}/agent/tickets/${duplicate}`);
        await page.locator(`#duplicate-${number}`).waitFor();
        await page.fill(`#merge-reason-${number}`, 'Same VPN fault reported twice');
        await page.click(`#merge-into-${number}-submit`);
        expect(await notice()).to.equal(tk('notice.merge', { number: duplicate, into: number }));
        expect(await page.locator('#ticket-status').innerText()).to.equal(api('statusName.merged'));
        await page.goto(`${env.web.url}/agent/tickets/${number}`);
        await page.locator(`#timeline-${duplicate}`).waitFor();
        expect(await page.locator(`#merged-${duplicate}`).count()).to.equal(1);
        expect(await page.locator('#conversation .merged-from').count()).to.be.greaterThan(0);

        // Every view of a page was a read, recorded.
        expect((await webReads(env.db.sequelize, number)).length).to.be.greaterThan(5);
      } finally {
        await requesterCtx.close();
        await agentCtx.close();
      }
    });
  }
});
