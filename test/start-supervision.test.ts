import { expect } from 'chai';
import fs from 'node:fs';
import { pidAlive } from '../runtime/data-lock.ts';
import { startHelpdeskProcess, type StartedHelpdesk } from './support/helpdesk-process.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';

describe('helpdesk start supervises the embedded parts it started', function () {
  this.timeout(120_000);
  let helpdesk: StartedHelpdesk;
  let token: string;
  let open: string;

  const newTicket = async (title: string) => {
    const created = await request(helpdesk.url, 'POST', '/api/v1/tickets', {
      body: { title, description: 'Filed while parts restart', requesterEmail: 'ola@example.com', impact: 'medium', urgency: 'medium' },
      token,
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    return created.body.number as string;
  };
  const act = async (action: string, body: Record<string, unknown> = {}) => {
    const done = await request(helpdesk.url, 'POST', `/api/v1/tickets/${open}/actions/${action}`, { body, token });
    expect(done.status, JSON.stringify(done.body)).to.equal(200);
    return done.body;
  };
  /** /healthz as a client sees it, and how long it took. */
  const health = async () => {
    const t0 = Date.now();
    const res = await request(helpdesk.url, 'GET', '/healthz');
    return { ...res, ms: Date.now() - t0 };
  };

  before(async () => {
    helpdesk = await startHelpdeskProcess({ HELPDESK_SEED_DEMO: 'true' });
    token = helpdesk.demoToken!;
    expect(token).to.match(/^hd_/);
    open = await newTicket('Laptop does not boot');
    // Classified first, so the actions below are its next steps whatever the outages delay.
    await waitFor('classification', async () => {
      const got = await request(helpdesk.url, 'GET', `/api/v1/tickets/${open}`, { token });
      return got.body.timeline?.some((e: { type: string }) => e.type === 'classified');
    }, 30_000);
  });
  after(async () => {
    await helpdesk?.dispose();
  });

  it('when the dev server hangs, then /healthz answers within a second that temporal is down', async () => {
    const pid = helpdesk.devServerPid();
    process.kill(pid, 'SIGSTOP');
    try {
      await waitFor('the dev server to be stopped', async () => /^State:\s+T/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8')), 5_000, 20);
      const res = await health();
      expect(res.ms).to.be.below(1_000);
      expect(res.status).to.equal(503);
      expect(res.body).to.deep.equal({ status: 'degraded', postgres: 'ok', temporal: 'down', workers: 'unknown' });
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor('healthy again', async () => (await health()).status === 200, 10_000);
  });

  it('when the dev server is killed, then it is back on the same file within seconds, the open ticket goes on and a new one is accepted', async () => {
    const before = helpdesk.devServerPid();
    const killedAt = Date.now();
    process.kill(before, 'SIGKILL');
    await helpdesk.proc.waitForOutput(/Temporal dev server exited \(signal SIGKILL\); restarting \(attempt 1\)…/, 10_000);
    await helpdesk.proc.waitForOutput(/Temporal dev server is running again at 127\.0\.0\.1:\d+\./, 30_000);
    const after = helpdesk.devServerPid();
    expect(after).not.to.equal(before);
    expect(pidAlive(after)).to.equal(true);
    await waitFor('healthy again', async () => (await health()).status === 200, 15_000);
    expect(Date.now() - killedAt).to.be.below(20_000);
    // The same SQLite file: the ticket opened before is still running and takes its next action.
    const assigned = await act('assign', { assignee: 'l1.agent@example.com' });
    expect(assigned).to.include({ status: 'assigned', assignee: 'l1.agent@example.com' });
    await newTicket('After the dev server came back');
  });

  it('when the embedded PostgreSQL is killed, then it is back on the same folder within seconds, the open ticket goes on and a new one is accepted', async () => {
    const before = helpdesk.postmasterPid();
    const killedAt = Date.now();
    process.kill(before, 'SIGKILL');
    const during = await health();
    expect(during.ms).to.be.below(1_000);
    if (during.status !== 200) expect(during.body).to.deep.include({ status: 'degraded', postgres: 'down', temporal: 'ok' });
    await helpdesk.proc.waitForOutput(/Embedded PostgreSQL exited \(signal SIGKILL\); restarting \(attempt 1\)…/, 10_000);
    await helpdesk.proc.waitForOutput(/Embedded PostgreSQL is running again on port \d+\./, 30_000);
    expect(helpdesk.postmasterPid()).not.to.equal(before);
    await waitFor('healthy again', async () => (await health()).status === 200, 15_000);
    expect(Date.now() - killedAt).to.be.below(20_000);
    const started = await act('start');
    expect(started.status).to.equal('in_progress');
    expect(started.timeline.map((e: { type: string }) => e.type)).to.include.members(['created', 'assigned']);
    const number = await newTicket('After PostgreSQL came back');
    const got = await request(helpdesk.url, 'GET', `/api/v1/tickets/${number}`, { token });
    expect(got.status).to.equal(200);
    // One line per restart, no flood of retry warnings from the outages.
    const warnings = helpdesk.proc.output().split('\n').filter((l) => l.includes('WARN'));
    expect(warnings.length, warnings.join('\n')).to.be.below(10);
    if (process.env.TEST_VERBOSE) console.error(helpdesk.proc.output());
  });
});
