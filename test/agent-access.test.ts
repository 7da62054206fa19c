/**
 * Who may use the agents' workspace (/agent): agents and admins. Requesters, process owners and
 * auditors get 403 on every /agent page and form — each route declared under agent-ui/, found
 * from the source so a new route cannot be forgotten — and no Queues link; agents and admins have
 * the link and the queue page. The team page is for team leads (and admins): an agent who leads no
 * team gets 403 with a sentence. An agent who signs in on the requester portal lands on their
 * queues, never on the requester's "you have 0 tickets".
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PortalClient, csrfOf } from './portal-client.ts';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { makeUser, PASSWORD, signInEnrolled } from './support/staff.ts';
import { localeT } from './support/admin-browser.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** "METHOD path" of every route a file under agent-ui/ declares with router.get/post/put/patch/delete('/agent…'). */
function agentRoutes(): Array<{ method: string; path: string }> {
  const dir = path.join(root, 'agent-ui');
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  return files.flatMap((f) => [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/router\.(get|post|put|patch|delete)\(\s*'(\/agent[^']*)'/g)]
    .map((m) => ({ method: m[1]!.toUpperCase(), path: m[2]!.replace(/:number\b/g, 'HD-2026-000001').replace(/:action\b/g, 'start').replace(/:[A-Za-z]+/g, '1') })));
}

describe('agent access: only agents and admins use /agent', function () {
  this.timeout(180_000);
  let stack: IsolatedStack;

  before(async () => {
    stack = await isolatedStack('agent-access');
  });

  it('finds the routes it checks: the queue, its forms, the team page and the stream', () => {
    expect(agentRoutes().map((r) => `${r.method} ${r.path}`)).to.include.members([
      'GET /agent', 'POST /agent/bulk', 'POST /agent/views', 'POST /agent/views/1/delete', 'GET /agent/team', 'POST /agent/team/assign', 'GET /agent/stream',
    ]);
  });

  for (const role of ['process_owner', 'auditor'] as const) {
    it(`a signed-in ${role} gets 403 on every /agent page and form, and no Queues link`, async () => {
      const user = await makeUser(stack.db, role, `${role}-agent-access`);
      const c = new PortalClient(stack.web.url, 'en');
      await signInEnrolled(c, user);
      const home = await c.get('/staff');
      expect(home.status).to.equal(200);
      expect(home.text).to.not.include('href="/agent"');
      const token = csrfOf(home.text);
      for (const r of agentRoutes()) {
        const res = r.method === 'GET' ? await c.get(r.path) : await c.postForm(r.path, { _csrf: token, name: 'x', action: 'take', numbers: 'HD-2026-000001' });
        expect(res.status, `${r.method} ${r.path}`).to.equal(403);
      }
    });
  }

  it('a signed-in requester gets 403 on every /agent page and form, and the portal shows no /agent link', async () => {
    const user = await makeUser(stack.db, 'requester', 'requester-agent-access');
    const c = new PortalClient(stack.web.url, 'en');
    expect((await c.signIn(user.email, PASSWORD)).location).to.equal('/tickets');
    const home = await c.get('/');
    expect(home.text).to.not.include('/agent');
    const token = csrfOf(home.text);
    for (const r of agentRoutes()) {
      const res = r.method === 'GET' ? await c.get(r.path) : await c.postForm(r.path, { _csrf: token, name: 'x' });
      expect(res.status, `${r.method} ${r.path}`).to.equal(403);
    }
  });

  for (const role of ['agent', 'admin'] as const) {
    it(`a signed-in ${role} has the Queues link and the queue page`, async () => {
      const user = await makeUser(stack.db, role, `${role}-queue-access`);
      const c = new PortalClient(stack.web.url, 'en');
      await signInEnrolled(c, user);
      const home = await c.get('/staff');
      expect(home.text).to.include('href="/agent"');
      const queue = await c.get('/agent');
      expect(queue.status).to.equal(200);
      expect(queue.text).to.include('id="queue-tabs"').and.include('id="bulk-form"');
      expect(queue.text).to.include('aria-current="page">Queues</a>');
    });
  }

  it('an agent who leads no team gets 403 with a sentence on the team page; a team lead and an admin get it', async () => {
    const agent = await makeUser(stack.db, 'agent', 'not-a-lead');
    const c = new PortalClient(stack.web.url, 'en');
    await signInEnrolled(c, agent);
    const refused = await c.get('/agent/team');
    expect(refused.status).to.equal(403);
    expect(refused.text).to.include((await localeT('en', 'agent'))('team.forbidden'));

    const lead = await makeUser(stack.db, 'agent', 'team-lead');
    await stack.db.sequelize.query(`UPDATE users SET team_lead = true WHERE id = :id`, { replacements: { id: lead.id } });
    const l = new PortalClient(stack.web.url, 'en');
    await signInEnrolled(l, lead);
    const page = await l.get('/agent/team');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('id="team-members"');

    const admin = await makeUser(stack.db, 'admin', 'team-admin');
    const a = new PortalClient(stack.web.url, 'en');
    await signInEnrolled(a, admin);
    const chosen = await a.get('/agent/team?team=service-desk');
    expect(chosen.status).to.equal(200);
    expect(chosen.text).to.include('id="team-members"');
  });

  it('an agent who signs in on the requester portal lands on their queues, not on the requester\'s ticket list', async () => {
    const agent = await makeUser(stack.db, 'agent', 'portal-agent');
    const c = new PortalClient(stack.web.url, 'pl');
    const signedIn = await c.signIn(agent.email, PASSWORD);
    expect(signedIn.location).to.equal('/agent');
    // Their portal-only session is not a staff one: the queue asks for the staff sign-in, and comes back to /agent.
    const next = await c.get('/agent');
    expect(next.status).to.equal(303);
    expect(next.location).to.equal('/staff/sign-in?next=%2Fagent');
    const landed = await c.open('/agent');
    expect(landed.text).to.not.include('Masz 0 zgłoszeń');
  });
});
