/**
 * Staff single sign-on against a real OpenID Connect provider (oidc-provider, in this process, on
 * a free loopback port, with its development login and consent pages), driven by a real chromium:
 * the authorization code flow with PKCE (the provider requires it), state and nonce; the ID
 * token's verified e-mail must be a staff member's, in an allowed domain when domains are set, and
 * the provider's account (its `sub`) the one bound to that staff member at their first single
 * sign-on. A replayed or forged state is a 400 page that changes nothing.
 */
import { expect } from 'chai';
import { createHash, generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { QueryTypes } from 'sequelize';
import { startWeb, type WebServer } from '../runtime/stack.ts';
import { freePort } from '../runtime/temporal-dev-server.ts';
import { launchChromium } from './support/browser.ts';
import { getEnv, log, onCleanup, type TestEnv } from './support/env.ts';
import { makeUser, uniqueEmail } from './support/staff.ts';

describe('staff single sign-on with OpenID Connect', function () {
  this.timeout(180_000);
  let env: TestEnv;
  let browser: Browser;
  let web: WebServer;
  /** The same provider, with HELPDESK_OIDC_ALLOWED_DOMAINS=example.org (the test users are @example.com). */
  let domainWeb: WebServer;
  let issuer: string;
  /** The provider's accounts by login name: what each one's ID token says. */
  const accounts = new Map<string, { email: string; email_verified: boolean }>();

  before(async () => {
    env = await getEnv();
    const [providerPort, webPort, domainPort] = [await freePort(), await freePort(), await freePort()];
    issuer = `http://127.0.0.1:${providerPort}`;
    const redirects = [webPort, domainPort].map((port) => `http://127.0.0.1:${port}/staff/sso/callback`);
    const provider = new Provider(issuer, {
      clients: [{ client_id: 'helpdesk', client_secret: 'helpdesk-test-secret', redirect_uris: redirects, response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_basic' }],
      claims: { openid: ['sub'], email: ['email', 'email_verified'] },
      // The scope's claims in the ID token itself (as Keycloak, Google and others put them).
      conformIdTokenClaims: false,
      pkce: { required: () => true },
      cookies: { keys: ['staff-oidc-test-cookie-key'] },
      // A signing key of the test's own (RS256, the ID token's default algorithm).
      jwks: { keys: [{ ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'staff-oidc-test', use: 'sig' }] },
      ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
      features: { devInteractions: { enabled: true } },
      async findAccount(_ctx, id) {
        const account = accounts.get(id);
        return account && { accountId: id, claims: async () => ({ sub: id, ...account }) };
      },
    });
    const server = http.createServer(provider.callback());
    await new Promise<void>((resolve) => server.listen(providerPort, '127.0.0.1', resolve));
    onCleanup(async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const oidc = { issuer, clientId: 'helpdesk', clientSecret: 'helpdesk-test-secret', redirectUrl: undefined, allowedDomains: [] };
    const config = { ...env.config, staff: { ...env.config.staff, secondFactor: 'required' as const, oidc } };
    web = await startWeb(config, env.temporalAddress, env.db, log, { host: '127.0.0.1', port: webPort });
    onCleanup(() => web.close());
    domainWeb = await startWeb({ ...config, staff: { ...config.staff, oidc: { ...oidc, allowedDomains: ['example.org'] } } }, env.temporalAddress, env.db, log, { host: '127.0.0.1', port: domainPort });
    onCleanup(() => domainWeb.close());
    browser = await launchChromium();
    onCleanup(() => browser.close());
  });

  const context = (base = web.url): Promise<BrowserContext> => browser.newContext({ baseURL: base, locale: 'en-GB' });
  const auditOf = (subject: string, action: string) =>
    env.db.sequelize.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE subject = :subject AND action = :action ORDER BY seq`, { replacements: { subject, action }, type: QueryTypes.SELECT });

  /** From the staff sign-in page through the provider's login and consent; answers the callback address the browser was sent to. */
  async function signInAtProvider(page: Page, login: string): Promise<string> {
    let callback = '';
    page.on('request', (r) => {
      if (r.url().startsWith(`${web.url}/staff/sso/callback`)) callback = r.url();
    });
    await page.goto('/staff/sign-in');
    await page.click('#sso');
    await page.waitForURL(`${issuer}/**`);
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', 'anything');
    await page.click('button[type="submit"]');
    await page.click('button:has-text("Continue")');
    await page.waitForURL((url) => url.origin === web.url && !url.pathname.startsWith('/staff/sso'));
    return callback;
  }

  /** A single sign-on in a browser of its own, through `base`: the callback's status, where it ended, and the error page's sentence (if it was one). */
  async function ssoAttempt(login: string, base = web.url): Promise<{ path: string; status: number; message: string | null }> {
    const ctx = await context(base);
    const page = await ctx.newPage();
    await page.goto('/staff/sign-in');
    await page.click('#sso');
    await page.waitForURL(`${issuer}/**`);
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', 'anything');
    await page.click('button[type="submit"]');
    const answered = page.waitForResponse((r) => r.url().startsWith(`${base}/staff/sso/callback`));
    await page.click('button:has-text("Continue")');
    const status = (await answered).status();
    let message: string | null = null;
    if (status === 303) await page.waitForURL((url) => url.origin === base && !url.pathname.startsWith('/staff/sso'));
    else message = await (await page.waitForSelector('#error-message')).textContent();
    const path = new URL(page.url()).pathname;
    await ctx.close();
    return { path, status, message };
  }

  it('when an agent signs in through the provider, then the staff home opens (single sign-on counts as the second factor), and the sign-in is audited', async () => {
    const agent = await makeUser(env.db, 'agent', 'sso');
    accounts.set('sso-agent', { email: agent.email.toUpperCase(), email_verified: true });
    const ctx = await context();
    const page = await ctx.newPage();
    const callback = await signInAtProvider(page, 'sso-agent');
    expect(new URL(page.url()).pathname).to.equal('/staff');
    expect(await page.textContent('#role')).to.equal('Your role: Agent.');
    expect(await page.textContent('#factor')).to.equal('You signed in through single sign-on.');
    expect(new URL(callback).searchParams.get('state')).to.be.a('string');
    expect((await auditOf(`user:${agent.id}`, 'staff.sso_signed_in')).map((e) => e.details)).to.deep.equal([{ issuer }]);

    // The same answer again (back button, a copied address): refused, and the session is as it was.
    const replay = await page.goto(callback);
    expect(replay!.status()).to.equal(400);
    expect(await page.textContent('#error-message')).to.equal('This single sign-on answer does not belong to a sign-in started in this browser, or it was used already. Nothing was changed; start single sign-on again from the staff sign-in page.');
    await page.goto('/staff');
    expect(await page.textContent('#factor')).to.equal('You signed in through single sign-on.');
    expect((await auditOf(`user:${agent.id}`, 'staff.sso_signed_in'))).to.have.length(1);
    await ctx.close();
  });

  it('when a browser brings a state it never started, then it gets the 400 page and no session', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    const res = await page.goto('/staff/sso/callback?code=forged&state=forged-state&iss=' + encodeURIComponent(issuer));
    expect(res!.status()).to.equal(400);
    expect(await page.textContent('#error-message')).to.match(/^This single sign-on answer does not belong to a sign-in started in this browser/);
    expect((await ctx.cookies()).map((c) => c.name)).to.not.include('hd.sid');
    await ctx.close();
  });

  it('when the provider’s account is a requester, someone unknown here, or has no verified address, then the sign-in is refused with a sentence, audited, and no one is created', async () => {
    const requester = await makeUser(env.db, 'requester', 'ssoreq');
    const stranger = uniqueEmail('stranger');
    accounts.set('sso-requester', { email: requester.email, email_verified: true });
    accounts.set('sso-stranger', { email: stranger, email_verified: true });
    accounts.set('sso-unverified', { email: (await makeUser(env.db, 'admin', 'unverified')).email, email_verified: false });
    const cases = [
      ['sso-requester', 'Your organisation’s account is not a service desk staff member here. Ask a helpdesk admin to add you, or use the requester portal.'],
      ['sso-stranger', 'Your organisation’s account is not a service desk staff member here. Ask a helpdesk admin to add you, or use the requester portal.'],
      ['sso-unverified', 'Your organisation’s account has no verified e-mail address, so it cannot be matched to a staff member. Ask your identity administrator, or sign in with your password and code.'],
    ] as const;
    for (const [login, sentence] of cases) {
      const ctx = await context();
      const page = await ctx.newPage();
      let status = 0;
      page.on('response', (r) => {
        if (r.url().startsWith(`${web.url}/staff/sso/callback`)) status = r.status();
      });
      await page.goto('/staff/sign-in');
      await page.click('#sso');
      await page.fill('input[name="login"]', login);
      await page.fill('input[name="password"]', 'anything');
      await page.click('button[type="submit"]');
      await page.click('button:has-text("Continue")');
      await page.waitForSelector('#error-message');
      expect(status, login).to.equal(403);
      expect(await page.textContent('#error-message'), login).to.equal(sentence);
      expect((await page.goto('/staff'))!.url(), login).to.match(/\/staff\/sign-in\?next=%2Fstaff$/);
      await ctx.close();
    }
    expect((await auditOf(`user:${requester.id}`, 'staff.sign_in_refused')).map((e) => e.details)).to.deep.equal([{ reason: 'sso_not_staff', issuer }]);
    expect((await auditOf('staff:sso', 'staff.sign_in_refused')).map((e) => e.details)).to.deep.include.members([{ reason: 'sso_not_staff', issuer }, { reason: 'sso_unverified_email', issuer }]);
    expect(await env.db.users.findByEmail(stranger)).to.equal(undefined);
  });

  it('when another account at the provider brings the same verified address (another sub), then it is refused with a sentence and audited; the account bound at the first sign-in still signs in', async () => {
    const agent = await makeUser(env.db, 'agent', 'bound');
    accounts.set('sso-bound', { email: agent.email, email_verified: true });
    // A multi-tenant or consumer issuer lets anyone make an account with any address it has "verified".
    accounts.set('sso-impostor', { email: agent.email, email_verified: true });
    const links = () => env.db.sequelize.query<{ issuer: string; subject_sha256: string }>(`SELECT issuer, subject_sha256 FROM staff_sso_links WHERE user_id = :id`, { replacements: { id: agent.id }, type: QueryTypes.SELECT });

    expect(await ssoAttempt('sso-bound')).to.include({ path: '/staff', status: 303 });
    expect((await auditOf(`user:${agent.id}`, 'staff.sso_linked')).map((e) => e.details)).to.deep.equal([{ issuer }]);
    const [link] = await links();
    expect(link!.issuer).to.equal(issuer);
    // The provider's account id is kept as its SHA-256 only.
    expect(link!.subject_sha256).to.equal(createHash('sha256').update('sso-bound').digest('hex'));

    const impostor = await ssoAttempt('sso-impostor');
    expect(impostor.status).to.equal(403);
    expect(impostor.message).to.equal('This single sign-on account is not the one linked to this staff member. Nothing was changed. If your account at the provider was replaced, ask a helpdesk admin to reset your second factor (that also removes the old link); otherwise sign in with your password and code.');
    expect((await auditOf(`user:${agent.id}`, 'staff.sign_in_refused')).map((e) => e.details)).to.deep.equal([{ reason: 'sso_other_account', issuer }]);
    expect(await links()).to.deep.equal([link]);

    // The bound account cannot become another staff member by changing its address at the provider either.
    const other = await makeUser(env.db, 'admin', 'other');
    accounts.set('sso-bound', { email: other.email, email_verified: true });
    expect((await ssoAttempt('sso-bound')).status).to.equal(403);
    expect((await auditOf(`user:${other.id}`, 'staff.sign_in_refused')).map((e) => e.details)).to.deep.equal([{ reason: 'sso_account_taken', issuer }]);
    accounts.set('sso-bound', { email: agent.email, email_verified: true });
    expect(await ssoAttempt('sso-bound')).to.include({ path: '/staff', status: 303 });
    expect(await auditOf(`user:${agent.id}`, 'staff.sso_signed_in')).to.have.length(2);

    // An operator's reset forgets the link (a replaced account at the provider links anew).
    await env.db.staffAuth.reset(agent.id, 'cli:test');
    expect(await links()).to.deep.equal([]);
    expect(await ssoAttempt('sso-impostor')).to.include({ path: '/staff', status: 303 });
  });

  it('when HELPDESK_OIDC_ALLOWED_DOMAINS is set, then an address of another domain is refused with a sentence naming the allowed ones, audited, and nothing is linked', async () => {
    const agent = await makeUser(env.db, 'agent', 'domain');
    accounts.set('sso-domain', { email: agent.email, email_verified: true });
    const refused = await ssoAttempt('sso-domain', domainWeb.url);
    expect(refused.status).to.equal(403);
    expect(refused.message).to.equal('Single sign-on here is only for addresses at example.org; your organisation’s account has another one. Nothing was changed; sign in with your password and code instead.');
    expect((await auditOf('staff:sso', 'staff.sign_in_refused')).map((e) => e.details)).to.deep.include({ reason: 'sso_domain_not_allowed', issuer });
    expect(await auditOf(`user:${agent.id}`, 'staff.sso_linked')).to.deep.equal([]);
    // The same account where every domain is allowed.
    expect(await ssoAttempt('sso-domain')).to.include({ path: '/staff', status: 303 });
  });
});
