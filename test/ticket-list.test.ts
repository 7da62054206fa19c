import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';
import { act, openTicket } from './support/tickets.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

describe('GET /api/v1/tickets: the queues, filters, sorts and keyset pages on the real read model', function () {
  this.timeout(240_000);
  let stack: IsolatedStack;
  const tag = randomUUID().slice(0, 6);
  const alice = `alice.${tag}@example.com`;
  const bob = `bob.${tag}@example.com`;
  const carol = `carol.${tag}@example.com`;
  const l1 = `l1.${tag}@example.com`;
  const t = { aliceVpn: '', alicePrinter: '', aliceUrgent: '', bobMail: '', bobClosed: '', carolAccess: '' };
  let tokens: { alice: string; bob: string; l1: string };
  let validateList: (body: unknown) => boolean;

  type Item = { number: string; title: string; status: string; priority?: string | null; tier?: string | null; assignee?: string | null; requester?: string | null; organisation?: string | null };
  const get = (query: string, token: string, lang = 'en') => request<{ items: Item[]; nextCursor: string | null; error?: { code: string; message: string; fields?: Array<{ field: string; message: string }> } }>(
    stack.web.url, 'GET', `/api/v1/tickets${query}`, { token, headers: { 'Accept-Language': lang } });
  /** Every page of a listing, following the cursors. */
  async function all(query: string, token: string, limit = 2): Promise<string[]> {
    const out: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(`${query}${query.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, token);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(validateList(res.body), 'the answer matches the OpenAPI document').to.equal(true);
      out.push(...res.body.items.map((i) => i.number));
      cursor = res.body.nextCursor;
    } while (cursor);
    return out;
  }
  const numbers = async (query: string, token = stack.agentToken) => (await all(query, token, 100)).sort();

  before(async () => {
    stack = await isolatedStack('ticketlist');
    const doc = (await request(stack.web.url, 'GET', '/api/v1/openapi.json')).body;
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    ajv.addSchema({ $id: 'openapi', components: doc.components }, 'openapi');
    validateList = ajv.getSchema('openapi#/components/schemas/TicketList')!;
    expect(doc.paths['/api/v1/tickets'].get.operationId).to.equal('listTickets');

    await stack.db.users.upsert({ email: l1, displayName: 'First Line', role: 'agent', teamId: 'service-desk', locale: 'en' });
    tokens = { alice: await stack.tokenFor(alice), bob: await stack.tokenFor(bob), l1: await stack.tokenFor(l1, 'agent') };
    await stack.tokenFor(carol);
    await stack.db.sequelize.query(`UPDATE users SET organisation = 'Acme' WHERE email_bidx IN (:a, :c)`, {
      replacements: { a: await stack.db.vault.blindIndex(alice), c: await stack.db.vault.blindIndex(carol) },
    });
    t.aliceVpn = await openTicket(stack, { requesterEmail: alice, title: 'VPN drops every five minutes', description: 'The VPN disconnects when I work from home.' });
    t.alicePrinter = await openTicket(stack, { requesterEmail: alice, title: 'Printer jams on the third floor', description: 'Paper jam each morning.', category: 'hardware' });
    t.aliceUrgent = await openTicket(stack, { requesterEmail: alice, title: 'Payroll system is down', description: 'Nobody can open payroll.', impact: 'high', urgency: 'high', category: 'software' });
    t.bobMail = await openTicket(stack, { requesterEmail: bob, title: 'Mailbox full', description: 'Outlook says my mailbox is full.', category: 'email' });
    t.bobClosed = await openTicket(stack, { requesterEmail: bob, title: 'Old request', description: 'Not needed any more.' });
    t.carolAccess = await openTicket(stack, { requesterEmail: carol, title: 'Access to the finance share', description: 'I need the finance folder.', category: 'access' });
    for (const number of Object.values(t)) await waitFor(`${number} classified`, async () => (await stack.db.tickets.get(number))?.rulesVersion ?? undefined, 30_000, 100);
    const assign = await act(stack, t.aliceVpn, 'assign', { assignee: l1 });
    expect(assign.status, JSON.stringify(assign.body)).to.equal(200);
    expect((await act(stack, t.bobMail, 'assign', { assignee: l1 })).status).to.equal(200);
    expect((await act(stack, t.bobMail, 'set_pending', { reason: 'Which mailbox?' })).status).to.equal(200);
    expect((await act(stack, t.carolAccess, 'escalate', { reason: 'Needs the file-server team' })).status).to.equal(200);
    expect((await act(stack, t.bobClosed, 'cancel', { reason: 'Withdrawn' })).status).to.equal(200);
    // The search projection is written by an activity: wait until the words are there.
    await waitFor('the words indexed', async () => (await numbers('?q=payroll')).includes(t.aliceUrgent) || undefined, 30_000, 200);
  });

  it('a requester lists only their own tickets, whatever they filter by, in the public shape', async () => {
    const mine = [t.aliceVpn, t.alicePrinter, t.aliceUrgent].sort();
    expect(await numbers('', tokens.alice)).to.deep.equal(mine);
    expect(await numbers('?status=new,assigned,in_progress,pending,reopened,cancelled,resolved,closed', tokens.alice)).to.deep.equal(mine);
    expect(await numbers('?q=mailbox', tokens.alice)).to.deep.equal([]);
    expect(await numbers(`?q=${t.bobMail}`, tokens.alice)).to.deep.equal([]);
    expect(await numbers('?category=email', tokens.alice)).to.deep.equal([]);
    expect(await numbers('?status=pending', tokens.bob)).to.deep.equal([t.bobMail]);
    for (const q of [`?requester=${bob}`, '?organisation=Acme', '?queue=pending', '?assignee=agent@example.com', '?team=service-desk', '?priority=P1', '?tier=L2']) {
      const res = await get(q, tokens.bob);
      expect(res.status, q).to.equal(403);
      expect(res.body.error!.message).to.match(/Only staff/);
    }
    const de = await get('?queue=mine', tokens.bob, 'de');
    expect(de.body.error!.message).to.match(/Nur Mitarbeitende/);
    const own = (await get('', tokens.alice)).body.items;
    expect(own.map((i) => i.title)).to.include('VPN drops every five minutes');
    for (const item of own) expect(item).to.not.have.any.keys('assignee', 'tier', 'teamId', 'priority', 'requester', 'organisation', 'escalated');
  });

  it('staff filter by status, priority, category, team, tier, assignee, requester, organisation and text, with titles opened', async () => {
    expect(await numbers('')).to.deep.equal([t.aliceVpn, t.alicePrinter, t.aliceUrgent, t.bobMail, t.carolAccess].sort());
    expect(await numbers('?status=cancelled')).to.deep.equal([t.bobClosed]);
    expect(await numbers('?status=pending&status=cancelled')).to.deep.equal([t.bobMail, t.bobClosed].sort());
    const urgent = (await stack.db.tickets.get(t.aliceUrgent))!;
    expect(await numbers(`?priority=${urgent.priority}`)).to.include(t.aliceUrgent);
    expect(await numbers('?category=hardware,email')).to.deep.equal([t.alicePrinter, t.bobMail].sort());
    const carolTicket = (await stack.db.tickets.get(t.carolAccess))!;
    expect(carolTicket.tier).to.not.equal('L1');
    const open = await Promise.all([t.aliceVpn, t.alicePrinter, t.aliceUrgent, t.bobMail, t.carolAccess].map(async (n) => (await stack.db.tickets.get(n))!));
    const where = (f: (r: (typeof open)[number]) => boolean) => open.filter(f).map((r) => r.number).sort();
    expect(await numbers(`?tier=${carolTicket.tier}`)).to.deep.equal(where((r) => r.tier === carolTicket.tier)).and.include(t.carolAccess);
    expect(await numbers(`?team=${carolTicket.teamId}`)).to.deep.equal(where((r) => r.teamId === carolTicket.teamId));
    expect(await numbers(`?tier=L1&tier=${carolTicket.tier}`)).to.deep.equal(where((r) => r.tier === 'L1' || r.tier === carolTicket.tier));
    expect(await numbers(`?assignee=${l1}`)).to.deep.equal([t.aliceVpn, t.bobMail].sort());
    expect(await numbers(`?assignee=${l1}&status=pending`)).to.deep.equal([t.bobMail]);
    expect(await numbers(`?requester=${alice.toUpperCase()}`)).to.deep.equal([t.aliceVpn, t.alicePrinter, t.aliceUrgent].sort());
    expect(await numbers('?organisation=Acme')).to.deep.equal([t.aliceVpn, t.alicePrinter, t.aliceUrgent, t.carolAccess].sort());
    expect(await numbers('?q=payroll')).to.deep.equal([t.aliceUrgent]);
    expect(await numbers(`?q=${t.bobMail.toLowerCase()}`)).to.deep.equal([t.bobMail]);
    expect(await numbers('?q=printer&organisation=Acme&category=hardware')).to.deep.equal([t.alicePrinter]);
    const rows = (await get(`?requester=${carol}`, stack.agentToken)).body.items;
    expect(rows[0]).to.include({ number: t.carolAccess, title: 'Access to the finance share', requester: carol, organisation: 'Acme' });
    const assigned = (await get(`?assignee=${l1}&status=assigned`, stack.agentToken)).body.items[0]!;
    expect(assigned.assignee).to.equal(l1);
  });

  it('the queues: mine, team, tier, unassigned, escalated, pending; the counts equal the lists', async () => {
    const q = (queue: string) => numbers(`?queue=${queue}`, tokens.l1);
    expect(await q('mine')).to.deep.equal([t.aliceVpn, t.bobMail].sort());
    expect(await q('pending')).to.deep.equal([t.bobMail]);
    const open = await Promise.all([t.aliceVpn, t.alicePrinter, t.aliceUrgent, t.bobMail, t.carolAccess].map(async (n) => (await stack.db.tickets.get(n))!));
    const where = (f: (r: (typeof open)[number]) => boolean) => open.filter(f).map((r) => r.number).sort();
    expect(await q('team')).to.deep.equal(where((r) => r.teamId === 'service-desk'));
    expect(await q('tier')).to.deep.equal(where((r) => r.tier === 'L1'));
    expect(await q('unassigned')).to.deep.equal(where((r) => r.tier === 'L1' && r.assignee === null));
    expect(await q('all')).to.deep.equal(where(() => true));
    const l2 = `l2.${tag}@example.com`;
    const carolTicket = (await stack.db.tickets.get(t.carolAccess))!;
    await stack.db.sequelize.query(`INSERT INTO teams (id, name, tier) VALUES (:id, :id, :tier) ON CONFLICT (id) DO NOTHING`, { replacements: { id: carolTicket.teamId, tier: carolTicket.tier } });
    await stack.db.users.upsert({ email: l2, displayName: 'Second Line', role: 'agent', teamId: carolTicket.teamId, locale: 'en' });
    const l2Token = await stack.tokenFor(l2, 'agent');
    expect(await numbers('?queue=escalated', l2Token)).to.deep.equal([t.carolAccess]);
    expect(await numbers('?queue=escalated', tokens.l1)).to.deep.equal([]);

    const { createQueueService } = await import('../services/agent/queues.ts');
    const { createTicketListRepo } = await import('../db/ticket-list-repo.ts');
    const service = createQueueService({ list: createTicketListRepo(stack.db.sequelize), vault: stack.db.vault });
    for (const [email, token] of [[l1, tokens.l1], [l2, l2Token]] as const) {
      const user = (await stack.db.users.findByEmail(email))!;
      const counts = await service.counts({ role: user.role, email, userId: user.id, teamId: user.teamId, tier: user.tier });
      for (const [queue, n] of Object.entries(counts)) expect((await all(`?queue=${queue}`, token, 3)).length, `${email} ${queue}`).to.equal(n);
    }

    // Escalated to me, not to a colleague: once another L2 agent takes it, it is theirs, no longer the tier's to pick up.
    const taker = `l2b.${tag}@example.com`;
    await stack.db.users.upsert({ email: taker, displayName: 'Second Line Too', role: 'agent', teamId: carolTicket.teamId, locale: 'en' });
    const takerToken = await stack.tokenFor(taker, 'agent');
    expect((await act(stack, t.carolAccess, 'assign', { assignee: taker })).status).to.equal(200);
    await waitFor('the assignment projected', async () => ((await stack.db.tickets.get(t.carolAccess))?.status === 'assigned' ? true : undefined), 10_000, 100);
    expect(await numbers('?queue=escalated', l2Token)).to.deep.equal([]);
    expect(await numbers('?queue=escalated', takerToken)).to.deep.equal([t.carolAccess]);
  });

  it('at risk is a warning of a clock that still runs: answered or paused, the ticket leaves the queue', async () => {
    const l1User = (await stack.db.users.findByEmail(l1))!;
    const risky = t.alicePrinter;
    const at = (sql: string) => stack.db.sequelize.query(`UPDATE tickets SET ${sql} WHERE number = :n`, { replacements: { n: risky } });
    const { createQueueService } = await import('../services/agent/queues.ts');
    const { createTicketListRepo } = await import('../db/ticket-list-repo.ts');
    const service = createQueueService({ list: createTicketListRepo(stack.db.sequelize), vault: stack.db.vault });
    const viewer = { role: l1User.role, email: l1, userId: l1User.id, teamId: l1User.teamId, tier: l1User.tier };
    const listed = async () => (await service.list(viewer, service.parse({ queue: 'at_risk', limit: '100' }))).items.map((i) => i.number);
    const before = (await stack.db.sequelize.query<Record<string, unknown>>(`SELECT warned_at, warned_clock, response_due_at FROM tickets WHERE number = :n`, { replacements: { n: risky }, type: 'SELECT' as never }))[0]!;
    try {
      // A response warning with the response clock running: at risk, counted so.
      await at(`warned_at = now(), warned_clock = 'response', response_due_at = now() + interval '1 hour', breached = false`);
      expect(await listed()).to.include(risky);
      expect((await service.counts(viewer)).at_risk).to.equal((await listed()).length);
      // Answered (the response clock stopped): no longer at risk.
      await at(`response_due_at = NULL`);
      expect(await listed()).to.not.include(risky);
      expect((await service.counts(viewer)).at_risk).to.equal((await listed()).length);
    } finally {
      await stack.db.sequelize.query(`UPDATE tickets SET warned_at = :w, warned_clock = :c, response_due_at = :r WHERE number = :n`, { replacements: { n: risky, w: before.warned_at ?? null, c: before.warned_clock ?? null, r: before.response_due_at ?? null } });
    }
  });

  it('each sort pages by keyset: no row twice, none skipped, also when tickets are recorded between pages', async () => {
    const every = await numbers('?status=new,assigned,in_progress,pending,reopened,cancelled');
    for (const sort of ['due', 'priority', 'created', 'created_asc', 'updated']) {
      const first = await get(`?sort=${sort}&limit=2&status=new,assigned,in_progress,pending,reopened,cancelled`, stack.agentToken);
      expect(first.status).to.equal(200);
      const seen = first.body.items.map((i) => i.number);
      const added = await openTicket(stack, { requesterEmail: bob, title: `Recorded between pages (${sort})`, description: 'x' });
      let cursor = first.body.nextCursor;
      while (cursor) {
        const page = await get(`?sort=${sort}&limit=2&status=new,assigned,in_progress,pending,reopened,cancelled&cursor=${cursor}`, stack.agentToken);
        seen.push(...page.body.items.map((i) => i.number));
        cursor = page.body.nextCursor;
      }
      expect(new Set(seen).size, `${sort}: no repeats`).to.equal(seen.length);
      expect(seen, `${sort}: nothing skipped`).to.include.members(every);
      every.push(added);
    }
    const created = (await get('?sort=created', stack.agentToken)).body.items.map((i) => i.number);
    expect(created).to.deep.equal([...created].sort().reverse());
    const asc = (await get('?sort=created_asc', stack.agentToken)).body.items.map((i) => i.number);
    expect(asc).to.deep.equal([...asc].sort());
  });

  it('bad input is 422 with a sentence naming the field, in pl, en and de', async () => {
    const bad = await get('?queue=someone&limit=500&sort=sideways&assignee=nobody&status=lost', stack.agentToken);
    expect(bad.status).to.equal(422);
    expect(bad.body.error!.fields!.map((f) => f.field).sort()).to.deep.equal(['assignee', 'limit', 'queue', 'sort', 'status']);
    expect(bad.body.error!.fields!.find((f) => f.field === 'limit')!.message).to.equal('limit must be a whole number from 1 to 100');
    const pl = await get('?limit=0', stack.agentToken, 'pl');
    expect(pl.body.error!.fields![0]!.message).to.equal('limit musi być liczbą całkowitą od 1 do 100');
    const de = await get('?cursor=bm9wZQ', stack.agentToken, 'de');
    expect(de.status).to.equal(422);
    expect(de.body.error!.fields![0]!.message).to.equal('cursor ist keine Seite dieser Liste: Beginnen Sie wieder mit der ersten Seite');
    // A well-formed cursor with values no page made (a hand-edited link): 422 as well, for a requester too.
    const forged = Buffer.from(JSON.stringify({ s: 'due', k: ['x', 'HD-2026-000001'] })).toString('base64url');
    for (const token of [stack.agentToken, tokens.alice]) {
      const f = await get(`?cursor=${forged}`, token);
      expect(f.status).to.equal(422);
      expect(f.body.error!.fields!.map((x) => x.field)).to.deep.equal(['cursor']);
    }
    const page = await get('?sort=due&limit=1', stack.agentToken);
    const wrongSort = await get(`?sort=created&cursor=${page.body.nextCursor}`, stack.agentToken);
    expect(wrongSort.status).to.equal(422);
    const unknown = await get('?colour=red', stack.agentToken);
    expect(unknown.status).to.equal(422);
    expect(unknown.body.error!.fields![0]!.message).to.equal('colour is not a field of this request');
    expect((await get('', '')).status).to.equal(401);
  });
});
