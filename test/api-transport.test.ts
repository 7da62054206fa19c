import { expect } from 'chai';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../api/app.ts';
import { appDeps } from '../runtime/compose.ts';
import { getEnv, type TestEnv } from './support/env.ts';
import { request } from './support/http.ts';

describe('web process: how answers may be carried and kept', function () {
  this.timeout(120_000);
  let env: TestEnv;

  before(async () => {
    env = await getEnv();
  });

  it('when the JSON API answers, then it may not be cached or sniffed as another type', async () => {
    const res = await request(env.web.url, 'GET', '/api/v1/tickets/HD-2026-999999', { token: env.agentToken });
    expect(res.status).to.equal(404);
    expect(res.headers.get('cache-control')).to.equal('no-store');
    expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
    const unauthenticated = await request(env.web.url, 'GET', '/api/v1/tickets/HD-2026-999999');
    expect(unauthenticated.status).to.equal(401);
    expect(unauthenticated.headers.get('cache-control')).to.equal('no-store');
  });

  it('when a body that is not JSON is sent to a JSON route, then it is refused with 415 in the caller’s language and no ticket is made', async () => {
    const before = await env.db.tickets.list({ limit: 1000 });
    const form = await request(env.web.url, 'POST', '/api/v1/tickets', { rawBody: 'title=Printer&impact=low', headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-language': 'pl' }, token: env.agentToken });
    expect(form.status).to.equal(415);
    expect(form.body.error).to.deep.equal({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Wyślij treść żądania jako application/json.' });
    const plain = await request(env.web.url, 'POST', '/api/v1/tickets', { rawBody: '{"title":"Printer"}', headers: { 'content-type': 'text/plain' }, token: env.agentToken });
    expect(plain.status).to.equal(415);
    expect(plain.body.error.message).to.equal('Send the request body as application/json.');
    expect((await env.db.tickets.list({ limit: 1000 })).length).to.equal(before.length);
    // JSON, even with a charset or a +json type, is read as before.
    const json = await request(env.web.url, 'POST', '/api/v1/tickets', { rawBody: '{', headers: { 'content-type': 'application/merge-patch+json; charset=utf-8' }, token: env.agentToken });
    expect(json.status).to.equal(400);
    expect(json.body.error.code).to.equal('MALFORMED_JSON');
  });

  it('when served over HTTPS through a trusted proxy, then every answer asks browsers to keep to HTTPS; over plain HTTP it does not', async () => {
    const app = createApp({ ...(await appDeps(env.config, env.db, env.client)), intakeWaitMs: 1000, trustProxy: ['loopback'] });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const https = await request(base, 'GET', '/api/v1/openapi.json', { headers: { 'x-forwarded-proto': 'https' } });
      expect(https.headers.get('strict-transport-security')).to.equal('max-age=31536000; includeSubDomains');
      const plain = await request(base, 'GET', '/api/v1/openapi.json');
      expect(plain.headers.get('strict-transport-security')).to.equal(null);
      // The test environment trusts no proxy: a forged header does not make it HTTPS.
      const forged = await request(env.web.url, 'GET', '/api/v1/openapi.json', { headers: { 'x-forwarded-proto': 'https' } });
      expect(forged.headers.get('strict-transport-security')).to.equal(null);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('web process: what a fault leaves in the log', function () {
  this.timeout(120_000);

  it('when a request fails with 503, then the log names the route, never the address with its number, code or search text', async () => {
    const env = await getEnv();
    const lines: string[] = [];
    const app = createApp({
      ...(await appDeps(env.config, env.db, env.client, { log: (line) => lines.push(line) })),
      tickets: { ...env.db.tickets, get: () => Promise.reject(new Error('the read model is unreachable')) },
      intakeWaitMs: 1000,
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await request(base, 'GET', '/api/v1/tickets/HD-2026-424242?q=anna.kowalska@example.com', { token: env.agentToken });
      expect(res.status).to.equal(503);
      expect(lines).to.have.length(1);
      expect(lines[0]).to.equal('[web] GET /api/v1/tickets/:number → 503: Error: the read model is unreachable');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
