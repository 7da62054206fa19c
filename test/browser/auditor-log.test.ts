/**
 * The auditors' audit-log page (/audit/log) in chromium: a process owner publishes silver P2
 * resolution 9h → 4h through the admin API; an auditor, in English, Polish and German, filters by
 * `rules.*` and by the period, reads the publication as the change in words in their language
 * (collapsible, no link to the admin pages), pages to older entries, and is told in their
 * language beside the field when a date is wrong (400, nothing listed). An admin sees the page
 * with a link to the version; agents, process owners and requesters are refused (403) on
 * /audit/log and /staff/audit, which sends auditors and admins on to /audit/log. The CSV holds the
 * filtered entries. axe-core finds no serious or critical violation.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { changeText } from '../../rules/change-text.ts';
import type { Change } from '../../rules/diff.ts';
import { PortalClient, textOf } from '../portal-client.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { isolatedStack, type IsolatedStack } from '../support/env.ts';
import { localeT, signInStaffInBrowser } from '../support/admin-browser.ts';
import { request } from '../support/http.ts';
import { makeUser, PASSWORD, signInEnrolled, type TestUser } from '../support/staff.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const LANGUAGES = [
  { language: 'en', locale: 'en-GB' },
  { language: 'pl', locale: 'pl-PL' },
  { language: 'de', locale: 'de-DE' },
] as const;

/** A day in Warsaw as YYYY-MM-DD, `plusDays` from today. */
const warsawDay = (plusDays = 0) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Warsaw' }).format(new Date(Date.now() + plusDays * 86_400_000));

