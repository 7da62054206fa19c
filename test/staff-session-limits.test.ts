/**
 * Staff sessions end as staff sessions: at most HELPDESK_STAFF_SESSION_HOURS after the second
 * factor, and after HELPDESK_STAFF_IDLE_MINUTES without a staff request. Here on a web process of
 * the product with short limits (8 s and 2 s, as the settings' milliseconds), on the real session
 * store in PostgreSQL: what the browser is told, that the person is signed out, that activity
 * (staff pages, or the codec endpoint with the session cookie) keeps a session alive until its
 * absolute limit, and that the codec endpoint refuses an expired session too.
 */
import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultPayloadConverter } from '@temporalio/common';
import { payloadToJSON } from '@temporalio/common/lib/proto-utils.js';
import { SESSION_COOKIE } from '../api/portal/middleware.ts';
import { payloadCodec } from '../runtime/payload-codec.ts';
import { startWeb, type WebServer } from '../runtime/stack.ts';
import { PortalClient, textOf } from './portal-client.ts';
import { getEnv, log, onCleanup, type TestEnv } from './support/env.ts';
import { request } from './support/http.ts';
import { makeUser, PASSWORD, signInEnrolled, staffCode, staffPassword, totpCode } from './support/staff.ts';

const MAX_MS = 8_000;
const IDLE_MS = 2_000;

describe('staff session limits: an absolute limit since the second factor, and an idle limit', function () {
  this.timeout(120_000);
  let env: TestEnv;
  let web: WebServer;

  before(async () => {
    env = await getEnv();
    web = await startWeb({ ...env.config, staff: { ...env.config.staff, session: { maxMs: MAX_MS, idleMs: IDLE_MS } } }, env.temporalAddress, env.db, log, { host: '127.0.0.1', port: 0 });
    onCleanup(() => web.close());
  });

  /** Staff requests of every client every 600 ms for `ms`, each expected to open the staff home. */
  async function keepBusy(clients: PortalClient[], ms: number): Promise<void> {
    for (const until = Date.now() + ms; Date.now() < until; await sleep(600)) {
      for (const c of clients) expect((await c.get('/staff')).status).to.equal(200);
    }
  }

  it('when a staff member is idle longer than the idle limit, then the next staff page sends them to the staff sign-in saying why, and they are signed out (the portal too)', async () => {
    const c = new PortalClient(web.url, 'en');
    await signInEnrolled(c, await makeUser(env.db, 'agent', 'idle'));
    // Busy for longer than the idle limit: the session stays.
    await keepBusy([c], IDLE_MS + 1_000);
    await sleep(IDLE_MS + 300);
    const ended = await c.get('/staff/audit');
    expect(ended.status).to.equal(303);
    expect(ended.location).to.equal('/staff/sign-in?next=%2Fstaff%2Faudit');
    const signIn = await c.get(ended.location!);
    expect(textOf(signIn.text, 'notice')).to.equal('Your staff session has ended after 2 seconds without activity. Please sign in again.');
    // Signed out everywhere: no notice about the second factor (nobody is signed in), no portal.
    const again = await c.get('/staff');
    expect(again.location).to.equal('/staff/sign-in?next=%2Fstaff');
    expect(textOf((await c.get(again.location!)).text, 'notice')).to.equal(undefined);
    expect((await c.get('/tickets')).location).to.match(/^\/sign-in/);
  });

  it('when a staff member stays busy, then the session still ends at the absolute limit after the second factor; the page says so in their language, JSON gets a 401 with the sentence', async () => {
    const user = await makeUser(env.db, 'auditor', 'busy', 'pl');
    const page = new PortalClient(web.url, 'en');
    const json = new PortalClient(web.url, 'en');
    const { secret } = await signInEnrolled(page, user);
    // The same person in a second browser, with the app's next code (the enrolment spent this one).
    await staffPassword(json, user.email);
    expect((await staffCode(json, totpCode(secret, Date.now() + 30_000))).location).to.equal('/staff');
    // Both sessions passed their second factor by now (the second one last).
    const started = Date.now();
    await keepBusy([page, json], MAX_MS - 1_500);
    await sleep(Math.max(0, MAX_MS + 200 - (Date.now() - started)));
    const ended = await page.get('/staff');
    expect(ended.location).to.equal('/staff/sign-in?next=%2Fstaff');
    // Signed out, the sign-in page speaks the browser's language; the sentence says which limit.
    expect(textOf((await page.get(ended.location!)).text, 'notice')).to.equal('Your staff session has ended: a staff session lasts at most 8 seconds after its second factor. Please sign in again.');
    const refused = await json.get('/staff/audit', { accept: 'application/json' });
    expect(refused.status).to.equal(401);
    const body = JSON.parse(refused.text) as { error: { code: string; message: string } };
    expect(body.error.code).to.equal('STAFF_SESSION_EXPIRED');
    // The answer is in the profile's language (Polish), the limit in its words.
    expect(body.error.message).to.equal('Twoja sesja zespołu wygasła, bo minął jej limit: 8 sekund od zalogowania drugim składnikiem. Zaloguj się ponownie na /staff/sign-in.');
    expect((await json.get('/staff', { accept: 'application/json' })).status).to.equal(401);
  });

  it('when an auditor uses the codec endpoint with their session cookie, then those requests count as staff activity, and an expired session is refused there too', async () => {
    const [encrypted] = await payloadCodec(env.config).encode([defaultPayloadConverter.toPayload({ title: 'Printer jam' })!]);
    const c = new PortalClient(web.url, 'en');
    await signInEnrolled(c, await makeUser(env.db, 'auditor', 'codec'));
    const decode = () => request(web.url, 'POST', '/api/codec/decode', { body: { payloads: [payloadToJSON(encrypted!)] }, headers: { 'x-namespace': 'default', cookie: `${SESSION_COOKIE}=${c.cookie(SESSION_COOKIE)}` } });
    for (const until = Date.now() + IDLE_MS + 1_000; Date.now() < until; await sleep(600)) expect((await decode()).status).to.equal(200);
    // Only the codec endpoint was used meanwhile: the staff pages still open.
    expect((await c.get('/staff')).status).to.equal(200);
    await sleep(IDLE_MS + 300);
    expect((await decode()).status).to.equal(401);
  });

  it('when the second factor is optional and a staff member without one signed in on the portal, then the limits count from their first staff page', async () => {
    const optional = await startWeb({ ...env.config, staff: { ...env.config.staff, secondFactor: 'optional', session: { maxMs: MAX_MS, idleMs: IDLE_MS } } }, env.temporalAddress, env.db, log, { host: '127.0.0.1', port: 0 });
    onCleanup(() => optional.close());
    const agent = await makeUser(env.db, 'agent', 'plain');
    const c = new PortalClient(optional.url, 'en');
    expect((await c.signIn(agent.email, PASSWORD)).status).to.equal(303);
    await keepBusy([c], 1_000);
    await sleep(IDLE_MS + 300);
    const ended = await c.get('/staff');
    expect(textOf((await c.get(ended.location!)).text, 'notice')).to.equal('Your staff session has ended after 2 seconds without activity. Please sign in again.');
    expect((await c.get('/tickets')).location).to.match(/^\/sign-in/);
  });
});
