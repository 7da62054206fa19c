/**
 * Who may use the auditors' pages (/audit): auditors and admins. Agents, process owners and
 * requesters get 403 on every /audit page and form — each route declared under auditor-ui/ (the
 * audit log's and the period checks' folders too, which the same guard covers), found from the
 * source so a new route cannot be forgotten — and their staff home and navigation show no /audit
 * link. Auditors and admins have the link and the pages; a form sent without its CSRF token is refused.
 */
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PortalClient, csrfOf } from '../portal-client.ts';
import { isolatedStack, type IsolatedStack } from '../support/env.ts';
import { makeUser, PASSWORD, signInEnrolled } from '../support/staff.ts';
import { openTicket } from '../support/tickets.ts';
import { waitFor } from '../support/processes.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** "METHOD path" of every route a file under auditor-ui/ declares with router.get/post/put/patch/delete('/audit…'). */
function auditorRoutes(): Array<{ method: string; path: string }> {
  const dir = path.join(root, 'auditor-ui');
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  const routes = files.flatMap((f) => [...fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/router\.(get|post|put|patch|delete)\(\s*'(\/audit[^']*)'/g)]
    .map((m) => ({ method: m[1]!.toUpperCase(), path: m[2]!.replace(/:number\b/g, 'HD-2026-000001').replace(/:[A-Za-z]+/g, '1') })));
  return [...routes, { method: 'GET', path: '/audit/assets/auditor.css' }];
}

describe('auditor pages: only auditors and admins', function () {
  this.timeout(120_000);
  let stack: IsolatedStack;
  let number: string;

  before(async () => {
    stack = await isolatedStack('auditor-access');
    number = await openTicket(stack, { title: 'VPN drops at home', impact: 'medium', urgency: 'high' });
    await waitFor('classification', async () => (await stack.db.tickets.get(number))?.rulesVersion, 30_000);
  });

  it('finds the routes it checks: the home, the ticket page, its reason form, the replay check and the evidence', () => {
    expect(auditorRoutes().map((r) => `${r.method} ${r.path}`)).to.include.members([
      'GET /audit', 'GET /audit/tickets/HD-2026-000001', 'POST /audit/tickets/HD-2026-000001',
      'POST /audit/tickets/HD-2026-000001/replay', 'POST /audit/tickets/HD-2026-000001/evidence',
    ]);
  });

  for (const role of ['agent', 'process_owner'] as const) {
    it(`a signed-in ${role} gets 403 on every /audit page and form, and no /audit link`, async () => {
      const user = await makeUser(stack.db, role, `${role}-auditor-access`);
      const c = new PortalClient(stack.web.url, 'en');
      await signInEnrolled(c, user);
      const home = await c.get('/staff');
      expect(home.status).to.equal(200);
      expect(home.text).to.not.include('href="/audit"');
      const token = csrfOf(home.text);
      for (const r of auditorRoutes()) {
        const res = r.method === 'GET' ? await c.get(r.path) : await c.postForm(r.path, { _csrf: token, reason: 'a look' });
        expect(res.status, `${r.method} ${r.path}`).to.equal(403);
      }
      // The real ticket too: the refusal does not depend on the number.
      expect((await c.get(`/audit/tickets/${number}`)).status).to.equal(403);
    });
  }

  it('a signed-in requester gets 403 on every /audit page and form, and the portal shows no /audit link', async () => {
    const user = await makeUser(stack.db, 'requester', 'requester-auditor-access');
    const c = new PortalClient(stack.web.url, 'en');
    expect((await c.signIn(user.email, PASSWORD)).status).to.equal(303);
    const home = await c.get('/');
    expect(home.text).to.not.include('href="/audit');
    const token = csrfOf(home.text);
    for (const r of auditorRoutes()) {
      const res = r.method === 'GET' ? await c.get(r.path) : await c.postForm(r.path, { _csrf: token });
      expect(res.status, `${r.method} ${r.path}`).to.equal(403);
    }
  });

  for (const role of ['auditor', 'admin'] as const) {
    it(`a signed-in ${role} has the /audit link in the navigation and on the staff home, and the pages`, async () => {
      const user = await makeUser(stack.db, role, `${role}-auditor-access`);
      const c = new PortalClient(stack.web.url, 'en');
      await signInEnrolled(c, user);
      const home = await c.get('/staff');
      expect(home.text.match(/href="\/audit"/g) ?? []).to.have.length(2);
      expect((await c.get('/audit')).status).to.equal(200);
      const page = await c.get(`/audit/tickets/${number}`);
      expect(page.status).to.equal(200);
      expect(page.text).to.include('id="entries"');
      // A form without its CSRF token changes nothing and records nothing.
      const reads = async () => (await stack.db.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM access_log WHERE ticket_number = :number`, { replacements: { number }, type: QueryTypes.SELECT }))[0]!.n;
      const before = await reads();
      expect((await c.postForm(`/audit/tickets/${number}`, { reason: 'no token' })).status).to.equal(403);
      expect((await c.postForm(`/audit/tickets/${number}/evidence`, {})).status).to.equal(403);
      expect(await reads()).to.equal(before);
      expect((await stack.db.audit.search({ action: 'audit.ticket_exported', subject: `ticket:${number}` })).length).to.equal(0);
    });
  }
});
