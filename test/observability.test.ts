/**
 * What an operator sees (observability/): /metrics with intake, action and breach-lateness
 * figures from a real stack (dev server, PostgreSQL, worker and web in this process), who may
 * scrape it, request ids, and the servers' JSON log lines without personal data.
 */
import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { act, openTicket, waitForEvent } from './support/tickets.ts';
import { fastRulesText } from './fixtures/fast-rules.ts';
import { mayScrape } from '../observability/metrics.ts';
import { repoRoot } from './support/processes.ts';

/** One sample of the Prometheus text: the value of `name{labels…}` (labels in any order), 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] as string).matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}

describe('observability: metrics, request ids and JSON logs', function () {
  this.timeout(120_000);
  let stack: IsolatedStack;
  const scrape = async (): Promise<string> => {
    const res = await fetch(`${stack.web.url}/metrics`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/plain/);
    return res.text();
  };

  before(async () => {
    stack = await isolatedStack('observability', fastRulesText());
  });

  it('when tickets are filed, refused and breach, then /metrics counts the intake by outcome and the breach lateness by clock', async () => {
    const before = await scrape();
    const created = (t: string) => sample(t, 'helpdesk_intake_duration_seconds_count', { channel: 'api', outcome: 'created' });
    const refused = (t: string) => sample(t, 'helpdesk_intake_duration_seconds_count', { channel: 'api', outcome: 'refused' });
    const breaches = (t: string) => sample(t, 'helpdesk_sla_breach_lateness_seconds_count', { clock: 'response' });

    const number = await openTicket(stack, { title: 'Production database down', impact: 'high', urgency: 'high' });
    const bad = await request(stack.web.url, 'POST', '/api/v1/tickets', { token: stack.agentToken, body: { title: '' } });
    expect(bad.status).to.equal(422);
    // Response target 4 s (test/fixtures/fast-rules.ts): the breach is recorded a few seconds later.
    const breach = await waitForEvent(stack, number, (e) => e.type === 'sla_breached' && e.data.clock === 'response', 20_000);

    const after = await scrape();
    expect(created(after) - created(before)).to.equal(1);
    expect(refused(after) - refused(before)).to.equal(1);
    expect(breaches(after) - breaches(before)).to.be.at.least(1);
    // The histogram holds the lateness the breach recorded (in seconds, in a bucket at or above it).
    const late = Number(breach.data.lateByMs) / 1000;
    const bucket = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 300, 600].find((le) => le >= late);
    expect(bucket, `lateness ${late} s`).to.not.equal(undefined);
    const inBucket = (t: string) => sample(t, 'helpdesk_sla_breach_lateness_seconds_bucket', { clock: 'response', le: String(bucket) });
    expect(inBucket(after) - inBucket(before)).to.be.at.least(1);
    // Requests by route pattern, never by URL: the ticket number is not in the metrics.
    expect(sample(after, 'helpdesk_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/tickets', status: '2xx' })).to.be.at.least(1);
    expect(after).to.not.include(number);
    // The process's own figures too.
    expect(after).to.match(/^helpdesk_process_resident_memory_bytes \d+/m);
  });

  it('when a staff action is taken on a ticket, then its latency is counted under the route pattern', async () => {
    await stack.tokenFor('l1.agent@example.com', 'agent');
    const number = await openTicket(stack);
    const route = '/api/v1/tickets/:number/actions/:action';
    const count = async (status: string) => sample(await scrape(), 'helpdesk_action_duration_seconds_count', { route, status });
    const [ok0, refused0] = [await count('2xx'), await count('4xx')];
    expect((await act(stack, number, 'assign', { assignee: 'l1.agent@example.com' })).status).to.equal(200);
    expect((await act(stack, number, 'resolve', {})).status).to.be.within(400, 499); // refused: not started, no resolution
    expect(await count('2xx') - ok0).to.equal(1);
    expect(await count('4xx') - refused0).to.equal(1);
  });

  it('when a request comes with an X-Request-Id, then the answer carries it back; without one (or a bad one) it gets a new id', async () => {
    const given = await request(stack.web.url, 'GET', '/healthz', { headers: { 'X-Request-Id': 'lb-7f3a-0001' } });
    expect(given.headers.get('x-request-id')).to.equal('lb-7f3a-0001');
    const none = await request(stack.web.url, 'GET', '/healthz');
    expect(none.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    const bad = await request(stack.web.url, 'GET', '/healthz', { headers: { 'X-Request-Id': 'has spaces and "quotes"' } });
    expect(bad.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
  });

  it('decides who may scrape: with a token only its bearer, without one only this machine', () => {
    expect(mayScrape(null, undefined, '127.0.0.1')).to.equal(true);
    expect(mayScrape(null, undefined, '::1')).to.equal(true);
    expect(mayScrape(null, 'Bearer anything', '10.1.2.3')).to.equal(false);
    expect(mayScrape('s3cret-token', 'Bearer s3cret-token', '10.1.2.3')).to.equal(true);
    expect(mayScrape('s3cret-token', 'Bearer s3cret-tokeN', '10.1.2.3')).to.equal(false);
    expect(mayScrape('s3cret-token', undefined, '127.0.0.1')).to.equal(false);
  });

  it('when the servers log as JSON, then each line is one object with its time, level and component, and the request line names the route, not the URL', async () => {
    const script = `
      import express from 'express';
      import { componentLogger, lineLogger } from './observability/logger.ts';
      import { requestTelemetry } from './api/telemetry.ts';
      lineLogger('helpdesk')('[web] mail-in: SMTP on 127.0.0.1:2525');
      const app = express();
      app.use(requestTelemetry(componentLogger('web')));
      app.get('/api/v1/tickets/:number', (_req, res) => { res.json({}); });
      const server = app.listen(0, '127.0.0.1', async () => {
        const port = server.address().port;
        await fetch('http://127.0.0.1:' + port + '/api/v1/tickets/HD-2026-000042?email=anna%40example.com', { headers: { 'X-Request-Id': 'r-1' } });
        server.close();
      });`;
    const lines = await new Promise<string[]>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, env: { ...process.env, HELPDESK_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('exit', () => resolve(out.trim().split('\n')));
    });
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed[0]).to.include({ level: 'info', component: 'web', msg: 'mail-in: SMTP on 127.0.0.1:2525' });
    expect(parsed[0]!.time).to.match(/^\d{4}-\d\d-\d\dT/);
    expect(parsed[1]).to.include({ level: 'info', component: 'web', msg: 'request', req: 'r-1', method: 'GET', route: '/api/v1/tickets/:number', status: 200 });
    expect(lines.join('\n')).to.not.include('anna').and.to.not.include('HD-2026-000042');
  });
});
