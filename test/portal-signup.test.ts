/**
 * Finishing a sign-up through the mailed link: the mail in the chosen language, a page with
 * a button (opening the link changes nothing), the sign-up's password, and clear pages for
 * links that are unknown, used or expired.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { getEnv, type TestEnv } from './support/env.ts';
import { accountMails, csrfOf, decode, PortalClient, signUpLink, textOf } from './portal-client.ts';

const address = (name: string) => `${name}.${randomUUID().slice(0, 8)}@example.com`;

describe('portal: finishing a sign-up through the mailed link', function () {
  this.timeout(120_000);
  let env: TestEnv;
  // Accounts are found by the blind index of their address (their columns are sealed).
  const bidx = (email: string) => env.db.vault.blindIndex(email);
  const users = async (email: string) => (await env.db.sequelize.query(`SELECT 1 FROM users WHERE email_bidx = :bidx`, { replacements: { bidx: await bidx(email) }, type: QueryTypes.SELECT })).length;

  before(async () => {
    env = await getEnv();
  });

  it('when a requester signs up in Polish, then the mail is in Polish with the link, opening the link only shows a page, and the button with the password makes the signed-in, verified account', async () => {
    const email = address('ola');
    const c = new PortalClient(env.web.url, 'pl');
    const sent = await c.requestSignUp(email, 'moje długie hasło', 'pl', 'Ola Nowak');
    expect(sent.status).to.equal(200);
    expect(textOf(sent.text, 'sign-up-sent')).to.equal(`Wysłaliśmy na adres ${email} link do dokończenia zakładania konta.`);
    const [mail] = await accountMails(env.db, email);
    expect(mail).to.deep.include({ kind: 'sign_up_link', language: 'pl', recipient: email });
    expect(mail!.payload.subject).to.equal('Dokończ zakładanie konta w Pomocy IT');
    expect(mail!.payload.text).to.include('Dzień dobry, Ola Nowak,').and.include(mail!.payload.link).and.include('Link działa przez 24 godziny.');
    expect(mail!.payload.link).to.match(new RegExp(`^${env.web.url}/sign-up/complete/[\\w-]{43}$`));

    // A mail scanner (or anyone) opening the link changes nothing: the page asks for the button.
    const path = new URL(mail!.payload.link).pathname;
    const scanner = await new PortalClient(env.web.url, 'pl').get(path);
    expect(scanner.status).to.equal(200);
    expect(decode(scanner.text)).to.include('Dokończ zakładanie konta').and.include(email);
    expect(await users(email)).to.equal(0);

    // The button without the form's CSRF token is refused.
    expect((await new PortalClient(env.web.url, 'pl').postForm(path, { password: 'moje długie hasło' })).status).to.equal(403);
    expect(await users(email)).to.equal(0);

    const done = await c.completeSignUp(mail!.payload.link, 'moje długie hasło');
    expect(done.status).to.equal(303);
    expect(done.location).to.equal('/tickets');
    const page = await c.get('/tickets');
    expect(page.text).to.include('<html lang="pl">');
    expect(page.text).to.include('Witaj, Ola Nowak. Twoje konto jest gotowe.');
    const [row] = await env.db.sequelize.query<{ role: string; locale: string; verified: boolean }>(`SELECT role, locale, email_verified_at IS NOT NULL AS verified FROM users WHERE email_bidx = :bidx`, { replacements: { bidx: await bidx(email) }, type: QueryTypes.SELECT });
    expect(row).to.deep.equal({ role: 'requester', locale: 'pl', verified: true });
  });

  it('when a link is opened again after use, or another link of the same address is, then a clear page says it was used and to sign in', async () => {
    const email = address('twice');
    const c = new PortalClient(env.web.url, 'en');
    await c.requestSignUp(email, 'first password 1', 'en');
    const first = await signUpLink(env.db, email);
    await c.requestSignUp(email, 'second password', 'en');
    const second = await signUpLink(env.db, email);
    expect(second).to.not.equal(first);
    expect((await c.completeSignUp(second, 'second password')).status).to.equal(303);

    for (const link of [second, first]) {
      const page = await new PortalClient(env.web.url, 'de').get(new URL(link).pathname);
      expect(page.status).to.equal(409);
      expect(textOf(page.text, 'error-message')).to.equal('Dieser Link wurde bereits verwendet, und das Konto besteht. Melden Sie sich mit E-Mail-Adresse und Passwort an.');
    }
    // The password of the sign-up that was finished is the account's.
    expect((await new PortalClient(env.web.url).signIn(email, 'second password')).status).to.equal(303);
    expect((await new PortalClient(env.web.url).signIn(email, 'first password 1')).status).to.equal(422);
  });

  it('when a link has expired or is unknown, then a clear localized page says so and nothing is made', async () => {
    const email = address('late');
    const c = new PortalClient(env.web.url, 'en');
    await c.requestSignUp(email, 'a late password', 'en');
    const link = await signUpLink(env.db, email);
    await env.db.sequelize.query(`UPDATE pending_sign_ups SET expires_at = now() - interval '1 minute' WHERE email_bidx = :bidx`, { replacements: { bidx: await bidx(email) } });
    const expired = await new PortalClient(env.web.url, 'pl').get(new URL(link).pathname);
    expect(expired.status).to.equal(410);
    expect(textOf(expired.text, 'error-message')).to.equal('Ten link wygasł: link do dokończenia zakładania konta działa przez 24 godziny. Załóż konto jeszcze raz.');
    // The button of a page opened before it expired is refused the same way.
    const form = await c.get('/sign-up');
    expect((await c.postForm(new URL(link).pathname, { _csrf: csrfOf(form.text), password: 'a late password' })).status).to.equal(410);
    expect(await users(email)).to.equal(0);

    const unknown = await new PortalClient(env.web.url, 'en').get('/sign-up/complete/this-is-not-a-token-at-all-000000000000000');
    expect(unknown.status).to.equal(404);
    expect(textOf(unknown.text, 'error-message')).to.equal('This link to finish creating an account is not valid. Check that you copied all of it from the e-mail, or sign up again.');
    const junk = await new PortalClient(env.web.url, 'en').get('/sign-up/complete/%3Cscript%3E');
    expect(junk.status).to.equal(404);
  });

  it('when someone keeps guessing the password of a sign-up link, then the guesses count as failed sign-ins for that address', async () => {
    const email = address('guess');
    await new PortalClient(env.web.url, 'en').requestSignUp(email, 'the chosen password', 'en');
    const link = await signUpLink(env.db, email);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await new PortalClient(env.web.url, 'en').completeSignUp(link, `guess ${i}`)).status);
    expect(statuses).to.deep.equal([422, 422, 422, 422, 422, 429]);
    expect(await users(email)).to.equal(0);
  });

  it('when one address is signed up for again and again, then every answer is the same but at most three mails an hour go to it', async () => {
    const email = address('flood');
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await new PortalClient(env.web.url, 'en').requestSignUp(email, 'flood password', 'en'));
    expect(answers.map((a) => a.status)).to.deep.equal([200, 200, 200, 200, 200]);
    expect(new Set(answers.map((a) => textOf(a.text, 'main'))).size).to.equal(1);
    expect(await accountMails(env.db, email)).to.have.length(3);
  });

  it('when anyone signs up, with a known address or a new one, then the same sweep runs: sign-ups whose link expired a week ago are forgotten, through an index on expires_at', async () => {
    const indexes = await env.db.sequelize.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = 'pending_sign_ups'`, { type: QueryTypes.SELECT });
    expect(indexes.map((i) => i.indexdef).filter((d) => /\(expires_at\)$/.test(d))).to.have.length(1);

    const known = address('known');
    expect((await new PortalClient(env.web.url, 'en').signUp(env.db, known, 'a known password', 'en')).status).to.equal(303);
    const stale = address('stale');
    await env.db.sequelize.query(
      `INSERT INTO pending_sign_ups (token_hash, email, display_name, locale, time_zone, password_hash, expires_at)
       VALUES (:hash, :stale, 'Stale', 'en', 'Europe/Warsaw', 'x', now() - interval '8 days')`,
      { replacements: { hash: randomUUID(), stale } },
    );
    const answered = await new PortalClient(env.web.url, 'en').requestSignUp(known, 'someone else', 'en');
    expect(answered.status).to.equal(200);
    expect((await accountMails(env.db, known)).map((m) => m.kind)).to.deep.equal(['sign_up_link', 'sign_up_existing']);
    expect(await env.db.sequelize.query(`SELECT 1 FROM pending_sign_ups WHERE email = :stale`, { replacements: { stale }, type: QueryTypes.SELECT })).to.have.length(0);
    // Nothing is kept for the known address's attempt.
    expect(await env.db.sequelize.query(`SELECT 1 FROM pending_sign_ups WHERE email_bidx = :bidx AND used_at IS NULL`, { replacements: { bidx: await bidx(known) }, type: QueryTypes.SELECT })).to.have.length(0);
  });

  it('when the mailer has sent a sign-up mail, then the outbox no longer holds its link; and the link and hash read from the database do not finish the sign-up without its password', async () => {
    const email = address('sent');
    const c = new PortalClient(env.web.url, 'en');
    await c.requestSignUp(email, 'the sent password', 'en');
    const link = await signUpLink(env.db, email);
    // Someone who reads the database (the outbox's link, the pending sign-up's argon2id hash) but has not the password.
    const [pending] = await env.db.sequelize.query<{ password_hash: string }>(`SELECT password_hash FROM pending_sign_ups WHERE email_bidx = :bidx`, { replacements: { bidx: await bidx(email) }, type: QueryTypes.SELECT });
    const reader = new PortalClient(env.web.url, 'en');
    for (const guess of [pending!.password_hash, '']) expect((await reader.completeSignUp(link, guess)).status).to.equal(422);
    expect(await users(email)).to.equal(0);

    // Sent: marked delivered, the link blanked, in the text too.
    const [mail] = await env.db.signUps.mailsTo(email);
    await env.db.signUps.delivered(mail!.id);
    const [after] = await env.db.signUps.mailsTo(email);
    const [stored] = await env.db.sequelize.query<{ row: string }>(`SELECT t::text AS row FROM account_mail_outbox t WHERE id = :id`, { replacements: { id: mail!.id }, type: QueryTypes.SELECT });
    const token = new URL(link).pathname.split('/').pop()!;
    expect(after!.deliveredAt).to.be.instanceOf(Date);
    expect(JSON.stringify(after!.payload)).not.to.include(token);
    expect(stored!.row).not.to.include(token);
    expect(after!.payload.link).to.equal(undefined);
    expect(after!.payload.subject).to.equal('Finish creating your IT Help account');
    expect(after!.payload.text).to.include('[…]');
    // Whoever got the mail finishes as before.
    expect((await c.completeSignUp(link, 'the sent password')).status).to.equal(303);
  });
});
