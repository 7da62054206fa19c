/** Erasure through the REST API (POST /api/v1/privacy/erasures): admins only, the same erasure as the CLI's. */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { getEnv, type TestEnv } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';

describe('privacy: erasure through the REST API (admins only)', function () {
  this.timeout(120_000);
  let env: TestEnv;
  let admin: string;
  const tag = randomUUID().slice(0, 8);
  const email = `bogna.${tag}@example.com`;

  before(async () => {
    env = await getEnv();
    admin = await env.tokenFor(`dpo.${tag}@example.com`, 'admin');
  });

  const erase = (body: unknown, token: string, lang = 'en') => request(env.web.url, 'POST', '/api/v1/privacy/erasures', { token, body, headers: { 'Accept-Language': lang } });
  const auditCount = async () => Number((await env.db.sequelize.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_log WHERE action = 'privacy.erased'`, { type: 'SELECT' as never }))[0]!.n);

  it('when an agent, an auditor or a requester asks, then 403; bad input 422 and an unknown address 404, each a sentence in the caller’s language, and nothing changes', async () => {
    const before = await auditCount();
    for (const role of ['agent', 'auditor', 'requester'] as const) {
      const r = await erase({ email, reason: 'Art. 17' }, await env.tokenFor(`${role}.${tag}@example.com`, role));
      expect(r.status, role).to.equal(403);
    }
    const noReason = await erase({ email }, admin, 'pl');
    expect(noReason.status).to.equal(422);
    expect(noReason.body.error.message).to.equal('Podaj powód usunięcia (podstawę prawną i numer sprawy); zostanie zapisany w dzienniku audytu.');
    const leaky = await erase({ email, reason: `letter from ${email}` }, admin, 'de');
    expect(leaky.status).to.equal(422);
    expect(leaky.body.error.message).to.include('keine E-Mail-Adresse');
    const unknown = await erase({ email: `nobody.${tag}@example.com`, reason: 'Art. 17' }, admin);
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error.message).to.include('No personal data is held about this address');
    expect(await auditCount()).to.equal(before);
  });

  it('when an admin erases a requester, then the answer says what was erased, the ticket reads [erased] and SLA figures stay, and a second erasure is 404', async () => {
    const created = await request(env.web.url, 'POST', '/api/v1/tickets', { token: env.agentToken, body: { title: `Lemur${tag} monitor flickers`, description: 'Since Monday.', requesterEmail: email } });
    expect(created.status).to.equal(201);
    const number = created.body.number as string;
    const sla = await waitFor('classification', async () => (await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: env.agentToken })).body.sla);

    const r = await erase({ email, reason: 'Art. 17 GDPR request, case DPO-7' }, admin);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body).to.include({ keysDestroyed: 2, accountDeleted: false });
    expect(r.body.tickets).to.deep.equal([number]);
    expect(r.body.person).to.match(/^[0-9a-f-]{36}$/);

    const got = await waitFor('the erasure to be seen', async () => {
      const g = await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: env.agentToken, headers: { 'Accept-Language': 'pl' } });
      return g.body.title === '[usunięto]' && g.body;
    }, 10_000);
    expect(got).to.include({ requesterEmail: '[usunięto]', description: '[usunięto]', status: 'new' });
    expect(got.sla).to.deep.equal(sla);

    const again = await erase({ email, reason: 'Art. 17 GDPR request, case DPO-7' }, admin);
    expect(again.status).to.equal(404);
  });

  it('when an admin erases a staff member, then their account and tokens are gone, and their actions stay attributed to their pseudonym, not to their address', async () => {
    const agentEmail = `agent.${tag}@example.com`;
    const agent = await env.tokenFor(agentEmail, 'agent');
    const created = await request(env.web.url, 'POST', '/api/v1/tickets', { token: agent, body: { title: `Tapir${tag} keyboard`, description: 'Keys stick.', requesterEmail: `someone.${tag}@example.com` } });
    expect(created.status).to.equal(201);
    const number = created.body.number as string;
    await waitFor('classification', async () => (await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: env.agentToken })).body.sla);
    const answered = await request(env.web.url, 'POST', `/api/v1/tickets/${number}/actions/respond`, { token: agent, body: { message: 'Try another USB port.' } });
    expect(answered.status).to.equal(200);

    const r = await erase({ email: agentEmail, reason: 'Art. 17 GDPR, former employee, case HR-12' }, admin);
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body).to.include({ accountDeleted: true });
    expect((await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: agent })).status, 'the erased agent\'s token').to.equal(401);

    const got = await waitFor('the erasure to be seen', async () => {
      const g = (await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: env.agentToken })).body;
      return g.timeline.find((e: { type: string; actor: string }) => e.type === 'responded' && e.actor === r.body.person) && g;
    }, 10_000);
    const responded = got.timeline.find((e: { type: string }) => e.type === 'responded');
    expect(responded.data.message, 'the answer belongs to the requester’s ticket and stays').to.equal('Try another USB port.');
    expect(JSON.stringify(got)).not.to.include(agentEmail);
    expect(got.filedBy).to.equal(r.body.person);
  });
});
