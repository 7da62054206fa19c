/**
 * Accessibility of the admin pages: axe-core (@axe-core/playwright) in Debian's chromium finds no
 * serious or critical violation on any of them in English, nor on the busiest ones in Polish. Every GET page route
 * declared anywhere under admin-ui/ (admin-ui/routes/, the mail pages of admin-ui/mail/, …) must be
 * visited here (the test fails on a page route it does not know), so a new page cannot go
 * unchecked. The mail pages are read from a mailbox of the test's own (a data folder in the
 * temporary directory, the real mail sink on its mail/, one message sent there); the page without a
 * mailbox (HELPDESK_SMTP_URL) is checked by test/browser/admin-mail.test.ts, on a stack of its own.
 */
import { AxeBuilder } from '@axe-core/playwright';
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import nodemailer from 'nodemailer';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startMailSink, type MailSink } from '../../runtime/mail-sink.ts';
import { openMailbox } from '../../services/notifications/mailbox.ts';
import { launchChromium } from '../support/browser.ts';
import { isolatedStack, type IsolatedStack } from '../support/env.ts';
import { signInStaffInBrowser } from '../support/admin-browser.ts';
import { makeUser } from '../support/staff.ts';
import { openTicket } from '../support/tickets.ts';
import { waitFor } from '../support/processes.ts';
import { request } from '../support/http.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Routes that are no page: the editor's schema (JSON), a form's redirect and a message's .eml download. */
const NOT_PAGES = ['/admin/assets/rules.schema.json', '/admin/diff', '/admin/mail/:id/raw'];

