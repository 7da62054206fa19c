import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { getEnv, type TestEnv } from './support/env.ts';
import { request } from './support/http.ts';

const report = (over: Record<string, unknown> = {}) => ({
  title: 'Laptop does not boot',
  description: 'Black screen after the BIOS logo since this morning.',
  requesterEmail: 'Anna.Kowalska@Example.com',
  impact: 'low',
  urgency: 'high',
  category: 'hardware',
  ...over,
});

describe('intake: POST /api/v1/tickets → workflow → read model', function () {
  this.timeout(120_000);
  let env: TestEnv;
  let base: string;
  const ticketCount = async () => {
    const [row] = await env.db.sequelize.query<{ n: string }>('SELECT count(*)::text AS n FROM tickets', { type: QueryTypes.SELECT });
    return Number(row!.n);
  };

  /** An HTTP call as agent@example.com (agents file reports for anyone). */
  const call = (method: string, path: string, opts: Parameters<typeof request>[3] = {}) => request(base, method, path, { token: env.agentToken, ...opts });

  before(async () => {
    env = await getEnv();
    base = env.web.url;
  });

  it('when a requester reports a problem, then the answer is the recorded ticket with a number, status new and its timeline', async () => {
    const res = await call('POST', '/api/v1/tickets', { body: report() });
    expect(res.status).to.equal(201);
    expect(res.body.number).to.match(/^HD-\d{4}-\d{6}$/);
    expect(res.body.number.slice(3, 7)).to.equal(String(new Date().getUTCFullYear()));
    expect(res.headers.get('location')).to.equal(`/api/v1/tickets/${res.body.number}`);
    expect(res.body).to.include({ title: 'Laptop does not boot', requesterEmail: 'anna.kowalska@example.com', status: 'new', impact: 'low', urgency: 'high', category: 'hardware', channel: 'api', locale: 'en' });
    expect(res.body.timeline).to.have.length(1);
    // Filed by the agent (the token's user) for the requester.
    expect(res.body.timeline[0]).to.include({ seq: 1, type: 'created', actor: 'agent@example.com' });
    expect(res.body.timeline[0].data).to.include({ requester: 'anna.kowalska@example.com' });

    // Readable at once, from PostgreSQL, by its number.
    const got = await call('GET', `/api/v1/tickets/${res.body.number}`);
    expect(got.status).to.equal(200);
    expect(got.body).to.deep.equal(res.body);

    // And its workflow runs under an id derived from the number.
    const desc = await env.client.workflow.getHandle(`ticket-${res.body.number}`).describe();
    expect(desc.status.name).to.equal('RUNNING');
  });

  it('when two tickets are reported, then they get different, increasing numbers', async () => {
    const a = await call('POST', '/api/v1/tickets', { body: report({ title: 'First' }) });
    const b = await call('POST', '/api/v1/tickets', { body: report({ title: 'Second' }) });
    expect(a.status).to.equal(201);
    expect(b.status).to.equal(201);
    expect(Number(b.body.number.slice(-6))).to.be.greaterThan(Number(a.body.number.slice(-6)));
  });

  it('when the same Idempotency-Key is sent again, even concurrently, then the same ticket comes back and no second one is made', async () => {
    const key = randomUUID();
    const before = await ticketCount();
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => call('POST', '/api/v1/tickets', { body: report({ title: 'Printer jam' }), headers: { 'Idempotency-Key': key } })));
    expect([a!.status, b!.status, c!.status]).to.deep.equal([201, 201, 201]);
    expect(new Set([a!.body.number, b!.body.number, c!.body.number]).size).to.equal(1);
    const replayed = [a!, b!, c!].filter((r) => r.headers.get('idempotent-replayed') === 'true');
    expect(replayed).to.have.length(2);
    expect(await ticketCount()).to.equal(before + 1);
    expect(a!.body.timeline).to.have.length(1);
  });

  it('when an Idempotency-Key is reused for a different report, then it is refused with 422 and nothing is created', async () => {
    const key = randomUUID();
    const first = await call('POST', '/api/v1/tickets', { body: report({ title: 'Monitor flickers' }), headers: { 'Idempotency-Key': key } });
    expect(first.status).to.equal(201);
    const before = await ticketCount();
    const second = await call('POST', '/api/v1/tickets', { body: report({ title: 'Keyboard missing keys' }), headers: { 'Idempotency-Key': key } });
    expect(second.status).to.equal(422);
    expect(second.body.error.code).to.equal('IDEMPOTENCY_KEY_REUSED');
    expect(second.body.error.message).to.match(/Idempotency-Key was already used for a different request/);
    expect(await ticketCount()).to.equal(before);
  });

  it('when fields are missing or wrong, then 422 names each field in the requester’s language and nothing is created', async () => {
    const before = await ticketCount();
    const pl = await call('POST', '/api/v1/tickets', {
      body: { title: '   ', requesterEmail: 'not-an-email', impact: 'huge', colour: 'red' },
      headers: { 'Accept-Language': 'pl-PL,pl;q=0.9' },
    });
    expect(pl.status).to.equal(422);
    expect(pl.body.error.code).to.equal('VALIDATION_FAILED');
    const byField = Object.fromEntries(pl.body.error.fields.map((f: { field: string; message: string }) => [f.field, f.message]));
    expect(byField).to.deep.equal({
      title: 'pole title jest wymagane',
      description: 'pole description jest wymagane',
      requesterEmail: 'pole requesterEmail musi być adresem e-mail',
      impact: 'pole impact musi mieć jedną z wartości: high, medium, low',
      colour: 'colour nie jest polem tego żądania',
    });
    expect(pl.body.error.message).to.match(/^Żądanie zawiera błędy: /);

    const de = await call('POST', '/api/v1/tickets', { body: report({ title: 'x'.repeat(201) }), headers: { 'Accept-Language': 'de' } });
    expect(de.status).to.equal(422);
    expect(de.body.error.fields).to.deep.equal([{ field: 'title', message: 'title darf höchstens 200 Zeichen lang sein' }]);

    const badLocale = await call('POST', '/api/v1/tickets', { body: report({ locale: 'xx' }) });
    expect(badLocale.status).to.equal(422);
    expect(badLocale.body.error.fields[0]).to.deep.equal({ field: 'locale', message: 'locale must be one of: en, pl, de' });
    expect(await ticketCount()).to.equal(before);
  });

  it('when the body is not JSON, then 400 says so and nothing is created', async () => {
    const before = await ticketCount();
    const res = await call('POST', '/api/v1/tickets', { rawBody: '{"title": "broken', headers: { 'content-type': 'application/json', 'Accept-Language': 'de' } });
    expect(res.status).to.equal(400);
    expect(res.body.error).to.deep.equal({ code: 'MALFORMED_JSON', message: 'Der Inhalt der Anfrage ist kein gültiges JSON.' });
    const arr = await call('POST', '/api/v1/tickets', { body: ['not', 'an', 'object'] });
    expect(arr.status).to.equal(422);
    expect(await ticketCount()).to.equal(before);
  });

  it('when markup is sent in a description, then it is stored as the text it is', async () => {
    const res = await call('POST', '/api/v1/tickets', { body: report({ description: '<script>alert(1)</script> screen is black' }) });
    expect(res.status).to.equal(201);
    expect(res.body.description).to.equal('<script>alert(1)</script> screen is black');
  });

  it('when a ticket number does not exist or is not a number, then 404 or 400 with a clear message', async () => {
    const missing = await call('GET', '/api/v1/tickets/HD-2026-999999', { headers: { 'Accept-Language': 'pl' } });
    expect(missing.status).to.equal(404);
    expect(missing.body.error).to.deep.equal({ code: 'NOT_FOUND', message: 'Nie ma zgłoszenia HD-2026-999999.' });
    const bad = await call('GET', '/api/v1/tickets/42');
    expect(bad.status).to.equal(400);
    expect(bad.body.error.code).to.equal('BAD_TICKET_NUMBER');
    const unknownRoute = await call('GET', '/api/v1/nothing-here');
    expect(unknownRoute.status).to.equal(404);
  });

  it('when health is asked, then PostgreSQL and Temporal are reported up', async () => {
    const res = await call('GET', '/healthz');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'ok', postgres: 'ok', temporal: 'ok', workers: 'ok' });
  });
});
