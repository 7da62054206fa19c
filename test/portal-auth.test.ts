import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { parseTrustProxy } from '../runtime/config.ts';
import { startWeb } from '../runtime/stack.ts';
import { getEnv, log, onCleanup, type TestEnv } from './support/env.ts';
import { csrfOf, decode, PortalClient, textOf } from './portal-client.ts';

const email = (name: string) => `${name}.${randomUUID().slice(0, 8)}@example.com`;

describe('portal: accounts, sessions, CSRF, language', function () {
  this.timeout(120_000);
  let env: TestEnv;
  const count = async (sql: string, replacements: Record<string, unknown> = {}) => {
    const [row] = await env.db.sequelize.query<{ n: string }>(sql, { replacements, type: QueryTypes.SELECT });
    return Number(row!.n);
  };

  before(async () => {
    env = await getEnv();
  });

  it('when a requester signs up and opens the mailed link, then the password is kept as an argon2id hash, the session lives in PostgreSQL and the account page opens', async () => {
    const c = new PortalClient(env.web.url, 'en');
    const address = email('ola');
    const res = await c.signUp(env.db, address, 'correct horse battery', 'pl', 'Ola Nowak');
    expect(res.status).to.equal(303);
    expect(res.location).to.equal('/tickets');
    const [user] = await env.db.sequelize.query<{ password_hash: string; locale: string; role: string; email_verified_at: Date | null }>(`SELECT password_hash, locale, role, email_verified_at FROM users WHERE email_bidx = :bidx`, { replacements: { bidx: await env.db.vault.blindIndex(address) }, type: QueryTypes.SELECT });
    expect(user!.password_hash).to.match(/^\$argon2id\$/);
    expect(user).to.include({ locale: 'pl', role: 'requester' });
    // The link proved the address.
    expect(user!.email_verified_at).to.be.instanceOf(Date);
    expect(await count(`SELECT count(*)::text AS n FROM portal_sessions WHERE sess::text LIKE :uid`, { uid: '%"userId"%' })).to.be.greaterThan(0);

    // The profile's language (pl) wins over Accept-Language (en).
    const page = await c.get('/tickets');
    expect(page.status).to.equal(200);
    expect(page.text).to.include('<html lang="pl">');
    expect(page.text).to.include('Witaj, Ola Nowak. Twoje konto jest gotowe.');
    expect(page.text).to.include('Masz 0 zgłoszeń.');
  });

  it('when the password is wrong, then the sign-in form says so beside the field, in the requester’s language, and no session is made', async () => {
    const address = email('jan');
    await new PortalClient(env.web.url).signUp(env.db, address, 'a long enough password', 'de');
    const c = new PortalClient(env.web.url, 'de-DE,de;q=0.9');
    const res = await c.signIn(address, 'wrong password!!');
    expect(res.status).to.equal(422);
    expect(textOf(res.text, 'password-error')).to.include('E-Mail-Adresse oder Passwort ist falsch.');
    expect(res.text).to.match(/id="password"[^>]*aria-invalid="true"/);
    expect((await c.get('/tickets')).status).to.equal(303);

    const ok = await c.signIn(address, 'a long enough password');
    expect(ok.status).to.equal(303);
    expect((await c.get('/tickets')).status).to.equal(200);
    // Sign-out ends the session.
    const token = csrfOf((await c.get('/tickets')).text);
    expect((await c.postForm('/sign-out', { _csrf: token })).status).to.equal(303);
    expect((await c.get('/tickets')).location).to.match(/^\/sign-in/);
  });

  it('when sign-up input is bad, then each field gets its own message and no account, sign-up or mail is made', async () => {
    const c = new PortalClient(env.web.url, 'pl');
    const made = () => count(`SELECT ((SELECT count(*) FROM users) + (SELECT count(*) FROM pending_sign_ups) + (SELECT count(*) FROM account_mail_outbox))::text AS n`);
    const before = await made();
    const token = await c.csrf('/sign-up');
    const res = await c.postForm('/sign-up', { _csrf: token, email: 'not-an-address', displayName: '', password: 'short', passwordConfirm: 'short', locale: 'xx' });
    expect(res.status).to.equal(422);
    expect(textOf(res.text, 'email-error')).to.include('Podaj adres e-mail');
    expect(textOf(res.text, 'displayName-error')).to.include('Uzupełnij to pole.');
    expect(textOf(res.text, 'password-error')).to.include('Hasło musi mieć co najmniej 10 znaków.');
    expect(textOf(res.text, 'locale-error')).to.include('Wybierz jedną z podanych możliwości.');
    expect(await made()).to.equal(before);
  });

  it('when a form is posted without its CSRF token, or with another session’s, then it is refused with 403 in the viewer’s language and nothing changes', async () => {
    const address = email('csrf');
    const c = new PortalClient(env.web.url, 'de');
    await c.csrf('/sign-up');
    const none = await c.postForm('/sign-up', { email: address, displayName: 'X', password: 'long enough pw', passwordConfirm: 'long enough pw', locale: 'en' });
    expect(none.status).to.equal(403);
    expect(textOf(none.text, 'error-message')).to.equal('Dieses Formular ist abgelaufen oder stammt nicht von dieser Seite. Bitte gehen Sie zurück, laden Sie die Seite neu und versuchen Sie es erneut.');
    const other = await new PortalClient(env.web.url).csrf('/sign-up');
    const foreign = await c.postForm('/sign-up', { _csrf: other, email: address, displayName: 'X', password: 'long enough pw', passwordConfirm: 'long enough pw', locale: 'en' });
    expect(foreign.status).to.equal(403);
    const bidx = await env.db.vault.blindIndex(address);
    expect(await count(`SELECT count(*)::text AS n FROM users WHERE email_bidx = :bidx`, { bidx })).to.equal(0);
    expect(await count(`SELECT count(*)::text AS n FROM pending_sign_ups WHERE email_bidx = :bidx`, { bidx })).to.equal(0);

    // A client asking for JSON gets the API's error shape.
    const json = await fetch(`${env.web.url}/sign-out`, { method: 'POST', headers: { accept: 'application/json', 'accept-language': 'pl' } });
    expect(json.status).to.equal(403);
    expect(await json.json()).to.deep.equal({ error: { code: 'CSRF_INVALID', message: 'Ten formularz wygasł albo nie pochodzi z tej strony. Wróć, odśwież stronę i spróbuj ponownie.' } });
  });

  it('when an attacker plants the CSRF cookie of their own browser in a victim’s browser, then the pair is refused there: no sign-in into the attacker’s account, no language switch', async () => {
    const attackerEmail = email('mallory');
    await new PortalClient(env.web.url).signUp(env.db, attackerEmail, 'mallory password', 'en');
    // The attacker's own browser: a valid cookie and token, bound to the attacker's browser.
    const attacker = new PortalClient(env.web.url, 'en');
    const token = await attacker.csrf('/sign-in');
    const planted = attacker.cookie('hd-csrf')!;
    expect(planted).to.equal(token);

    // A victim who has been here before (a browser id of their own), and one who has not.
    const returning = new PortalClient(env.web.url, 'en');
    await returning.get('/kb');
    const fresh = new PortalClient(env.web.url, 'en');
    for (const victim of [returning, fresh]) {
      victim.setCookie('hd-csrf', planted);
      const res = await victim.postForm('/sign-in', { _csrf: token, email: attackerEmail, password: 'mallory password' });
      expect(res.status).to.equal(403);
      expect(textOf(res.text, 'error-message')).to.equal('This form has expired or did not come from this site. Please go back, reload the page and try again.');
      expect(victim.cookie('hd.sid')).to.equal(undefined);
      expect((await victim.postForm('/language', { _csrf: token, lng: 'de', next: '/' })).status).to.equal(403);
      expect(victim.cookie('lang')).to.equal(undefined);
    }
    // In the attacker's own browser the same pair works.
    expect((await attacker.postForm('/sign-in', { _csrf: token, email: attackerEmail, password: 'mallory password' })).status).to.equal(303);
  });

  it('when a form is sent from another site’s page, then Origin or Sec-Fetch-Site refuses it with a localized 403, even with a valid token', async () => {
    const address = email('origin');
    await new PortalClient(env.web.url).signUp(env.db, address, 'origin password', 'en');
    const c = new PortalClient(env.web.url, 'pl');
    const token = await c.csrf('/sign-in');
    const own = new URL(env.web.url).origin;
    const foreign: Array<Record<string, string>> = [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: own.replace('http:', 'https:') },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site', origin: own },
    ];
    for (const headers of foreign) {
      const res = await c.postForm('/sign-in', { _csrf: token, email: address, password: 'origin password' }, headers);
      expect(res.status, JSON.stringify(headers)).to.equal(403);
      expect(textOf(res.text, 'error-message')).to.equal('Ten formularz został wysłany z innej strony internetowej, więc go odrzuciliśmy i nic się nie zmieniło. Otwórz samodzielnie stronę portalu i wyślij formularz stamtąd.');
      expect(c.cookie('hd.sid')).to.equal(undefined);
    }
    const json = await new PortalClient(env.web.url, 'de').postForm('/language', { _csrf: token, lng: 'de' }, { origin: 'https://evil.example', accept: 'application/json' });
    expect(JSON.parse(json.text)).to.deep.equal({ error: { code: 'CROSS_SITE_FORM', message: 'Dieses Formular wurde von einer anderen Website gesendet; es wurde abgelehnt, und nichts wurde geändert. Öffnen Sie die Seite dieses Portals selbst und senden Sie das Formular von dort.' } });
    // The browser's own page: same origin.
    expect((await c.postForm('/sign-in', { _csrf: token, email: address, password: 'origin password' }, { origin: own, 'sec-fetch-site': 'same-origin' })).status).to.equal(303);
  });

  it('when the portal is served over HTTPS, then its cookies are __Host- cookies (Secure, Path=/, no Domain), and cookies of the plain names — plantable over HTTP or from a sibling domain — are not read', async () => {
    // Behind a TLS-terminating proxy on loopback: X-Forwarded-Proto tells the portal it is HTTPS.
    const tls = await startWeb({ ...env.config, trustProxy: parseTrustProxy('loopback') }, env.temporalAddress, env.db, log, { host: '127.0.0.1', port: 0 });
    onCleanup(() => tls.close());
    const https = { 'x-forwarded-proto': 'https' };
    const address = email('tls');
    await new PortalClient(env.web.url).signUp(env.db, address, 'a tls password', 'en');

    const c = new PortalClient(tls.url, 'en');
    const page = await c.get('/sign-in', https);
    const set = page.headers.getSetCookie();
    for (const name of ['__Host-hd-csrf', '__Host-hd-browser']) {
      const cookie = set.find((h) => h.startsWith(`${name}=`));
      expect(cookie, name).to.match(/; Path=\/(;|$)/).and.match(/; Secure/).and.match(/; HttpOnly/);
      expect(cookie).not.to.match(/Domain=/i);
    }
    expect(set.find((h) => h.startsWith('hd-csrf='))).to.equal(undefined);
    const signedIn = await c.postForm('/sign-in', { _csrf: csrfOf(page.text), email: address, password: 'a tls password' }, https);
    expect(signedIn.status).to.equal(303);
    expect(signedIn.headers.getSetCookie().find((h) => h.startsWith('__Host-hd.sid='))).to.match(/; Path=\/;/).and.match(/; Secure/);
    expect((await c.get('/tickets', https)).status).to.equal(200);

    // A cookie and token pair of the plain names (made over HTTP, then planted) means nothing over HTTPS.
    const http = new PortalClient(tls.url, 'en');
    const token = await http.csrf('/sign-in');
    const victim = new PortalClient(tls.url, 'en');
    victim.setCookie('hd-csrf', http.cookie('hd-csrf')!);
    victim.setCookie('hd-browser', http.cookie('hd-browser')!);
    expect((await victim.postForm('/sign-in', { _csrf: token, email: address, password: 'a tls password' }, https)).status).to.equal(403);
    // Nor does a plain-named session cookie.
    victim.setCookie('hd.sid', c.cookie('__Host-hd.sid')!);
    expect((await victim.get('/tickets', https)).status).to.equal(303);
  });

  it('when someone keeps guessing a password, then sign-in is rate-limited for that address with a localized 429 whose wait agrees with Retry-After, and other addresses still sign in', async () => {
    const address = email('victim');
    await new PortalClient(env.web.url).signUp(env.db, address, 'the real password', 'en');
    const c = new PortalClient(env.web.url, 'pl');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await c.signIn(address, `guess number ${i}`)).status);
    expect(statuses).to.deep.equal([422, 422, 422, 422, 422, 429]);
    const blocked = await c.signIn(address, 'the real password');
    expect(blocked.status).to.equal(429);
    expect(textOf(blocked.text, 'error-message')).to.equal('Zbyt wiele prób logowania. Spróbuj ponownie za 15 minut.');
    const retryAfter = Number(blocked.headers.get('retry-after'));
    expect(retryAfter).to.be.within(14 * 60 + 1, 15 * 60);

    const other = email('other');
    await new PortalClient(env.web.url).signUp(env.db, other, 'another password', 'en');
    expect((await c.signIn(other, 'another password')).status).to.equal(303);
  });

  it('when the language is switched, then the choice is kept in a cookie and beats Accept-Language; an unknown code gets a clear message', async () => {
    const c = new PortalClient(env.web.url, 'pl-PL,pl;q=0.9');
    expect((await c.get('/')).text).to.include('<html lang="pl">');
    const token = await c.csrf('/kb');
    const res = await c.postForm('/language', { _csrf: token, lng: 'de', next: '/kb' });
    expect(res.status).to.equal(303);
    expect(res.location).to.equal('/kb');
    expect(c.cookie('lang')).to.equal('de');
    const page = await c.get('/kb');
    expect(page.text).to.include('<html lang="de">');
    expect(page.headers.get('content-language')).to.equal('de');

    const bad = await c.postForm('/language', { _csrf: token, lng: 'xx<script>', next: '//evil.example' });
    expect(bad.status).to.equal(400);
    expect(textOf(bad.text, 'error-message')).to.equal('„xx<script>“ ist keine Sprache dieses Portals. Wählen Sie eine von: en, pl, de.');
    expect(bad.text).not.to.include('xx<script>');

    // An unsupported Accept-Language falls back to English; an open redirect is refused.
    const fr = new PortalClient(env.web.url, 'fr-FR,fr;q=0.9');
    expect((await fr.get('/')).text).to.include('<html lang="en">');
    const t2 = await fr.csrf('/');
    expect((await fr.postForm('/language', { _csrf: t2, lng: 'pl', next: '//evil.example' })).location).to.equal('/');
  });

  it('when a signed-in user switches language, then the profile changes too', async () => {
    const address = email('switch');
    const c = new PortalClient(env.web.url, 'en');
    await c.signUp(env.db, address, 'switch password 1', 'en');
    const token = await c.csrf('/tickets');
    await c.postForm('/language', { _csrf: token, lng: 'pl', next: '/tickets' });
    const [u] = await env.db.sequelize.query<{ locale: string }>(`SELECT locale FROM users WHERE email_bidx = :bidx`, { replacements: { bidx: await env.db.vault.blindIndex(address) }, type: QueryTypes.SELECT });
    expect(u!.locale).to.equal('pl');
    expect(decode((await c.get('/tickets')).text)).to.include('Moje zgłoszenia');
  });
});