function pageRoutes(): string[] {
  const dir = path.join(root, 'admin-ui');
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'))
    .flatMap((f) => {
      const src = fs.readFileSync(path.join(dir, f), 'utf8');
      // A one-page form section (form-section.ts) declares its page by its name.
      const sections = [...src.matchAll(/formSectionRoutes\(\{ name: '([^']+)'/g)].map((m) => `/admin/drafts/:id/${m[1]!}`);
      return [...[...src.matchAll(/router\.get\(\s*'([^']+)'/g)].map((m) => m[1]!), ...sections];
    })
    .filter((p) => p.startsWith('/admin') && !NOT_PAGES.includes(p));
}

/** Does the address match the route pattern? */
const matches = (pattern: string, url: string) => new RegExp(`^${pattern.replace(/:[A-Za-z]+/g, '[^/]+')}$`).test(url);

describe('admin pages are accessible (axe-core: no serious or critical violation)', function () {
  this.timeout(600_000);
  let stack: IsolatedStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let urls: string[];
  let dataDir: string;
  let sink: MailSink | undefined;

  before(async () => {
    // A data folder of the test's own: the web process's mailbox is its mail/, never the checkout's .data/.
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-admin-a11y-'));
    stack = await isolatedStack('admin-a11y', undefined, { env: { HELPDESK_DATA_DIR: dataDir } });
    sink = await startMailSink({ dir: stack.config.mail.sinkDir, port: 0 });
    const number = await openTicket(stack, { title: 'VPN drops at home', impact: 'medium', urgency: 'high' });
    await waitFor('classification', async () => (await stack.db.tickets.get(number))?.rulesVersion, 30_000);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Warsaw' });
    page = await context.newPage();
    const owner = await makeUser(stack.db, 'admin', 'axe-admin', 'en');
    await signInStaffInBrowser(page, stack.web.url, owner);
    await page.goto(`${stack.web.url}/admin`);
    await page.fill('#draft-title', 'Accessibility review');
    await page.click('#new-draft-submit');
    await page.waitForURL(/\/admin\/drafts\/\d+$/);
    const draft = /\/admin\/drafts\/(\d+)$/.exec(page.url())![1]!;
    const file = JSON.parse((await stack.db.rules.get(1))!.source) as { ladders: Array<{ id: string }>; conditions: Record<string, unknown> };
    // A what-if run (done by now or still going: both are pages to check).
    await page.goto(`${stack.web.url}/admin/drafts/${draft}/what-if`);
    await page.click('#what-if-submit');
    await page.waitForURL(/\/admin\/what-if\/[0-9a-f-]{36}$/);
    const run = `${page.url().slice(stack.web.url.length)}?refresh=off`;
    // An apply run of the active version (nothing to change: it is done at once); its page too.
    const applied = await request<{ runId: string }>(stack.web.url, 'POST', '/api/v1/rules/versions/1/apply', { token: await stack.tokenFor('axe.owner@example.com', 'process_owner'), body: { reason: 'Accessibility review', scope: 'all' } });
    expect(applied.status, JSON.stringify(applied.body)).to.equal(202);
    const applyRun = `/admin/apply-runs/${applied.body.runId}?refresh=off`;
    const users = await stack.db.users.findByEmail(owner.email);
    await nodemailer.createTransport({ url: sink.url }).sendMail({
      from: 'Helpdesk <helpdesk@example.com>', to: 'requester@example.com', subject: `[${number}] We have your request: VPN drops at home`,
      text: `Your ticket number is ${number}.`, html: `<!doctype html><html lang="en"><body><p>Your ticket number is <b>${number}</b>.</p></body></html>`,
    });
    const [mail] = (await openMailbox(sink.dir).list({ limit: 1 })).entries;
    // An endpoint for its page (registered as the admin page would, straight into its table).
    const hook = await stack.db.webhooks.create({ name: 'Ops bus', url: 'https://hooks.example.com/helpdesk', format: 'standard', events: ['created', 'sla_breached'], language: 'en', secret: 'whsec_dGVzdCBzZWNyZXQgZm9yIGExMXkgdGVzdHMh', createdBy: 'test' });
    const d = `/admin/drafts/${draft}`;
    urls = [
      '/admin', d, `${d}/sla`, `${d}/calendars/warsaw-business`, `${d}/calendars/24x7`, `${d}/matrix`, `${d}/tiers`, `${d}/ladders`,
      `${d}/ladders/${file.ladders[0]!.id}`, `${d}/general`, `${d}/retention`, `${d}/rules`, `${d}/rules/0`, `${d}/rules/0/delete`,
      `${d}/rules/shared/${Object.keys(file.conditions)[0]}`, `${d}/rules/shared/${Object.keys(file.conditions)[0]}/delete`, `${d}/raw`,
      `${d}/try`, `${d}/try?title=VPN+drops&impact=medium&urgency=high&requester.serviceLevel=silver`, `${d}/what-if`, run, `${d}/shadow`,
      '/admin/versions/1', '/admin/versions/1/diff/1', '/admin/versions/1/apply', applyRun, '/admin/people', `/admin/people/${users!.id}`,
      '/admin/mail', `/admin/mail/${mail!.id}`, '/admin/integrations', `/admin/integrations/webhooks/${hook}`,
    ];
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await sink?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('visits every admin page route', () => {
    const unvisited = pageRoutes().filter((p) => !urls.some((u) => matches(p, u.split('?')[0]!)));
    expect(unvisited, 'admin page routes this test does not check').to.deep.equal([]);
  });

  // Every page in English; in Polish the pages with the longest words (labels, tables, forms).
  for (const [lang, pick] of [['en', (all: string[]) => all], ['pl', (all: string[]) => all.filter((u) => /\/(sla|try\?|what-if\/|calendars\/warsaw-business|ladders\/|people|mail|integrations)/.test(u))]] as const) {
    it(`no serious or critical violation on the admin pages (${lang})`, async () => {
      const found: string[] = [];
      for (const url of pick(urls)) {
        const res = await page.goto(`${stack.web.url}${url}${url.includes('?') ? '&' : '?'}lng=${lang}`);
        expect(res?.status(), url).to.be.oneOf([200, 304]);
        const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
        for (const v of result.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical')) {
          found.push(`${url}: ${v.id} (${v.impact}) — ${v.help}: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
        }
      }
      expect(found, found.join('\n')).to.deep.equal([]);
    });
  }
});
