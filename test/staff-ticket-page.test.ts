/**
 * The staff ticket page, /staff/tickets/:number, over HTTP as a browser sends it (its own
 * database, real PostgreSQL and Temporal): which roles open it and what each sees, the access
 * log's entry for every read (who, role, channel web, the reason typed in a form sent with the
 * CSRF token — never one from a link), the number and reason checks, and an access log that
 * cannot be written. The page in chromium, with an erasure, is test/browser/staff-ticket-page.test.ts.
 */
import { expect } from 'chai';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { csrfOf, PortalClient, type PageResponse, textOf } from './portal-client.ts';
import { makeUser, PASSWORD, signInEnrolled } from './support/staff.ts';
import { fileAnsweredTicket, webReads, type StaffTicket } from './support/staff-ticket.ts';
import type { Role } from '../db/users-repo.ts';

describe('staff ticket page: every staff role reads the whole ticket, and every read is in the access log', function () {
  this.timeout(180_000);
  let stack: IsolatedStack;
  let ticket: StaffTicket;
  const path = () => `/staff/tickets/${ticket.number}`;
  /** A table's rows, each as its cells' text. */
  const rows = (html: string, id: string) => [...(new RegExp(`<table[^>]*id="${id}"[^>]*>([\\s\\S]*?)</table>`).exec(html)?.[1] ?? '').matchAll(/<tr>([\s\S]*?)<\/tr>/g)]
    .map((r) => [...r[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, '').trim()));

  async function staffClient(role: Role, locale = 'en'): Promise<{ c: PortalClient; id: number }> {
    const user = await makeUser(stack.db, role, role, locale);
    const c = new PortalClient(stack.web.url, locale);
    await signInEnrolled(c, user);
    return { c, id: user.id };
  }

  /** The ticket page's reason form, as a browser sends it: the page's CSRF token, then the page the answer leads to. */
  async function sendReason(c: PortalClient, reason: string): Promise<{ sent: PageResponse; page: PageResponse }> {
    const token = csrfOf((await c.get('/staff')).text);
    const sent = await c.postForm(path(), { _csrf: token, reason });
    return { sent, page: sent.location ? await c.get(sent.location) : sent };
  }

  before(async () => {
    stack = await isolatedStack('staff-ticket');
    ticket = await fileAnsweredTicket({ url: stack.web.url, agentToken: stack.agentToken, tokenFor: stack.tokenFor, db: stack.db });
  });

  for (const role of ['agent', 'process_owner', 'admin', 'auditor'] as const) {
    it(`when a signed-in ${role} opens the page with a reason, then it shows the title, the requester, the answer, the internal note, the attachment's name, status, priority and SLA, and the access log names them, the web and the reason — once`, async () => {
      const { c, id } = await staffClient(role);
      const before = (await webReads(stack.db.sequelize, ticket.number)).length;
      const { sent, page } = await sendReason(c, `Checking the SLA (${role})`);
      // The reason is in no address: the form's answer leads to the plain page.
      expect([sent.status, sent.location]).to.deep.equal([303, path()]);
      expect(page.status).to.equal(200);
      expect(page.headers.get('cache-control')).to.equal('no-store');
      expect(textOf(page.text, 'ticket-title')).to.equal(ticket.title);
      expect(textOf(page.text, 'ticket-description')).to.equal(ticket.description);
      expect(textOf(page.text, 'fact-requester')).to.equal(ticket.email);
      expect(textOf(page.text, 'fact-status')).to.equal('new');
      expect(textOf(page.text, 'fact-category')).to.equal('Computer, printer or other hardware');
      expect(textOf(page.text, 'fact-priority')).to.match(/^P\d$/);
      expect(textOf(page.text, 'fact-rulesVersion')).to.equal('1');
      expect(textOf(page.text, 'attachments')).to.include(ticket.attachment);
      const timeline = textOf(page.text, 'timeline')!;
      expect(timeline).to.include(`Reported (category: Computer, printer or other hardware)`);
      expect(timeline).to.match(/Classified by the rules: priority P\d, team [\w-]+, tier L\d \(rules version 1\)/);
      expect(timeline).to.include(`agent@example.com · Answered the requester`);
      expect(timeline).to.include(ticket.answer);
      expect(timeline).to.include('Wrote an internal note internal');
      expect(timeline).to.include(ticket.note);
      expect(timeline).to.include(`${ticket.email} · Wrote to the support team`);
      expect(timeline).to.include(ticket.reply);
      expect(textOf(page.text, 'timeline-count')).to.match(/^\d+ events, oldest first\.$/);
      // The SLA as the workflow set it, and its clocks as they stand.
      expect(textOf(page.text, 'sla-responded')).to.equal('yes');
      expect(textOf(page.text, 'sla-paused')).to.equal('no');
      expect(textOf(page.text, 'sla-breached')).to.equal('none');
      expect(textOf(page.text, 'sla-calendar')).to.match(/^(working hours of calendar|every hour, day and night)/);
      const clocks = rows(page.text, 'sla-clocks');
      expect(clocks[0]).to.deep.equal(['Clock', 'Target', 'Elapsed', 'Remaining', 'Deadline', 'State']);
      expect(clocks.slice(1).map((r) => [r[0], r[5]])).to.deep.equal([['Response', 'stopped'], ['Resolution', 'running']]);
      expect(clocks[2]![1]).to.match(/^\d+ hours?( \d+ minutes?)?$/);
      expect(textOf(page.text, 'access-note')).to.equal(`Your reading of this ticket is recorded in the access log with your reason: “Checking the SLA (${role})”.`);

      const reads = await webReads(stack.db.sequelize, ticket.number);
      expect(reads).to.have.length(before + 1);
      const person = (await stack.db.ticketPrivacy.requesterOf(ticket.number))!;
      expect(reads.at(-1)).to.deep.equal({ viewerUserId: id, viewerRole: role, reason: `Checking the SLA (${role})`, person });
    });
  }

  it('when the reason is left empty, or the page is opened without the form, then the read is recorded without one and the page says who and when is recorded', async () => {
    const { c, id } = await staffClient('agent');
    const before = (await webReads(stack.db.sequelize, ticket.number)).length;
    const { page } = await sendReason(c, '');
    expect(page.status).to.equal(200);
    expect(textOf(page.text, 'access-note')).to.equal('Your reading of this ticket is recorded in the access log: who read it and when. Give a reason below to record why.');
    const plain = await c.get(path());
    expect(textOf(plain.text, 'access-note')).to.equal(textOf(page.text, 'access-note'));
    const reads = await webReads(stack.db.sequelize, ticket.number);
    expect(reads.slice(before)).to.deep.equal([0, 1].map(() => ({ viewerUserId: id, viewerRole: 'agent', reason: null, person: reads.at(-1)!.person })));
  });

  it('when someone sends a staff member a link with a reason in it, or another page posts the form without the CSRF token, then no reason is recorded: the link’s view is a read without one, the post is refused (403) and records nothing', async () => {
    const { c, id } = await staffClient('agent');
    const before = await webReads(stack.db.sequelize, ticket.number);
    const planted = await c.get(`${path()}?reason=${encodeURIComponent('Approved by the board')}`);
    expect(planted.status).to.equal(200);
    expect(planted.text).not.to.include('Approved by the board');
    expect(textOf(planted.text, 'access-note')).to.match(/^Your reading of this ticket is recorded in the access log: who read it and when\./);
    const opened = await c.get(`/staff/tickets?number=${ticket.number}&reason=${encodeURIComponent('Approved by the board')}`);
    expect([opened.status, opened.location]).to.deep.equal([303, path()]);
    const forged = await c.postForm(path(), { reason: 'Approved by the board' });
    expect(forged.status).to.equal(403);
    expect(forged.text).not.to.include(ticket.title);
    const forgedHome = await c.postForm('/staff/tickets', { number: ticket.number, reason: 'Approved by the board' });
    expect(forgedHome.status).to.equal(403);
    const reads = await webReads(stack.db.sequelize, ticket.number);
    expect(reads.slice(before.length)).to.deep.equal([{ viewerUserId: id, viewerRole: 'agent', reason: null, person: reads.at(-1)!.person }]);
  });

  it('when a staff member signs in in Polish or German, then the page is in their language, with their plural forms', async () => {
    const pl = await staffClient('auditor', 'pl');
    const page = await pl.c.get(path());
    expect(textOf(page.text, 'fact-status')).to.equal('nowe');
    expect(textOf(page.text, 'timeline-count')).to.match(/^\d+ zdarze(nie|nia|ń), od najstarszego\.$/);
    expect(textOf(page.text, 'timeline')).to.include('Odpowiedziano zgłaszającemu').and.include('Dodano notatkę wewnętrzną wewnętrzna');
    expect(textOf(page.text, 'sla-responded')).to.equal('tak');
    const de = await staffClient('agent', 'de');
    const dePage = await de.c.get(path());
    expect(textOf(dePage.text, 'timeline')).to.include('Der anfragenden Person geantwortet').and.include('Interne Notiz geschrieben intern');
    expect(textOf(dePage.text, 'access-note')).to.match(/^Ihre Einsicht in dieses Ticket wird im Zugriffsprotokoll festgehalten/);
  });

  it('when the staff home’s form is sent with a number as typed (spaces, lower case) and a reason, then it opens that ticket’s page with the reason recorded; an empty or malformed number answers 400 with a sentence', async () => {
    const { c, id } = await staffClient('agent');
    const home = await c.get('/staff');
    expect(home.text).to.include('id="open-ticket"').and.include('method="post" action="/staff/tickets"');
    const sent = await c.postForm('/staff/tickets', { _csrf: csrfOf(home.text), number: ` ${ticket.number.toLowerCase()} `, reason: 'Queue review' });
    expect([sent.status, sent.location]).to.deep.equal([303, path()]);
    const page = await c.get(sent.location!);
    expect(textOf(page.text, 'access-note')).to.equal('Your reading of this ticket is recorded in the access log with your reason: “Queue review”.');
    expect((await webReads(stack.db.sequelize, ticket.number)).at(-1)).to.include({ viewerUserId: id, reason: 'Queue review' });
    // A link by number leads to the page; the home's form without a number to a sentence.
    expect((await c.get(`/staff/tickets?number=${ticket.number}`)).location).to.equal(path());
    const unnamed = await c.postForm('/staff/tickets', { _csrf: csrfOf(home.text), number: '', reason: '' });
    expect([unnamed.status, textOf(unnamed.text, 'error-message')]).to.deep.equal([400, 'Enter a ticket number, for example HD-2026-000042.']);
    const empty = await c.get('/staff/tickets?number=');
    expect(empty.status).to.equal(400);
    expect(textOf(empty.text, 'error-message')).to.equal('Enter a ticket number, for example HD-2026-000042.');
    const bad = await c.get('/staff/tickets?number=printer');
    expect(bad.status).to.equal(400);
    expect(bad.text).to.include('“printer” is not a ticket number. Enter it as it is on the ticket, for example HD-2026-000042.');
  });

  it('when the number is malformed or no ticket has it, then the page answers 400 or 404 with a sentence and nothing is recorded', async () => {
    const { c } = await staffClient('agent');
    const before = await webReads(stack.db.sequelize, ticket.number);
    const malformed = await c.get('/staff/tickets/not-a-ticket');
    expect(malformed.status).to.equal(400);
    expect(malformed.text).to.include('“not-a-ticket” is not a ticket number.');
    const missing = ticket.number.replace(/\d{6,}$/, '999999');
    const none = await c.get(`/staff/tickets/${missing}`);
    expect(none.status).to.equal(404);
    expect(none.text).to.include(`There is no ticket ${missing}. Check the number`);
    const json = await c.get(`/staff/tickets/${missing}`, { accept: 'application/json' });
    expect(json.status).to.equal(404);
    expect(JSON.parse(json.text).error.message).to.match(/^There is no ticket/);
    expect(await webReads(stack.db.sequelize, ticket.number)).to.deep.equal(before);
  });

  it('when the reason holds an e-mail address, is too long or has a line break, or the ticket does not exist, then the form answers 400 or 404 with a sentence, shows nothing of the ticket and records nothing', async () => {
    const { c } = await staffClient('agent');
    const before = await webReads(stack.db.sequelize, ticket.number);
    const leaky = (await sendReason(c, 'asked by boss@example.com')).sent;
    expect(leaky.status).to.equal(400);
    expect(leaky.text).to.include('The access reason must not contain an e-mail address');
    const long = (await sendReason(c, 'x'.repeat(501))).sent;
    expect(long.status).to.equal(400);
    expect(long.text).to.include('at most 500 characters');
    const broken = (await sendReason(c, 'first line\nsecond line')).sent;
    expect(broken.status).to.equal(400);
    expect(textOf(broken.text, 'error-message')).to.equal('The access reason must be one line of text, without line breaks or control characters.');
    const missing = ticket.number.replace(/\d{6,}$/, '999998');
    const none = await c.postForm(`/staff/tickets/${missing}`, { _csrf: csrfOf((await c.get('/staff')).text), reason: 'Queue review' });
    expect(none.status).to.equal(404);
    for (const p of [leaky, long, broken, none]) expect(p.text).not.to.include(ticket.title).and.not.include(ticket.email);
    expect(await webReads(stack.db.sequelize, ticket.number)).to.deep.equal(before);
  });

  it('when the access log cannot be written, then the page answers 503 with a sentence and shows nothing of the ticket', async () => {
    const { c } = await staffClient('agent');
    const sql = stack.db.sequelize;
    await sql.query(`CREATE FUNCTION refuse_access_log_insert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'access log unavailable'; END $$;
                     CREATE TRIGGER refuse_access_log_insert BEFORE INSERT ON access_log FOR EACH ROW EXECUTE FUNCTION refuse_access_log_insert();`);
    try {
      const page = await c.get(path());
      expect(page.status).to.equal(503);
      expect(page.text).not.to.include(ticket.title).and.not.include(ticket.email).and.not.include(ticket.answer);
      expect(textOf(page.text, 'error-message')).to.equal('The helpdesk cannot process this right now. Nothing was lost; please try again in a moment.');
      const { sent } = await sendReason(c, 'Queue review');
      expect(sent.status).to.equal(503);
      expect(sent.text).not.to.include(ticket.title);
    } finally {
      await sql.query('DROP TRIGGER refuse_access_log_insert ON access_log; DROP FUNCTION refuse_access_log_insert();');
    }
    expect((await c.get(path())).status).to.equal(200);
  });

  it('when a requester or a signed-out visitor asks for the page, then the requester gets 403 with where their pages are, the visitor the staff sign-in, and nothing is recorded', async () => {
    const before = await webReads(stack.db.sequelize, ticket.number);
    const requester = await makeUser(stack.db, 'requester', 'rita');
    const c = new PortalClient(stack.web.url, 'en');
    expect((await c.signIn(requester.email, PASSWORD)).status).to.equal(303);
    const refused = await c.get(path());
    expect(refused.status).to.equal(403);
    expect(refused.text).to.include('These pages are for service desk staff.');
    expect(refused.text).not.to.include(ticket.title);
    expect((await c.get(`/staff/tickets?number=${ticket.number}`)).status).to.equal(403);
    const posted = await c.postForm(path(), { _csrf: csrfOf((await c.get('/')).text), reason: 'Curious' });
    expect(posted.status).to.equal(403);
    expect(posted.text).not.to.include(ticket.title);

    const visitor = new PortalClient(stack.web.url, 'en');
    const sent = await visitor.get(path());
    expect(sent.status).to.equal(303);
    expect(sent.location).to.equal(`/staff/sign-in?next=${encodeURIComponent(path())}`);
    expect((await visitor.get(path(), { accept: 'application/json' })).status).to.equal(401);
    expect(await webReads(stack.db.sequelize, ticket.number)).to.deep.equal(before);
  });
});
