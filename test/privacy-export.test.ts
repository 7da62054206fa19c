/**
 * Access and portability (issue 10, item 6): every staff read of a ticket's personal data is in
 * the access log (who, what, when, why); a requester downloads everything held about them from
 * the portal — their tickets, their messages and the answers, and the access-log entries about
 * them, never an internal note; an admin exports the same, whole, through the API or the command
 * line; unknown addresses and bad reasons are refused with a sentence and change nothing.
 */
import fs from 'node:fs';
import { expect } from 'chai';
import { hash } from '@node-rs/argon2';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { QueryTypes } from 'sequelize';
import { createI18n } from '../api/i18n.ts';
import { ARGON2_OPTIONS } from '../db/users-repo.ts';
import { performTicketAction } from '../services/tickets/actions.ts';
import { actionDeps, getEnv, type TestEnv } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';
import { helpdesk } from './support/privacy-cli.ts';
import { csrfOf, PortalClient } from './portal-client.ts';
import { launchChromium, screenshot } from './support/browser.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const REQUESTER = 'rosa.export@example.com';
const PASSWORD = 'export-password-1';
const TITLE = 'VPN drops every few minutes';
const NOTE = 'INTERNAL: check the concentrator logs before answering';
const ANSWER = 'Please update the VPN client to version 7.';
const REPLY = 'Updated, it still drops.';
const REASON = 'Zgłoszenie VIP: sprawdzam historię';

