import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { QueryTypes } from 'sequelize';
import { createApp } from '../api/app.ts';
import { seedKnowledgeBase } from '../db/kb-seed.ts';
import { appDeps } from '../runtime/compose.ts';
import { getEnv, type TestEnv } from './support/env.ts';
import { decode, hiddenValue, PortalClient, reportForm, textOf } from './portal-client.ts';

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);

describe('portal: reporting a problem', function () {
  this.timeout(120_000);
  let env: TestEnv;
  const count = async (sql: string, replacements: Record<string, unknown> = {}) => {
    const [row] = await env.db.sequelize.query<{ n: string }>(sql, { replacements, type: QueryTypes.SELECT });
    return Number(row!.n);
  };
  const tickets = () => count('SELECT count(*)::text AS n FROM intake_requests');
  const attachments = () => count('SELECT count(*)::text AS n FROM ticket_attachments');

  /** Opens the report form and fills it in like a requester. */
  async function fill(c: PortalClient, over: Record<string, string> = {}) {
    const page = await c.get('/report');
    return {
      _csrf: hiddenValue(page.text, '_csrf'),
      idempotencyKey: hiddenValue(page.text, 'idempotencyKey'),
      category: 'network', impact: 'low', urgency: 'high',
      title: 'VPN rozłącza się co kilka minut',
      description: 'Od rana VPN zrywa połączenie co 5 minut.',
      email: `anna.${randomUUID().slice(0, 6)}@example.com`,
      ...over,
    };
  }

  before(async () => {
    env = await getEnv();
    await seedKnowledgeBase(env.db.sequelize);
  });

  it('when a requester without an account reports a problem in Polish with a screenshot, then the ticket is created through intake (portal channel) and its page shows the number, the attachment and a secret follow link', async () => {
    const c = new PortalClient(env.web.url, 'pl-PL,pl;q=0.9');
    const fields = await fill(c);
    const res = await c.postMultipart('/report', reportForm(fields, [{ name: 'zrzut ekranu.png', type: 'image/png', data: PNG }]));
    expect(res.status).to.equal(303);
    const number = /^\/tickets\/(HD-\d{4}-\d{6})$/.exec(res.location ?? '')![1]!;

    const ticket = await env.db.tickets.get(number);
    expect(ticket).to.include({ channel: 'portal', locale: 'pl', impact: 'low', urgency: 'high', category: 'network', requesterEmail: fields.email });

    const page = await c.get(res.location!);
    expect(page.status).to.equal(200);
    expect(page.text).to.include(number);
    expect(decode(page.text)).to.include(`Dziękujemy. Przyjęliśmy Twoje zgłoszenie ${number}.`);
    const link = textOf(page.text, 'follow-link')!;
    const code = textOf(page.text, 'follow-code')!;
    expect(link).to.equal(`${env.web.url}/follow/${number}/${code}`);
    expect(textOf(page.text, 'ticket-status')).to.equal('Przyjęte');

    // Only the hash of the code is stored; the link is queued for e-mail.
    const stored = await env.db.sequelize.query<{ token_hash: string }>(`SELECT token_hash FROM requester_tokens WHERE ticket_number = :number`, { replacements: { number }, type: QueryTypes.SELECT });
    expect(stored).to.have.length(1);
    expect(stored[0]!.token_hash).to.not.include(code);
    expect(await count(`SELECT count(*)::text AS n FROM requester_tokens WHERE token_hash = :code`, { code })).to.equal(0);
    expect(await count(`SELECT count(*)::text AS n FROM notification_outbox WHERE ticket_number = :number AND kind = 'follow_link'`, { number })).to.equal(1);

    // The attachment downloads as it was sent, never rendered inline.
    const href = /href="(\/tickets\/[^"]+\/attachments\/\d+)"/.exec(page.text)![1]!;
    const file = await fetch(`${env.web.url}${href}`, { headers: { cookie: `hd.sid=${c.cookie('hd.sid')}` } });
    expect(file.status).to.equal(200);
    expect(file.headers.get('content-type')).to.equal('image/png');
    expect(file.headers.get('content-disposition')).to.match(/^attachment; filename\*=UTF-8''zrzut%20ekranu\.png$/);
    expect(new Uint8Array(await file.arrayBuffer())).to.deep.equal(PNG);

    // The link is shown once; afterwards the page no longer carries it.
    expect((await c.get(res.location!)).text).not.to.include(code);
  });

  it('when the form is sent twice (a double click), then one ticket is made and both answers lead to it', async () => {
    const c = new PortalClient(env.web.url, 'en');
    const fields = await fill(c, { title: 'Printer on floor 2 jams' });
    const before = await tickets();
    const [a, b] = await Promise.all([c.postMultipart('/report', reportForm(fields)), c.postMultipart('/report', reportForm(fields))]);
    expect([a.status, b.status]).to.deep.equal([303, 303]);
    expect(a.location).to.equal(b.location);
    expect(await tickets()).to.equal(before + 1);
  });

  it('when the title is empty, then the form comes back with the message beside the title, the other answers kept, and nothing is created', async () => {
    const c = new PortalClient(env.web.url, 'pl');
    const fields = await fill(c, { title: '   ', description: 'Opis problemu' });
    const before = await tickets();
    const res = await c.postMultipart('/report', reportForm(fields));
    expect(res.status).to.equal(422);
    expect(textOf(res.text, 'title-error')).to.equal('Uzupełnij to pole.');
    expect(res.text).to.match(/id="title"[^>]*aria-invalid="true"/);
    expect(res.text).to.include('>Opis problemu</textarea>');
    expect(hiddenValue(res.text, 'idempotencyKey')).to.equal(fields.idempotencyKey);
    expect(await tickets()).to.equal(before);
  });

  it('when a 20 MB file is attached, then it is refused with a clear message in German and neither a ticket nor an attachment is created', async () => {
    const c = new PortalClient(env.web.url, 'de');
    const fields = await fill(c, { title: 'Logdatei vom Absturz' });
    const [t0, a0] = [await tickets(), await attachments()];
    const big = new Uint8Array(20 * 1024 * 1024).fill(0x41);
    const res = await c.postMultipart('/report', reportForm(fields, [{ name: 'absturz.log', type: 'text/plain', data: big }]));
    expect(res.status).to.equal(422);
    expect(textOf(res.text, 'attachments-error')).to.equal('Die Datei absturz.log ist zu groß: Eine Datei darf höchstens 10 MB haben. Es wurde nichts gesendet; hängen Sie eine kleinere Datei an.');
    expect(res.text).to.include('value="Logdatei vom Absturz"');
    expect([await tickets(), await attachments()]).to.deep.equal([t0, a0]);
  });

  it('when the description is too large to send, then only that is said, beside the description, and nothing is created', async () => {
    const c = new PortalClient(env.web.url, 'en');
    const fields = await fill(c, { title: 'Paste of a whole log', description: 'x'.repeat(70 * 1024) });
    const before = await tickets();
    const res = await c.postMultipart('/report', reportForm(fields));
    expect(res.status).to.equal(422);
    expect(textOf(res.text, 'description-error')).to.equal('This is too long to send. Please shorten it.');
    // Not also "the form is too large", nor "please fill this in" for the field that was cut off.
    expect(decode(res.text)).to.not.include('The form is too large');
    expect(decode(res.text)).to.not.include('Please fill this in.');
    expect(await tickets()).to.equal(before);

    // A field the form does not have, too large, named like an object's own method: the form's own message, not a 500.
    const odd = await c.postMultipart('/report', reportForm({ ...(await fill(c)), hasOwnProperty: 'x'.repeat(70 * 1024) }));
    expect(odd.status).to.equal(422);
    expect(textOf(odd.text, 'form')).to.equal('The form is too large. Please shorten it.');
    expect(await tickets()).to.equal(before);
  });

  it('when a file is not of an allowed type (or lies about it), then it is refused and nothing is created', async () => {
    const c = new PortalClient(env.web.url, 'en');
    const fields = await fill(c, { title: 'Installer fails' });
    const before = await tickets();
    const exe = new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]);
    const renamed = await c.postMultipart('/report', reportForm(fields, [{ name: 'screenshot.png', type: 'image/png', data: exe }]));
    expect(renamed.status).to.equal(422);
    expect(textOf(renamed.text, 'attachments-error')).to.match(/^The file screenshot\.png cannot be attached\. Allowed types: png, jpg/);
    const fields2 = await fill(c, { title: 'Installer fails' });
    const plainExe = await c.postMultipart('/report', reportForm(fields2, [{ name: 'setup.exe', type: 'application/octet-stream', data: exe }]));
    expect(plainExe.status).to.equal(422);
    expect(await tickets()).to.equal(before);
  });

  it('when the description contains <script>, then it is shown as text, never run', async () => {
    const c = new PortalClient(env.web.url, 'en');
    const fields = await fill(c, { title: '<b>Bold</b> title', description: 'Look: <script>alert("x")</script> & <img src=x onerror=alert(1)>' });
    const res = await c.postMultipart('/report', reportForm(fields));
    expect(res.status).to.equal(303);
    const page = await c.get(res.location!);
    expect(page.text).not.to.include('<script>alert');
    expect(page.text).not.to.include('<img src=x');
    expect(page.text).to.include('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(textOf(page.text, 'ticket-description')).to.equal('Look: <script>alert("x")</script> & <img src=x onerror=alert(1)>');
    expect(page.headers.get('content-security-policy')).to.include("script-src 'self'");
  });

  it('when a signed-in requester reports, then the ticket is in "my tickets" with its status and what to expect, counted with the right plural form', async () => {
    const c = new PortalClient(env.web.url, 'pl');
    await c.signUp(env.db, `plural.${randomUUID().slice(0, 6)}@example.com`, 'plural password', 'pl');
    for (const title of ['Drukarka nie drukuje', 'Nie działa poczta w telefonie']) {
      const fields = await fill(c, { title });
      delete (fields as Partial<typeof fields>).email;
      expect((await c.postMultipart('/report', reportForm(fields))).status).to.equal(303);
    }
    const page = await c.get('/tickets');
    const text = decode(page.text);
    expect(text).to.include('Masz 2 zgłoszenia.');
    expect(text).to.include('Drukarka nie drukuje');
    expect(text).to.match(/Przyjęte|Przydzielone technikowi/);
    expect(text).to.match(/Odpowiemy w ciągu|Analizujemy Twoje zgłoszenie/);
  });

  it('when someone submits too many reports in an hour, then further ones get a localized 429 and nothing is created', async () => {
    // An app of its own with a low limit, on the same database, Temporal and worker.
    const pool = new pg.Pool({ connectionString: env.db.url, max: 2 });
    // As the web process's own pool: an idle connection that PostgreSQL ends (a later test ends them
    // all while this pool's limiter sweeps expired rows) is dropped, not thrown at the test run.
    pool.on('error', () => undefined);
    const app = createApp(await appDeps(env.config, env.db, env.client, { portal: { pgPool: pool, options: { limits: { reportsPerHour: 2 } } } }));
    const server = http.createServer(app).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      await reportsPastTheLimit(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      // Closed here, not at the end of the run: its limiter would otherwise go on sweeping.
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await pool.end();
    }
  });

  async function reportsPastTheLimit(base: string): Promise<void> {
    const c = new PortalClient(base, 'de');
    const before = await tickets();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await c.postMultipart('/report', reportForm(await fill(c, { title: '' })))).status);
    expect(statuses).to.deep.equal([422, 422, 429]);
    const last = await c.postMultipart('/report', reportForm(await fill(c, { title: 'Wirklich ein Problem' })));
    expect(last.status).to.equal(429);
    expect(textOf(last.text, 'error-message')).to.match(/^Sie haben in kurzer Zeit viele Meldungen gesendet\. Bitte versuchen Sie es in 60 Minuten erneut/);
    expect(await tickets()).to.equal(before);
  }
});
