/**
 * Accounts sealed too (issue 10, item 1): a requester who signs up on the portal and a staff
 * member an operator adds leave their address and name in no column of `users`,
 * `pending_sign_ups`, `account_mail_outbox` or `portal_sessions` — rows are found by the keyed
 * blind index of the address, the values sealed under the person's key — while both still sign
 * in and are greeted by name. Accounts written before sealing are sealed when a process opens the
 * database, and sign in as before; without the master key they are left for a process that has it.
 */
import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import { QueryTypes, type Sequelize } from 'sequelize';
import { ARGON2_OPTIONS } from '../db/users-repo.ts';
import { openDatabase } from '../runtime/stack.ts';
import { csrfOf, PortalClient, signUpLink, textOf } from './portal-client.ts';
import { getEnv, isolatedStack, testConfig, type IsolatedStack, type TestEnv } from './support/env.ts';
import { PASSWORD, signInEnrolled } from './support/staff.ts';

/** The tables that hold accounts, their mail and their sessions. */
const TABLES = ['users', 'pending_sign_ups', 'account_mail_outbox', 'portal_sessions', 'persons'] as const;

/** Every row of the account tables as PostgreSQL prints it (each column's text, json as text). */
async function rowTexts(sequelize: Sequelize): Promise<string[]> {
  const out: string[] = [];
  for (const table of TABLES) out.push(...(await sequelize.query<{ t: string }>(`SELECT t::text AS t FROM ${table} t`, { type: QueryTypes.SELECT })).map((r) => r.t));
  return out;
}

/** Which of the texts are in any account row. */
async function foundIn(sequelize: Sequelize, texts: string[]): Promise<string[]> {
  const rows = (await rowTexts(sequelize)).map((r) => r.toLowerCase());
  return texts.filter((s) => rows.some((r) => r.includes(s.toLowerCase())));
}

