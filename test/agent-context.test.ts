/**
 * The ticket at hand for agents (services/agent/context.ts, GET /api/v1/tickets/{number}/context
 * and /duplicates): the requester's card, knowledge-base suggestions, reply templates and likely
 * duplicates, over real PostgreSQL and Temporal (tickets made through intake, so each has its
 * workflow and its sealed words).
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createDuplicatesRepo } from '../db/duplicates-repo.ts';
import { createRequesterCardRepo } from '../db/requester-card-repo.ts';
import { seedReferenceData } from '../db/seed.ts';
import { createI18n } from '../api/i18n.ts';
import { createTicketContext, type TicketContext, type TicketContextDeps } from '../services/agent/context.ts';
import { erasePerson } from '../services/privacy/erase.ts';
import { erasureDeps } from '../runtime/compose.ts';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { openTicket } from './support/tickets.ts';

describe('agents: the ticket at hand — requester card, suggestions, templates, duplicates', function () {
  this.timeout(180_000);
  let stack: IsolatedStack;
  let context: TicketContext;
  let deps: TicketContextDeps;
  const tag = randomUUID().slice(0, 6);
  const ceo = 'ceo@example.com';
  const colleague = `board.${tag}@example.com`;
  const stranger = `stranger.${tag}@example.com`;
  const tickets = { old: '', vpn: '', twin: '', orgTwin: '', orgOther: '', foreign: '', pl: '' };

  const get = async (number: string) => (await stack.db.tickets.get(number))!;
  const api = (path: string, token: string, lang = 'en') => request(stack.web.url, 'GET', path, { token, headers: { 'Accept-Language': lang } });

  before(async () => {
    stack = await isolatedStack('agentctx');
    await seedReferenceData(stack.db.sequelize, stack.db.vault);
    await stack.db.users.upsert({ email: colleague, displayName: 'Jan Zarządca', role: 'requester', teamId: null, locale: 'pl' });
    await stack.db.users.upsert({ email: stranger, displayName: 'Someone Else', role: 'requester', teamId: null, locale: 'en' });
    // The demo seed names no organisation: the board's is set here, as an operator's directory import would.
    await stack.db.sequelize.query(`UPDATE users SET organisation = 'Zarząd', department = 'Biuro prezesa', service_level = 'gold' WHERE email_bidx IN (:a, :b)`, {
      replacements: { a: await stack.db.vault.blindIndex(ceo), b: await stack.db.vault.blindIndex(colleague) },
    });
    await stack.db.sequelize.query(`UPDATE users SET organisation = 'Elsewhere Ltd' WHERE email_bidx = :c`, { replacements: { c: await stack.db.vault.blindIndex(stranger) } });
    deps = { cards: createRequesterCardRepo(stack.db.sequelize), duplicates: createDuplicatesRepo(stack.db.sequelize), kb: stack.db.kb, vault: stack.db.vault, i18n: await createI18n() };
    context = createTicketContext(deps);
    const vpn = { title: 'VPN disconnects every few minutes', description: 'Since this morning the VPN drops the connection about every five minutes while I work from home.', locale: 'en', category: 'network' };
    tickets.old = await openTicket(stack, { requesterEmail: ceo, title: 'Printer on the 3rd floor jams', description: 'Paper jam every morning.', locale: 'en' });
    tickets.vpn = await openTicket(stack, { requesterEmail: ceo, ...vpn });
    tickets.twin = await openTicket(stack, { requesterEmail: ceo, ...vpn, description: 'Since this morning the VPN drops the connection about every 5 minutes when I work from home.' });
    tickets.orgTwin = await openTicket(stack, { requesterEmail: colleague, title: 'VPN keeps disconnecting', description: 'The VPN connection drops every few minutes at home.', locale: 'en' });
    tickets.orgOther = await openTicket(stack, { requesterEmail: colleague, title: 'New monitor for the meeting room', description: 'Please order a second screen.', locale: 'en' });
    tickets.foreign = await openTicket(stack, { requesterEmail: stranger, ...vpn });
    tickets.pl = await openTicket(stack, { requesterEmail: colleague, title: 'VPN rozłącza się co kilka minut', description: 'Od rana VPN zrywa połączenie, pracuję z domu.', locale: 'pl' });
    await request(stack.web.url, 'POST', `/api/v1/tickets/${tickets.old}/actions/cancel`, { token: stack.agentToken, body: { reason: 'Reported twice' } });
  });

  it('the card shows the seeded VIP with their organisation, service level and language, and their other tickets open and past, titles opened', async () => {
    const card = (await context.requesterCard(await get(tickets.vpn)))!;
    expect(card).to.include({ displayName: 'Maria Nowak (CEO)', email: ceo, organisation: 'Zarząd', department: 'Biuro prezesa', serviceLevel: 'gold', vip: true, language: 'pl' });
    expect(card.open.map((t) => t.number)).to.deep.equal([tickets.twin]);
    expect(card.open[0]!.title).to.equal('VPN disconnects every few minutes');
    expect(card.past.map((t) => [t.number, t.title, t.status])).to.deep.equal([[tickets.old, 'Printer on the 3rd floor jams', 'cancelled']]);
  });

  it('knowledge-base suggestions for a VPN ticket find the VPN article, in the ticket’s language, with a portal link and a short excerpt', async () => {
    const [first] = await context.kbSuggestions(await get(tickets.vpn));
    expect(first).to.include({ slug: 'vpn-disconnects', language: 'en', title: 'VPN disconnects every few minutes', url: '/kb/vpn-disconnects?lng=en' });
    expect(first!.excerpt.length).to.be.within(10, 200);
    const [pl] = await context.kbSuggestions(await get(tickets.pl));
    expect(pl).to.include({ slug: 'vpn-disconnects', language: 'pl', title: 'VPN rozłącza się co kilka minut' });
  });

  it('templates are named in the agent’s language and written in the ticket’s, with the number, the requester’s name and Polish plural forms', async () => {
    const pl = await get(tickets.pl);
    const templates = context.replyTemplates(pl, 'de', 'Jan Zarządca');
    expect(templates.map((t) => t.name)).to.deep.equal([
      'Eingangsbestätigung und Rückfragen', 'Schritte zum Zurücksetzen des Passworts', 'Bitte bestätigen, dass es funktioniert', 'Abschluss ohne Rückmeldung', 'An Spezialisten weitergegeben',
    ]);
    const ack = templates.find((t) => t.id === 'acknowledge')!;
    expect(ack.body).to.match(/^Dzień dobry, Jan Zarządca,\n\nDziękujemy za zgłoszenie /);
    expect(ack.body).to.include(tickets.pl);
    const days = (n: number) => createTicketContext({ ...deps, clock: () => Date.parse(pl.updatedAt) + n * 86_400_000 + 1000 })
      .replyTemplates(pl, 'en').find((t) => t.id === 'closing_no_response')!.body;
    expect(days(1)).to.include('Od 1 dnia nie mamy');
    expect(days(3)).to.include('Od 3 dni nie mamy');
    expect(days(5)).to.include('Od 5 dni nie mamy');
    expect(days(3)).to.match(/^Dzień dobry,\n/);
    const en = context.replyTemplates(await get(tickets.vpn), 'pl', 'Maria Nowak (CEO)').find((t) => t.id === 'escalated')!;
    expect(en.name).to.equal('Przekazanie do specjalisty');
    expect(en.body).to.match(/^Hello Maria Nowak \(CEO\),\n\nYour ticket .* needs the knowledge of our specialists/);
  });

  it('duplicates: the near-identical ticket of the same requester first, then the organisation’s similar one; never another organisation’s, an unrelated one, a finished one or itself', async () => {
    const found = await context.duplicates(await get(tickets.vpn));
    expect(found[0]).to.include({ number: tickets.twin, sameRequester: true, title: 'VPN disconnects every few minutes', status: 'new' });
    expect(found[0]!.similarity).to.be.greaterThan(0.8);
    expect(found[0]!.rank).to.be.greaterThan(0);
    const numbers = found.map((d) => d.number);
    expect(numbers).to.include(tickets.orgTwin);
    expect(found.find((d) => d.number === tickets.orgTwin)).to.include({ sameRequester: false, sameOrganisation: true });
    for (const never of [tickets.vpn, tickets.foreign, tickets.orgOther, tickets.old]) expect(numbers).to.not.include(never);
    expect(await context.duplicates(await get(tickets.old)), 'a finished ticket has none').to.deep.equal([]);
  });

  it('the API: agents and admins get the context and duplicates (each read in the access log); process owners and auditors 403 with a sentence; requesters 404 as for an unknown ticket', async () => {
    const admin = await stack.tokenFor(`admin.${tag}@example.com`, 'admin');
    const ctx = await api(`/api/v1/tickets/${tickets.vpn}/context`, stack.agentToken, 'de');
    expect(ctx.status, JSON.stringify(ctx.body)).to.equal(200);
    expect(ctx.body.requester).to.include({ organisation: 'Zarząd', vip: true });
    expect(ctx.body.suggestions[0].slug).to.equal('vpn-disconnects');
    expect(ctx.body.templates[0]).to.include({ id: 'acknowledge', name: 'Eingangsbestätigung und Rückfragen' });
    expect(ctx.body.templates[0].body).to.match(/^Hello Maria Nowak \(CEO\),/);
    const dup = await api(`/api/v1/tickets/${tickets.vpn}/duplicates?limit=3`, admin);
    expect(dup.status).to.equal(200);
    expect(dup.body.items[0].number).to.equal(tickets.twin);
    expect(dup.body.items.length).to.be.at.most(3);
    const entries = await stack.db.accessLog.query({ ticket: tickets.twin });
    expect(entries.some((e) => e.what === 'ticket.read' && e.channel === 'api')).to.equal(true);

    for (const role of ['process_owner', 'auditor'] as const) {
      const r = await api(`/api/v1/tickets/${tickets.vpn}/context`, await stack.tokenFor(`${role}.${tag}@example.com`, role), 'pl');
      expect(r.status, role).to.equal(403);
      expect(r.body.error.message).to.equal(`Twoja rola (${role}) nie pozwala na to.`);
    }
    const requester = await stack.tokenFor(ceo, 'requester');
    for (const path of [`/api/v1/tickets/${tickets.vpn}/context`, `/api/v1/tickets/${tickets.vpn}/duplicates`]) {
      const r = await api(path, requester);
      expect(r.status).to.equal(404);
      expect(r.body.error.message).to.equal(`There is no ticket ${tickets.vpn}.`);
    }
    expect((await api(`/api/v1/tickets/${tickets.vpn.replace(/\d+$/, '999999')}/context`, stack.agentToken)).status).to.equal(404);
    expect((await api('/api/v1/tickets/nope/duplicates', stack.agentToken)).status).to.equal(400);
    expect((await api(`/api/v1/tickets/${tickets.vpn}/duplicates?limit=0`, stack.agentToken)).status).to.equal(422);
  });

  it('an erased requester has no card, and no word of theirs leaks through the context or another ticket’s duplicates', async () => {
    const erased = `erased.${tag}@example.com`;
    await stack.db.users.upsert({ email: erased, displayName: 'Zofia Tajna', role: 'requester', teamId: null, locale: 'pl' });
    await stack.db.sequelize.query(`UPDATE users SET organisation = 'Zarząd' WHERE email_bidx = :b`, { replacements: { b: await stack.db.vault.blindIndex(erased) } });
    const secret = await openTicket(stack, { requesterEmail: erased, title: 'VPN disconnects every few minutes Tajna', description: 'Since this morning the VPN drops the connection about every five minutes while I work from home.', locale: 'en' });
    expect((await context.duplicates(await get(tickets.vpn), 10)).map((d) => d.number)).to.include(secret);
    await erasePerson(erasureDeps(stack.config, stack.db), { email: erased, reason: 'Art. 17 GDPR, case T-1', actor: 'test' });
    const ticket = await get(secret);
    expect(await context.requesterCard(ticket)).to.equal(null);
    expect(await context.duplicates(ticket)).to.deep.equal([]);
    expect(context.replyTemplates(ticket, 'en', 'Zofia Tajna')[0]!.body).to.match(/^Dzień dobry,|^Hello,/);
    const r = await api(`/api/v1/tickets/${secret}/context`, stack.agentToken);
    expect(r.status).to.equal(200);
    expect(r.body.requester).to.equal(null);
    const text = JSON.stringify(r.body) + JSON.stringify((await api(`/api/v1/tickets/${tickets.vpn}/duplicates?limit=20`, stack.agentToken)).body);
    for (const leak of ['Tajna', erased, 'Zofia']) expect(text).to.not.include(leak);
    expect((await context.duplicates(await get(tickets.vpn), 20)).map((d) => d.number)).to.not.include(secret);
  });

  it('without pg_trgm (a server that lacks it) the duplicates are ranked by full-text rank alone, and nothing fails', async () => {
    await stack.db.sequelize.query(`DROP EXTENSION pg_trgm CASCADE`);
    try {
      // A repository that found pg_trgm before (its functions now missing) and one that finds none.
      for (const ctx of [context, createTicketContext({ ...deps, duplicates: createDuplicatesRepo(stack.db.sequelize) })]) {
        const found = await ctx.duplicates(await get(tickets.vpn));
        expect(found[0]).to.include({ number: tickets.twin, similarity: 0 });
        expect(found[0]!.rank).to.be.greaterThan(0);
        expect(found.map((d) => d.number)).to.not.include.members([tickets.foreign, tickets.orgOther]);
      }
    } finally {
      await stack.db.sequelize.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    }
  });
});
