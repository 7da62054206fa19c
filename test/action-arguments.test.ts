/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are inspected field by field */
/**
 * Actions check their arguments against the directory and the ticket's rules version
 * (the shipped default rules: tiers L1–L3; teams service-desk, infrastructure,
 * applications, engineering): a bad one answers 422 naming the field, in the caller's
 * language, and the ticket is unchanged — no event in its timeline, nothing in its
 * workflow's history.
 */
import { expect } from 'chai';
import { workflowIdFor } from '../workflows/types.ts';
import { getEnv, type TestEnv } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';
import { apiToken } from './support/users.ts';

describe('action arguments are checked against the directory and the ticket’s rules version', function () {
  this.timeout(120_000);
  let env: TestEnv;
  const requester = 'args.requester@example.com';
  const infraAgent = 'args.infra@example.com';

  const act = (number: string, action: string, body: unknown, lang = 'en') =>
    request(env.web.url, 'POST', `/api/v1/tickets/${number}/actions/${action}`, { body, token: env.agentToken, headers: { 'Accept-Language': lang } });

  async function newTicket(title: string): Promise<string> {
    const res = await request(env.web.url, 'POST', '/api/v1/tickets', { token: env.agentToken, body: { title, description: 'Details.', requesterEmail: requester } });
    expect(res.status).to.equal(201);
    await waitFor('classification', async () => (await env.db.tickets.get(res.body.number))?.sla);
    // …and the workflow has settled on its SLA timer, so its history holds still unless something is sent.
    const handle = env.client.workflow.getHandle(workflowIdFor(res.body.number));
    await waitFor('the SLA timer', async () => (await handle.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes));
    return res.body.number;
  }

  /** What someone would compare: the ticket, its timeline, and its workflow's history. */
  async function state(number: string) {
    const ticket = await env.db.tickets.get(number);
    const history = await env.client.workflow.getHandle(workflowIdFor(number)).fetchHistory();
    return { ticket, historyEvents: history.events?.length ?? 0 };
  }

  before(async () => {
    env = await getEnv();
    await env.tokenFor(requester, 'requester');
    await env.db.sequelize.query(`INSERT INTO teams (id, name, tier) VALUES ('infrastructure', 'Infrastructure', 'L2') ON CONFLICT (id) DO NOTHING`);
    await apiToken(env.db, infraAgent, 'agent', 'infrastructure');
  });

  it('when assign names the requester, an unknown address or markup, then 422 names the assignee field in the caller’s language and the ticket is unchanged', async () => {
    const number = await newTicket('Assign me to someone real');
    const before = await state(number);
    const cases: Array<[string, string, string]> = [
      [requester, 'en', 'assignee must be the e-mail address of an active agent'],
      ['nobody-at-all@example.com', 'pl', 'pole assignee musi być adresem e-mail aktywnego agenta'],
      ['nobody-at-all', 'de', 'assignee muss eine E-Mail-Adresse sein'],
      ['<img src=x onerror=alert(1)>', 'en', 'assignee must be an e-mail address'],
      ['<b>l1</b>@example.com', 'en', 'assignee must be an e-mail address'],
    ];
    for (const [assignee, lang, message] of cases) {
      const res = await act(number, 'assign', { assignee }, lang);
      expect(res.status, assignee).to.equal(422);
      expect(res.body.error.code).to.equal('VALIDATION_FAILED');
      expect(res.body.error.fields).to.deep.equal([{ field: 'assignee', message }]);
      expect(res.body.error.message).not.to.include('<');
    }
    const pl = await act(number, 'assign', { assignee: requester }, 'pl');
    expect(pl.body.error.message).to.equal('Żądanie zawiera błędy: pole assignee musi być adresem e-mail aktywnego agenta.');
    const after = await state(number);
    expect(after).to.deep.equal(before);
    expect(after.ticket).to.include({ assignee: null, status: 'new' });
    expect(after.ticket!.timeline.map((e) => e.type)).to.deep.equal(['created', 'classified']);
  });

  it('when the assignee was an agent and now has another role, then they are not assignable any more', async () => {
    const number = await newTicket('Assign to someone who left');
    const leaver = 'args.leaver@example.com';
    await apiToken(env.db, leaver, 'agent');
    const users = env.db.users;
    await users.upsert({ email: leaver, displayName: 'Left support', role: 'requester', teamId: null, locale: 'en' });
    const res = await act(number, 'assign', { assignee: leaver });
    expect(res.status).to.equal(422);
    expect(res.body.error.fields).to.deep.equal([{ field: 'assignee', message: 'assignee must be the e-mail address of an active agent' }]);
    expect((await env.db.tickets.get(number))!.lastEventSeq).to.equal(2);
  });

  it('when assign gives a team, then the team must be one of the rules version and the agent one of its members', async () => {
    const number = await newTicket('Assign within a team');
    const before = await state(number);
    const unknownTeam = await act(number, 'assign', { assignee: infraAgent, team: 'nowhere' }, 'de');
    expect(unknownTeam.status).to.equal(422);
    expect(unknownTeam.body.error.fields).to.deep.equal([{ field: 'team', message: 'team muss einer dieser Werte sein: service-desk, infrastructure, applications, engineering' }]);
    const otherTeam = await act(number, 'assign', { assignee: 'agent@example.com', team: 'infrastructure' });
    expect(otherTeam.status).to.equal(422);
    expect(otherTeam.body.error.fields).to.deep.equal([{ field: 'assignee', message: 'assignee must be an agent of the team infrastructure' }]);
    const both = await act(number, 'assign', { assignee: 'nobody@example.com', team: 'nowhere' });
    expect(both.body.error.fields.map((f: any) => f.field)).to.deep.equal(['team', 'assignee']);
    expect(await state(number)).to.deep.equal(before);

    const ok = await act(number, 'assign', { assignee: infraAgent.toUpperCase(), team: 'infrastructure' });
    expect(ok.status).to.equal(200);
    expect(ok.body).to.include({ assignee: infraAgent, teamId: 'infrastructure', status: 'assigned' });
    expect(ok.body.timeline.at(-1)).to.deep.include({ type: 'assigned', actor: 'agent@example.com' });
    // Without a team, any active agent.
    const plain = await act(number, 'assign', { assignee: 'agent@example.com' });
    expect(plain.status).to.equal(200);
    expect(plain.body.assignee).to.equal('agent@example.com');
  });

  it('when escalate or deescalate names a tier the ticket’s rules version does not have, then 422 names the tier field and nothing moves', async () => {
    const number = await newTicket('Escalate somewhere real');
    const before = await state(number);
    const up = await act(number, 'escalate', { reason: 'needs experts', tier: 'L9' }, 'pl');
    expect(up.status).to.equal(422);
    expect(up.body.error.fields).to.deep.equal([{ field: 'tier', message: 'pole tier musi mieć jedną z wartości: L1, L2, L3' }]);
    const down = await act(number, 'deescalate', { reason: 'too high', tier: 'L0' });
    expect(down.status).to.equal(422);
    expect(down.body.error.fields).to.deep.equal([{ field: 'tier', message: 'tier must be one of: L1, L2, L3' }]);
    expect(await state(number)).to.deep.equal(before);

    const moved = await act(number, 'escalate', { reason: 'needs experts', tier: 'L3' });
    expect(moved.status).to.equal(200);
    expect(moved.body).to.include({ tier: 'L3', teamId: 'engineering' });
  });
});
