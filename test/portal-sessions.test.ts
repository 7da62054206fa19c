/**
 * Sessions are made only when something is stored in them: reading pages (each with a
 * CSRF-protected form, the language switch) makes no session row; following a ticket or
 * signing in does.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { getEnv, type TestEnv } from './support/env.ts';
import { hiddenValue, PortalClient, reportForm, textOf } from './portal-client.ts';

describe('portal: sessions only when something is stored', function () {
  this.timeout(120_000);
  let env: TestEnv;
  const sessions = async () => {
    const [row] = await env.db.sequelize.query<{ n: string }>(`SELECT count(*)::text AS n FROM portal_sessions`, { type: QueryTypes.SELECT });
    return Number(row!.n);
  };

  before(async () => {
    env = await getEnv();
  });

  it('when a visitor only reads pages, then no session row and no session cookie is made, and the forms on those pages still work', async () => {
    const before = await sessions();
    const c = new PortalClient(env.web.url, 'pl');
    for (let round = 0; round < 3; round++) {
      for (const path of ['/', '/kb', '/kb/reset-password', '/report', '/sign-in', '/sign-up', '/follow', '/tickets', '/kb/suggest?q=drukarka']) {
        expect((await c.get(path)).status, path).to.be.oneOf([200, 303]);
      }
    }
    expect(await sessions()).to.equal(before);
    expect(c.cookie('hd.sid')).to.equal(undefined);

    // The CSRF token lives in a cookie of its own (httpOnly, SameSite=Strict), not in a session.
    const page = await c.get('/kb');
    const setCookie = page.headers.getSetCookie().find((h) => h.startsWith('hd-csrf='));
    expect(setCookie).to.match(/HttpOnly/).and.match(/SameSite=Strict/);
    const switched = await c.postForm('/language', { _csrf: hiddenValue(page.text, '_csrf'), lng: 'de', next: '/kb' });
    expect(switched.status).to.equal(303);
    expect(await sessions()).to.equal(before);
    // Without the cookie the token alone is refused.
    const stranger = new PortalClient(env.web.url, 'de');
    expect((await stranger.postForm('/language', { _csrf: hiddenValue(page.text, '_csrf'), lng: 'pl', next: '/' })).status).to.equal(403);
  });

  it('when a visitor follows a ticket, reports one, or signs in, then a session is made and its forms keep working', async () => {
    // Reporting without an account keeps the ticket followed for this browser: a session.
    const reporter = new PortalClient(env.web.url, 'en');
    const form = await reporter.get('/report');
    const before = await sessions();
    const res = await reporter.postMultipart('/report', reportForm({
      _csrf: hiddenValue(form.text, '_csrf'), idempotencyKey: hiddenValue(form.text, 'idempotencyKey'),
      category: 'other', impact: 'low', urgency: 'low', title: 'Session check', description: 'Something', email: `s.${randomUUID().slice(0, 6)}@example.com`,
    }));
    expect(res.status).to.equal(303);
    expect(await sessions()).to.equal(before + 1);
    expect(reporter.cookie('hd.sid')).to.be.a('string');
    const ticket = await reporter.get(res.location!);
    const code = textOf(ticket.text, 'follow-code')!;
    const number = res.location!.split('/').pop()!;
    // The session's forms carry a token bound to it.
    expect((await reporter.postForm(`/tickets/${number}/reply`, { _csrf: hiddenValue(ticket.text, '_csrf'), message: 'More detail.' })).status).to.equal(303);

    const follower = new PortalClient(env.web.url, 'en');
    const followForm = await follower.get('/follow');
    expect(await sessions()).to.equal(before + 1);
    expect((await follower.postForm('/follow', { _csrf: hiddenValue(followForm.text, '_csrf'), number, code })).status).to.equal(303);
    expect(await sessions()).to.equal(before + 2);
    expect((await follower.get(`/tickets/${number}`)).status).to.equal(200);

    const email = `signed.${randomUUID().slice(0, 6)}@example.com`;
    expect((await new PortalClient(env.web.url, 'en').signUp(env.db, email, 'a session password', 'en')).status).to.equal(303);
    const member = new PortalClient(env.web.url, 'en');
    const anonymousToken = await member.csrf('/');
    const counted = await sessions();
    expect((await member.signIn(email, 'a session password')).status).to.equal(303);
    expect(await sessions()).to.equal(counted + 1);
    // Signed in, the token is bound to the new session: a form from before the sign-in is refused.
    expect((await member.postForm('/language', { _csrf: anonymousToken, lng: 'de', next: '/' })).status).to.equal(403);
    expect((await member.postForm('/language', { _csrf: await member.csrf('/tickets'), lng: 'de', next: '/' })).status).to.equal(303);
  });
});
