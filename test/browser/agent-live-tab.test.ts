/**
 * live.js in chromium when the agent's tab is hidden and shown again, on a stack of its own (so
 * no other test's ticket changes): a hidden tab gives its /agent/stream connection back (browsers
 * allow 6 per host over HTTP/1.1) and opens it again when shown; what changed meanwhile is caught
 * up — the ticket page fetches its live part once (marked X-Background), the queue shows its
 * "new or changed" banner; a burst of changes is at most one fetch a second; and a session that
 * ended while the tab was hidden is said in words, with the sign-in page never put into the
 * ticket page and no stream opened again.
 *
 * Hidden and shown are emulated as the brief of H1 says: `document.visibilityState` redefined and
 * `visibilitychange` dispatched (headless chromium's tabs are always visible).
 */
import { expect } from 'chai';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { launchChromium } from '../support/browser.ts';
import { isolatedStack, type IsolatedStack, type TestEnv } from '../support/env.ts';
import { waitFor } from '../support/processes.ts';
import { act, sleep } from '../support/tickets.ts';
import { fileTicket, portalRequester, signInDemoAgent } from './agent-ticket-steps.ts';

/** Each EventSource the page makes, kept so the test can ask whether it is still open. */
const TRACK_STREAMS = `(() => {
  const Native = window.EventSource;
  const made = [];
  window.__streams = made;
  window.EventSource = class extends Native {
    constructor(url, opts) { super(url, opts); made.push(this); }
  };
})();`;

async function setVisibility(page: Page, state: 'hidden' | 'visible'): Promise<void> {
  await page.evaluate(`(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${state}' });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => '${state}' === 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  })()`);
}

/** How many of the page's streams are open or opening (readyState 0 or 1). */
const openStreams = (page: Page) => page.evaluate<number>('window.__streams.filter((s) => s.readyState !== 2).length');
const streamOpen = (page: Page) => waitFor('the page\'s stream open', async () => ((await page.evaluate<boolean>('window.__streams.some((s) => s.readyState === 1)')) ? true : undefined), 10_000, 50);

/** `ticket` events of the page's open stream, as the server sends them: `count` of them, 100 ms apart. */
const ticketEvents = (page: Page, number: string, count: number) => page.evaluate(`(() => {
  const open = window.__streams.find((s) => s.readyState === 1);
  const data = JSON.stringify({ number: '${number}', status: 'new', statusText: 'new', assignee: null, countdowns: [], announce: '' });
  for (let i = 0; i < ${count}; i++) setTimeout(() => open.dispatchEvent(new MessageEvent('ticket', { data })), i * 100);
})()`);

