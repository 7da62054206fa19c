/**
 * An internal note an agent writes on the agent's ticket page never reaches the requester: not on
 * the portal's ticket page, not through the API's ticket (GET /api/v1/tickets/{number}), not through
 * the API's list (GET /api/v1/tickets); the public answer written beside it does, and staff see
 * both (the agent's page labels the note as internal). Real PostgreSQL, Temporal and web process.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { csrfOf, PortalClient } from './portal-client.ts';
import { fileTicket, portalRequester } from './browser/agent-ticket-steps.ts';
import { getEnv, type TestEnv } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';
import { makeUser, PASSWORD, signInEnrolled } from './support/staff.ts';

describe('internal notes: the requester never sees one, on the portal or through the API', function () {
  this.timeout(120_000);
  let env: TestEnv;
  let number: string;
  let requester: { email: string };
  const tag = randomUUID().slice(0, 8);
  const note = `Okapi${tag}: internal — the same account was locked twice last month.`;
  const answer = `Heron${tag}: your account is unlocked; please sign in again.`;

  before(async () => {
    env = await getEnv();
    requester = await portalRequester(env, 'en');
    number = await fileTicket(env, requester, { title: `Locked out ${tag}`, description: 'My account is locked after the password change.', locale: 'en', category: 'access' });
    // The agent writes both on the agent's ticket page (forms with the CSRF token, 303 back to the page).
    const agent = await makeUser(env.db, 'agent', 'noteagent', 'en');
    const c = new PortalClient(env.web.url, 'en');
    await signInEnrolled(c, agent);
    for (const [action, message] of [['respond', answer], ['comment', note]] as const) {
      const page = await c.get(`/agent/tickets/${number}`);
      expect(page.status).to.equal(200);
      const res = await c.postForm(`/agent/tickets/${number}/actions/${action}`, { _csrf: csrfOf(page.text), message });
      expect(res.status, `${action}: ${res.text.slice(0, 200)}`).to.equal(303);
      expect(res.location).to.equal(`/agent/tickets/${number}`);
    }
    await waitFor('the note in the read model', async () => (await env.db.tickets.get(number))?.timeline.some((e) => e.type === 'commented'), 20_000);
    const page = await c.get(`/agent/tickets/${number}`);
    expect(page.text).to.include(note);
    expect(page.text).to.include('Internal note — the requester does not see this');
  });

  it('when the requester opens the ticket on the portal, then they read the answer and not the note', async () => {
    const c = new PortalClient(env.web.url, 'en');
    expect((await c.signIn(requester.email, PASSWORD)).status).to.equal(303);
    const page = await c.get(`/tickets/${number}`);
    expect(page.status).to.equal(200);
    expect(page.text).to.include(answer);
    expect(page.text).not.to.include(note);
    expect(page.text).not.to.include(`Okapi${tag}`);
  });

  it('when the requester reads the ticket through the API, then the answer is there and the note is not', async () => {
    const token = await env.tokenFor(requester.email, 'requester');
    const res = await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token });
    expect(res.status).to.equal(200);
    const body = JSON.stringify(res.body);
    expect(body).to.include(answer);
    expect(body).not.to.include(`Okapi${tag}`);
    const types = (res.body.timeline as Array<{ type: string }>).map((e) => e.type);
    expect(types).not.to.include('commented');
    // Staff read the same ticket with the note (the control).
    const staff = await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: env.agentToken });
    expect(JSON.stringify(staff.body)).to.include(note);
  });

  it('when the requester lists their tickets through the API, then the ticket is listed and the note is nowhere in the answer', async () => {
    const token = await env.tokenFor(requester.email, 'requester');
    const res = await request(env.web.url, 'GET', '/api/v1/tickets', { token });
    expect(res.status).to.equal(200);
    const items = res.body.items as Array<{ number: string }>;
    expect(items.map((i) => i.number)).to.include(number);
    expect(JSON.stringify(res.body)).not.to.include(`Okapi${tag}`);
  });
});