describe('accounts: addresses and names sealed per person, found by a keyed blind index', function () {
  this.timeout(180_000);
  let env: TestEnv;
  const u = randomUUID().slice(0, 8);
  const requester = { email: `Leokadia.Wrzosek.${u}@example.com`, name: `Leokadia Wrzosek-${u}`, password: 'leokadia portal password' };
  const staff = { email: `barnaba.quist.${u}@example.com`, name: `Barnaba Quist-${u}` };
  const secrets = () => [requester.email, requester.name, staff.email, staff.name, `Wrzosek-${u}`, `Quist-${u}`];

  before(async () => {
    env = await getEnv();
  });

  it('when a requester signs up on the portal and a staff member is added and signs in, then no column of users, pending_sign_ups, account_mail_outbox, portal_sessions or persons holds their address or name in plain text — at any step', async () => {
    const c = new PortalClient(env.web.url, 'en');
    expect((await c.requestSignUp(requester.email, requester.password, 'en', requester.name)).status).to.equal(200);
    // Waiting for the link: the pending sign-up and its mail are sealed; the mail opens for the outbox's reader only.
    expect(await foundIn(env.db.sequelize, secrets())).to.deep.equal([]);
    const link = await signUpLink(env.db, requester.email);
    expect(await foundIn(env.db.sequelize, [link, new URL(link).pathname.split('/').pop()!])).to.deep.equal([]);

    // Finished: the session (with its welcome notice still to show) holds neither the name nor the address.
    const done = await c.completeSignUp(link, requester.password);
    expect(done.location).to.equal('/tickets');
    expect(await foundIn(env.db.sequelize, secrets())).to.deep.equal([]);
    expect(textOf((await c.get('/tickets')).text, 'main')).to.include(`Welcome, ${requester.name}. Your account is ready.`);

    // A staff member as `helpdesk user add` makes one, signing in with the second factor.
    await env.db.users.upsert({ email: staff.email, displayName: staff.name, role: 'auditor', teamId: null, locale: 'en' });
    await env.db.users.setPassword(staff.email, await hash(PASSWORD, ARGON2_OPTIONS));
    const s = new PortalClient(env.web.url, 'en');
    await signInEnrolled(s, (await env.db.users.findByEmail(staff.email))!);
    expect(textOf((await s.get('/staff')).text, 'signed-in-as')).to.equal(`Signed in as ${staff.name} (${staff.email}).`);
    expect(await foundIn(env.db.sequelize, secrets())).to.deep.equal([]);
  });

  it('then each row is found by the blind index of its address and names its person by pseudonym, and the requester signs in again by address, in any letter case', async () => {
    const bidx = await env.db.vault.blindIndex(requester.email);
    const ref = await env.db.vault.knownRef(requester.email);
    const [user] = await env.db.sequelize.query<{ id: string; email: string | null; display_name: string | null; email_sealed: string; person_id: string }>(
      `SELECT id::text AS id, email, display_name, email_sealed, person_id FROM users WHERE email_bidx = :bidx`, { replacements: { bidx }, type: QueryTypes.SELECT },
    );
    expect(user).to.include({ email: null, display_name: null, person_id: ref });
    expect(user!.email_sealed).to.match(/^sealed:v1:/);
    expect((await env.db.persons.byId(ref!))!.userId).to.equal(Number(user!.id));
    const pending = await env.db.sequelize.query<{ person_id: string; used: boolean }>(`SELECT person_id, used_at IS NOT NULL AS used FROM pending_sign_ups WHERE email_bidx = :bidx`, { replacements: { bidx }, type: QueryTypes.SELECT });
    expect(pending).to.deep.equal([{ person_id: ref, used: true }]);
    const mails = await env.db.sequelize.query<{ recipient: string | null; payload: unknown }>(`SELECT recipient, payload FROM account_mail_outbox WHERE recipient_ref = :ref`, { replacements: { ref }, type: QueryTypes.SELECT });
    expect(mails).to.deep.equal([{ recipient: null, payload: null }]);

    const again = new PortalClient(env.web.url, 'en');
    expect((await again.signIn(requester.email.toUpperCase(), requester.password)).status).to.equal(303);
    expect(textOf((await again.get('/tickets')).text, 'main')).to.include('You have 0 tickets.');
    expect((await new PortalClient(env.web.url, 'en').signIn(requester.email, 'not the password')).status).to.equal(422);
  });

  describe('accounts written before sealing', () => {
    let stack: IsolatedStack;
    const old = { email: `ottokar.altmann.${u}@example.com`, name: `Ottokar Altmann-${u}`, password: 'an old portal password' };
    const oldPending = { email: `pia.vorher.${u}@example.com`, name: `Pia Vorher-${u}`, token: `legacy-sign-up-token-${u}-0000000000` };
    const lines: string[] = [];
    const collect = (line: string) => lines.push(line);

    before(async () => {
      stack = await isolatedStack('legacyaccounts', undefined, { worker: false });
      const q = (sql: string, replacements: Record<string, unknown>) => stack.db.sequelize.query(sql, { replacements });
      // Inserted the old way: plain address and name, the sealed columns NULL.
      await q(`INSERT INTO users (email, display_name, locale, role, password_hash, email_verified_at, email_bidx, email_sealed, display_name_sealed, person_id)
               VALUES (:email, :name, 'de', 'requester', :hash, now(), NULL, NULL, NULL, NULL)`, { ...old, hash: await hash(old.password, ARGON2_OPTIONS) });
      const tokenHash = createHash('sha256').update(oldPending.token).digest('hex');
      await q(`INSERT INTO pending_sign_ups (token_hash, email, display_name, locale, time_zone, password_hash, expires_at)
               VALUES (:tokenHash, :email, :name, 'en', 'Europe/Warsaw', :hash, now() + interval '1 hour')`, { ...oldPending, tokenHash, hash: await hash(old.password, ARGON2_OPTIONS) });
      await q(`INSERT INTO account_mail_outbox (recipient, language, kind, payload) VALUES (:email, 'en', 'sign_up_link', CAST(:payload AS jsonb))`, {
        email: oldPending.email, payload: JSON.stringify({ subject: 'Finish', text: `Hello ${oldPending.name}, /sign-up/complete/${oldPending.token}`, link: `/sign-up/complete/${oldPending.token}` }),
      });
    });

    it('when a process opens the database without the master key, then the plain rows are left as they are with one line saying so, and what touches no account still works', async () => {
      const keyless = await openDatabase(testConfig({ DATABASE_URL: stack.config.databaseUrl!, HELPDESK_MASTER_KEY: '', HELPDESK_MASTER_KEY_FILE: `/nonexistent/master-key-${u}` }), collect);
      try {
        expect(lines.join('\n')).to.include('3 account rows from before sealing still hold an address in plain text; the next process started with the master key');
        expect(lines.join('\n')).not.to.include(old.email);
        expect((await keyless.rules.active()).version).to.equal(1);
      } finally {
        await keyless.close();
      }
      expect(await foundIn(stack.db.sequelize, [old.email, old.name])).to.deep.equal([old.email, old.name]);
    });

    it('when a process opens the database with the master key, then every plain row is sealed (once: opening it again seals nothing), and the old account signs in, the old sign-up link finishes and its mail is read', async () => {
      lines.length = 0;
      for (let i = 0; i < 2; i++) await (await openDatabase(stack.config, collect)).close();
      expect(lines.filter((l) => l.startsWith('Sealed'))).to.deep.equal(['Sealed what accounts held in plain text before sealing: 1 user, 1 pending sign-up, 1 account mail']);
      expect(await foundIn(stack.db.sequelize, [old.email, old.name, oldPending.email, oldPending.name, oldPending.token])).to.deep.equal([]);

      const c = new PortalClient(stack.web.url, 'en');
      expect((await c.signIn(old.email, old.password)).status).to.equal(303);
      expect((await c.get('/tickets')).text).to.include('<html lang="de">');
      const user = (await stack.db.users.findByEmail(old.email))!;
      expect(user).to.include({ email: old.email, displayName: old.name, emailVerified: true });

      const [mail] = await stack.db.signUps.mailsTo(oldPending.email);
      expect(mail).to.deep.include({ recipient: oldPending.email, kind: 'sign_up_link' });
      expect(mail!.payload.text).to.equal(`Hello ${oldPending.name}, /sign-up/complete/${oldPending.token}`);
      const p = new PortalClient(stack.web.url, 'en');
      const page = await p.get(`/sign-up/complete/${oldPending.token}`);
      expect(page.status).to.equal(200);
      expect(page.text).to.include(oldPending.name);
      expect((await p.postForm(`/sign-up/complete/${oldPending.token}`, { _csrf: csrfOf(page.text), password: old.password })).location).to.equal('/tickets');
      expect(textOf((await p.get('/tickets')).text, 'main')).to.include(`Welcome, ${oldPending.name}. Your account is ready.`);
      expect(await foundIn(stack.db.sequelize, [oldPending.email, oldPending.name])).to.deep.equal([]);
    });
  });
});
