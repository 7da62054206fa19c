import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { getEnv } from './support/env.ts';
import { request } from './support/http.ts';
import { repoRoot } from './support/processes.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Routes declared in api/routes/*.ts, as "METHOD /api/v1/path" with OpenAPI-style parameters. */
function declaredRoutes(): string[] {
  const dir = path.join(repoRoot, 'api', 'routes');
  const found: string[] = [];
  for (const file of fs.readdirSync(dir)) {
    const src = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const m of src.matchAll(/router\.(get|post|put|patch|delete)\(\s*'([^']+)'/g)) {
      found.push(`${m[1]!.toUpperCase()} /api/v1${m[2]!.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return found.sort();
}

describe('the OpenAPI document at /api/v1/openapi.json', function () {
  this.timeout(120_000);

  it('describes every API route the app declares, and only those', async () => {
    const env = await getEnv();
    const doc = (await request(env.web.url, 'GET', '/api/v1/openapi.json')).body;
    expect(doc.openapi).to.equal('3.1.0');
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([p]) => p.startsWith('/api/v1/') && p !== '/api/v1/openapi.json')
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(documented).to.deep.equal(declaredRoutes());
  });

  it('matches what the API answers: each response validates against the documented schema for its status', async () => {
    const env = await getEnv();
    const doc = (await request(env.web.url, 'GET', '/api/v1/openapi.json')).body;
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    ajv.addSchema({ $id: 'openapi', components: doc.components }, 'openapi');
    const check = (p: string, method: string, res: { status: number; body: unknown }) => {
      const spec = doc.paths[p][method].responses[String(res.status)];
      expect(spec, `${method.toUpperCase()} ${p} documents status ${res.status}`).to.be.an("object");
      const ref: string = spec.content['application/json'].schema.$ref;
      const validate = ajv.getSchema(`openapi${ref}`)!;
      expect(validate(res.body), `${method.toUpperCase()} ${p} ${res.status}: ${ajv.errorsText(validate.errors)}`).to.equal(true);
    };
    const created = await request(env.web.url, 'POST', '/api/v1/tickets', { body: { title: 'Docs check', description: 'd', requesterEmail: 'docs@example.com' }, token: env.agentToken });
    check('/api/v1/tickets', 'post', created);
    check('/api/v1/tickets', 'post', await request(env.web.url, 'POST', '/api/v1/tickets', { body: { title: '' }, token: env.agentToken }));
    check('/api/v1/tickets', 'post', await request(env.web.url, 'POST', '/api/v1/tickets', { rawBody: '{', headers: { 'content-type': 'application/json' }, token: env.agentToken }));
    check('/api/v1/tickets/{number}', 'get', await request(env.web.url, 'GET', `/api/v1/tickets/${created.body.number}`, { token: env.agentToken }));
    check('/api/v1/tickets/{number}', 'get', await request(env.web.url, 'GET', '/api/v1/tickets/HD-1999-000001', { token: env.agentToken }));
    check('/api/v1/tickets/{number}', 'get', await request(env.web.url, 'GET', '/api/v1/tickets/nope', { token: env.agentToken }));
    const number = created.body.number as string;
    check('/api/v1/tickets/{number}/sla', 'get', await request(env.web.url, 'GET', `/api/v1/tickets/${number}/sla`, { token: env.agentToken }));
    const action = (name: string, body: unknown) => request(env.web.url, 'POST', `/api/v1/tickets/${number}/actions/${name}`, { body, token: env.agentToken });
    check('/api/v1/tickets/{number}/actions/{action}', 'post', await action('assign', { assignee: 'agent@example.com' }));
    check('/api/v1/tickets/{number}/actions/{action}', 'post', await action('reopen', { reason: 'x' }));
    check('/api/v1/tickets/{number}/actions/{action}', 'post', await action('resolve', {}));
    check('/api/v1/tickets/{number}/actions/{action}', 'post', await action('fly', {}));
    check('/api/v1/tickets/{number}/replies', 'post', await request(env.web.url, 'POST', `/api/v1/tickets/${number}/replies`, { body: { message: 'more info' }, token: await env.tokenFor('docs@example.com') }));
    check('/api/v1/tickets/{number}/replies', 'post', await request(env.web.url, 'POST', `/api/v1/tickets/${number}/replies`, { body: { message: 'more info' }, token: env.agentToken }));
    check('/api/v1/tickets/{number}/reclassify', 'post', await request(env.web.url, 'POST', `/api/v1/tickets/${number}/reclassify`, { body: { reason: 'new rules' }, token: await env.tokenFor('owner@example.com', 'process_owner') }));
    check('/api/v1/tickets/{number}', 'get', await request(env.web.url, 'GET', `/api/v1/tickets/${number}`));

    // The requester's shapes: documented, and told apart from the staff's (each matches its own schema only).
    const requester = await env.tokenFor('docs@example.com');
    const shape = (name: string, body: unknown) => ajv.getSchema(`openapi#/components/schemas/${name}`)!(body);
    const own = await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: requester });
    check('/api/v1/tickets/{number}', 'get', own);
    const staff = await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: env.agentToken });
    expect([shape('TicketPublic', own.body), shape('TicketStaff', own.body)]).to.deep.equal([true, false]);
    expect([shape('TicketPublic', staff.body), shape('TicketStaff', staff.body)]).to.deep.equal([false, true]);
    const ownSla = await request(env.web.url, 'GET', `/api/v1/tickets/${number}/sla`, { token: requester });
    check('/api/v1/tickets/{number}/sla', 'get', ownSla);
    expect([shape('SlaPublic', ownSla.body), shape('SlaStaff', ownSla.body)]).to.deep.equal([true, false]);
    const filed = await request(env.web.url, 'POST', '/api/v1/tickets', { body: { title: 'Docs check', description: 'mine' }, token: requester });
    check('/api/v1/tickets', 'post', filed);
    expect(shape('TicketPublic', filed.body)).to.equal(true);
    await action('resolve', { code: 'solved' });
    const reopened = await request(env.web.url, 'POST', `/api/v1/tickets/${number}/actions/reopen`, { body: { reason: 'still broken' }, token: requester });
    expect(reopened.status).to.equal(200);
    check('/api/v1/tickets/{number}/actions/{action}', 'post', reopened);
    expect(shape('TicketPublic', reopened.body)).to.equal(true);
    check('/api/v1/tickets/{number}/actions/{action}', 'post', await action('assign', { assignee: 'docs@example.com' }));
  });
});