describe('auditors’ audit-log page in a browser: filters, rules changes in words, paging, refusals', function () {
  this.timeout(300_000);
  let stack: IsolatedStack;
  let browser: Browser;
  let version: number;
  let changes: Change[];
  let owner: TestUser;

  const rows = (page: Page) => page.locator('#audit-entries tbody tr');
  const actions = async (page: Page) => rows(page).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')));

  before(async () => {
    stack = await isolatedStack('auditor-log');
    // A process owner with a name (the API fixture's users are named by their address).
    owner = await makeUser(stack.db, 'process_owner', 'olga');
    const token = await stack.tokenFor(owner.email, 'process_owner');
    const api = (method: string, path: string, body?: unknown) => request<Json>(stack.web.url, method, `/api/v1/rules${path}`, { token, body });
    const draft = await api('POST', '/drafts', { title: 'Shorter P2 for silver' });
    const file = JSON.parse(draft.body.source as string) as Json;
    file.slaPolicies.find((p: Json) => p.id === 'silver-p2').resolution = '4h';
    expect((await api('PUT', `/drafts/${draft.body.id}`, { revision: 1, content: file })).status).to.equal(200);
    const published = await api('POST', `/drafts/${draft.body.id}/publish`, { revision: 2, comment: 'Silver customers asked for it' });
    expect(published.status, JSON.stringify(published.body)).to.equal(201);
    version = published.body.version as number;
    changes = (await api('GET', `/versions/${version - 1}/diff/${version}`)).body.changes as Change[];
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
        await signInStaffInBrowser(page, stack.web.url, await makeUser(stack.db, 'auditor', `auditor-${language}`, language));
      });

      after(async () => {
        await context?.close();
      });

      it('when an auditor filters by rules.* and by the period, then the publication reads as the change in words, and "older" pages back', async () => {
        const t = await localeT(language, 'auditor-log');
        const said = changeText(changes.find((c) => c.text === 'P2 resolution (silver) 9h → 4h')!, await localeT(language, 'rules'));
        if (language === 'en') expect(said).to.equal('P2 resolution (silver) 9h → 4h');
        else expect(said).to.not.equal('P2 resolution (silver) 9h → 4h');

        await page.goto(`${stack.web.url}/audit/log`);
        expect(await page.locator('h1').innerText()).to.equal(t('heading'));
        const newest = (await stack.db.audit.list(1))[0]!;
        expect(await page.locator('#log-chain-state').innerText()).to.equal(t('chain.state', { count: newest.seq, hash: newest.hash.slice(0, 16) }));

        await page.fill('#log-action', 'rules.*');
        await page.fill('#log-from', warsawDay(-1));
        await page.fill('#log-to', warsawDay());
        await page.click('#log-submit');
        await page.waitForURL(/action=rules\.\*/);
        expect(await actions(page)).to.deep.equal(['rules.published', 'rules.draft_saved', 'rules.draft_created']);
        const entry = rows(page).first();
        expect(await entry.locator('.action-label').innerText()).to.equal(t('action.rules.published'));
        // The actor by name and id; never an address.
        expect(await entry.locator('.actor').innerText()).to.equal(`${owner.displayName} user:${owner.id}`);
        expect(await page.locator('#audit-entries').innerText()).to.not.include('@example.com');
        if (language === 'en') expect(await entry.locator('time').innerText()).to.match(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M$/);
        const diff = entry.locator('details.rules-change');
        expect(await diff.getAttribute('open')).to.equal(null);
        await diff.locator('summary').click();
        expect(await diff.locator('summary').innerText()).to.equal(t('rules.summary', { count: changes.length, from: version - 1, to: version }));
        expect(await diff.locator('li').allInnerTexts()).to.include(said);
        // A draft's save says its changes as the entry recorded them (English words, marked so).
        expect(await rows(page).nth(1).locator('ul.changes[lang="en"] li').allInnerTexts()).to.deep.equal(['P2 resolution (silver) 9h → 4h']);
        // Auditors are not process owners: no link into the admin pages.
        expect(await page.locator('a.version-link').count()).to.equal(0);
        if (language === 'en') await screenshot(page, 'auditor-log-en');

        // A later period finds nothing, and says so.
        await page.fill('#log-from', warsawDay(1));
        await page.fill('#log-to', warsawDay(2));
        await page.click('#log-submit');
        expect(await page.locator('#log-empty').innerText()).to.equal(t('emptyFiltered'));

        // Two a page: the newest two, then "older" (keyset, by before) the one left.
        await page.goto(`${stack.web.url}/audit/log?action=rules.*&limit=2`);
        expect(await actions(page)).to.deep.equal(['rules.published', 'rules.draft_saved']);
        expect(await page.locator('#log-limit').inputValue()).to.equal('2');
        await page.click('#log-older');
        await page.waitForURL(/before=\d+/);
        expect(await actions(page)).to.deep.equal(['rules.draft_created']);
        expect(await page.locator('#log-older').count()).to.equal(0);
        expect(await page.locator('#log-action').inputValue()).to.equal('rules.*');
        await page.click('#log-newest');
        expect(await actions(page)).to.deep.equal(['rules.published', 'rules.draft_saved']);
      });

      it('when a date is wrong, then the form comes back with the message beside the field in the viewer’s language, 400, and nothing listed', async () => {
        const t = await localeT(language, 'auditor-log');
        const res = await page.goto(`${stack.web.url}/audit/log?action=rules.*&from=2026-02-30&to=${warsawDay()}`);
        expect(res?.status()).to.equal(400);
        expect(await page.locator('#log-from-error').innerText()).to.include(t('problem.badDate', { value: '2026-02-30' }));
        expect(await page.locator('#log-from').getAttribute('aria-invalid')).to.equal('true');
        expect(await page.locator('#error-summary').innerText()).to.include(t('form.from'));
        expect(await page.locator('#audit-entries').count()).to.equal(0);
        expect(await page.locator('#log-action').inputValue()).to.equal('rules.*');
        // The end before the start is named too.
        const back = await page.goto(`${stack.web.url}/audit/log?from=${warsawDay()}&to=${warsawDay(-3)}`);
        expect(back?.status()).to.equal(400);
        expect(await page.locator('#log-to-error').innerText()).to.include(t('problem.toBeforeFrom', { from: warsawDay(), to: warsawDay(-3) }));
      });
    });
  }

  it('when an admin opens the page, then the publication links to its version page', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Warsaw' });
    try {
      const page = await context.newPage();
      await signInStaffInBrowser(page, stack.web.url, await makeUser(stack.db, 'admin', 'log-admin', 'en'));
      await page.goto(`${stack.web.url}/audit/log?action=rules.published`);
      const link = page.locator('a.version-link');
      expect(await link.getAttribute('href')).to.equal(`/admin/versions/${version}`);
      await link.click();
      await page.waitForURL(new RegExp(`/admin/versions/${version}$`));
      expect(await page.locator('#changes').innerText()).to.include('P2 resolution (silver) 9h → 4h');
    } finally {
      await context.close();
    }
  });

  it('when agents, process owners and requesters ask for the page, then they are refused with 403; auditors and admins are sent from /staff/audit to /audit/log with their filter', async () => {
    for (const role of ['agent', 'process_owner', 'requester', 'auditor', 'admin'] as const) {
      const user = await makeUser(stack.db, role, `log-${role}`);
      const c = new PortalClient(stack.web.url, 'en');
      if (role === 'requester') await c.signIn(user.email, PASSWORD);
      else await signInEnrolled(c, user);
      const log = await c.get('/audit/log?action=rules.*');
      const csv = await c.get('/audit/log/entries.csv?action=rules.*');
      const old = await c.get('/staff/audit?action=rules.*');
      if (role === 'auditor' || role === 'admin') {
        expect(log.status, role).to.equal(200);
        expect(textOf(log.text, 'audit-entries'), role).to.include('rules.published');
        expect(old.status, role).to.equal(303);
        expect(old.location, role).to.equal('/audit/log?action=rules.*');
        expect(csv.status, role).to.equal(200);
        const lines = csv.text.trim().split('\n');
        expect(lines[0]).to.equal('seq,occurredAt,actor,action,subject,details,prevHash,hash');
        expect(lines.slice(1).map((l) => l.split(',')[3])).to.deep.equal(['rules.published', 'rules.draft_saved', 'rules.draft_created']);
      } else {
        for (const [what, res] of [['log', log], ['csv', csv], ['old', old]] as const) {
          expect(res.status, `${role} ${what}`).to.equal(403);
          expect(res.text, `${role} ${what}`).to.not.include('rules.published');
        }
      }
    }
  });

  it('has no serious or critical accessibility violation (axe-core), in English and Polish, listed, opened and refused', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Warsaw' });
    try {
      const page = await context.newPage();
      await signInStaffInBrowser(page, stack.web.url, await makeUser(stack.db, 'auditor', 'axe-auditor', 'en'));
      const found: string[] = [];
      for (const lng of ['en', 'pl']) {
        for (const url of ['/audit/log', '/audit/log?action=rules.*&limit=2', '/audit/log?from=2026-02-30&limit=7']) {
          await page.goto(`${stack.web.url}${url}&lng=${lng}`.replace('/audit/log&', '/audit/log?'));
          if (await page.locator('details.rules-change').count()) await page.locator('details.rules-change summary').first().click();
          const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
          for (const v of result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
            found.push(`${url} (${lng}): ${v.id} (${v.impact}) — ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
          }
        }
      }
      expect(found, found.join('\n')).to.deep.equal([]);
    } finally {
      await context.close();
    }
  });
});
