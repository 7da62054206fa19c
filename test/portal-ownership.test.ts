import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import { QueryTypes, Sequelize } from 'sequelize';
import { createPortalRepo } from '../db/portal-repo.ts';
import { sealLegacyAccounts } from '../db/legacy-accounts.ts';
import { migrator } from '../db/migrate.ts';
import { freshDatabaseUrl, getEnv, type TestEnv } from './support/env.ts';
import { request } from './support/http.ts';
import { ARGON2_OPTIONS } from '../db/users-repo.ts';
import { accountMails, csrfOf, decode, hiddenValue, PortalClient, reportForm, textOf } from './portal-client.ts';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
const address = (name: string) => `${name}.${randomUUID().slice(0, 8)}@example.com`;

describe('portal: who sees which tickets — an address is proven by the link mailed to it', function () {
  this.timeout(120_000);
  let env: TestEnv;

  /** A ticket an agent files for someone through intake (as by phone or e-mail), recorded in the read model. */
  async function fileForRequester(requesterEmail: string, title: string): Promise<string> {
    const res = await request(env.web.url, 'POST', '/api/v1/tickets', {
      token: env.agentToken,
      body: { title, description: 'Filed by the service desk on the phone.', requesterEmail, impact: 'low', urgency: 'medium', category: 'access' },
    });
    expect(res.status).to.be.oneOf([201, 202]);
    const number = res.body.number as string;
    for (let i = 0; i < 100 && !(await env.db.tickets.get(number)); i++) await new Promise((r) => setTimeout(r, 100));
    return number;
  }

  async function reportSignedIn(c: PortalClient, title: string): Promise<string> {
    const form = await c.get('/report');
    const res = await c.postMultipart('/report', reportForm({
      _csrf: hiddenValue(form.text, '_csrf'), idempotencyKey: hiddenValue(form.text, 'idempotencyKey'),
      category: 'software', impact: 'low', urgency: 'low', title, description: 'My own report.',
    }));
    expect(res.status).to.equal(303);
    return res.location!.split('/').pop()!;
  }

  /** Accounts are found by the blind index of their address (their columns are sealed). */
  const bidx = (email: string) => env.db.vault.blindIndex(email);

  /**
   * An account as a sign-up made it before migration 0008: a password, and an address nobody
   * proved (email_verified_at null) — in plain text, as before migration 0015, then sealed as
   * the next start seals it. Answers a client signed in to it.
   */
  async function unverifiedAccount(email: string, password: string, name: string): Promise<PortalClient> {
    await env.db.sequelize.query(
      `INSERT INTO users (email, display_name, locale, role, password_hash) VALUES (:email, :name, 'en', 'requester', :hash)`,
      { replacements: { email, name, hash: await hash(password, ARGON2_OPTIONS) } },
    );
    await sealLegacyAccounts(env.db.sequelize, env.db.vault);
    const c = new PortalClient(env.web.url, 'en');
    expect((await c.signIn(email, password)).status).to.equal(303);
    return c;
  }

  /** The "check your inbox" page's main text, with the address taken out. */
  const sentPage = (html: string, email: string) => textOf(html, 'main')!.replace(email, '<address>');

  before(async () => {
    env = await getEnv();
  });

  it('when someone signs up with the address of a requester whose tickets an agent filed, then they are told to check that inbox, get no account, and the owner of the address cannot finish it with their own password', async () => {
    const victim = address('vip');
    const filed = await fileForRequester(victim, 'VIP laptop: board minutes folder');
    const attacker = new PortalClient(env.web.url, 'en');
    const res = await attacker.requestSignUp(victim, 'attacker password', 'en', 'Mallory');
    expect(res.status).to.equal(200);
    expect(textOf(res.text, 'sign-up-sent')).to.equal(`We have sent a link to ${victim} to finish creating your account.`);
    expect((await attacker.get('/tickets')).status).to.equal(303);
    expect((await attacker.signIn(victim, 'attacker password')).status).to.equal(422);
    expect(await env.db.sequelize.query(`SELECT 1 FROM users WHERE email_bidx = :bidx`, { replacements: { bidx: await bidx(victim) }, type: QueryTypes.SELECT })).to.have.length(0);

    // The link goes to the address, not to whoever typed it; the one who holds the mailbox
    // does not know the stranger's password, so the stranger's sign-up cannot be finished.
    const [mail] = await accountMails(env.db, victim);
    expect(mail).to.deep.include({ recipient: victim, kind: 'sign_up_link', language: 'en' });
    const owner = new PortalClient(env.web.url, 'en');
    const wrong = await owner.completeSignUp(mail!.payload.link, 'the owner’s own password');
    expect(wrong.status).to.equal(422);
    expect(textOf(wrong.text, 'password-error')).to.equal('This is not the password chosen when signing up. Please try again.');
    expect(await env.db.sequelize.query(`SELECT 1 FROM users WHERE email_bidx = :bidx`, { replacements: { bidx: await bidx(victim) }, type: QueryTypes.SELECT })).to.have.length(0);
    expect((await owner.get(`/tickets/${filed}`)).status).to.equal(404);
  });

  it('when the owner of an address signs up and opens the mailed link, then the account is verified and sees every ticket of its address', async () => {
    const me = address('owner');
    const filed = await fileForRequester(me, 'My docking station, filed by phone');
    const c = new PortalClient(env.web.url, 'en');
    expect((await c.signUp(env.db, me, 'my proven password', 'en', 'Me')).status).to.equal(303);
    const [row] = await env.db.sequelize.query<{ email_verified_at: Date | null }>(`SELECT email_verified_at FROM users WHERE email_bidx = :bidx`, { replacements: { bidx: await bidx(me) }, type: QueryTypes.SELECT });
    expect(row!.email_verified_at).to.be.instanceOf(Date);
    expect((await c.get('/tickets')).text).to.include(filed);
    expect((await c.get(`/tickets/${filed}`)).status).to.equal(200);
  });

  it('when an account whose address nobody proved (signed up before 0008) has the address of a requester whose tickets an agent filed, then My tickets, every ticket page, attachment and action answer as if the tickets did not exist', async () => {
    const victim = address('vip');
    const filed = [await fileForRequester(victim, 'VIP laptop: board minutes folder'), await fileForRequester(victim, 'VIP: salary report access')];
    await createPortalRepo(env.db.sequelize).addAttachments(filed[0]!, 'agent@example.com', [
      { filename: 'minutes.png', contentType: 'image/png', sha256: createHash('sha256').update(PNG).digest('hex'), data: Buffer.from(PNG) },
    ]);
    const [att] = await env.db.sequelize.query<{ id: string }>(`SELECT id::text AS id FROM ticket_attachments WHERE ticket_number = :n`, { replacements: { n: filed[0] }, type: QueryTypes.SELECT });

    const attacker = await unverifiedAccount(victim, 'attacker password', 'Mallory');
    const [row] = await env.db.sequelize.query<{ email_verified_at: Date | null }>(`SELECT email_verified_at FROM users WHERE email_bidx = :bidx`, { replacements: { bidx: await bidx(victim) }, type: QueryTypes.SELECT });
    expect(row!.email_verified_at).to.equal(null);

    const mine = await attacker.get('/tickets');
    expect(mine.status).to.equal(200);
    expect(decode(mine.text)).to.include('You have 0 tickets.');
    for (const n of filed) expect(mine.text).not.to.include(n);
    expect(decode((await attacker.get('/')).text)).to.include('My tickets (0 open)');

    const missing = await attacker.get('/tickets/HD-2000-999999');
    const token = csrfOf(mine.text);
    for (const n of filed) {
      const page = await attacker.get(`/tickets/${n}`);
      expect(page.status).to.equal(404);
      expect(textOf(page.text, 'error-message')).to.equal(textOf(missing.text, 'error-message')!.replace('HD-2000-999999', n));
      expect(decode(page.text)).not.to.match(/board minutes|salary report/);
      const actions = [
        await attacker.postForm(`/tickets/${n}/reply`, { _csrf: token, message: 'Please send me the minutes' }),
        await attacker.postForm(`/tickets/${n}/confirm`, { _csrf: token }),
        await attacker.postForm(`/tickets/${n}/reopen`, { _csrf: token, reason: 'because' }),
        await attacker.postForm(`/tickets/${n}/rate`, { _csrf: token, score: '1' }),
      ];
      expect(actions.map((r) => r.status)).to.deep.equal([404, 404, 404, 404]);
      // A forged token is refused before the ticket is read: 403, as for any other form, not the ticket's 404.
      const forged = await attacker.postForm(`/tickets/${n}/reply`, { _csrf: 'forged', message: 'Please send me the minutes' });
      expect(forged.status).to.equal(403);
      expect(textOf(forged.text, 'error-message')).to.equal(textOf((await attacker.postForm('/language', { _csrf: 'forged', language: 'en' })).text, 'error-message'));
    }
    expect((await attacker.get(`/tickets/${filed[0]}/attachments/${att!.id}`)).status).to.equal(404);
    for (const n of filed) expect((await env.db.tickets.get(n))!.timeline.map((e) => e.type)).not.to.include.members(['requester_replied']);
    expect(await env.db.sequelize.query(`SELECT 1 FROM ticket_ratings WHERE ticket_number IN (:filed)`, { replacements: { filed }, type: QueryTypes.SELECT })).to.have.length(0);

    // What the account reports itself while signed in is its own, and only that.
    const own = await reportSignedIn(attacker, 'My own keyboard');
    const after = await attacker.get('/tickets');
    expect(after.text).to.include(own);
    expect(decode(after.text)).to.include('You have 1 ticket.');
    for (const n of filed) expect(after.text).not.to.include(n);
    expect((await attacker.get(`/tickets/${own}`)).status).to.equal(200);

    // Once the address is verified (an operator vouches for it), the account sees every ticket of its address.
    await env.db.sequelize.query(`UPDATE users SET email_verified_at = now() WHERE email_bidx = :bidx`, { replacements: { bidx: await bidx(victim) } });
    expect(decode((await attacker.get('/')).text)).to.include('My tickets (3 open)');
    const verified = await attacker.get('/tickets');
    for (const n of [own, ...filed]) expect(verified.text).to.include(n);
    expect((await attacker.get(`/tickets/${filed[0]}`)).status).to.equal(200);
    expect((await attacker.get(`/tickets/${filed[0]}/attachments/${att!.id}`)).status).to.equal(200);
  });

  it('when a requester reports while signed in, then the ticket is theirs: on My tickets, its page and its actions', async () => {
    const c = new PortalClient(env.web.url, 'en');
    const me = address('own');
    await c.signUp(env.db, me, 'my own password', 'en');
    const number = await reportSignedIn(c, 'Monitor flickers');
    const [sub] = await env.db.sequelize.query<{ user_id: string }>(
      `SELECT s.user_id::text AS user_id FROM ticket_submitters s WHERE s.ticket_number = :number`,
      { replacements: { number }, type: QueryTypes.SELECT },
    );
    expect(Number(sub!.user_id)).to.equal((await env.db.users.findByEmail(me))!.id);
    expect((await c.get('/tickets')).text).to.include(number);
    const page = await c.get(`/tickets/${number}`);
    expect(page.status).to.equal(200);
    const replied = await c.postForm(`/tickets/${number}/reply`, { _csrf: csrfOf(page.text), message: 'It also flickers on battery.' });
    expect(replied.status).to.equal(303);

    // Signed in again later (a new session), it is still theirs.
    const again = new PortalClient(env.web.url, 'en');
    expect((await again.signIn(me, 'my own password')).status).to.equal(303);
    expect((await again.get(`/tickets/${number}`)).status).to.equal(200);
  });

  it('when someone signs up with an address that already has an account, or that an operator added, then the answer is the one a new address gets, the owner is told by mail (the account’s owner in their own language), and nothing changes', async () => {
    const owner = address('owner');
    const first = new PortalClient(env.web.url, 'en');
    expect((await first.signUp(env.db, owner, 'the owner password', 'en', 'Owner')).status).to.equal(303);
    const before = await env.db.sequelize.query<{ password_hash: string; display_name_sealed: string; locale: string }>(`SELECT password_hash, display_name_sealed, locale FROM users WHERE email_bidx = :bidx`, { replacements: { bidx: await bidx(owner) }, type: QueryTypes.SELECT });

    const fresh = address('fresh');
    const newcomer = await new PortalClient(env.web.url, 'en').requestSignUp(fresh, 'a newcomer password', 'de', 'Newcomer');
    const intruder = new PortalClient(env.web.url, 'en');
    const res = await intruder.requestSignUp(owner.toUpperCase(), 'intruder password', 'de', 'Intruder');
    expect([res.status, newcomer.status]).to.deep.equal([200, 200]);
    expect(sentPage(res.text, owner)).to.equal(sentPage(newcomer.text, fresh));
    expect((await intruder.get('/tickets')).status).to.equal(303);
    const after = await env.db.sequelize.query(`SELECT password_hash, display_name_sealed, locale FROM users WHERE email_bidx = :bidx`, { replacements: { bidx: await bidx(owner) }, type: QueryTypes.SELECT });
    expect(after).to.deep.equal(before);
    expect((await new PortalClient(env.web.url).signIn(owner, 'intruder password')).status).to.equal(422);
    expect((await new PortalClient(env.web.url).signIn(owner, 'the owner password')).status).to.equal(303);

    // The owner hears of it in the account's language (en), not the form's (de); no sign-up waits.
    const mails = await accountMails(env.db, owner);
    expect(mails.map((m) => [m.kind, m.language])).to.deep.equal([['sign_up_link', 'en'], ['sign_up_existing', 'en']]);
    expect(mails[1]!.payload.subject).to.equal('Someone tried to create an account with your address');
    expect(mails[1]!.payload.text).to.include('Hello Owner,').and.include(`${env.web.url}/sign-in`);
    expect(await env.db.sequelize.query(`SELECT 1 FROM pending_sign_ups WHERE email_bidx = :bidx AND used_at IS NULL`, { replacements: { bidx: await bidx(owner) }, type: QueryTypes.SELECT })).to.have.length(0);
    // The newcomer's mail is in the language they chose.
    expect((await accountMails(env.db, fresh)).map((m) => [m.kind, m.language, m.payload.subject])).to.deep.equal([['sign_up_link', 'de', 'Schließen Sie die Erstellung Ihres IT-Hilfe-Kontos ab']]);

    // A password-less requester row (an operator's `helpdesk user add`): the stranger's sign-up mails a link to
    // the address, as for a new one, and nothing changes — the owner of the mailbox cannot finish it.
    const vip = address('ceo');
    await env.db.users.upsert({ email: vip, displayName: 'The CEO', role: 'requester', teamId: null, locale: 'pl' });
    const pl = new PortalClient(env.web.url, 'pl');
    const answered = await pl.requestSignUp(vip, 'i am the ceo now', 'pl', 'CEO');
    expect(answered.status).to.equal(200);
    expect(textOf(answered.text, 'sign-up-sent')).to.equal(`Wysłaliśmy na adres ${vip} link do dokończenia zakładania konta.`);
    const vipRow = async () => {
      const found = await env.db.users.findCredentials(vip);
      return found && { password_hash: found.passwordHash, display_name: found.user.displayName };
    };
    expect(await vipRow()).to.deep.equal({ password_hash: null, display_name: 'The CEO' });
    const [vipMail] = await accountMails(env.db, vip);
    expect(vipMail).to.deep.include({ kind: 'sign_up_link', language: 'pl', recipient: vip });
    expect((await new PortalClient(env.web.url, 'pl').completeSignUp(vipMail!.payload.link, 'the ceo’s own password')).status).to.equal(422);
    expect(await vipRow()).to.deep.equal({ password_hash: null, display_name: 'The CEO' });
    expect((await new PortalClient(env.web.url).signIn(vip, 'i am the ceo now')).status).to.equal(422);
  });

  it('when a requester the service desk knows without a password signs up, then the mailed link sets their password: verified, still a requester with the desk’s name, seeing the tickets filed for them; staff without a password are only told by mail', async () => {
    const known = address('phoned');
    await env.db.users.upsert({ email: known, displayName: 'Krystyna Phoned', role: 'requester', teamId: null, locale: 'pl' });
    await env.db.sequelize.query(`UPDATE users SET email_verified_at = NULL WHERE email_bidx = :bidx`, { replacements: { bidx: await bidx(known) } });
    const filed = await fileForRequester(known, 'Phone call: VPN token lost');
    const fresh = address('fresh');
    const c = new PortalClient(env.web.url, 'en');
    const res = await c.requestSignUp(known, 'my very own password', 'de', 'Krysia');
    const newcomer = await new PortalClient(env.web.url, 'en').requestSignUp(fresh, 'a newcomer password', 'de', 'Krysia');
    expect([res.status, newcomer.status]).to.deep.equal([200, 200]);
    expect(sentPage(res.text, known)).to.equal(sentPage(newcomer.text, fresh));
    const [mail] = await accountMails(env.db, known);
    expect(mail).to.deep.include({ kind: 'sign_up_link', language: 'de', recipient: known });

    expect((await c.completeSignUp(mail!.payload.link, 'my very own password')).status).to.equal(303);
    const [row] = await env.db.sequelize.query<{ role: string; locale: string; verified: boolean; password_hash: string }>(
      `SELECT role, locale, email_verified_at IS NOT NULL AS verified, password_hash FROM users WHERE email_bidx = :bidx`, { replacements: { bidx: await bidx(known) }, type: QueryTypes.SELECT },
    );
    expect(row).to.deep.include({ role: 'requester', locale: 'de', verified: true });
    expect((await env.db.users.findByEmail(known))!.displayName).to.equal('Krystyna Phoned');
    expect(row!.password_hash).to.match(/^\$argon2id\$/);
    expect((await c.get('/tickets')).text).to.include(filed);
    expect((await c.get(`/tickets/${filed}`)).status).to.equal(200);
    expect((await new PortalClient(env.web.url).signIn(known, 'my very own password')).status).to.equal(303);
    // The link is used up: a second sign-up of the address now gets the "someone tried" mail.
    await new PortalClient(env.web.url, 'en').requestSignUp(known, 'a takeover attempt', 'en');
    expect((await accountMails(env.db, known)).map((m) => m.kind)).to.deep.equal(['sign_up_link', 'sign_up_existing']);

    // Staff without a password (an operator's auditor) are never claimed through sign-up.
    const auditor = address('auditor');
    await env.db.users.upsert({ email: auditor, displayName: 'Audit', role: 'auditor', teamId: null, locale: 'en' });
    const staff = await new PortalClient(env.web.url, 'en').requestSignUp(auditor, 'auditor password', 'en', 'Audit');
    expect(sentPage(staff.text, auditor)).to.equal(sentPage(newcomer.text, fresh));
    expect((await accountMails(env.db, auditor)).map((m) => m.kind)).to.deep.equal(['sign_up_existing']);
    expect(await env.db.sequelize.query(`SELECT 1 FROM pending_sign_ups WHERE email_bidx = :bidx`, { replacements: { bidx: await bidx(auditor) }, type: QueryTypes.SELECT })).to.have.length(0);
    expect(await env.db.sequelize.query(`SELECT 1 FROM users WHERE email_bidx = :bidx AND password_hash IS NULL AND role = 'auditor'`, { replacements: { bidx: await bidx(auditor) }, type: QueryTypes.SELECT })).to.have.length(1);
  });

  it('when a signed-in account without a proven address opens a ticket’s secret follow link, then it may follow that ticket as before', async () => {
    const requester = address('anon');
    const anon = new PortalClient(env.web.url, 'en');
    const form = await anon.get('/report');
    const res = await anon.postMultipart('/report', reportForm({
      _csrf: hiddenValue(form.text, '_csrf'), idempotencyKey: hiddenValue(form.text, 'idempotencyKey'),
      category: 'other', impact: 'low', urgency: 'low', title: 'Reported without an account', description: 'Something', email: requester,
    }));
    const number = res.location!.split('/').pop()!;
    const link = new URL(textOf((await anon.get(res.location!)).text, 'follow-link')!);

    // An account whose address nobody proved does not see it by the address alone…
    const c = await unverifiedAccount(requester, 'later password', 'Later');
    expect((await c.get(`/tickets/${number}`)).status).to.equal(404);
    expect((await c.get('/tickets')).text).not.to.include(number);
    // …but the secret link proves it, as it does for anyone who holds it.
    const followed = await c.open(link.pathname);
    expect(followed.status).to.equal(200);
    expect(followed.text).to.include(number);
    const page = await c.get(`/tickets/${number}`);
    expect((await c.postForm(`/tickets/${number}/reply`, { _csrf: csrfOf(page.text), message: 'Still broken.' })).status).to.equal(303);
    expect((await new PortalClient(env.web.url, 'en').open(link.pathname)).status).to.equal(200);
  });

  it('when migration 0006 runs on a database in use, then staff and demo users are verified, signed-up requesters are not, and tickets they reported signed in stay theirs', async () => {
    const url = await freshDatabaseUrl('ownership');
    const sequelize = new Sequelize(url, { logging: false });
    try {
      await migrator(sequelize).up({ to: '0005-api-tokens' });
      const q = (sql: string, replacements: Record<string, unknown> = {}) => sequelize.query(sql, { replacements });
      await q(`INSERT INTO seed_runs (name) VALUES ('demo')`);
      await q(`INSERT INTO users (email, display_name, role, password_hash) VALUES
                 ('anna.kowalska@example.com', 'Anna', 'requester', 'x'), ('l1.agent@example.com', 'Piotr', 'agent', 'x'),
                 ('signed.up@example.com', 'Signed Up', 'requester', 'x'), ('claimed@example.com', 'Claimed', 'requester', 'x')`);
      const id = async (email: string) => (await sequelize.query<{ id: string }>(`SELECT id::text AS id FROM users WHERE email = :email`, { replacements: { email }, type: QueryTypes.SELECT }))[0]!.id;
      const ticket = async (number: string, email: string, channel: string, key: string) => {
        await q(`INSERT INTO tickets (number, workflow_id, title, description, requester_email, locale, channel, impact, urgency, status, created_at, updated_at, last_event_seq)
                 VALUES (:number, :wf, 't', 'd', :email, 'en', :channel, 'low', 'low', 'new', now(), now(), 1)`, { number, wf: `ticket-${number}`, email, channel });
        await q(`INSERT INTO intake_requests (idempotency_key, ticket_number, request_hash, request) VALUES (:key, :number, 'h', '{}')`, { key, number });
      };
      const signedUp = await id('signed.up@example.com');
      await ticket('HD-2024-000001', 'signed.up@example.com', 'portal', `portal:u${signedUp}:${randomUUID()}`);
      await ticket('HD-2024-000002', 'claimed@example.com', 'api', randomUUID());
      await ticket('HD-2024-000003', 'claimed@example.com', 'portal', `portal:s${randomUUID()}:${randomUUID()}`);

      await migrator(sequelize).up();
      const verified = await sequelize.query<{ email: string }>(`SELECT email FROM users WHERE email_verified_at IS NOT NULL ORDER BY email`, { type: QueryTypes.SELECT });
      expect(verified.map((r) => r.email)).to.deep.equal(['anna.kowalska@example.com', 'l1.agent@example.com']);
      const owners = await sequelize.query<{ ticket_number: string; user_id: string }>(`SELECT ticket_number, user_id::text AS user_id FROM ticket_submitters ORDER BY ticket_number`, { type: QueryTypes.SELECT });
      expect(owners).to.deep.equal([{ ticket_number: 'HD-2024-000001', user_id: signedUp }]);
      // And it can be rolled back.
      await migrator(sequelize).down({ to: '0006-portal-ownership' });
      expect(await sequelize.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'email_verified_at'`, { type: QueryTypes.SELECT })).to.have.length(0);
    } finally {
      await sequelize.close();
    }
  });
});
