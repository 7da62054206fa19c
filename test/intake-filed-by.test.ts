/**
 * Intake records who filed a ticket beside the requester it is for: the API token's
 * user, the portal's signed-in account, or nobody for a portal report without one.
 */
import { expect } from 'chai';
import { hash } from '@node-rs/argon2';
import { QueryTypes, Sequelize } from 'sequelize';
import { migrator } from '../db/migrate.ts';
import { ARGON2_OPTIONS } from '../db/users-repo.ts';
import { freshDatabaseUrl, getEnv, type TestEnv } from './support/env.ts';
import { request } from './support/http.ts';
import { hiddenValue, PortalClient, reportForm } from './portal-client.ts';

describe('intake records who filed a ticket', function () {
  this.timeout(120_000);
  let env: TestEnv;

  const filedByColumn = async (number: string) =>
    (await env.db.sequelize.query<{ filed_by: string | null }>(`SELECT filed_by FROM tickets WHERE number = :number`, { replacements: { number }, type: QueryTypes.SELECT }))[0]!.filed_by;

  async function portalReport(c: PortalClient, fields: Record<string, string>): Promise<string> {
    const form = await c.get('/report');
    const res = await c.postMultipart('/report', reportForm({
      _csrf: hiddenValue(form.text, '_csrf'), idempotencyKey: hiddenValue(form.text, 'idempotencyKey'),
      category: 'software', impact: 'low', urgency: 'low', title: 'Excel crashes', description: 'On opening any file.', ...fields,
    }));
    expect(res.status).to.equal(303);
    return res.location!.split('/').pop()!;
  }

  before(async () => {
    env = await getEnv();
  });

  it('when an agent files for a requester, then the agent is the created event’s actor, the requester stays in its data, and staff see filedBy', async () => {
    const res = await request(env.web.url, 'POST', '/api/v1/tickets', { token: env.agentToken, body: { title: 'Phone lost', description: 'Lost on the train.', requesterEmail: 'Filed.For@Example.com' } });
    expect(res.status).to.equal(201);
    expect(res.body).to.include({ requesterEmail: 'filed.for@example.com', filedBy: 'agent@example.com' });
    expect(res.body.timeline[0]).to.deep.include({ type: 'created', actor: 'agent@example.com', data: { channel: 'api', impact: 'low', urgency: 'medium', category: null, requester: 'filed.for@example.com' } });
    // The read model keeps who filed as a pseudonym (personal data is sealed); the API answers the address.
    expect(await filedByColumn(res.body.number)).to.equal(await env.db.vault.knownRef('agent@example.com'));
    const read = await request(env.web.url, 'GET', `/api/v1/tickets/${res.body.number}`, { token: await env.tokenFor('filedby.auditor@example.com', 'auditor') });
    expect(read.body.filedBy).to.equal('agent@example.com');
  });

  it('when a requester files for themselves, then they filed it and are its actor', async () => {
    const token = await env.tokenFor('self.filer@example.com', 'requester');
    const res = await request(env.web.url, 'POST', '/api/v1/tickets', { token, body: { title: 'Monitor flickers', description: 'Every few seconds.' } });
    expect(res.status).to.equal(201);
    expect(await filedByColumn(res.body.number)).to.equal(await env.db.vault.knownRef('self.filer@example.com'));
    const staff = await request(env.web.url, 'GET', `/api/v1/tickets/${res.body.number}`, { token: env.agentToken });
    expect(staff.body.filedBy).to.equal('self.filer@example.com');
    expect(staff.body.timeline[0]).to.deep.include({ actor: 'self.filer@example.com' });
  });

  it('when the portal files a report, then the signed-in account filed it; without an account nobody is recorded and the requester acts, as before', async () => {
    const anon = await portalReport(new PortalClient(env.web.url, 'en'), { email: 'portal.anon@example.com' });
    const anonTicket = (await env.db.tickets.get(anon))!;
    expect(anonTicket.filedBy).to.equal(null);
    expect(anonTicket.timeline[0]).to.deep.include({ type: 'created', actor: 'portal.anon@example.com', data: { channel: 'portal', impact: 'low', urgency: 'low', category: 'software' } });

    const email = 'portal.account@example.com';
    const users = env.db.users;
    await users.upsert({ email, displayName: 'Account', role: 'requester', teamId: null, locale: 'en' });
    await users.setPassword(email, await hash('a long portal password', ARGON2_OPTIONS));
    const c = new PortalClient(env.web.url, 'en');
    expect((await c.signIn(email, 'a long portal password')).status).to.equal(303);
    const own = await portalReport(c, {});
    const ownTicket = (await env.db.tickets.get(own))!;
    expect(ownTicket.filedBy).to.equal(email);
    expect(ownTicket.timeline[0]).to.deep.include({ actor: email });
  });

  it('when migration 0007 runs on a database with tickets, then their filer is unknown (null), and it can be rolled back', async () => {
    const sequelize = new Sequelize(await freshDatabaseUrl('filedby'), { logging: false });
    try {
      await migrator(sequelize).up({ to: '0006-portal-ownership' });
      await sequelize.query(`INSERT INTO tickets (number, workflow_id, title, description, requester_email, locale, channel, impact, urgency, status, created_at, updated_at, last_event_seq)
                             VALUES ('HD-2025-000001', 'ticket-HD-2025-000001', 't', 'd', 'old@example.com', 'en', 'api', 'low', 'low', 'new', now(), now(), 1)`);
      await migrator(sequelize).up({ to: '0007-filed-by' });
      const rows = await sequelize.query<{ filed_by: string | null }>(`SELECT filed_by FROM tickets`, { type: QueryTypes.SELECT });
      expect(rows).to.deep.equal([{ filed_by: null }]);
      await migrator(sequelize).down({ to: '0007-filed-by' });
      const column = await sequelize.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'tickets' AND column_name = 'filed_by'`, { type: QueryTypes.SELECT });
      expect(column).to.have.length(0);
    } finally {
      await sequelize.close();
    }
  });
});
