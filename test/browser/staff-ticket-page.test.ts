/**
 * The staff ticket page in chromium: an agent signs in on the staff pages (password, then an
 * authenticator code), opens a ticket by its number from the staff home with a reason (a form
 * posted with the CSRF token; the reason is in no address), and reads it — title, requester, the
 * answer and the internal note — while the access log records the read once, with that reason;
 * the page's own form records another reason. After the requester is erased (services/privacy/erase.ts, as
 * `helpdesk privacy erase` does it), the page says "[erased]" in the agent's language where the
 * person's data was — English, Polish, German through the language switch — and the status,
 * priority and SLA stay. A requester gets no staff page.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { erasureDeps } from '../../runtime/compose.ts';
import { erasePerson } from '../../services/privacy/erase.ts';
import { launchChromium, screenshot } from '../support/browser.ts';
import { getEnv, type TestEnv } from '../support/env.ts';
import { waitFor } from '../support/processes.ts';
import { makeUser, PASSWORD, totpCode } from '../support/staff.ts';
import { fileAnsweredTicket, webReads, type StaffTicket } from '../support/staff-ticket.ts';

describe('staff ticket page in a browser: an agent reads a ticket, and after the requester’s erasure reads "[erased]" in their language', function () {
  this.timeout(180_000);
  let env: TestEnv;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let ticket: StaffTicket;
  const text = (id: string) => page.locator(`#${id}`).innerText();

  before(async () => {
    env = await getEnv();
    ticket = await fileAnsweredTicket({ url: env.web.url, agentToken: env.agentToken, tokenFor: env.tokenFor, db: env.db });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Warsaw' });
    page = await context.newPage();
  });

  after(async () => {
    await context?.close();
    await browser?.close();
  });

  it('when an agent signs in and opens the ticket from the staff home with a reason, then the page shows its title, requester, the answer and the internal note, and the access log has the read with the reason', async () => {
    const agent = await makeUser(env.db, 'agent', 'nina', 'en');
    await page.goto(`${env.web.url}/staff`);
    await page.fill('#email', agent.email);
    await page.fill('#password', PASSWORD);
    await page.click('form[action="/staff/sign-in"] button[type="submit"]');
    // The enrolment code an operator handed over (`helpdesk user add` prints it), then the authenticator.
    await page.fill('#enrolmentCode', agent.enrolmentCode!);
    await page.click('form[action="/staff/sign-in/enrol/code"] button[type="submit"]');
    const secret = (await page.locator('#totp-secret').innerText()).replace(/\s/g, '');
    await page.fill('#code', totpCode(secret));
    await page.click('form[action="/staff/sign-in/enrol"] button[type="submit"]');
    await page.click('#continue');

    await page.fill('#ticket-number', ticket.number.toLowerCase());
    await page.fill('#ticket-reason', 'Printer fault review for the facilities team');
    await page.click('#open-ticket-submit');
    await page.waitForURL(/\/staff\/tickets\/[A-Z]+-\d{4}-\d+$/);
    expect(page.url()).not.to.include('reason');

    expect(await text('ticket-number')).to.equal(ticket.number);
    expect(await text('ticket-title')).to.equal(ticket.title);
    expect(await text('ticket-description')).to.equal(ticket.description);
    expect(await text('fact-requester')).to.equal(ticket.email);
    expect(await text('attachments')).to.include(ticket.attachment);
    const answer = page.locator('#timeline li').filter({ hasText: 'Answered the requester' });
    expect(await answer.locator('.message').innerText()).to.equal(ticket.answer);
    const note = page.locator('#timeline li.internal');
    expect(await note.locator('.badge').innerText()).to.equal('internal');
    expect(await note.locator('.message').innerText()).to.equal(ticket.note);
    // Times in the viewer's language (the profile's English) and time zone (the browser's), as the portal writes them.
    expect(await answer.locator('time').innerText()).to.match(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M$/);
    expect(await text('access-note')).to.equal('Your reading of this ticket is recorded in the access log with your reason: “Printer fault review for the facilities team”.');
    await screenshot(page, 'staff-ticket-en');

    const reads = await webReads(env.db.sequelize, ticket.number);
    expect(reads.map((r) => [r.viewerUserId, r.viewerRole, r.reason])).to.deep.equal([[agent.id, 'agent', 'Printer fault review for the facilities team']]);

    // The page's own form: another reason, recorded, and the page again at its plain address.
    await page.fill('#reason', 'Second look for the SLA report');
    await page.click('#reason-submit');
    await page.waitForURL(/\/staff\/tickets\/[A-Z]+-\d{4}-\d+$/);
    expect(await text('access-note')).to.equal('Your reading of this ticket is recorded in the access log with your reason: “Second look for the SLA report”.');
    expect((await webReads(env.db.sequelize, ticket.number)).map((r) => r.reason)).to.deep.equal(['Printer fault review for the facilities team', 'Second look for the SLA report']);
  });

  it('when the requester is erased, then the page says "[erased]" for the title, description, requester and messages — "[usunięto]" in Polish, "[gelöscht]" in German — and status, priority and SLA stay as they were', async () => {
    const facts = async () => Promise.all(['fact-status', 'fact-priority', 'fact-tier', 'sla-policy', 'sla-responseTarget', 'sla-resolutionTarget', 'sla-resolutionDue', 'sla-breached'].map(text));
    const before = await facts();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'staff-ticket-ledger-'));
    const report = await erasePerson(erasureDeps({ erasureLedger: path.join(dir, 'erasure-ledger.jsonl') }, env.db), { email: ticket.email, reason: 'Art. 17 GDPR request, case DPO-2026-77', actor: 'cli:test' });
    expect(report.tickets).to.deep.equal([ticket.number]);

    await waitFor('the page to show the erasure', async () => {
      await page.reload();
      return (await text('ticket-title')) === '[erased]';
    }, 10_000);
    const erasedPerson = `[erased] (pseudonym ${report.person})`;
    for (const id of ['ticket-title', 'ticket-description', 'fact-requester']) expect(await text(id), id).to.equal('[erased]');
    // An erasure deletes the person's attachments (services/privacy/erase.ts).
    expect(await text('attachments')).to.equal('No attachments.');
    const timeline = await text('timeline');
    for (const s of [ticket.title, ticket.email, ticket.answer, ticket.note, ticket.reply]) expect(timeline).not.to.include(s);
    expect(await page.locator('#timeline li').filter({ hasText: 'Answered the requester' }).locator('.message').innerText()).to.equal('[erased]');
    expect(await page.locator('#timeline li.internal .message').innerText()).to.equal('[erased]');
    // The requester's own events stay attributed, to their pseudonym.
    expect(await page.locator('#timeline li').filter({ hasText: 'Wrote to the support team' }).locator('.who').innerText()).to.equal(erasedPerson);
    expect(await facts()).to.deep.equal(before);
    expect(await page.content()).not.to.include(ticket.email);

    for (const [button, word, status] of [['Polski', '[usunięto]', 'nowe'], ['Deutsch', '[gelöscht]', 'neu']] as const) {
      await page.locator('form.languages').getByRole('button', { name: button }).click();
      await page.waitForLoadState('load');
      expect(await page.locator('html').getAttribute('lang')).to.equal(button === 'Polski' ? 'pl' : 'de');
      for (const id of ['ticket-title', 'ticket-description', 'fact-requester']) expect(await text(id), `${button} ${id}`).to.equal(word);
      expect(await page.locator('#timeline li.internal .message').innerText()).to.equal(word);
      expect(await page.locator('#timeline .message').allInnerTexts()).to.deep.equal([word, word, word]);
      expect(await text('fact-status')).to.equal(status);
      expect(await text('fact-priority')).to.equal(before[1]);
      expect(await text('sla-policy')).to.equal(before[3]);
      if (button === 'Polski') await screenshot(page, 'staff-ticket-erased-pl');
    }
    // Every reload was a read, recorded.
    expect((await webReads(env.db.sequelize, ticket.number)).length).to.be.greaterThan(3);
  });

  it('when a requester signs in and asks for the staff page, then they get a page that says these pages are for staff, and nothing of the ticket', async () => {
    const requester = await makeUser(env.db, 'requester', 'rita', 'en');
    const own = await browser.newContext();
    try {
      const p = await own.newPage();
      await p.goto(`${env.web.url}/sign-in`);
      await p.fill('#email', requester.email);
      await p.fill('#password', PASSWORD);
      await p.click('main form[action="/sign-in"] button[type="submit"]');
      await p.waitForLoadState('load');
      const res = await p.goto(`${env.web.url}/staff/tickets/${ticket.number}`);
      expect(res?.status()).to.equal(403);
      expect(await p.locator('#error-message').innerText()).to.equal('These pages are for service desk staff. Your own tickets are on the portal under “My tickets”.');
      expect(await p.content()).not.to.include(ticket.number + ' ');
    } finally {
      await own.close();
    }
  });
});
