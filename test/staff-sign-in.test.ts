import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { startWeb } from '../runtime/stack.ts';
import { csrfOf, PortalClient, textOf } from './portal-client.ts';
import { getEnv, log, onCleanup, type TestEnv } from './support/env.ts';
import { spawnHelpdesk } from './support/processes.ts';
import { enrol, enrolmentCode, enterEnrolmentCode, makeUser, PASSWORD, signInEnrolled, staffCode, staffPassword, totpCode, wrongCode } from './support/staff.ts';

describe('staff sign-in: password, then a second factor (TOTP or a recovery code)', function () {
  this.timeout(120_000);
  let env: TestEnv;
  const q = async <T extends object>(sql: string, replacements: Record<string, unknown>) => env.db.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
  const audit = (userId: number, action: string) => q<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE subject = :s AND action = :action ORDER BY seq`, { s: `user:${userId}`, action });
  const factorRow = async (userId: number) => (await q<{ totp_secret_sealed: string; totp_last_step: string }>(`SELECT totp_secret_sealed, totp_last_step FROM staff_second_factors WHERE user_id = :userId`, { userId }))[0];

  before(async () => {
    env = await getEnv();
  });

  it('when a staff member has signed in with the password only, then no staff route opens: a page sends them to the staff sign-in, JSON gets a 401', async () => {
    const agent = await makeUser(env.db, 'agent');
    // The portal's requester sign-in: the portal works, the staff pages do not.
    const portal = new PortalClient(env.web.url, 'en');
    expect((await portal.signIn(agent.email, PASSWORD)).status).to.equal(303);
    const page = await portal.get('/staff');
    expect(page.status).to.equal(303);
    expect(page.location).to.equal('/staff/sign-in?next=%2Fstaff');
    expect(textOf((await portal.get(page.location!)).text, 'notice')).to.equal('Staff pages need the staff sign-in with your second factor. Please sign in here.');
    const json = await portal.get('/staff/audit', { accept: 'application/json' });
    expect(json.status).to.equal(401);
    expect(JSON.parse(json.text).error.code).to.equal('STAFF_SIGN_IN_REQUIRED');

    // The staff sign-in's password step alone: the second step is still to come.
    const pending = new PortalClient(env.web.url, 'en');
    expect((await staffPassword(pending, agent.email)).location).to.equal('/staff/sign-in/enrol');
    expect((await pending.get('/staff')).location).to.equal('/staff/sign-in?next=%2Fstaff');
    // …and that is no sign-in on the portal either.
    expect((await pending.get('/tickets')).location).to.match(/^\/sign-in/);
  });

  it('when a staff member without a second factor signs in, then they enter their enrolment code, set one up (QR code and text), confirm it with a code, get ten recovery codes once, and reach the staff home', async () => {
    const owner = await makeUser(env.db, 'process_owner', 'olga');
    const c = new PortalClient(env.web.url, 'en');
    expect((await staffPassword(c, owner.email)).location).to.equal('/staff/sign-in/enrol');
    const ask = await c.get('/staff/sign-in/enrol');
    expect(ask.headers.get('cache-control')).to.equal('no-store');
    expect(ask.text).to.include('name="enrolmentCode"');
    expect(textOf(ask.text, 'totp-secret')).to.equal(undefined);
    expect((await enterEnrolmentCode(c, owner.enrolmentCode!)).location).to.equal('/staff/sign-in/enrol');
    const form = await c.get('/staff/sign-in/enrol');
    expect(form.text).to.match(/<img class="qr" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/]+(&#x3D;)*" alt="QR code with your setup key/);
    // The same enrolment: the code is asked for once, the secret does not change on a reload.
    expect(textOf((await c.get('/staff/sign-in/enrol')).text, 'totp-secret')).to.equal(textOf(form.text, 'totp-secret'));
    const { secret, recoveryCodes, page } = await enrol(c, undefined);
    expect(secret).to.match(/^[A-Z2-7]{32}$/);
    expect(page.status).to.equal(200);
    expect(textOf(page.text, 'recovery-codes')).to.be.a('string');
    expect(recoveryCodes).to.have.length(10);
    expect(new Set(recoveryCodes).size).to.equal(10);
    for (const code of recoveryCodes) expect(code).to.match(/^[2-9A-HJKMNP-TV-Z]{5}-[2-9A-HJKMNP-TV-Z]{5}$/);

    // Kept sealed and hashed: neither the secret nor a recovery code is in the database.
    const row = (await factorRow(owner.id))!;
    expect(row.totp_secret_sealed).to.match(/^v1:test:/).and.not.include(secret);
    const hashes = await q<{ code_hash: string }>(`SELECT code_hash FROM staff_recovery_codes WHERE user_id = :id`, { id: owner.id });
    expect(hashes).to.have.length(10);
    for (const h of hashes) expect(h.code_hash).to.match(/^\$argon2id\$/);
    expect(await audit(owner.id, 'staff.second_factor_enrolled')).to.deep.equal([{ details: { method: 'totp', recoveryCodes: 10 } }]);
    // The enrolment code is spent with it.
    expect(await q(`SELECT 1 FROM staff_enrolment_codes WHERE user_id = :id`, { id: owner.id })).to.deep.equal([]);

    const home = await c.get('/staff');
    expect(home.status).to.equal(200);
    expect(textOf(home.text, 'signed-in-as')).to.equal(`Signed in as olga person (${owner.email}).`);
    expect(textOf(home.text, 'role')).to.equal('Your role: Process owner.');
    expect(textOf(home.text, 'factor')).to.equal('You signed in with your authenticator code.');
    expect(textOf(home.text, 'recovery-left')).to.equal('You have 10 recovery codes left.');
    // The recovery codes are not shown again.
    expect(home.text).to.not.include(recoveryCodes[0]!);
  });

  it('when the code is wrong, then the page says so in the staff member’s language and nothing changes; a right code signs in, the same code again is refused', async () => {
    const agent = await makeUser(env.db, 'agent', 'piotr', 'pl');
    const first = new PortalClient(env.web.url, 'pl');
    const { secret } = await signInEnrolled(first, agent);
    const before = await factorRow(agent.id);

    const c = new PortalClient(env.web.url, 'pl');
    expect((await staffPassword(c, agent.email)).location).to.equal('/staff/sign-in/code');
    const wrong = await staffCode(c, wrongCode(secret));
    expect(wrong.status).to.equal(422);
    expect(textOf(wrong.text, 'code-error')).to.equal('Ten kod jest nieprawidłowy. Wpisz 6-cyfrowy kod, który teraz pokazuje aplikacja uwierzytelniająca, albo jeden z kodów odzyskiwania.');
    expect(wrong.text).to.match(/id="code"[^>]*aria-invalid="true"/);
    // Nothing changed: the same step accepted last, still no sign-in, the second step still waits.
    expect(await factorRow(agent.id)).to.deep.equal(before);
    expect((await c.get('/staff')).location).to.equal('/staff/sign-in?next=%2Fstaff');
    expect((await c.get('/staff/sign-in/code')).status).to.equal(200);
    expect((await audit(agent.id, 'staff.sign_in_refused')).map((e) => e.details)).to.deep.equal([{ reason: 'wrong_code' }]);

    // The app's next code (the enrolment spent the current one).
    const code = totpCode(secret, Date.now() + 30_000);
    const right = await staffCode(c, code);
    expect(right.status).to.equal(303);
    expect(right.location).to.equal('/staff');
    expect(textOf((await c.get('/staff')).text, 'role')).to.equal('Twoja rola: Agent.');

    // Overheard: the same code, in its step, in another browser.
    const thief = new PortalClient(env.web.url, 'en');
    expect((await staffPassword(thief, agent.email)).location).to.equal('/staff/sign-in/code');
    const replay = await staffCode(thief, code);
    expect(replay.status).to.equal(422);
    expect(textOf(replay.text, 'code-error')).to.equal('This code has been used already. Wait until your app shows a new one (every 30 seconds) and enter that.');
    expect((await thief.get('/staff')).status).to.equal(303);
    expect((await audit(agent.id, 'staff.sign_in_refused')).map((e) => e.details)).to.deep.equal([{ reason: 'wrong_code' }, { reason: 'replayed_code' }]);
  });

  it('when a recovery code is entered, then it signs in once, says how many are left, and is refused the second time', async () => {
    const auditor = await makeUser(env.db, 'auditor', 'ada', 'de');
    const { recoveryCodes } = await signInEnrolled(new PortalClient(env.web.url, 'en'), auditor);
    const code = recoveryCodes[3]!;

    const c = new PortalClient(env.web.url, 'en');
    await staffPassword(c, auditor.email);
    // Typed as people type from paper: lower case, a space instead of the dash.
    const used = await staffCode(c, ` ${code.toLowerCase().replace('-', ' ')} `);
    expect(used.location).to.equal('/staff');
    const home = await c.get('/staff');
    expect(textOf(home.text, 'notice')).to.equal('Sie haben sich mit einem Wiederherstellungscode angemeldet. Sie haben noch 9.');
    expect(textOf(home.text, 'factor')).to.equal('Sie haben sich mit einem Wiederherstellungscode angemeldet.');
    expect(textOf(home.text, 'recovery-left')).to.equal('Sie haben noch 9 Wiederherstellungscodes.');
    expect((await audit(auditor.id, 'staff.recovery_code_used')).map((e) => e.details)).to.deep.equal([{ left: 9 }]);

    const again = new PortalClient(env.web.url, 'en');
    await staffPassword(again, auditor.email);
    const refused = await staffCode(again, code);
    expect(refused.status).to.equal(422);
    // Not signed in yet, so the browser's language (the profile's counts once signed in).
    expect(textOf(refused.text, 'code-error')).to.equal('That code is not right. Enter the 6-digit code your authenticator app shows now, or one of your recovery codes.');
    const left = await q<{ n: string }>(`SELECT count(*)::text AS n FROM staff_recovery_codes WHERE user_id = :id AND used_at IS NULL`, { id: auditor.id });
    expect(left[0]!.n).to.equal('9');
  });

  it('when a requester tries the staff pages, then they are refused with a sentence, whether signed in on the portal or on the staff sign-in', async () => {
    const requester = await makeUser(env.db, 'requester', 'rita');
    const portal = new PortalClient(env.web.url, 'en');
    await portal.signIn(requester.email, PASSWORD);
    const page = await portal.get('/staff');
    expect(page.status).to.equal(403);
    expect(textOf(page.text, 'error-message')).to.equal('These pages are for service desk staff. Your own tickets are on the portal under “My tickets”.');
    expect((await portal.get('/staff/audit')).status).to.equal(403);

    const c = new PortalClient(env.web.url, 'en');
    const res = await staffPassword(c, requester.email);
    expect(res.status).to.equal(403);
    expect(textOf(res.text, 'refusal')).to.equal('This sign-in is for service desk staff. To report a problem or follow your tickets, sign in on the portal instead.');
    expect(c.cookie('hd.sid')).to.equal(undefined);
    expect((await audit(requester.id, 'staff.sign_in_refused')).map((e) => e.details)).to.deep.equal([{ reason: 'not_staff' }]);
  });

  it('when each staff role signs in, then the staff home shows that role and what it may open, and the audit log page is for auditors and admins only', async () => {
    const expected = {
      agent: { role: 'Agent', what: 'Work tickets: every action on every ticket, through the REST API and the CLI.', audit: false },
      process_owner: { role: 'Process owner', what: 'Change the process: publish rules versions and re-classify open tickets under them.', audit: false },
      auditor: { role: 'Auditor', what: 'Check the record: read every ticket, replay its history and read the audit log.', audit: true },
      admin: { role: 'Admin', what: 'Everything agents and process owners do, and the audit log.', audit: true },
    } as const;
    for (const [role, want] of Object.entries(expected)) {
      const user = await makeUser(env.db, role as keyof typeof expected);
      const c = new PortalClient(env.web.url, 'en');
      await signInEnrolled(c, user);
      const home = await c.get('/staff');
      expect(textOf(home.text, 'role'), role).to.equal(`Your role: ${want.role}.`);
      expect(textOf(home.text, 'what'), role).to.equal(want.what);
      expect(home.text.includes('href="/audit/log"'), role).to.equal(want.audit);
      const log = await c.get('/staff/audit');
      if (want.audit) {
        // The audit log's page is /audit/log now (auditor-ui/log/); the old address leads there.
        expect(log.status, role).to.equal(303);
        expect(log.location, role).to.equal('/audit/log');
        expect(textOf((await c.get('/audit/log')).text, 'audit-entries')).to.include('staff.second_factor_enrolled');
      } else {
        expect(log.status, role).to.equal(403);
        expect(textOf(log.text, 'error-message')).to.equal(`Your role (${want.role}) cannot open this page; it is for: Auditor, Admin.`);
      }
    }
  });

  it('when wrong codes go on, then the sixth within 15 minutes is refused with 429 and the wait, even with the right code', async () => {
    const agent = await makeUser(env.db, 'agent', 'brute');
    const { secret } = await signInEnrolled(new PortalClient(env.web.url, 'en'), agent);
    const c = new PortalClient(env.web.url, 'en');
    await staffPassword(c, agent.email);
    for (let i = 0; i < 5; i++) expect((await staffCode(c, wrongCode(secret))).status).to.equal(422);
    const limited = await staffCode(c, totpCode(secret, Date.now() + 30_000));
    expect(limited.status).to.equal(429);
    expect(Number(limited.headers.get('retry-after'))).to.be.within(1, 900);
    expect(textOf(limited.text, 'error-message')).to.match(/^Too many wrong codes for this account\. Try again in 1?\d minutes?, or ask an admin to reset your second factor\.$/);
    expect((await c.get('/staff')).status).to.equal(303);
  });

  it('when an operator resets a staff member’s second factor, then their sessions end, it is audited, and the next sign-in sets up a new one with the enrolment code the reset printed', async () => {
    const admin = await makeUser(env.db, 'admin', 'adam');
    const c = new PortalClient(env.web.url, 'en');
    await signInEnrolled(c, admin);
    expect((await c.get('/staff')).status).to.equal(200);

    const reset = spawnHelpdesk(['user', 'reset-second-factor', '--email', admin.email], { DATABASE_URL: env.config.databaseUrl! });
    expect(await reset.exited).to.equal(0);
    expect(reset.output()).to.include(`The second factor of user #${admin.id} is reset and their web sessions ended`);
    expect(await factorRow(admin.id)).to.equal(undefined);
    const [entry] = await audit(admin.id, 'staff.second_factor_reset');
    expect(entry!.details).to.deep.equal({ hadSecondFactor: true, ssoLinksRemoved: 0, sessionsEnded: 1 });
    const printed = new RegExp(`enrolment code for user #${admin.id} \\(shown once, valid for 72 hours, until \\S+Z\\): ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})`).exec(reset.output())?.[1];
    expect(printed, reset.output()).to.be.a('string');

    expect((await c.get('/staff')).location).to.equal('/staff/sign-in?next=%2Fstaff');
    expect((await staffPassword(c, admin.email)).location).to.equal('/staff/sign-in/enrol');
    // The first code was spent at the first enrolment; the printed one sets up the new authenticator.
    expect((await enterEnrolmentCode(c, admin.enrolmentCode!)).status).to.equal(422);
    await enrol(c, printed!);
    expect(textOf((await c.get('/staff')).text, 'factor')).to.equal('You signed in with your authenticator code.');

    const unknown = spawnHelpdesk(['user', 'reset-second-factor', '--email', 'nobody@example.com'], { DATABASE_URL: env.config.databaseUrl! });
    expect(await unknown.exited).to.equal(1);
    expect(unknown.output()).to.include('There is no user nobody@example.com; nothing was changed.');
  });

  it('when someone with the password only reaches the enrolment, then without the operator’s enrolment code no secret is shown: a wrong, an expired or a replaced code is refused with a sentence, audited, and counted like wrong codes', async () => {
    const agent = await makeUser(env.db, 'agent', 'ewa');
    const c = new PortalClient(env.web.url, 'en');
    expect((await staffPassword(c, agent.email)).location).to.equal('/staff/sign-in/enrol');
    const codeError = (r: { text: string }) => textOf(r.text, 'enrolmentCode-error');

    const wrong = await enterEnrolmentCode(c, 'ABCD-EFGH-JKMN');
    expect(wrong.status).to.equal(422);
    expect(codeError(wrong)).to.equal('That enrolment code is not right. Enter the code a helpdesk admin gave you (like ABCD-EFGH-JKMN), or ask them for a new one.');
    expect(textOf(wrong.text, 'totp-secret')).to.equal(undefined);
    // Nothing changed: still asking for the code, the code still works.
    expect(textOf((await c.get('/staff/sign-in/enrol')).text, 'totp-secret')).to.equal(undefined);

    await env.db.sequelize.query(`UPDATE staff_enrolment_codes SET issued_at = now() - interval '73 hours', expires_at = now() - interval '1 hour' WHERE user_id = :id`, { replacements: { id: agent.id } });
    const expired = await enterEnrolmentCode(c, agent.enrolmentCode!.toLowerCase());
    expect(expired.status).to.equal(422);
    expect(codeError(expired)).to.equal('This enrolment code has expired. Ask a helpdesk admin for a new one; nothing was changed.');

    // A new one (`helpdesk user enrolment-code`) opens the setup; replaced meanwhile, it is not saved.
    const first = await enrolmentCode(env.db, agent);
    expect((await enterEnrolmentCode(c, first)).location).to.equal('/staff/sign-in/enrol');
    const form = await c.get('/staff/sign-in/enrol');
    const secret = textOf(form.text, 'totp-secret')!.replace(/\s/g, '');
    const second = await enrolmentCode(env.db, agent);
    const spent = await c.postForm('/staff/sign-in/enrol', { _csrf: csrfOf(form.text), code: totpCode(secret) });
    expect(spent.status).to.equal(409);
    expect(codeError(spent)).to.equal('This enrolment code was used or replaced meanwhile, so your setup was not saved. Ask a helpdesk admin for a new enrolment code and start again.');
    expect(await factorRow(agent.id)).to.equal(undefined);
    expect((await enterEnrolmentCode(c, first)).status).to.equal(422);
    expect((await audit(agent.id, 'staff.sign_in_refused')).map((e) => e.details)).to.deep.equal([
      { reason: 'wrong_enrolment_code', step: 'enrolment' }, { reason: 'expired_enrolment_code', step: 'enrolment' },
      { reason: 'spent_enrolment_code', step: 'enrolment' }, { reason: 'wrong_enrolment_code', step: 'enrolment' },
    ]);
    expect((await audit(agent.id, 'staff.enrolment_code_issued')).map((e) => e.details)).to.deep.equal([
      { hours: 72, replaced: false }, { hours: 72, replaced: true }, { hours: 72, replaced: true },
    ]);

    // Wrong codes count with the second factor's (the right one cleared them; the refused setup and the replaced code count): three more make five, and even the right one waits.
    for (let i = 0; i < 3; i++) expect((await enterEnrolmentCode(c, 'ZZZZ-ZZZZ-ZZZZ')).status).to.equal(422);
    const limited = await enterEnrolmentCode(c, second);
    expect(limited.status).to.equal(429);
    expect(textOf(limited.text, 'error-message')).to.match(/^Too many wrong codes for this account\. Try again in 1?\d minutes?/);
    expect(await factorRow(agent.id)).to.equal(undefined);
  });

  it('when an operator adds staff or asks for a code, then the command prints a new enrolment code once (only for staff without a second factor) and the earlier one stops working', async () => {
    const run = async (...args: string[]) => {
      const p = spawnHelpdesk(['user', ...args], { DATABASE_URL: env.config.databaseUrl! });
      return { code: await p.exited, out: p.output() };
    };
    const codeIn = (out: string) => /enrolment code for user #\d+ \(shown once, valid for 72 hours, until [^)]+\): (\S+)/.exec(out)?.[1];
    const email = `cli.${Date.now()}@example.com`;
    const added = await run('add', '--email', email, '--name', 'Cli Agent', '--role', 'agent');
    expect(added.code).to.equal(0);
    const fromAdd = codeIn(added.out);
    expect(fromAdd, added.out).to.match(/^[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}$/);
    const user = (await env.db.users.findByEmail(email))!;
    // Kept as a hash only.
    const [row] = await q<{ code_hash: string }>(`SELECT code_hash FROM staff_enrolment_codes WHERE user_id = :id`, { id: user.id });
    expect(row!.code_hash).to.match(/^\$argon2id\$/).and.not.include(fromAdd!);

    const again = await run('enrolment-code', '--email', email);
    expect(again.code).to.equal(0);
    const fromCommand = codeIn(again.out)!;
    expect(fromCommand).to.not.equal(fromAdd);
    expect((await env.db.staffAuth.checkEnrolmentCode(user.id, fromAdd!)).ok).to.equal(false);
    expect((await env.db.staffAuth.checkEnrolmentCode(user.id, fromCommand)).ok).to.equal(true);

    const requester = await run('add', '--email', `cli.req.${Date.now()}@example.com`, '--name', 'Cli Requester');
    expect([requester.code, codeIn(requester.out)]).to.deep.equal([0, undefined]);
    const refused = await run('enrolment-code', '--email', (await makeUser(env.db, 'requester')).email);
    expect(refused.code).to.equal(1);
    expect(refused.out).to.match(/is a requester, not staff: only staff set up a second factor\. .*nothing was changed\./);
    const enrolled = await makeUser(env.db, 'auditor');
    await signInEnrolled(new PortalClient(env.web.url, 'en'), enrolled);
    const needless = await run('enrolment-code', '--email', enrolled.email);
    expect(needless.code).to.equal(1);
    expect(needless.out).to.include('has a second factor already, so an enrolment code would not be used. If they lost it, run `helpdesk user reset-second-factor`, which prints a code; nothing was changed.');
    const unknown = await run('enrolment-code', '--email', 'nobody@example.com');
    expect([unknown.code, unknown.out.trim()]).to.deep.equal([1, 'There is no user nobody@example.com; nothing was changed.']);
  });

  it('when the second factor is optional, then staff without one use the staff pages after their password (and are offered one), and staff with one still need it', async () => {
    const optional = await startWeb({ ...env.config, staff: { ...env.config.staff, secondFactor: 'optional' } }, env.temporalAddress, env.db, log, { host: '127.0.0.1', port: 0 });
    onCleanup(() => optional.close());
    const plain = await makeUser(env.db, 'agent', 'plain');
    const c = new PortalClient(optional.url, 'en');
    expect((await staffPassword(c, plain.email)).location).to.equal('/staff');
    const home = await c.get('/staff');
    expect(textOf(home.text, 'factor')).to.equal('You signed in with your password only.');
    expect(textOf(home.text, 'enrol-prompt')).to.equal('You have no second factor yet. Set one up to keep your account safe: Set up an authenticator app');
    // Setting one up from the home page.
    const { recoveryCodes } = await enrol(c, plain.enrolmentCode!);
    expect(recoveryCodes).to.have.length(10);
    expect(textOf((await c.get('/staff')).text, 'factor')).to.equal('You signed in with your authenticator code.');

    // Now that there is one, the portal's password sign-in no longer opens the staff pages.
    const portal = new PortalClient(optional.url, 'en');
    await portal.signIn(plain.email, PASSWORD);
    expect((await portal.get('/staff')).location).to.equal('/staff/sign-in?next=%2Fstaff');
    expect((await staffPassword(portal, plain.email)).location).to.equal('/staff/sign-in/code');
    // A form without its CSRF token changes nothing either.
    expect((await portal.postForm('/staff/sign-in/code', { code: '123456' })).status).to.equal(403);
    expect(csrfOf((await portal.get('/staff/sign-in/code')).text)).to.be.a('string');
  });
});
