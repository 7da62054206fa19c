import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { csrfOf, PortalClient, textOf, type PageResponse } from './portal-client.ts';
import { getEnv, type TestEnv } from './support/env.ts';
import { enrol, enrolmentCode, makeUser, PASSWORD, staffCode, staffPassword, totpCode, uniqueEmail } from './support/staff.ts';

const NEW_PASSWORD = 'my first password 2026';
const REFUSED = 'That e-mail address and enrolment code do not belong to an account waiting for its first sign-in. Check both and try again, or ask a helpdesk admin for a new enrolment code; nothing was changed.';

describe('staff first sign-in: someone added without a password sets it with their enrolment code', function () {
  this.timeout(120_000);
  let env: TestEnv;
  const q = async <T extends object>(sql: string, replacements: Record<string, unknown>) => env.db.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
  const passwordHash = async (id: number) => (await q<{ password_hash: string | null }>(`SELECT password_hash FROM users WHERE id = :id`, { id }))[0]!.password_hash;
  const audit = (id: number, action: string) => q<{ actor: string; details: Record<string, unknown> }>(`SELECT actor, details FROM audit_log WHERE subject = :s AND action = :action ORDER BY seq`, { s: `user:${id}`, action });

  /** Added as /admin/people and `helpdesk user add` add staff: no password, an enrolment code handed over. */
  async function addedWithoutPassword(name: string) {
    const email = uniqueEmail(name);
    await env.db.sequelize.query(`INSERT INTO teams (id, name, tier) VALUES ('service-desk', 'Service Desk', 'L1') ON CONFLICT (id) DO NOTHING`);
    const user = await env.db.users.upsert({ email, displayName: `${name} person`, role: 'agent', teamId: 'service-desk', locale: 'en' }, 'cli:test');
    expect(user.hasPassword).to.equal(false);
    return { ...user, code: await enrolmentCode(env.db, user) };
  }

  async function first(c: PortalClient, fields: { email: string; enrolmentCode: string; password?: string; passwordConfirm?: string }): Promise<PageResponse> {
    const form = await c.get('/staff/sign-in/first');
    expect(form.status).to.equal(200);
    const password = fields.password ?? NEW_PASSWORD;
    return c.postForm('/staff/sign-in/first', { _csrf: csrfOf(form.text), passwordConfirm: password, ...fields, password });
  }

  before(async () => {
    env = await getEnv();
  });

  it('when a person added without a password signs in the first time with their code and a new password, then they enrol an authenticator, and later sign in with the password and a code', async () => {
    const nina = await addedWithoutPassword('nina');
    const c = new PortalClient(env.web.url, 'en');
    // Without a password, the normal sign-in is no way in.
    expect((await staffPassword(c, nina.email, NEW_PASSWORD)).status).to.equal(422);

    const signIn = await c.get('/staff/sign-in');
    expect(textOf(signIn.text, 'first-sign-in')).to.equal('First time here? Sign in with the enrolment code you were given');
    expect(signIn.text).to.include('href="/staff/sign-in/first?next&#x3D;%2Fstaff"');

    // The portal's password rules, in its words; nothing is checked or counted yet.
    const short = await first(c, { email: nina.email, enrolmentCode: nina.code, password: 'short' });
    expect(short.status).to.equal(422);
    expect(textOf(short.text, 'password-error')).to.equal('The password must have at least 10 characters.');
    const differ = await first(c, { email: nina.email, enrolmentCode: nina.code, passwordConfirm: `${NEW_PASSWORD}!` });
    expect(textOf(differ.text, 'passwordConfirm-error')).to.equal('The two passwords are different.');
    expect(await passwordHash(nina.id)).to.equal(null);

    // CSRF: a form without its token changes nothing.
    expect((await c.postForm('/staff/sign-in/first', { email: nina.email, enrolmentCode: nina.code, password: NEW_PASSWORD, passwordConfirm: NEW_PASSWORD })).status).to.equal(403);
    expect(await passwordHash(nina.id)).to.equal(null);

    const done = await first(c, { email: nina.email, enrolmentCode: nina.code.toLowerCase() });
    expect(done.status).to.equal(303);
    expect(done.location).to.equal('/staff/sign-in/enrol');
    expect(await passwordHash(nina.id)).to.match(/^\$argon2id\$/);
    expect(await audit(nina.id, 'staff.password_set')).to.deep.equal([{ actor: `user:${nina.id}`, details: { via: 'enrolment_code' } }]);
    // Not signed in yet: the authenticator comes first, with the code already accepted (no code form).
    expect((await c.get('/staff')).location).to.equal('/staff/sign-in?next=%2Fstaff');
    const { secret, recoveryCodes } = await enrol(c, undefined);
    expect(recoveryCodes).to.have.length(10);
    expect(textOf((await c.get('/staff')).text, 'factor')).to.equal('You signed in with your authenticator code.');
    expect(await q(`SELECT 1 FROM staff_enrolment_codes WHERE user_id = :id`, { id: nina.id })).to.deep.equal([]);

    const home = await c.get('/staff');
    expect((await c.postForm('/staff/sign-out', { _csrf: csrfOf(home.text) })).location).to.equal('/staff/sign-in');
    expect((await c.get('/staff')).status).to.equal(303);

    // The password set the first time, then the app's code.
    expect((await staffPassword(c, nina.email, NEW_PASSWORD)).location).to.equal('/staff/sign-in/code');
    expect((await staffCode(c, totpCode(secret, Date.now() + 30_000))).location).to.equal('/staff');
    expect(textOf((await c.get('/staff')).text, 'role')).to.equal('Your role: Agent.');

    // The code was spent by the enrolment: it opens nothing again, nor resets the password.
    const again = await first(new PortalClient(env.web.url, 'en'), { email: nina.email, enrolmentCode: nina.code, password: 'someone else 2026' });
    expect(again.status).to.equal(422);
    expect(textOf(again.text, 'refusal')).to.equal(REFUSED);
    expect((await staffPassword(new PortalClient(env.web.url, 'en'), nina.email, NEW_PASSWORD)).location).to.equal('/staff/sign-in/code');
  });

  it('when the code is wrong or the address unknown, then the same sentence answers, nothing is set, and the attempts are counted', async () => {
    const olek = await addedWithoutPassword('olek');
    const c = new PortalClient(env.web.url, 'en');
    const wrong = await first(c, { email: olek.email, enrolmentCode: 'AAAA-BBBB-CCCC' });
    expect(wrong.status).to.equal(422);
    expect(textOf(wrong.text, 'refusal')).to.equal(REFUSED);
    expect(await passwordHash(olek.id)).to.equal(null);
    expect((await audit(olek.id, 'staff.sign_in_refused')).map((e) => e.details)).to.deep.equal([{ reason: 'wrong_enrolment_code', step: 'first_sign_in' }]);
    expect(await audit(olek.id, 'staff.password_set')).to.deep.equal([]);
    // Still not signed in anywhere, no enrolment under way.
    expect((await c.get('/staff/sign-in/enrol')).location).to.equal('/staff/sign-in');

    const unknown = await first(new PortalClient(env.web.url, 'en'), { email: uniqueEmail('nobody'), enrolmentCode: olek.code });
    expect(unknown.status).to.equal(422);
    expect(textOf(unknown.text, 'refusal')).to.equal(REFUSED);

    // Counted: four more wrong codes, and then even the right one is refused for a while.
    for (let i = 0; i < 4; i++) expect((await first(c, { email: olek.email, enrolmentCode: 'AAAA-BBBB-CCCC' })).status).to.equal(422);
    const limited = await first(c, { email: olek.email, enrolmentCode: olek.code });
    expect(limited.status).to.equal(429);
    expect(Number(limited.headers.get('retry-after'))).to.be.within(1, 900);
    expect(textOf(limited.text, 'error-message')).to.match(/^Too many sign-in attempts\. Please try again in 1?\d minutes?\.$/);
    expect(await passwordHash(olek.id)).to.equal(null);
  });

  it('when an account has a password already, then the path does not change it: a right code is sent to the normal sign-in, a wrong one gets the same sentence', async () => {
    const agent = await makeUser(env.db, 'agent', 'pia');
    const before = await passwordHash(agent.id);
    const right = await first(new PortalClient(env.web.url, 'en'), { email: agent.email, enrolmentCode: agent.enrolmentCode! });
    expect(right.status).to.equal(409);
    expect(textOf(right.text, 'refusal')).to.equal('This account has a password already, so it was not changed. Sign in with it on the staff sign-in page; if you have forgotten it, ask a helpdesk admin.');
    const wrong = await first(new PortalClient(env.web.url, 'en'), { email: agent.email, enrolmentCode: 'AAAA-BBBB-CCCC' });
    expect(wrong.status).to.equal(422);
    expect(textOf(wrong.text, 'refusal')).to.equal(REFUSED);
    expect(await passwordHash(agent.id)).to.equal(before);
    expect(await audit(agent.id, 'staff.password_set')).to.deep.equal([]);
    // The old password still signs in, and the code is still theirs for the enrolment.
    expect((await staffPassword(new PortalClient(env.web.url, 'en'), agent.email, PASSWORD)).location).to.equal('/staff/sign-in/enrol');
    expect(await q(`SELECT 1 FROM staff_enrolment_codes WHERE user_id = :id`, { id: agent.id })).to.have.length(1);
  });

  it('when the account is deactivated, then even the right code sets nothing and gets the same sentence', async () => {
    const ida = await addedWithoutPassword('ida');
    // Deactivated with the code left in place (deactivating withdraws it; this checks the account's state itself).
    await env.db.sequelize.query(`UPDATE users SET deactivated_at = now() WHERE id = :id`, { replacements: { id: ida.id } });
    const c = new PortalClient(env.web.url, 'en');
    const res = await first(c, { email: ida.email, enrolmentCode: ida.code });
    expect(res.status).to.equal(422);
    expect(textOf(res.text, 'refusal')).to.equal(REFUSED);
    expect(await passwordHash(ida.id)).to.equal(null);
    expect((await audit(ida.id, 'staff.sign_in_refused')).map((e) => e.details)).to.deep.equal([{ reason: 'account_deactivated', step: 'first_sign_in' }]);
    expect((await c.get('/staff/sign-in/enrol')).location).to.equal('/staff/sign-in');
  });
});