describe('live.js in a hidden tab: the stream given back, opened again when shown, what was missed caught up', function () {
  this.timeout(240_000);
  let stack: IsolatedStack;
  let env: TestEnv;
  let browser: Browser;

  before(async () => {
    stack = await isolatedStack('agent-live-tab');
    env = stack as unknown as TestEnv;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  it('closes the stream while the ticket page is hidden, reopens it when shown and fetches the live part once to show a note written meanwhile (and not when nothing changed); a burst of changes is two fetches a second apart; a session ended meanwhile is said, not shown as the sign-in page', async () => {
    const requester = await portalRequester(env, 'en');
    const number = await fileTicket(env, requester, { title: 'The VPN drops every ten minutes', description: 'Since Monday the VPN drops every ten minutes.', locale: 'en' });
    const ctx: BrowserContext = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Warsaw' });
    try {
      const page = await ctx.newPage();
      await page.addInitScript(TRACK_STREAMS);
      await signInDemoAgent(page, env);
      const streams: Request[] = [];
      const lives: Array<{ at: number; request: Request }> = [];
      page.on('request', (r) => {
        if (r.url().includes('/agent/stream')) streams.push(r);
        if (r.url().endsWith(`/agent/tickets/${number}/live`)) lives.push({ at: Date.now(), request: r });
      });
      const note = (text: string) => act(stack, number, 'comment', { message: text });
      const shows = (text: string) => page.locator('#conversation li.msg-internal', { hasText: text }).waitFor({ timeout: 15_000 });
      await page.goto(`${env.web.url}/agent/tickets/${number}`);
      await streamOpen(page);
      expect(streams).to.have.length(1);

      // Hidden: the stream is closed, and a change meanwhile makes no request.
      const livesBefore = lives.length;
      await setVisibility(page, 'hidden');
      expect(await openStreams(page)).to.equal(0);
      const whileHidden = 'Written while the tab was hidden';
      expect((await note(whileHidden)).status).to.equal(200);
      await waitFor('the note in the read model', async () => ((await env.db.tickets.get(number))?.timeline.some((e) => e.data.message === whileHidden) ? true : undefined), 15_000);
      await sleep(1_500);
      expect(streams, 'no stream while hidden').to.have.length(1);
      expect(lives.length - livesBefore, 'no fetch while hidden').to.equal(0);
      expect(await page.locator('#conversation').innerText()).not.to.include(whileHidden);

      // Shown: a new stream, and the live part fetched once in the background to catch up.
      await setVisibility(page, 'visible');
      await shows(whileHidden);
      await streamOpen(page);
      expect(streams).to.have.length(2);
      expect(await openStreams(page)).to.equal(1);
      expect(lives.length - livesBefore, 'one fetch to catch up').to.equal(1);
      expect(lives.at(-1)!.request.headers()['x-background']).to.equal('1');

      // A burst of five changes of the ticket within half a second: the first fetched at once, the rest in one fetch a second later.
      await sleep(1_100);
      const burstFrom = lives.length;
      await ticketEvents(page, number, 5);
      await sleep(2_500);
      expect(lives.length - burstFrom, 'fetches for a burst of five changes').to.equal(2);
      expect(lives[burstFrom + 1]!.at - lives[burstFrom]!.at).to.be.at.least(900);

      // Hidden and shown again with nothing changed meanwhile: a new stream, and no fetch (each would be a read in the access log).
      const quietFrom = lives.length;
      const streamsBefore = streams.length;
      await setVisibility(page, 'hidden');
      await sleep(500);
      await setVisibility(page, 'visible');
      await streamOpen(page);
      await sleep(1_500);
      expect(streams.length - streamsBefore, 'a new stream').to.equal(1);
      expect(lives.length - quietFrom, 'no fetch when nothing changed').to.equal(0);

      // The session ends while the tab is hidden (signed out in another tab); shown again, the page says so.
      await setVisibility(page, 'hidden');
      const other = await ctx.newPage();
      await other.goto(`${env.web.url}/agent`);
      await other.click('#staff-sign-out');
      await other.waitForLoadState('load');
      await other.close();
      expect((await note('Written after the sign-out')).status).to.equal(200);
      await setVisibility(page, 'visible');
      const said = page.locator('[data-live-status]', { hasText: 'Your session has ended, so live updates stopped. Sign in again to go on.' });
      await said.waitFor({ state: 'attached', timeout: 15_000 });
      expect(await page.locator('#ticket-live #conversation').count(), 'the live part is still the ticket\'s').to.equal(1);
      expect(await page.locator('#ticket-live form[action="/staff/sign-in"], #ticket-live #password').count(), 'no sign-in page inside').to.equal(0);
      const after = streams.length;
      await sleep(3_000);
      expect(streams.length, 'no stream opened after the session ended').to.equal(after);
      expect(await openStreams(page)).to.equal(0);
    } finally {
      await ctx.close();
    }
  });

  it('on the queue page: the stream closed while hidden, opened again when shown, and the "new or changed" banner shown since changes may have been missed', async () => {
    const ctx: BrowserContext = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Warsaw' });
    try {
      const page = await ctx.newPage();
      await page.addInitScript(TRACK_STREAMS);
      await signInDemoAgent(page, env);
      let streams = 0;
      page.on('request', (r) => {
        if (r.url().includes('/agent/stream')) streams++;
      });
      await page.goto(`${env.web.url}/agent`);
      await streamOpen(page);
      expect(await page.locator('#live-banner').isHidden()).to.equal(true);
      await setVisibility(page, 'hidden');
      expect(await openStreams(page)).to.equal(0);
      await setVisibility(page, 'visible');
      await streamOpen(page);
      expect(streams).to.equal(2);
      expect(await page.locator('#live-banner').isVisible()).to.equal(true);
    } finally {
      await ctx.close();
    }
  });
});
