/**
 * What the agents' workspace pages do, through the REST API (real Temporal dev server, real
 * PostgreSQL): the queues' counts are the lengths of the queues' own lists (GET /api/v1/tickets),
 * and `/tickets/counts` is not read as a ticket number; an agent saves, lists, replaces by name and
 * deletes their views, another agent's view is a 404, and a bad view is a 422 naming each field in
 * the caller's language; a team lead and an admin see a team's load, a colleague who does not lead
 * it and a requester get 403 with a sentence. Every answer validates against the OpenAPI document.
 */
import { expect } from 'chai';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { fastRulesText } from './fixtures/fast-rules.ts';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';
import { makeUser, type TestUser } from './support/staff.ts';
import { act, openTicket, waitForEvent } from './support/tickets.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const QUEUES = ['mine', 'team', 'tier', 'unassigned', 'escalated', 'pending', 'at_risk', 'breached', 'all'] as const;
type Counts = Record<(typeof QUEUES)[number], number>;
interface Doc {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }> }>>;
  components: unknown;
}

describe('the agents\' workspace in the REST API: queue counts, saved views, a team\'s load', function () {
  this.timeout(180_000);
  let stack: IsolatedStack;
  let doc: Doc;
  let ajv: Ajv;

  const api = (method: string, path: string, token: string, opts: { body?: unknown; lang?: string } = {}) =>
    request(stack.web.url, method, `/api/v1${path}`, { token, headers: { 'Accept-Language': opts.lang ?? 'en' }, ...(opts.body !== undefined ? { body: opts.body } : {}) });

  /** The answer matches what the OpenAPI document says of this path, method and status. */
  function documented(path: string, method: string, res: { status: number; body: unknown }): void {
    const spec = doc.paths[path]?.[method]?.responses[String(res.status)];
    expect(spec, `${method.toUpperCase()} ${path} documents ${res.status}`).to.be.an('object');
    const schema = spec!.content?.['application/json']?.schema;
    if (!schema) return;
    const validate = ajv.getSchema(`openapi${schema.$ref}`) as ValidateFunction;
    expect(validate(res.body), `${method.toUpperCase()} ${path} ${res.status}: ${ajv.errorsText(validate.errors)}`).to.equal(true);
  }

  /** A refusal's sentence: a real sentence, no key or placeholder left in it. */
  function sentence(res: { body: { error?: { message?: unknown } } }): string {
    const message = res.body.error?.message;
    expect(message).to.be.a('string').and.not.match(/undefined|\{\{|errors\.|field\./);
    return message as string;
  }

  async function tokenOf(user: TestUser): Promise<string> {
    return (await stack.db.apiTokens.create(user.email, 'test'))!.token;
  }

  before(async () => {
    // Response targets of 3 s: the untouched tickets breach (and the ladder moves them) while the test waits; a P1 is
    // warned after 3.6 s of its hour and stays at risk.
    const rules = JSON.parse(fastRulesText({ response: '3s', resolution: '1h', autoCloseAfter: '1h' })) as { slaPolicies: Array<{ priority: string; response: string; warnAt: number[] }> };
    for (const p of rules.slaPolicies.filter((x) => x.priority === 'P1')) Object.assign(p, { response: '1h', warnAt: [0.001] });
    stack = await isolatedStack('agent-workspace-api', JSON.stringify(rules));
    doc = (await request<Doc>(stack.web.url, 'GET', '/api/v1/openapi.json')).body;
    ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    ajv.addSchema({ $id: 'openapi', components: doc.components }, 'openapi');
  });

  it('counts each queue for the caller as many as that queue lists, for an agent with a team and tier, one without, and an admin; others 403', async () => {
    const agent = await makeUser(stack.db, 'agent', 'counts-agent');
    const admin = await makeUser(stack.db, 'admin', 'counts-admin');
    const [agentToken, adminToken] = [await tokenOf(agent), await tokenOf(admin)];
    const numbers = [];
    for (let i = 0; i < 5; i++) numbers.push(await openTicket(stack, { title: `Counted ticket ${i}` }));
    for (const n of numbers) await waitForEvent(stack, n, (e) => e.type === 'classified');
    const [mine, pending, escalated, untouched, cancelled] = numbers as [string, string, string, string, string];
    for (const [n, action, body] of [
      [mine, 'assign', { assignee: agent.email }], [pending, 'assign', { assignee: agent.email }], [pending, 'set_pending', { reason: 'Which printer?' }],
      [escalated, 'escalate', { reason: 'Needs the network team' }], [cancelled, 'cancel', { reason: 'Withdrawn' }],
    ] as const) expect((await act(stack, n, action, body)).status, `${action} ${n}`).to.equal(200);
    const atRisk = await openTicket(stack, { title: 'Counted urgent ticket', impact: 'high', urgency: 'high' });
    await waitForEvent(stack, atRisk, (e) => e.type === 'sla_warning');
    await waitForEvent(stack, untouched, (e) => e.type === 'sla_breached');
    await waitForEvent(stack, mine, (e) => e.type === 'sla_breached');

    /** Every page of one queue's list, its length. */
    async function listed(queue: string, token: string): Promise<number> {
      let total = 0;
      let cursor: string | null = null;
      do {
        const res = await api('GET', `/tickets?queue=${queue}&limit=100${cursor ? `&cursor=${cursor}` : ''}`, token);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        total += (res.body.items as unknown[]).length;
        cursor = res.body.nextCursor as string | null;
      } while (cursor);
      return total;
    }
    /** The counts and the lists' lengths, once nothing changed while they were read (timers may still be firing). */
    async function compared(token: string): Promise<{ counts: Counts; lists: Counts }> {
      return waitFor('counts read while no ticket changed', async () => {
        const before = await api('GET', '/tickets/counts', token);
        expect(before.status, JSON.stringify(before.body)).to.equal(200);
        documented('/api/v1/tickets/counts', 'get', before);
        const lists = Object.fromEntries(await Promise.all(QUEUES.map(async (q) => [q, await listed(q, token)] as const))) as Counts;
        const after = await api('GET', '/tickets/counts', token);
        return JSON.stringify(after.body.counts) === JSON.stringify(before.body.counts) ? { counts: before.body.counts as Counts, lists } : undefined;
      }, 30_000, 500);
    }

    for (const [who, token] of [['an L1 agent of the service desk', agentToken], ['an agent without a team', stack.agentToken], ['an admin', adminToken]] as const) {
      const { counts, lists } = await compared(token);
      expect(Object.keys(counts).sort(), who).to.deep.equal([...QUEUES].sort());
      expect(counts, who).to.deep.equal(lists);
    }
    const forAdmin = (await compared(adminToken)).counts;
    expect(forAdmin.all, 'the admin counts every open ticket').to.be.at.least(5);
    expect([forAdmin.pending, forAdmin.escalated, forAdmin.at_risk, forAdmin.breached].every((c) => c >= 1), JSON.stringify(forAdmin)).to.equal(true);
    const none = (await compared(stack.agentToken)).counts;
    expect([none.team, none.tier], 'no team or tier: those queues are empty').to.deep.equal([0, 0]);

    for (const role of ['requester', 'auditor'] as const) {
      const refused = await api('GET', '/tickets/counts', await stack.tokenFor(`counts-${role}@example.com`, role), { lang: 'pl' });
      expect(refused.status, role).to.equal(403);
      documented('/api/v1/tickets/counts', 'get', refused);
      sentence(refused);
    }
  });

  it('saves a view, lists it, replaces it by name, keeps it the agent\'s own (404 for another\'s), refuses a bad one naming each field, and deletes it', async () => {
    const agent = await makeUser(stack.db, 'agent', 'views-agent');
    const other = await makeUser(stack.db, 'agent', 'views-other');
    const [token, otherToken] = [await tokenOf(agent), await tokenOf(other)];

    const empty = await api('GET', '/agent/views', token);
    expect(empty.status).to.equal(200);
    documented('/api/v1/agent/views', 'get', empty);
    expect(empty.body.items).to.deep.equal([]);

    const saved = await api('POST', '/agent/views', token, { body: { name: '  Urgent   and new ', queue: 'unassigned', priority: 'P1,P2', status: ['new'], requester: 'Someone@Example.com', q: 'printer', sort: 'updated' } });
    expect(saved.status, JSON.stringify(saved.body)).to.equal(200);
    documented('/api/v1/agent/views', 'post', saved);
    expect(saved.body).to.deep.include({ name: 'Urgent and new', sort: 'updated', filters: { queue: 'unassigned', status: ['new'], priority: ['P1', 'P2'], requester: 'someone@example.com', text: 'printer' } });
    const href = new URL(saved.body.href, stack.web.url);
    expect([href.pathname, href.searchParams.get('queue'), href.searchParams.get('priority')]).to.deep.equal(['/agent', 'unassigned', 'P1,P2']);

    // The same name again replaces it: one view, now of the breached queue, same id.
    const replaced = await api('POST', '/agent/views', token, { body: { name: 'Urgent and new', queue: 'breached' } });
    expect(replaced.status).to.equal(200);
    expect([replaced.body.id, replaced.body.filters, replaced.body.sort]).to.deep.equal([saved.body.id, { queue: 'breached' }, 'due']);
    await api('POST', '/agent/views', token, { body: { name: 'A first', tier: ['L2'] } });
    const listed = await api('GET', '/agent/views', token);
    documented('/api/v1/agent/views', 'get', listed);
    expect(listed.body.items.map((v: { name: string }) => v.name)).to.deep.equal(['A first', 'Urgent and new']);

    // Another agent neither sees nor deletes it.
    expect((await api('GET', '/agent/views', otherToken)).body.items).to.deep.equal([]);
    const notTheirs = await api('DELETE', `/agent/views/${saved.body.id}`, otherToken, { lang: 'de' });
    expect(notTheirs.status).to.equal(404);
    documented('/api/v1/agent/views/{id}', 'delete', notTheirs);
    expect(sentence(notTheirs)).to.equal(`Sie haben keine gespeicherte Ansicht ${saved.body.id}.`);
    expect((await api('GET', '/agent/views', token)).body.items).to.have.length(2);

    // A bad view: every field's problem at once, in the caller's language, and nothing saved.
    const bad = await api('POST', '/agent/views', token, { lang: 'pl', body: { name: '   ', queue: 'everything', sort: 'random', limit: 5, organisation: { x: 1 } } });
    expect(bad.status).to.equal(422);
    documented('/api/v1/agent/views', 'post', bad);
    const fields = bad.body.error.fields as Array<{ field: string; message: string }>;
    expect(fields.map((f) => f.field).sort()).to.deep.equal(['limit', 'name', 'organisation', 'queue', 'sort']);
    expect(fields.find((f) => f.field === 'name')!.message).to.equal('pole name jest wymagane');
    expect(fields.find((f) => f.field === 'limit')!.message).to.equal('limit nie jest polem tego żądania');
    sentence(bad);
    const tooLong = await api('POST', '/agent/views', token, { body: { name: 'x'.repeat(81) } });
    expect([tooLong.status, tooLong.body.error.fields[0].field, tooLong.body.error.fields[0].message]).to.deep.equal([422, 'name', 'name must be at most 80 characters']);
    expect((await api('GET', '/agent/views', token)).body.items).to.have.length(2);

    const deleted = await api('DELETE', `/agent/views/${saved.body.id}`, token);
    expect(deleted.status).to.equal(204);
    documented('/api/v1/agent/views/{id}', 'delete', deleted);
    expect((await api('GET', '/agent/views', token)).body.items.map((v: { name: string }) => v.name)).to.deep.equal(['A first']);
    expect((await api('DELETE', `/agent/views/${saved.body.id}`, token)).status, 'gone').to.equal(404);
    const malformed = await api('DELETE', '/agent/views/first', token);
    expect(malformed.status).to.equal(400);
    documented('/api/v1/agent/views/{id}', 'delete', malformed);

    const requester = await stack.tokenFor('views-requester@example.com');
    for (const [method, path] of [['GET', '/agent/views'], ['POST', '/agent/views'], ['DELETE', `/agent/views/${saved.body.id}`]] as const) {
      const refused = await api(method, path, requester, { body: method === 'POST' ? { name: 'Mine' } : undefined });
      expect(refused.status, `${method} ${path}`).to.equal(403);
      sentence(refused);
    }
  });

  it('shows a team\'s load to its lead and to an admin, and refuses a colleague who does not lead it, a lead of another team and a requester', async () => {
    // A P1: its response target is an hour, so no breach moves it out of the team meanwhile.
    const number = await openTicket(stack, { title: 'Team load ticket', impact: 'high', urgency: 'high' });
    await waitForEvent(stack, number, (e) => e.type === 'classified');
    const lead = await makeUser(stack.db, 'agent', 'load-lead');
    const colleague = await makeUser(stack.db, 'agent', 'load-colleague');
    const admin = await makeUser(stack.db, 'admin', 'load-admin');
    const team = lead.teamId!;
    await stack.db.sequelize.query(`UPDATE users SET team_lead = true WHERE id = :id`, { replacements: { id: lead.id } });
    expect((await act(stack, number, 'assign', { assignee: colleague.email })).status).to.equal(200);
    await waitFor('the assignment in the read model', async () => ((await stack.db.tickets.get(number))?.assignee ? true : undefined), 30_000, 100);
    const [leadToken, colleagueToken, adminToken] = [await tokenOf(lead), await tokenOf(colleague), await tokenOf(admin)];

    const seen = await api('GET', `/teams/${team}/load`, leadToken);
    expect(seen.status, JSON.stringify(seen.body)).to.equal(200);
    documented('/api/v1/teams/{team}/load', 'get', seen);
    expect(seen.body.team).to.deep.equal({ id: team, name: 'Service Desk', tier: 'L1' });
    const members = seen.body.members as Array<{ email: string; displayName: string; open: number }>;
    const theColleague = members.find((m) => m.email === colleague.email);
    expect(theColleague, 'the colleague is a member').to.be.an('object');
    expect(theColleague!.displayName).to.equal(colleague.displayName);
    expect(theColleague!.open).to.be.at.least(1);
    expect(members.map((m) => m.email)).to.include(lead.email);

    const forAdmin = await api('GET', `/teams/${team}/load`, adminToken);
    expect(forAdmin.status).to.equal(200);
    documented('/api/v1/teams/{team}/load', 'get', forAdmin);
    expect(forAdmin.body).to.deep.equal(seen.body);
    const unknown = await api('GET', '/teams/no-such-team/load', adminToken);
    expect(unknown.status).to.equal(404);
    documented('/api/v1/teams/{team}/load', 'get', unknown);
    expect(sentence(unknown)).to.equal('There is no team “no-such-team”.');

    // Not the lead, the lead asking for another team, a requester: 403 with a sentence in their language.
    const notLead = await api('GET', `/teams/${team}/load`, colleagueToken, { lang: 'pl' });
    expect(notLead.status).to.equal(403);
    documented('/api/v1/teams/{team}/load', 'get', notLead);
    expect(sentence(notLead)).to.equal('Obciążenie zespołu widzą jego lider i administratorzy: Twoje konto nie prowadzi tego zespołu.');
    const otherTeam = await api('GET', '/teams/infrastructure/load', leadToken);
    expect(otherTeam.status).to.equal(403);
    const requester = await api('GET', `/teams/${team}/load`, await stack.tokenFor('load-requester@example.com'), { lang: 'de' });
    expect(requester.status).to.equal(403);
    expect(sentence(requester)).to.equal('Die Auslastung eines Teams sehen seine Teamleitung und Admins: Ihr Konto leitet dieses Team nicht.');
  });
});
