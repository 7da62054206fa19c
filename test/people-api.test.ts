/**
 * People and teams through the REST API (/api/v1/people; docs/people.md): who may use it, what a
 * process owner and an admin may change, the refusals with their sentences, the audit entries,
 * and a deactivated agent who can no longer use their token or sign in. Real PostgreSQL, a real
 * web process; the expected sentences come from locales/.
 */
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { openApiDocument } from '../api/openapi.ts';
import { PortalClient, textOf } from './portal-client.ts';
import { localeT } from './support/admin-browser.ts';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { makeUser, PASSWORD, signInEnrolled, staffPassword, uniqueEmail, type TestUser } from './support/staff.ts';

describe('people and teams through the REST API', function () {
  this.timeout(120_000);
  let stack: IsolatedStack;
  let owner: TestUser;
  let ownerToken: string;
  let admin: TestUser;
  let adminToken: string;

  const tokenOf = async (u: TestUser) => (await stack.db.apiTokens.create(u.email, 'test'))!.token;
  const call = (method: string, path: string, token: string | undefined, body?: unknown, lang = 'en') =>
    request(stack.web.url, method, `/api/v1${path}`, { ...(token ? { token } : {}), ...(body !== undefined ? { body } : {}), headers: { 'accept-language': lang } });
  const audit = (subject: string, action: string) => stack.db.sequelize.query<{ actor: string; details: Record<string, unknown> }>(
    `SELECT actor, details FROM audit_log WHERE subject = :subject AND action = :action ORDER BY seq`, { replacements: { subject, action }, type: QueryTypes.SELECT },
  );
  const newAgent = (extra: Record<string, unknown> = {}) => ({ email: uniqueEmail('new.agent'), displayName: 'Nowa Agentka', role: 'agent', teamId: 'service-desk', locale: 'pl', timeZone: 'Europe/Berlin', ...extra });

  before(async () => {
    stack = await isolatedStack('people');
    owner = await makeUser(stack.db, 'process_owner', 'owner');
    ownerToken = await tokenOf(owner);
    admin = await makeUser(stack.db, 'admin', 'admin');
    adminToken = await tokenOf(admin);
  });

  it('when a requester, an agent or an auditor calls any people route, then it answers 403 with the sentence saying who may, and changes nothing', async () => {
    const t = await localeT('en', 'admin-people');
    const target = await makeUser(stack.db, 'agent', 'target');
    for (const role of ['requester', 'agent', 'auditor'] as const) {
      const token = await tokenOf(await makeUser(stack.db, role, role));
      const answers = [
        await call('GET', '/people', token),
        await call('POST', '/people', token, newAgent()),
        await call('GET', `/people/${target.id}`, token),
        await call('PATCH', `/people/${target.id}`, token, { active: false }),
        await call('POST', `/people/${target.id}/enrolment-codes`, token),
        // Not even bad input or an unknown id is looked at.
        await call('POST', '/people', token, { email: 'nope' }),
        await call('GET', '/people/999999', token),
      ];
      for (const a of answers) {
        expect(a.status, `${role}: ${JSON.stringify(a.body)}`).to.equal(403);
        expect(a.body.error).to.deep.equal({ code: 'FORBIDDEN', message: t('errors.forbidden') });
      }
    }
    expect((await stack.db.users.findById(target.id))!.active).to.equal(true);
    expect((await call('GET', '/people', undefined)).status).to.equal(401);
  });

  it('when a process owner adds an agent, then the answer has them with team, tier, language and an enrolment code shown once; the list filters them; changes show at once; all audited by ids and codes only', async () => {
    const input = newAgent();
    const added = await call('POST', '/people', ownerToken, input);
    expect(added.status, JSON.stringify(added.body)).to.equal(201);
    const person = added.body.person;
    expect(added.headers.get('location')).to.equal(`/api/v1/people/${person.id}`);
    expect(added.headers.get('cache-control')).to.equal('no-store');
    expect(person).to.deep.include({ email: input.email, displayName: 'Nowa Agentka', role: 'agent', teamId: 'service-desk', teamName: 'Service Desk', tier: 'L1', teamLead: false, teamInRules: true, locale: 'pl', timeZone: 'Europe/Berlin', active: true, deactivatedAt: null, secondFactor: false });
    expect(added.body.promoted).to.equal(false);
    expect(added.body.enrolmentCode.code).to.match(/^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$/);
    expect(added.body.enrolmentCode.hours).to.equal(72);
    expect((await stack.db.staffAuth.checkEnrolmentCode(person.id, added.body.enrolmentCode.code)).ok).to.equal(true);
    // The same in a read; the code is not (it is kept as a hash only).
    const read = await call('GET', `/people/${person.id}`, ownerToken);
    expect(read.body).to.deep.equal(person);
    expect(JSON.stringify(read.body)).to.not.include(added.body.enrolmentCode.code);

    const listed = await call('GET', '/people?role=agent&team=service-desk&active=true', ownerToken);
    expect(listed.status).to.equal(200);
    expect(listed.body.people.map((p: { id: number }) => p.id)).to.include(person.id);
    expect(listed.body.people.every((p: { role: string; teamId: string; active: boolean }) => p.role === 'agent' && p.teamId === 'service-desk' && p.active)).to.equal(true);
    expect(listed.body.teams.map((t: { id: string; tier: string }) => `${t.id}:${t.tier}`)).to.deep.equal(['service-desk:L1', 'infrastructure:L2', 'applications:L2', 'engineering:L3']);
    expect((await call('GET', '/people?role=auditor', ownerToken)).body.people.map((p: { id: number }) => p.id)).to.not.include(person.id);

    const changed = await call('PATCH', `/people/${person.id}`, ownerToken, { teamId: 'infrastructure', locale: 'de' });
    expect(changed.status, JSON.stringify(changed.body)).to.equal(200);
    expect(changed.body).to.deep.include({ teamId: 'infrastructure', tier: 'L2', locale: 'de' });
    // What routing and the sign-in read: the account itself.
    expect(await stack.db.users.findById(person.id)).to.deep.include({ teamId: 'infrastructure', tier: 'L2', locale: 'de' });
    expect(await stack.db.directory.activeAgent(input.email)).to.deep.include({ teamId: 'infrastructure' });

    const subject = `user:${person.id}`;
    const by = `user:${owner.id}`;
    expect(await audit(subject, 'user.created')).to.deep.equal([{ actor: by, details: { role: 'agent', teamId: 'service-desk', teamLead: false, locale: 'pl', timeZone: 'Europe/Berlin' } }]);
    expect((await audit(subject, 'staff.enrolment_code_issued')).map((e) => e.actor)).to.deep.equal([by]);
    expect(await audit(subject, 'user.changed')).to.deep.equal([{ actor: by, details: { from: { teamId: 'service-desk', locale: 'pl' }, to: { teamId: 'infrastructure', locale: 'de' }, nameChanged: false } }]);
    const all = await stack.db.sequelize.query<{ details: unknown }>(`SELECT details FROM audit_log WHERE subject = :subject`, { replacements: { subject }, type: QueryTypes.SELECT });
    expect(JSON.stringify(all)).to.not.include(input.email).and.not.include('Nowa');
  });

  it('when the input is bad, then it answers 400 or 422 naming each field in the caller\'s language, 404 for no such person, and nothing is added', async () => {
    const api = await localeT('pl', 'api');
    const bad = await call('POST', '/people', ownerToken, { email: 'not an address', displayName: ' ', role: 'wizard', teamId: 'no-such-team', locale: 'fr', timeZone: 'Mars/Olympus' }, 'pl');
    expect(bad.status).to.equal(422);
    expect(bad.body.error.code).to.equal('VALIDATION_FAILED');
    expect(bad.body.error.fields).to.deep.equal([
      { field: 'email', message: api('field.email', { field: 'email' }) },
      { field: 'displayName', message: api('field.required', { field: 'displayName' }) },
      { field: 'role', message: api('field.oneOf', { field: 'role', values: 'agent, process_owner, auditor, admin' }) },
      { field: 'locale', message: api('field.oneOf', { field: 'locale', values: 'en, pl, de' }) },
    ]);
    const team = await call('POST', '/people', ownerToken, newAgent({ teamId: 'no-such-team', timeZone: 'Mars/Olympus' }), 'pl');
    expect(team.status).to.equal(422);
    expect(team.body.error.fields).to.deep.equal([
      { field: 'teamId', message: api('field.oneOf', { field: 'teamId', values: 'service-desk, infrastructure, applications, engineering' }) },
      { field: 'timeZone', message: api('field.timeZone', { field: 'timeZone' }) },
    ]);
    const teamless = await call('POST', '/people', ownerToken, newAgent({ teamId: null }));
    expect([teamless.status, teamless.body.error.fields]).to.deep.equal([422, [{ field: 'teamId', message: (await localeT('en', 'api'))('field.agentTeam', { field: 'teamId' }) }]]);
    expect((await request(stack.web.url, 'POST', '/api/v1/people', { rawBody: '{', headers: { 'content-type': 'application/json' }, token: ownerToken })).status).to.equal(400);
    expect((await call('GET', '/people?active=maybe', ownerToken)).status).to.equal(422);
    expect((await call('PATCH', `/people/${owner.id}`, ownerToken, {})).status).to.equal(422);
    expect((await call('PATCH', `/people/${owner.id}`, ownerToken, { vip: true })).status).to.equal(422);

    const t = await localeT('en', 'admin-people');
    for (const path of ['/people/999999', '/people/abc']) {
      const missing = await call('GET', path, ownerToken);
      expect(missing.status).to.equal(404);
    }
    expect((await call('GET', '/people/999999', ownerToken)).body.error.message).to.equal(t('errors.noPerson', { id: 999999 }));
    const requester = await makeUser(stack.db, 'requester', 'just.a.requester');
    expect((await call('PATCH', `/people/${requester.id}`, ownerToken, { role: 'agent' })).status).to.equal(404);
    expect((await stack.db.users.findById(requester.id))!.role).to.equal('requester');
    const [{ count }] = await stack.db.sequelize.query<{ count: string }>(`SELECT count(*)::text AS count FROM audit_log WHERE action = 'user.created' AND actor = :by`, { replacements: { by: `user:${owner.id}` }, type: QueryTypes.SELECT }) as [{ count: string }];
    expect(count).to.equal('1');
  });

  it('when a process owner sets teamLead on an agent, then the person says so, it is audited by ids and flags only, and clearing it makes them no lead again', async () => {
    const agent = await makeUser(stack.db, 'agent', 'lead.to.be');
    const leadOf = async (id: number) => (await stack.db.sequelize.query<{ lead: boolean }>(`SELECT team_lead AS lead FROM users WHERE id = :id`, { replacements: { id }, type: QueryTypes.SELECT }))[0]!.lead;
    const set = await call('PATCH', `/people/${agent.id}`, ownerToken, { teamLead: true });
    expect(set.status, JSON.stringify(set.body)).to.equal(200);
    expect(set.body).to.deep.include({ id: agent.id, role: 'agent', teamId: 'service-desk', teamLead: true });
    // As the OpenAPI document has it: the field in both requests and in the answer.
    const doc = openApiDocument();
    const { ChangePersonRequest: change, AddPersonRequest: add } = doc.components.schemas;
    expect([change.properties.teamLead.type, add.properties.teamLead.type]).to.deep.equal(['boolean', 'boolean']);
    const ajv = (addFormatsModule as unknown as (a: Ajv) => Ajv)(new Ajv({ strict: false }));
    ajv.addSchema({ $id: 'openapi', components: doc.components });
    expect(ajv.getSchema('openapi#/components/schemas/Person')!(set.body)).to.equal(true);
    expect(await leadOf(agent.id)).to.equal(true);
    expect((await call('GET', `/people/${agent.id}`, ownerToken)).body.teamLead).to.equal(true);
    const listed = (await call('GET', '/people?role=agent', ownerToken)).body.people as Array<{ id: number; teamLead: boolean }>;
    expect(listed.find((p) => p.id === agent.id)!.teamLead).to.equal(true);
    // The same value again is no change, and no entry.
    expect((await call('PATCH', `/people/${agent.id}`, ownerToken, { teamLead: true })).body.teamLead).to.equal(true);
    const cleared = await call('PATCH', `/people/${agent.id}`, ownerToken, { teamLead: false });
    expect([cleared.status, cleared.body.teamLead]).to.deep.equal([200, false]);
    expect(await leadOf(agent.id)).to.equal(false);
    expect(await audit(`user:${agent.id}`, 'user.changed')).to.deep.equal([
      { actor: `user:${owner.id}`, details: { from: { teamLead: false }, to: { teamLead: true }, nameChanged: false } },
      { actor: `user:${owner.id}`, details: { from: { teamLead: true }, to: { teamLead: false }, nameChanged: false } },
    ]);

    // Added as a lead.
    const input = newAgent({ teamLead: true });
    const added = await call('POST', '/people', ownerToken, input);
    expect([added.status, added.body.person?.teamLead]).to.deep.equal([201, true]);
    expect(await audit(`user:${added.body.person.id}`, 'user.created')).to.deep.equal([{ actor: `user:${owner.id}`, details: { role: 'agent', teamId: 'service-desk', teamLead: true, locale: 'pl', timeZone: 'Europe/Berlin' } }]);
    const all = await stack.db.sequelize.query<{ details: unknown }>(`SELECT details FROM audit_log WHERE subject IN (:subjects)`, { replacements: { subjects: [`user:${agent.id}`, `user:${added.body.person.id}`] }, type: QueryTypes.SELECT });
    expect(JSON.stringify(all)).to.not.include(agent.email).and.not.include(input.email).and.not.include('lead.to.be person').and.not.include('Nowa');
  });

  it('when teamLead is asked for someone who is not (or is made no longer) an agent, then it answers 422 with the sentence on teamLead in the caller\'s language and nothing changes; an agent made another role stops leading; who may is who may change a team', async () => {
    const other = await makeUser(stack.db, 'process_owner', 'not.a.lead');
    const lead = await makeUser(stack.db, 'agent', 'lead.to.demote');
    expect((await call('PATCH', `/people/${lead.id}`, ownerToken, { teamLead: true })).body.teamLead).to.equal(true);
    for (const lang of ['pl', 'en', 'de']) {
      const api = await localeT(lang, 'api');
      const sentence = [{ field: 'teamLead', message: api('field.teamLeadAgent', { field: 'teamLead' }) }];
      expect(sentence[0]!.message).to.match(/[.!]$/);
      const refused = await call('PATCH', `/people/${other.id}`, ownerToken, { teamLead: true }, lang);
      expect([refused.status, refused.body.error?.fields]).to.deep.equal([422, sentence]);
      const demoted = await call('PATCH', `/people/${lead.id}`, ownerToken, { role: 'process_owner', teamLead: true }, lang);
      expect([demoted.status, demoted.body.error?.fields]).to.deep.equal([422, sentence]);
      const wanted = newAgent({ role: 'process_owner', teamId: null, teamLead: true });
      const notAdded = await call('POST', '/people', ownerToken, wanted, lang);
      expect([notAdded.status, notAdded.body.error?.fields]).to.deep.equal([422, sentence]);
      expect(await stack.db.users.findByEmail(wanted.email)).to.equal(undefined);
    }
    expect((await call('GET', `/people/${other.id}`, ownerToken)).body).to.deep.include({ role: 'process_owner', teamLead: false });
    expect((await call('GET', `/people/${lead.id}`, ownerToken)).body).to.deep.include({ role: 'agent', teamLead: true });
    expect(await audit(`user:${other.id}`, 'user.changed')).to.deep.equal([]);

    // As a team: only an admin touches an auditor's account.
    const auditor = await makeUser(stack.db, 'auditor', 'lead.auditor');
    const t = await localeT('en', 'admin-people');
    const guarded = await call('PATCH', `/people/${auditor.id}`, ownerToken, { teamLead: true });
    expect([guarded.status, guarded.body.error]).to.deep.equal([403, { code: 'ADMIN_ONLY', message: t('errors.auditorOnly') }]);

    // Another role clears the flag, in the same change; made an agent again, they lead no team until someone says so.
    const moved = await call('PATCH', `/people/${lead.id}`, ownerToken, { role: 'process_owner' });
    expect([moved.status, moved.body.role, moved.body.teamLead]).to.deep.equal([200, 'process_owner', false]);
    expect((await audit(`user:${lead.id}`, 'user.changed')).at(-1)!.details).to.deep.equal({ from: { role: 'agent', teamLead: true }, to: { role: 'process_owner', teamLead: false }, nameChanged: false });
    const back = await call('PATCH', `/people/${lead.id}`, ownerToken, { role: 'agent' });
    expect([back.status, back.body.teamLead]).to.deep.equal([200, false]);
    const both = await call('PATCH', `/people/${other.id}`, ownerToken, { role: 'agent', teamId: 'service-desk', teamLead: true });
    expect([both.status, both.body.role, both.body.teamLead]).to.deep.equal([200, 'agent', true]);
  });

  it('when a change is not theirs to make, then it answers 403 or 409 with the sentence saying why, and nothing changes', async () => {
    const t = await localeT('en', 'admin-people');
    const refused = (a: { status: number; body: { error?: { code: string; message: string } } }, status: number, code: string, key: string, params = {}) => {
      expect(a.status, JSON.stringify(a.body)).to.equal(status);
      expect(a.body.error).to.deep.equal({ code, message: t(key, params) });
    };
    // Nobody changes their own role or deactivates themselves.
    refused(await call('PATCH', `/people/${owner.id}`, ownerToken, { role: 'agent' }), 403, 'OWN_ROLE', 'errors.ownRole');
    refused(await call('PATCH', `/people/${owner.id}`, ownerToken, { active: false }), 403, 'OWN_ACCOUNT', 'errors.ownAccount');
    refused(await call('PATCH', `/people/${admin.id}`, adminToken, { role: 'process_owner' }), 403, 'OWN_ROLE', 'errors.ownRole');
    refused(await call('PATCH', `/people/${admin.id}`, adminToken, { active: false }), 403, 'OWN_ACCOUNT', 'errors.ownAccount');
    // Their own language and time zone they may change; the same role again is no change of role.
    expect((await call('PATCH', `/people/${owner.id}`, ownerToken, { locale: 'de', role: 'process_owner' })).body).to.deep.include({ locale: 'de', role: 'process_owner' });

    // Only an admin gives the admin role or touches an admin's account.
    refused(await call('POST', '/people', ownerToken, newAgent({ role: 'admin', teamId: null })), 403, 'ADMIN_ONLY', 'errors.adminRole');
    const agent = await makeUser(stack.db, 'agent', 'climber');
    refused(await call('PATCH', `/people/${agent.id}`, ownerToken, { role: 'admin' }), 403, 'ADMIN_ONLY', 'errors.adminRole');
    refused(await call('PATCH', `/people/${admin.id}`, ownerToken, { active: false }), 403, 'ADMIN_ONLY', 'errors.adminOnly');
    refused(await call('PATCH', `/people/${admin.id}`, ownerToken, { teamId: 'engineering' }), 403, 'ADMIN_ONLY', 'errors.adminOnly');
    refused(await call('POST', `/people/${admin.id}/enrolment-codes`, ownerToken), 403, 'ADMIN_ONLY', 'errors.adminOnly');
    expect(await stack.db.users.findById(admin.id)).to.deep.include({ role: 'admin', active: true, teamId: null });
    expect((await stack.db.users.findById(agent.id))!.role).to.equal('agent');
    // …and an admin does.
    expect((await call('PATCH', `/people/${agent.id}`, adminToken, { role: 'auditor' })).body.role).to.equal('auditor');
    const second = await call('POST', '/people', adminToken, newAgent({ role: 'admin', teamId: null }));
    expect([second.status, second.body.person?.role]).to.deep.equal([201, 'admin']);

    // An address that is staff already.
    refused(await call('POST', '/people', ownerToken, newAgent({ email: agent.email.toUpperCase() })), 409, 'EMAIL_TAKEN', 'errors.emailTaken', { id: agent.id });

    // An enrolment code for someone who would not use it.
    const enrolled = await makeUser(stack.db, 'agent', 'enrolled');
    await signInEnrolled(new PortalClient(stack.web.url, 'en'), enrolled);
    refused(await call('POST', `/people/${enrolled.id}/enrolment-codes`, ownerToken), 409, 'HAS_SECOND_FACTOR', 'errors.codeHasSecondFactor');
    const fresh = await call('POST', `/people/${agent.id}/enrolment-codes`, adminToken);
    expect([fresh.status, fresh.body.hours]).to.deep.equal([201, 72]);
    expect((await stack.db.staffAuth.checkEnrolmentCode(agent.id, agent.enrolmentCode!)).ok).to.equal(false);
    expect((await stack.db.staffAuth.checkEnrolmentCode(agent.id, fresh.body.code)).ok).to.equal(true);
  });

  it('when a process owner gives the auditor role or touches an auditor\'s account, then it answers 403 with the sentence that only an admin may, and nothing changes; an admin may, audited as before', async () => {
    const t = await localeT('en', 'admin-people');
    const refused = (a: { status: number; body: { error?: { code: string; message: string } } }, key: string, tr = t) => {
      expect(a.status, JSON.stringify(a.body)).to.equal(403);
      expect(a.body.error).to.deep.equal({ code: 'ADMIN_ONLY', message: tr(key) });
    };
    // Giving the role: to a new address, or to an agent.
    const wanted = newAgent({ role: 'auditor', teamId: null });
    refused(await call('POST', '/people', ownerToken, wanted), 'errors.auditorRole');
    refused(await call('POST', '/people', ownerToken, wanted, 'pl'), 'errors.auditorRole', await localeT('pl', 'admin-people'));
    expect(await stack.db.users.findByEmail(wanted.email)).to.equal(undefined);
    const agent = await makeUser(stack.db, 'agent', 'would.be.auditor');
    refused(await call('PATCH', `/people/${agent.id}`, ownerToken, { role: 'auditor' }), 'errors.auditorRole');
    expect((await stack.db.users.findById(agent.id))!.role).to.equal('agent');

    // An auditor's account: changing, demoting, deactivating, a new enrolment code; and reactivating one.
    const auditor = await makeUser(stack.db, 'auditor', 'checker');
    refused(await call('PATCH', `/people/${auditor.id}`, ownerToken, { active: false }), 'errors.auditorOnly');
    refused(await call('PATCH', `/people/${auditor.id}`, ownerToken, { role: 'agent', teamId: 'service-desk' }), 'errors.auditorOnly');
    refused(await call('PATCH', `/people/${auditor.id}`, ownerToken, { locale: 'de' }, 'de'), 'errors.auditorOnly', await localeT('de', 'admin-people'));
    refused(await call('POST', `/people/${auditor.id}/enrolment-codes`, ownerToken), 'errors.auditorOnly');
    expect(await stack.db.users.findById(auditor.id)).to.deep.include({ role: 'auditor', active: true, locale: 'en', teamId: null });
    expect((await stack.db.staffAuth.checkEnrolmentCode(auditor.id, auditor.enrolmentCode!)).ok).to.equal(true);
    const byOwner = await stack.db.sequelize.query(`SELECT action FROM audit_log WHERE subject = :subject AND actor = :by`, { replacements: { subject: `user:${auditor.id}`, by: `user:${owner.id}` }, type: QueryTypes.SELECT });
    expect(byOwner).to.deep.equal([]);

    // An admin may, and it is audited as any change.
    const off = await call('PATCH', `/people/${auditor.id}`, adminToken, { active: false });
    expect([off.status, off.body.active]).to.deep.equal([200, false]);
    const [deactivated] = await audit(`user:${auditor.id}`, 'user.deactivated');
    expect(deactivated!.actor).to.equal(`user:${admin.id}`);
    expect(Object.keys(deactivated!.details).sort()).to.deep.equal(['enrolmentCodeWithdrawn', 'sessionsEnded', 'tokensRevoked']);
    refused(await call('PATCH', `/people/${auditor.id}`, ownerToken, { active: true }), 'errors.auditorOnly');
    expect((await stack.db.users.findById(auditor.id))!.active).to.equal(false);
    expect((await call('PATCH', `/people/${auditor.id}`, adminToken, { active: true })).body.active).to.equal(true);
    expect((await audit(`user:${auditor.id}`, 'user.reactivated')).map((e) => e.actor)).to.deep.equal([`user:${admin.id}`]);
    expect((await call('POST', `/people/${auditor.id}/enrolment-codes`, adminToken)).status).to.equal(201);
    const made = await call('POST', '/people', adminToken, wanted);
    expect([made.status, made.body.person?.role, made.body.promoted]).to.deep.equal([201, 'auditor', false]);
    expect(await audit(`user:${made.body.person.id}`, 'user.created')).to.deep.equal([{ actor: `user:${admin.id}`, details: { role: 'auditor', teamId: null, teamLead: false, locale: 'pl', timeZone: 'Europe/Berlin' } }]);
    // A process owner still manages agents and process owners.
    expect((await call('PATCH', `/people/${agent.id}`, ownerToken, { role: 'process_owner' })).body.role).to.equal('process_owner');
  });

  it('when a process owner adds an address that has a requester account, then it answers 403 (only an admin may), the account stays a requester\'s with no code; an admin may: the same account, its sessions ended, its first staff sign-in asks for the code', async () => {
    const t = await localeT('en', 'admin-people');
    const requester = await makeUser(stack.db, 'requester', 'promoted');
    const portal = new PortalClient(stack.web.url, 'en');
    expect((await portal.signIn(requester.email, PASSWORD)).status).to.equal(303);
    for (const role of ['auditor', 'agent', 'process_owner']) {
      const asked = await call('POST', '/people', ownerToken, newAgent({ email: requester.email, role, teamId: role === 'agent' ? 'service-desk' : null }));
      expect(asked.status, JSON.stringify(asked.body)).to.equal(403);
      expect(asked.body.error).to.deep.equal({ code: 'ADMIN_ONLY', message: t(role === 'auditor' ? 'errors.auditorRole' : 'errors.promoteAdminOnly') });
      expect(asked.body).to.not.have.property('enrolmentCode');
    }
    expect((await stack.db.users.findById(requester.id))!.role).to.equal('requester');
    expect(await audit(`user:${requester.id}`, 'user.role_changed')).to.deep.equal([]);
    const codes = await stack.db.sequelize.query(`SELECT user_id FROM staff_enrolment_codes WHERE user_id = :id`, { replacements: { id: requester.id }, type: QueryTypes.SELECT });
    expect(codes).to.deep.equal([]);
    expect((await portal.get('/tickets')).status).to.equal(200);

    const promoted = await call('POST', '/people', adminToken, newAgent({ email: requester.email }));
    expect([promoted.status, promoted.body.person.id, promoted.body.promoted]).to.deep.equal([201, requester.id, true]);
    expect(promoted.body.enrolmentCode.code).to.be.a('string');
    expect(await audit(`user:${requester.id}`, 'user.role_changed')).to.deep.equal([{ actor: `user:${admin.id}`, details: { from: { role: 'requester', teamId: null, teamLead: false }, to: { role: 'agent', teamId: 'service-desk', teamLead: false } } }]);
    // The requester's session is gone; their password alone leads to the enrolment step, not in.
    expect((await portal.get('/tickets')).status).to.equal(303);
    const staff = new PortalClient(stack.web.url, 'en');
    expect((await staffPassword(staff, requester.email)).location).to.equal('/staff/sign-in/enrol');
    expect((await staff.get('/staff')).location).to.match(/^\/staff\/sign-in/);
  });

  it('when a process owner deactivates an agent, then their token and their sign-in are refused, their session ends, they are no active agent; reactivated, they sign in again but the old token stays revoked', async () => {
    const agent = await makeUser(stack.db, 'agent', 'leaver');
    const token = await tokenOf(agent);
    const browser = new PortalClient(stack.web.url, 'en');
    await signInEnrolled(browser, agent);
    expect((await browser.get('/staff')).status).to.equal(200);
    expect((await call('GET', '/tickets/HD-1999-000001', token)).status).to.equal(404);

    const done = await call('PATCH', `/people/${agent.id}`, ownerToken, { active: false });
    expect(done.status, JSON.stringify(done.body)).to.equal(200);
    expect(done.body.active).to.equal(false);
    expect(done.body.deactivatedAt).to.be.a('string');

    const api = await localeT('en', 'api');
    const withToken = await call('GET', '/tickets/HD-1999-000001', token);
    expect([withToken.status, withToken.body.error.message]).to.deep.equal([401, api('errors.badToken')]);
    expect((await browser.get('/staff')).location).to.match(/^\/staff\/sign-in/);
    const portal = await localeT('en', 'portal');
    const again = await staffPassword(new PortalClient(stack.web.url, 'en'), agent.email, PASSWORD);
    expect(again.status).to.equal(422);
    expect(textOf(again.text, 'password-error')).to.equal(portal('field.accountDeactivated'));
    const requesterSide = await new PortalClient(stack.web.url, 'en').signIn(agent.email, PASSWORD);
    expect(textOf(requesterSide.text, 'password-error')).to.equal(portal('field.accountDeactivated'));
    // A wrong password still says only that it is wrong.
    const wrong = await staffPassword(new PortalClient(stack.web.url, 'en'), agent.email, 'not the password');
    expect(textOf(wrong.text, 'password-error')).to.equal(portal('field.badCredentials'));
    expect(await stack.db.directory.activeAgent(agent.email)).to.equal(undefined);
    expect((await call('GET', '/people?active=false', ownerToken)).body.people.map((p: { id: number }) => p.id)).to.include(agent.id);

    const [entry] = await audit(`user:${agent.id}`, 'user.deactivated');
    expect(entry!.actor).to.equal(`user:${owner.id}`);
    expect(entry!.details).to.deep.include({ enrolmentCodeWithdrawn: false });
    expect(entry!.details.tokensRevoked).to.be.an('array').with.length(1);
    expect(entry!.details.sessionsEnded).to.be.at.least(1);

    const back = await call('PATCH', `/people/${agent.id}`, ownerToken, { active: true });
    expect([back.status, back.body.active, back.body.deactivatedAt]).to.deep.equal([200, true, null]);
    expect((await audit(`user:${agent.id}`, 'user.reactivated')).map((e) => e.actor)).to.deep.equal([`user:${owner.id}`]);
    expect((await call('GET', '/tickets/HD-1999-000001', token)).status).to.equal(401);
    expect((await staffPassword(new PortalClient(stack.web.url, 'en'), agent.email)).location).to.equal('/staff/sign-in/code');
    expect(await stack.db.directory.activeAgent(agent.email)).to.deep.include({ teamId: 'service-desk' });
  });
});
