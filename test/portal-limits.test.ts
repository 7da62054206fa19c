/**
 * Abuse limits with two web processes on one database: the counts live in PostgreSQL, so a
 * request reaching the other process is counted with the same budget. Each PortalClient
 * connects from a loopback address of its own (see portal-client.ts), as one browser would.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { ConfigError, loadConfig, parseTrustProxy } from '../runtime/config.ts';
import { startWeb, type WebServer } from '../runtime/stack.ts';
import { getEnv, log, onCleanup, type TestEnv } from './support/env.ts';
import { hiddenValue, loopbackAddress, PortalClient, reportForm, textOf, type PageResponse } from './portal-client.ts';

const address = (name: string) => `${name}.${randomUUID().slice(0, 8)}@example.com`;

describe('portal: abuse limits hold across web processes', function () {
  this.timeout(180_000);
  let env: TestEnv;
  let web2: WebServer;
  /** The two web processes, taken in turn. */
  let bases: [string, string];
  const count = async (sql: string, replacements: Record<string, unknown> = {}) => {
    const [row] = await env.db.sequelize.query<{ n: string }>(sql, { replacements, type: QueryTypes.SELECT });
    return Number(row!.n);
  };

  /** The wait a 429 states, in minutes, and the one its Retry-After header gives, rounded the same way. */
  function waits(res: PageResponse, pattern: RegExp): { stated: number; header: number } {
    const m = pattern.exec(textOf(res.text, 'error-message') ?? '');
    expect(m, textOf(res.text, 'error-message')).to.not.equal(null);
    return { stated: Number(m![1]), header: Math.ceil(Number(res.headers.get('retry-after')) / 60) };
  }

  before(async () => {
    env = await getEnv();
    // A second web process of the same helpdesk: same database, same Temporal.
    web2 = await startWeb(env.config, env.temporalAddress, env.db, log, { host: '127.0.0.1', port: 0 });
    onCleanup(() => web2.close());
    bases = [env.web.url, web2.url];
  });

  it('when an address gets five failed sign-ins spread over both processes and several clients, then the sixth is refused whichever process it reaches, even with the right password', async () => {
    const victim = address('victim');
    expect((await new PortalClient(env.web.url, 'en').signUp(env.db, victim, 'the real password', 'en')).status).to.equal(303);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await new PortalClient(bases[i % 2]!, 'en').signIn(victim, `guess number ${i}`)).status);
    expect(statuses).to.deep.equal([422, 422, 422, 422, 422]);
    for (const base of bases) {
      const sixth = await new PortalClient(base, 'en').signIn(victim, 'guess number 6');
      expect(sixth.status).to.equal(429);
      const right = await new PortalClient(base, 'de').signIn(victim, 'the real password');
      expect(right.status).to.equal(429);
      const wait = waits(right, /^Zu viele Anmeldeversuche\. Bitte versuchen Sie es in (\d+) Minuten? erneut\.$/);
      expect(wait.stated).to.equal(wait.header).and.to.equal(15);
    }
    // Another address is not affected, from any of these clients.
    const other = address('other');
    expect((await new PortalClient(web2.url, 'en').signUp(env.db, other, 'another password', 'en')).status).to.equal(303);
    expect((await new PortalClient(web2.url, 'en').signIn(other, 'another password')).status).to.equal(303);
  });

  it('when one client tries one password against many addresses on both processes, then it is refused after its limit of 20 failures, and another client is not', async () => {
    const sprayer = new PortalClient(env.web.url, 'en');
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await sprayer.via(bases[i % 2]!).signIn(address(`spray${i}`), 'Summer2026!')).status);
    expect(statuses.slice(0, 20)).to.deep.equal(Array(20).fill(422));
    expect(statuses[20]).to.equal(429);
    const refused = await sprayer.via(web2.url).signIn(address('next'), 'Summer2026!');
    expect(refused.status).to.equal(429);
    const wait = waits(refused, /^Too many sign-in attempts\. Please try again in (\d+) minutes?\.$/);
    expect(wait.stated).to.equal(wait.header);
    expect((await new PortalClient(web2.url, 'en').signIn(address('elsewhere'), 'Summer2026!')).status).to.equal(422);
  });

  it('when sign-ins succeed, then they are not counted: 25 in a row from one client on both processes all pass, and a success clears the address’s failures', async () => {
    const me = address('often');
    const c = new PortalClient(env.web.url, 'en');
    expect((await c.signUp(env.db, me, 'my real password', 'en')).status).to.equal(303);
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await c.via(bases[i % 2]!).signIn(me, 'my real password')).status);
    expect(statuses).to.deep.equal(Array(25).fill(303));

    // Four failures, a success, then five failures more are still answered: only the sixth in a row is refused.
    const run: number[] = [];
    for (let i = 0; i < 4; i++) run.push((await c.via(bases[i % 2]!).signIn(me, `typo ${i}`)).status);
    run.push((await c.via(web2.url).signIn(me, 'my real password')).status);
    for (let i = 0; i < 6; i++) run.push((await c.via(bases[i % 2]!).signIn(me, `typo again ${i}`)).status);
    expect(run).to.deep.equal([422, 422, 422, 422, 303, 422, 422, 422, 422, 422, 429]);
  });

  it('when one client sends a burst of sign-ups to both processes at once, then ten are answered and the rest refused with a 429 whose wait agrees with Retry-After; nothing is stored for the refused ones', async () => {
    const client = new PortalClient(env.web.url, 'pl');
    const token = await client.csrf('/sign-up');
    const emails = Array.from({ length: 13 }, (_, i) => address(`burst${i}`));
    const answers = await Promise.all(emails.map((email, i) => client.via(bases[i % 2]!).postForm('/sign-up', {
      _csrf: token, email, displayName: 'Burst', password: 'burst password', passwordConfirm: 'burst password', locale: 'pl',
    })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).to.have.length(10);
    expect(statuses.filter((s) => s === 429)).to.have.length(3);
    const refused = answers.find((a) => a.status === 429)!;
    const wait = waits(refused, /^Z Twojej sieci poproszono w krótkim czasie o wiele kont\. Spróbuj ponownie za (\d+) minut[ęy]? albo poproś o pomoc Service Desk\.$/);
    expect(wait.stated).to.equal(wait.header).and.to.equal(60);
    // Found by the blind index of each address (the rows are sealed), the mail by its recipient's pseudonym.
    const bidxs = await Promise.all(emails.map((e) => env.db.vault.blindIndex(e)));
    expect(await count(`SELECT count(*)::text AS n FROM pending_sign_ups WHERE email_bidx IN (:bidxs)`, { bidxs })).to.equal(10);
    expect(await count(`SELECT count(*)::text AS n FROM account_mail_outbox WHERE recipient_ref IN (SELECT id FROM persons WHERE email_bidx IN (:bidxs))`, { bidxs })).to.equal(10);

    // Another client signs up as usual.
    expect((await new PortalClient(web2.url, 'pl').requestSignUp(address('calm'), 'calm password', 'pl')).status).to.equal(200);
  });

  it('when one client keeps guessing follow codes on both processes, then the 21st attempt is refused, the report and follow limits being counted in the same store', async () => {
    const c = new PortalClient(env.web.url, 'en');
    const token = await c.csrf('/follow');
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await c.via(bases[i % 2]!).postForm('/follow', { _csrf: token, number: 'HD-2026-000001', code: `guess${i}` })).status);
    expect(statuses.slice(0, 20)).to.deep.equal(Array(20).fill(422));
    expect(statuses[20]).to.equal(429);
    expect(await count(`SELECT count(*)::text AS n FROM portal_rate_limits WHERE key LIKE 'follow:%'`)).to.be.greaterThan(0);
  });

  it('when a cross-site page makes browsers behind one office address post /report again and again, then each is refused before it counts, and a colleague at that address still reports', async () => {
    const office = loopbackAddress();
    const forged = { category: 'other', impact: 'low', urgency: 'low', title: 'Forged', description: 'Sent by another site', email: address('forged') };
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const victim = new PortalClient(bases[i % 2]!, 'en', office);
      await victim.get('/kb');
      // A modern browser says where the form comes from; an old one sends no such header, and the page cannot know the token.
      statuses.push(i % 2
        ? (await victim.postForm('/report', forged, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' })).status
        : (await victim.postMultipart('/report', reportForm(forged))).status);
    }
    expect(statuses).to.deep.equal(Array(20).fill(403));
    const colleague = new PortalClient(env.web.url, 'en', office);
    const form = await colleague.get('/report');
    const res = await colleague.postMultipart('/report', reportForm({
      _csrf: hiddenValue(form.text, '_csrf'), idempotencyKey: hiddenValue(form.text, 'idempotencyKey'),
      category: 'other', impact: 'low', urgency: 'low', title: 'A real problem', description: 'The printer is out of toner.', email: address('colleague'),
    }));
    expect(res.status).to.equal(303);
  });

  describe('client addresses and TRUST_PROXY', () => {
    it('when TRUST_PROXY is unset, then X-Forwarded-For is ignored: a client cannot escape its limit by naming another address', async () => {
      const c = new PortalClient(env.web.url, 'en');
      const token = await c.csrf('/follow');
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) {
        statuses.push((await c.postForm('/follow', { _csrf: token, number: 'HD-2026-000001', code: `x${i}` }, { 'x-forwarded-for': `203.0.113.${i + 1}` })).status);
      }
      expect(statuses[20]).to.equal(429);
    });

    it('when TRUST_PROXY names the proxy, then the client is the address the proxy forwards: each has its own limit', async () => {
      const proxied = await startWeb({ ...env.config, trustProxy: parseTrustProxy('loopback') }, env.temporalAddress, env.db, log, { host: '127.0.0.1', port: 0 });
      onCleanup(() => proxied.close());
      // The proxy (one loopback address) forwards two clients.
      const proxy = new PortalClient(proxied.url, 'en');
      const token = await proxy.csrf('/follow');
      const attempt = (client: string, i: number) => proxy.postForm('/follow', { _csrf: token, number: 'HD-2026-000001', code: `p${i}` }, { 'x-forwarded-for': client });
      const statuses: number[] = [];
      for (let i = 0; i < 21; i++) statuses.push((await attempt('198.51.100.1', i)).status);
      expect(statuses[20]).to.equal(429);
      expect((await attempt('198.51.100.2', 99)).status).to.equal(422);
    });

    it('when TRUST_PROXY is read, then it takes a hop count, names, addresses and ranges, and refuses anything else naming the variable', () => {
      expect(loadConfig({}).trustProxy).to.equal(false);
      expect(parseTrustProxy('2')).to.equal(2);
      expect(parseTrustProxy('loopback, 10.0.0.0/8, fd00::/8, 192.168.1.10')).to.deep.equal(['loopback', '10.0.0.0/8', 'fd00::/8', '192.168.1.10']);
      expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).to.throw(ConfigError, /^TRUST_PROXY must be .*"everyone" is none of these$/);
      expect(() => parseTrustProxy('10.0.0.0/33')).to.throw(ConfigError, /TRUST_PROXY/);
    });
  });
});
