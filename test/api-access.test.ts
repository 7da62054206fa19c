import { expect } from 'chai';
import { getEnv, type TestEnv } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';

describe('REST API access: tokens and roles', function () {
  this.timeout(120_000);
  let env: TestEnv;
  let alice: string;
  let bob: string;
  let number: string;

  before(async () => {
    env = await getEnv();
    alice = await env.tokenFor('alice@example.com', 'requester');
    bob = await env.tokenFor('bob@example.com', 'requester');
    const created = await request(env.web.url, 'POST', '/api/v1/tickets', { token: alice, body: { title: 'My VPN', description: 'drops' } });
    expect(created.status).to.equal(201);
    expect(created.body.requesterEmail).to.equal('alice@example.com');
    number = created.body.number;
    await waitFor('classification', async () => (await env.db.tickets.get(number))?.sla);
  });

  it('when no token or a wrong one is sent, then 401 says how to authenticate, in the caller’s language', async () => {
    const none = await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { headers: { 'Accept-Language': 'de' } });
    expect(none.status).to.equal(401);
    expect(none.headers.get('www-authenticate')).to.match(/^Bearer/);
    expect(none.body.error).to.deep.equal({ code: 'UNAUTHENTICATED', message: 'Melden Sie sich zuerst an: Senden Sie ein API-Token als „Authorization: Bearer …“.' });
    const wrong = await request(env.web.url, 'POST', '/api/v1/tickets', { token: 'hd_not-a-token', body: { title: 'x', description: 'y' } });
    expect(wrong.status).to.equal(401);
    expect(wrong.body.error.message).to.equal('This API token is not valid or was revoked.');
  });

  it('when a requester asks for another requester’s ticket through any route, then it does not exist for them and nothing changes', async () => {
    const before = await env.db.tickets.get(number);
    const attempts = [
      await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: bob }),
      await request(env.web.url, 'GET', `/api/v1/tickets/${number}/sla`, { token: bob }),
      await request(env.web.url, 'POST', `/api/v1/tickets/${number}/replies`, { token: bob, body: { message: 'let me in' } }),
      await request(env.web.url, 'POST', `/api/v1/tickets/${number}/actions/reopen`, { token: bob, body: { reason: 'x' } }),
      await request(env.web.url, 'POST', `/api/v1/tickets/${number}/actions/close`, { token: bob, body: {} }),
      await request(env.web.url, 'POST', `/api/v1/tickets/${number}/actions/rate`, { token: bob, body: { score: 1 } }),
      await request(env.web.url, 'POST', `/api/v1/tickets/${number}/actions/resolve`, { token: bob, body: { code: 'solved' } }),
      await request(env.web.url, 'POST', `/api/v1/tickets/${number}/reclassify`, { token: bob, body: { reason: 'x' } }),
    ];
    for (const res of attempts) {
      expect(res.status).to.equal(404);
      expect(res.body.error).to.deep.equal({ code: 'NOT_FOUND', message: `There is no ticket ${number}.` });
    }
    const after = await env.db.tickets.get(number);
    expect(after!.lastEventSeq).to.equal(before!.lastEventSeq);
  });

  it('when a requester reports for someone else or uses an agent’s action on their own ticket, then 403', async () => {
    const onBehalf = await request(env.web.url, 'POST', '/api/v1/tickets', { token: alice, body: { title: 'x', description: 'y', requesterEmail: 'bob@example.com' } });
    expect(onBehalf.status).to.equal(403);
    expect(onBehalf.body.error.message).to.equal('You can report problems only for yourself.');
    const resolve = await request(env.web.url, 'POST', `/api/v1/tickets/${number}/actions/resolve`, { token: alice, body: { code: 'solved' }, headers: { 'Accept-Language': 'pl' } });
    expect(resolve.status).to.equal(403);
    expect(resolve.body.error.message).to.equal('Twoja rola (requester) nie pozwala rozwiązać zgłoszenia.');
  });

  it('when the requester reads and replies to their own ticket, then it works and the reply is theirs', async () => {
    const own = await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: alice });
    expect(own.status).to.equal(200);
    const reply = await request(env.web.url, 'POST', `/api/v1/tickets/${number}/replies`, { token: alice, body: { message: 'It drops every 5 minutes.' } });
    expect(reply.status).to.equal(202);
    const event = await waitFor('the reply', async () => (await env.db.tickets.get(number))!.timeline.find((e) => e.type === 'requester_replied'));
    expect(event).to.include({ actor: 'alice@example.com' });
    expect(event.data).to.include({ message: 'It drops every 5 minutes.' });
  });

  it('when an auditor or a process owner calls, then they read every ticket and may not act on it', async () => {
    const auditor = await env.tokenFor('audit@example.com', 'auditor');
    expect((await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: auditor })).status).to.equal(200);
    const acted = await request(env.web.url, 'POST', `/api/v1/tickets/${number}/actions/comment`, { token: auditor, body: { message: 'hi' } });
    expect(acted.status).to.equal(403);
    const owner = await env.tokenFor('owner@example.com', 'process_owner');
    expect((await request(env.web.url, 'POST', '/api/v1/tickets', { token: owner, body: { title: 'x', description: 'y', requesterEmail: 'a@example.com' } })).status).to.equal(403);
  });

  it('when an agent acts, then the event names the agent from the token, not from the body', async () => {
    const spoof = await request(env.web.url, 'POST', `/api/v1/tickets/${number}/actions/comment`, { token: env.agentToken, body: { message: 'note', actor: 'ceo@example.com' } });
    expect(spoof.status).to.equal(422);
    expect(spoof.body.error.fields).to.deep.equal([{ field: 'actor', message: 'actor is not a field of this request' }]);
    const ok = await request(env.web.url, 'POST', `/api/v1/tickets/${number}/actions/comment`, { token: env.agentToken, body: { message: 'note' } });
    expect(ok.status).to.equal(200);
    expect(ok.body.timeline.at(-1)).to.include({ type: 'commented', actor: 'agent@example.com' });
  });
});