describe('access and portability: the access log and a person’s export', function () {
  this.timeout(180_000);
  let env: TestEnv;
  let number: string;
  let tokens: Record<'requester' | 'agent' | 'admin' | 'auditor' | 'owner', string>;

  const count = async (table: 'access_log' | 'audit_log' | 'persons') =>
    Number((await env.db.sequelize.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`, { type: QueryTypes.SELECT }))[0]!.n);
  const counts = async () => ({ access: await count('access_log'), audit: await count('audit_log'), persons: await count('persons') });
  const accessLog = (query: string, token = tokens.admin) => request(env.web.url, 'GET', `/api/v1/privacy/access-log${query}`, { token });
  /** The summary page's download button, as a browser sends it: the page's CSRF token in a POST. */
  const downloadOwnData = async (browser: PortalClient) => browser.postForm('/account/export.json', { _csrf: csrfOf((await browser.get('/account/export')).text) });

  before(async () => {
    env = await getEnv();
    tokens = {
      requester: await env.tokenFor(REQUESTER, 'requester'),
      agent: await env.tokenFor('ada.export@example.com', 'agent'),
      admin: await env.tokenFor('adam.export@example.com', 'admin'),
      auditor: await env.tokenFor('aud.export@example.com', 'auditor'),
      owner: await env.tokenFor('otto.export@example.com', 'process_owner'),
    };
    // An account an operator made, so its address is proven and it sees every ticket filed for it.
    const users = env.db.users;
    await users.upsert({ email: REQUESTER, displayName: 'Rosa Export', role: 'requester', teamId: null, locale: 'en' });
    await users.setPassword(REQUESTER, await hash(PASSWORD, ARGON2_OPTIONS));
    const created = await request(env.web.url, 'POST', '/api/v1/tickets', { token: tokens.requester, body: { title: TITLE, description: 'Since this morning.' } });
    expect(created.status).to.equal(201);
    number = created.body.number;
    await waitFor('classification', async () => (await env.db.tickets.get(number))?.sla);
    await performTicketAction(actionDeps(env), number, { action: 'comment', actor: 'ada.export@example.com', message: NOTE });
    await performTicketAction(actionDeps(env), number, { action: 'respond', actor: 'ada.export@example.com', message: ANSWER });
    expect((await request(env.web.url, 'POST', `/api/v1/tickets/${number}/replies`, { token: tokens.requester, body: { message: REPLY } })).status).to.equal(202);
    await waitFor('the reply', async () => (await env.db.tickets.get(number))!.timeline.some((e) => e.type === 'requester_replied'));
  });

  it('when an agent reads the requester’s ticket through the API with a reason, then the access log has who, what, when and why; the requester’s own read is not a staff read', async () => {
    const before = Date.now();
    const read = await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: tokens.agent, headers: { 'X-Access-Reason': encodeURIComponent(REASON) } });
    expect(read.status).to.equal(200);
    expect(read.body.title).to.equal(TITLE);
    expect((await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: tokens.requester })).status).to.equal(200);

    const log = await accessLog(`?ticket=${number}`);
    expect(log.status).to.equal(200);
    expect(log.body.entries).to.have.length(1);
    const entry = log.body.entries[0];
    const agent = await env.db.users.findByEmail('ada.export@example.com');
    const pseudonym = (await env.db.tickets.get(number))!.requester;
    expect(entry).to.include({
      viewer: `user:${agent!.id}`, viewerUserId: agent!.id, viewerRole: 'agent', viewerEmail: 'ada.export@example.com',
      ticketNumber: number, person: pseudonym, what: 'ticket.read', channel: 'api', reason: REASON,
    });
    expect(Date.parse(entry.occurredAt)).to.be.within(before - 1000, Date.now() + 1000);

    // The same entry by the person's address; and a staff action's answer (the whole ticket) is a read too.
    const byPerson = await accessLog(`?person=${encodeURIComponent(REQUESTER)}`, tokens.auditor);
    expect(byPerson.body.entries.map((e: { id: number }) => e.id)).to.deep.equal([entry.id]);
    expect((await request(env.web.url, 'POST', `/api/v1/tickets/${number}/actions/comment`, { token: tokens.agent, body: { message: 'checked' } })).status).to.equal(200);
    expect((await accessLog(`?ticket=${number}`)).body.entries[0]).to.include({ what: 'ticket.read', reason: null });
  });

  it('when anyone runs UPDATE, DELETE or TRUNCATE on the access log, then PostgreSQL itself refuses and the entry stays', async () => {
    const [first] = (await accessLog(`?ticket=${number}`)).body.entries as Array<{ id: number; reason: string | null }>;
    for (const sql of [`UPDATE access_log SET reason = 'nothing to see' WHERE id = ${first!.id}`, `DELETE FROM access_log WHERE id = ${first!.id}`, 'TRUNCATE access_log']) {
      const refused = await env.db.sequelize.query(sql).then(() => undefined, (e: Error) => e.message);
      expect(refused, sql).to.match(/^access_log is append-only: /);
    }
    expect((await accessLog(`?ticket=${number}`)).body.entries[0]).to.deep.include({ id: first!.id, reason: first!.reason });
  });

  it('when the reason is too long, has an e-mail address in it or is not UTF-8, then 400 says so and nothing is read or recorded', async () => {
    const before = await counts();
    const tries: Array<[string, string]> = [
      ['x'.repeat(501), 'The access reason may be at most 500 characters long.'],
      [encodeURIComponent(`asked by ${REQUESTER}`), 'The access reason must not contain an e-mail address: it is kept for good, so say why without naming anyone.'],
      ['%E0%A4%A', 'The X-Access-Reason header must be UTF-8 text, percent-encoded as encodeURIComponent writes it.'],
    ];
    for (const [header, message] of tries) {
      const res = await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: tokens.agent, headers: { 'X-Access-Reason': header } });
      expect(res.status).to.equal(400);
      expect(res.body.error).to.deep.equal({ code: 'BAD_ACCESS_REASON', message });
    }
    expect(await counts()).to.deep.equal(before);
  });

  it('when the access log cannot be written, then the staff read fails with 503 and the ticket is not answered', async () => {
    await env.db.sequelize.query(`
      CREATE FUNCTION test_refuse_access() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'access log unavailable'; END $$;
      CREATE TRIGGER test_refuse_access BEFORE INSERT ON access_log FOR EACH ROW EXECUTE FUNCTION test_refuse_access();`);
    try {
      const res = await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: tokens.agent });
      expect(res.status).to.equal(503);
      expect(res.body).to.deep.equal({ error: { code: 'UNAVAILABLE', message: 'The helpdesk cannot process this right now. Nothing was lost; please try again in a moment.' } });
      // The requester's own read needs no entry and still works.
      expect((await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: tokens.requester })).status).to.equal(200);
    } finally {
      await env.db.sequelize.query(`DROP TRIGGER test_refuse_access ON access_log; DROP FUNCTION test_refuse_access();`);
    }
  });

  it('when the requester downloads their data from the portal, then it holds their ticket, their reply, the answer and the access-log entry about them — and not the internal note', async () => {
    const browser = new PortalClient(env.web.url, 'en');
    expect((await browser.signIn(REQUESTER, PASSWORD)).status).to.equal(303);
    await performTicketAction(actionDeps(env), number, { action: 'resolve', actor: 'ada.export@example.com', code: 'solved', note: 'Client updated.' });
    const ticketPage = await browser.get(`/tickets/${number}`);
    expect((await browser.postForm(`/tickets/${number}/rate`, { _csrf: csrfOf(ticketPage.text), score: '4', comment: 'Quick, thanks.' })).status).to.equal(303);
    const before = await counts();
    // The summary page is a preview: it records nothing.
    const summary = await browser.get('/account/export');
    expect(summary.status).to.equal(200);
    expect(summary.text).to.include('method="post" action="/account/export.json"');
    expect(await counts()).to.deep.equal(before);
    // The download is the export; without the page's CSRF token (another site's form) it is refused and records nothing.
    const forged = await browser.postForm('/account/export.json', {});
    expect(forged.status).to.equal(403);
    expect(forged.text).not.to.include(TITLE);
    expect(await counts()).to.deep.equal(before);
    const auditBefore = before.audit;
    const res = await downloadOwnData(browser);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^application\/json/);
    expect(res.headers.get('content-disposition')).to.match(/^attachment; filename="helpdesk-my-data-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(res.text).not.to.include(NOTE);
    expect(res.text).not.to.include('ada.export@example.com');
    const data = JSON.parse(res.text);
    expect(data).to.include({ format: 'helpdesk.person-export/1', scope: 'requester' });
    expect(data.person.address).to.equal(REQUESTER);
    expect(data.person.account).to.include({ displayName: 'Rosa Export', role: 'requester', locale: 'en' });
    const ticket = data.tickets.find((t: { number: string }) => t.number === number);
    expect(ticket).to.include({ title: TITLE, description: 'Since this morning.', requesterEmail: REQUESTER });
    const messages = ticket.timeline.filter((e: { data: { message?: string } }) => e.data.message).map((e: { type: string; actor: string; data: { message: string } }) => [e.type, e.actor, e.data.message]);
    expect(messages).to.deep.equal([['responded', 'support', ANSWER], ['requester_replied', 'requester', REPLY]]);
    expect(ticket.timeline.map((e: { type: string }) => e.type)).not.to.include('commented');
    expect(ticket.rating).to.include({ score: 4, comment: 'Quick, thanks.' });
    expect(ticket).to.have.property('sla').that.has.keys('businessHours', 'responseTargetMs', 'resolutionTargetMs', 'responseDueAt', 'resolutionDueAt', 'responded', 'paused');
    const read = data.accessLog.find((e: { reason: string | null }) => e.reason === REASON);
    expect(read).to.include({ what: 'ticket.read', channel: 'api', viewerRole: 'agent', ticketNumber: number });
    expect(read).not.to.have.property('viewerEmail');

    // Recorded as an export, by pseudonym: the address is nowhere in the audit log.
    const [entry] = await env.db.audit.list(1);
    expect(await count('audit_log')).to.equal(auditBefore + 1);
    expect(entry).to.include({ action: 'privacy.exported', subject: `person:${data.person.pseudonym}` });
    expect(entry!.details).to.include({ scope: 'requester', channel: 'web', format: 'json', tickets: 1 });
    expect(JSON.stringify(entry)).not.to.include(REQUESTER);
    // An export makes no one.
    expect(await count('persons')).to.equal(before.persons);

    // A GET of the download's address (an old bookmark) leads to the summary; signed out, to the sign-in page.
    expect((await browser.get('/account/export.json')).location).to.equal('/account/export');
    const anonymous = new PortalClient(env.web.url, 'en');
    const away = await anonymous.open('/account/export.json');
    expect(away.text).to.include('action="/sign-in"');
    expect((await anonymous.get('/account/export')).location).to.equal('/sign-in?next=%2Faccount%2Fexport');
  });

  it('when an account’s address is not proven, then its export holds only the tickets it reported itself, not those filed for the address by others', async () => {
    const address = 'unproven.export@example.com';
    const filed = await request(env.web.url, 'POST', '/api/v1/tickets', { token: tokens.agent, body: { title: 'Printer jam', description: 'Floor 2.', requesterEmail: address } });
    expect(filed.status).to.equal(201);
    const users = env.db.users;
    await users.upsert({ email: address, displayName: 'Unproven', role: 'requester', teamId: null, locale: 'en' });
    await users.setPassword(address, await hash(PASSWORD, ARGON2_OPTIONS));
    // As accounts signed up before addresses were proven by mail (migration 0006).
    await env.db.sequelize.query(`UPDATE users SET email_verified_at = NULL WHERE email_bidx = :bidx`, { replacements: { bidx: await env.db.vault.blindIndex(address) } });
    const browser = new PortalClient(env.web.url, 'en');
    expect((await browser.signIn(address, PASSWORD)).status).to.equal(303);
    const data = JSON.parse((await downloadOwnData(browser)).text);
    expect(data.person.address).to.equal(address);
    expect(data.tickets).to.deep.equal([]);
    expect(data.accessLog).to.deep.equal([]);
  });

  it('when an admin exports the person through the API, then everything is there, internal notes too, and the export itself is in the access log', async () => {
    const personsBefore = await count('persons');
    const res = await request(env.web.url, 'POST', '/api/v1/privacy/exports', { token: tokens.admin, body: { email: REQUESTER.toUpperCase(), reason: 'Subject access request no. 17' } });
    expect(res.status).to.equal(200);
    const doc = (await request(env.web.url, 'GET', '/api/v1/openapi.json')).body;
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    ajv.addSchema({ $id: 'openapi', components: doc.components }, 'openapi');
    const valid = ajv.getSchema('openapi#/components/schemas/PersonExport')!;
    expect(valid(res.body), ajv.errorsText(valid.errors)).to.equal(true);
    expect(res.body.scope).to.equal('full');
    const ticket = res.body.tickets.find((t: { number: string }) => t.number === number);
    expect(ticket.timeline.find((e: { type: string }) => e.type === 'commented').data.message).to.equal(NOTE);
    const admin = await env.db.users.findByEmail('adam.export@example.com');
    const mine = res.body.accessLog.filter((e: { viewer: string }) => e.viewer === `user:${admin!.id}`).map((e: Record<string, unknown>) => [e.what, e.ticketNumber, e.reason, e.viewerEmail]);
    expect(mine).to.have.deep.members([
      ['person.export', null, 'Subject access request no. 17', 'adam.export@example.com'],
      ['ticket.export', number, 'Subject access request no. 17', 'adam.export@example.com'],
    ]);
    const logged = await accessLog(`?ticket=${number}&limit=1`, tokens.auditor);
    expect(logged.body.entries[0]).to.include({ what: 'ticket.export', viewerRole: 'admin', channel: 'api' });
    expect(await count('persons')).to.equal(personsBefore);
  });

  it('when an operator exports the person at the command line, then the JSON is written and the export is recorded as the operator’s; the access log lists it', async () => {
    const ran = await helpdesk(env, ['export', '--email', REQUESTER, '--reason', 'Request by post, case 2026-4']);
    expect(ran.code, ran.stderr).to.equal(0);
    const data = JSON.parse(ran.stdout);
    expect(data.person.address).to.equal(REQUESTER);
    expect(data.tickets.map((t: { number: string }) => t.number)).to.include(number);
    expect(data.accessLog[0]).to.include({ viewerRole: 'operator', channel: 'cli', reason: 'Request by post, case 2026-4' });
    expect(data.accessLog[0].viewer).to.match(/^cli:/);

    const listed = await helpdesk(env, ['access-log', '--ticket', number, '--json']);
    expect(listed.code, listed.stderr).to.equal(0);
    const entries = JSON.parse(listed.stdout);
    expect(entries[0]).to.include({ what: 'ticket.export', viewerRole: 'operator', channel: 'cli', ticketNumber: number });
    const text = await helpdesk(env, ['access-log', '--person', REQUESTER, '--limit', '3']);
    expect(text.code, text.stderr).to.equal(0);
    expect(text.stdout).to.match(/ticket\.export {2}cli {2}HD-\d{4}-\d{6}/);
    expect(text.stdout).to.include('3 entries, newest first.');
  });

  it('when the address is unknown, then the API answers 404 and the command line exits 1 (nothing held; 2 for a malformed address), each with a sentence, and nothing is recorded', async () => {
    const before = await counts();
    const api = await request(env.web.url, 'POST', '/api/v1/privacy/exports', { token: tokens.admin, body: { email: 'nobody.here@example.com' } });
    expect(api.status).to.equal(404);
    expect(api.body.error).to.deep.equal({ code: 'UNKNOWN_PERSON', message: 'No one with this e-mail address is known to the helpdesk: there is no account and no ticket for it. Check the address; nothing was recorded.' });
    const de = await request(env.web.url, 'GET', `/api/v1/privacy/access-log?person=nobody.here%40example.com`, { token: tokens.auditor, headers: { 'Accept-Language': 'de' } });
    expect([de.status, de.body.error.message]).to.deep.equal([404, 'Unter dieser E-Mail-Adresse kennt der Helpdesk niemanden: Es gibt dafür weder ein Konto noch ein Ticket. Prüfen Sie die Adresse; es wurde nichts aufgezeichnet.']);
    const cli = await helpdesk(env, ['export', '--email', 'nobody.here@example.com']);
    expect(cli.code).to.equal(1);
    expect(cli.stderr).to.include('No one with this e-mail address is known to the helpdesk');
    expect(cli.stdout).to.equal('');
    const badAddress = await request(env.web.url, 'POST', '/api/v1/privacy/exports', { token: tokens.admin, body: { email: 'not-an-address' } });
    expect([badAddress.status, badAddress.body.error.message]).to.deep.equal([422, 'The request has problems: email must be an e-mail address.']);
    const badCli = await helpdesk(env, ['export', '--email', 'not-an-address']);
    expect([badCli.code, badCli.stderr.trim()]).to.deep.equal([2, '--email must be an e-mail address.']);
    expect(await counts()).to.deep.equal(before);
  });

  it('when a requester, agent or process owner asks for an admin export or the access log, then 403; admins and auditors read the log', async () => {
    const before = await counts();
    for (const who of ['requester', 'agent', 'owner', 'auditor'] as const) {
      const res = await request(env.web.url, 'POST', '/api/v1/privacy/exports', { token: tokens[who], body: { email: REQUESTER } });
      expect(res.status, who).to.equal(403);
      expect(res.body.error.code).to.equal('FORBIDDEN');
    }
    for (const who of ['requester', 'agent', 'owner'] as const) {
      const res = await accessLog(`?ticket=${number}`, tokens[who]);
      expect(res.status, who).to.equal(403);
    }
    const requester = await accessLog(`?ticket=${number}`, tokens.requester);
    expect(requester.body.error.message).to.equal('Your role (requester) may not do this.');
    expect(await counts()).to.deep.equal(before);
    for (const who of ['admin', 'auditor'] as const) expect((await accessLog(`?ticket=${number}`, tokens[who])).status, who).to.equal(200);
    expect((await accessLog('?ticket=nope')).status).to.equal(400);
    expect((await accessLog('?limit=0')).body.error.message).to.equal('The request has problems: limit is not valid.');
    expect((await request(env.web.url, 'GET', '/api/v1/privacy/access-log')).status).to.equal(401);
  });

  it('when the requester opens the summary of their data in Polish, English and German, then a real browser shows their ticket, the answer and who read it why — never the internal note — and the download is the JSON', async () => {
    const agent = await env.db.users.findByEmail('ada.export@example.com');
    const cases = [
      { lng: 'pl', heading: 'Wszystko, co o Tobie przechowujemy', nav: 'Moje dane', tickets: 'Masz 1 zgłoszenie.', who: `Konsultant wsparcia nr ${agent!.id}`, what: 'otworzył(a) zgłoszenie przez API' },
      { lng: 'en', heading: 'Everything we hold about you', nav: 'My data', tickets: 'You have reported 1 ticket.', who: `Support agent no. ${agent!.id}`, what: 'opened the ticket through the API' },
      { lng: 'de', heading: 'Alles, was wir über Sie gespeichert haben', nav: 'Meine Daten', tickets: 'Sie haben 1 Ticket gemeldet.', who: `Support-Mitarbeiter/in Nr. ${agent!.id}`, what: 'hat das Ticket geöffnet über die API' },
    ];
    const i18n = await createI18n();
    const { status } = (await env.db.tickets.get(number))!;
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ baseURL: env.web.url, locale: 'en-GB', timezoneId: 'Europe/Warsaw', acceptDownloads: true });
      const page = await context.newPage();
      await page.goto('/sign-in?next=/account/export');
      await page.locator('#email').fill(REQUESTER);
      await page.locator('#password').fill(PASSWORD);
      await page.locator('form[action="/sign-in"] button[type=submit]').click();
      await page.waitForURL((u) => u.pathname === '/account/export');
      for (const c of cases) {
        await page.locator(`form.languages button[value=${c.lng}]`).click();
        await page.waitForURL((u) => u.pathname === '/account/export');
        expect(await page.getAttribute('html', 'lang')).to.equal(c.lng);
        expect((await page.locator('#export-heading').textContent())?.trim()).to.equal(c.heading);
        expect((await page.locator('#nav-my-data').textContent())?.trim()).to.equal(c.nav);
        expect((await page.locator('#tickets-count').textContent())?.trim()).to.equal(c.tickets);
        const main = await page.locator('main').innerText();
        for (const shown of [number, TITLE, ANSWER, REPLY, REQUESTER, REASON, c.who, c.what]) expect(main, `${c.lng}: ${shown}`).to.include(shown);
        expect(await page.locator(`#ticket-${number} .status`).textContent()).to.equal(i18n.getFixedT(c.lng, 'portal')(`status.${status}`));
        const html = await page.content();
        for (const hidden of [NOTE, 'ada.export@example.com']) expect(html, `${c.lng}: ${hidden}`).not.to.include(hidden);
        await screenshot(page, `portal-my-data-${c.lng}`);
      }
      const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-download').click()]);
      const data = JSON.parse(fs.readFileSync((await download.path())!, 'utf8'));
      expect(data.tickets.map((t: { number: string }) => t.number)).to.deep.equal([number]);
      expect(data.person.account.locale).to.equal('de');
    } finally {
      await browser.close();
    }
  });
});
