/**
 * Period replay checks as durable runs, on the real dev server and PostgreSQL: a run started
 * through the service is done by the worker's workflow, its progress and counts read by another
 * web process (its own connection pool); a run cancelled midway stops and says so; one cancelled
 * before any worker takes it is cancelled at once; bad periods are refused with their fields and
 * nothing is written; the API is for auditors and admins only.
 */
import { expect } from 'chai';
import { QueryTypes, Sequelize } from 'sequelize';
import { createAuditPeriodActivities } from '../activities/audit-run.ts';
import { ValidationError, type ServiceError } from '../services/errors.ts';
import { createAuditRuns, type AuditRunView } from '../services/audit/runs.ts';
import { auditPeriodWorkflowId } from '../workflows/audit-run-types.ts';
import { request } from './support/http.ts';
import { isolatedStack, onCleanup, type IsolatedStack } from './support/env.ts';
import { repositoriesOn } from './support/users.ts';
import { waitFor } from './support/processes.ts';
import { act, openTicket, waitForEvent } from './support/tickets.ts';

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const N = 60;

describe('audit: period replay checks as runs on the worker, with progress and cancel', function () {
  this.timeout(300_000);
  let stack: IsolatedStack;
  let runs: ReturnType<typeof createAuditRuns>;
  let elsewhere: ReturnType<typeof createAuditRuns>;
  let auditor: number;
  const today = { from: isoDay(Date.now()), to: isoDay(Date.now() + DAY) };
  const count = async (sql: string) => (await stack.db.sequelize.query<{ n: number }>(sql, { type: QueryTypes.SELECT }))[0]!.n;

  before(async () => {
    stack = await isolatedStack('audit-runs');
    // Tickets cancelled today: each one's history replays and its classification is recomputed.
    for (let i = 0; i < N; i += 10) {
      await Promise.all(Array.from({ length: Math.min(10, N - i) }, async (_, j) => {
        const number = await openTicket(stack, { title: `Duplicate ${i + j}`, description: 'Same as another one.' });
        await waitForEvent(stack, number, (e) => e.type === 'classified');
        expect((await act(stack, number, 'cancel', { reason: 'duplicate' })).status).to.equal(200);
        await waitForEvent(stack, number, (e) => e.type === 'cancelled');
      }));
    }
    await stack.tokenFor('auditor@example.com', 'auditor');
    auditor = (await stack.db.users.findByEmail('auditor@example.com'))!.id;
    runs = createAuditRuns({ runs: stack.db.auditRuns, temporal: stack.client, taskQueue: stack.taskQueue });
    // Another web process: its own connection pool to the same database (and the same Temporal).
    const other = new Sequelize(stack.db.url, { logging: false });
    onCleanup(() => other.close());
    elsewhere = createAuditRuns({ runs: repositoriesOn(other).auditRuns, temporal: stack.client, taskQueue: stack.taskQueue });
  });

  /** Polls another process's view until `done` says so; every view seen, in order. */
  async function follow(id: string, done: (v: AuditRunView) => boolean): Promise<AuditRunView[]> {
    const seen: AuditRunView[] = [];
    await waitFor(`run ${id}`, async () => {
      const v = await elsewhere.get(id);
      seen.push(v);
      return done(v) ? v : undefined;
    }, 180_000, 50);
    return seen;
  }

  it('when a period check is started, then another web process sees it queued or running with progress, then done: all reproducible', async () => {
    const started = await runs.start(today, { id: auditor });
    expect(started).to.deep.include({ status: 'queued', done: 0, total: null, requestedBy: auditor, cancelling: false });
    const seen = await follow(started.id, (v) => v.status === 'done');
    const last = seen[seen.length - 1]!;
    const midway = seen.filter((v) => v.status === 'running' && v.total === N && v.done > 0 && v.done < N);
    expect(midway.length, 'progress seen while it ran').to.be.greaterThan(0);
    expect(midway[0]!.counts.reproducible).to.equal(midway[0]!.done);
    expect(seen.map((v) => v.done)).to.deep.equal([...seen.map((v) => v.done)].sort((a, b) => a - b));
    expect(last).to.deep.include({ status: 'done', done: N, total: N, error: null, cancelling: false, differing: [] });
    expect(last.counts).to.deep.equal({ reproducible: N, differing: 0, unreadable: 0 });
    expect(last.finishedAt).to.be.a('string');
    // Its start is in the audit log, by the auditor.
    const [entry] = await stack.db.sequelize.query<{ actor: string; details: Record<string, unknown> }>(
      `SELECT actor, details FROM audit_log WHERE action = 'audit.period_check_started' AND subject = :s`, { replacements: { s: `audit-run:${started.id}` }, type: QueryTypes.SELECT });
    expect(entry).to.deep.include({ actor: `user:${auditor}` });
    expect(entry!.details).to.deep.include({ from: `${today.from}T00:00:00.000Z`, to: `${today.to}T00:00:00.000Z` });
    const handle = stack.client.workflow.getHandle(auditPeriodWorkflowId(started.id));
    expect(await handle.result()).to.deep.equal({ runId: started.id, status: 'done', done: N, total: N });
    // Cancelling a finished run changes nothing; the recent list has it first.
    expect(await runs.cancel(started.id)).to.deep.include({ status: 'done', cancelRequestedAt: null });
    expect((await elsewhere.list())[0]).to.deep.include({ id: started.id, status: 'done' });
  });

  it('when a running check is cancelled, then it stops before the end, says cancelled, and its workflow is closed', async () => {
    const { id } = await runs.start(today, { id: auditor });
    await follow(id, (v) => v.status === 'running');
    const asked = await elsewhere.cancel(id);
    expect(asked.cancelRequestedAt).to.be.a('string');
    const seen = await follow(id, (v) => v.status === 'cancelled');
    const last = seen[seen.length - 1]!;
    expect(last).to.deep.include({ status: 'cancelled', error: null, cancelling: false });
    expect(last.done).to.be.lessThan(N);
    expect(last.counts.reproducible).to.equal(last.done);
    const handle = stack.client.workflow.getHandle(auditPeriodWorkflowId(id));
    const closed = await waitFor('the workflow closed', async () => {
      const d = await handle.describe();
      return d.status.name === 'RUNNING' ? undefined : d.status.name;
    }, 30_000, 100);
    expect(['CANCELLED', 'COMPLETED']).to.include(closed);
    const [row] = await stack.db.sequelize.query<{ status: string; done: number }>(`SELECT status, done FROM audit_runs WHERE id = :id::uuid`, { replacements: { id }, type: QueryTypes.SELECT });
    expect(row).to.deep.equal({ status: 'cancelled', done: last.done });
  });

  it('when a check is cancelled before any worker takes it, then it is cancelled at once', async () => {
    await stack.stopWorker();
    try {
      const { id } = await runs.start(today, { id: auditor });
      expect((await runs.get(id)).status).to.equal('queued');
      // One check at a time: a second is refused while this one waits, and nothing is written.
      const before = await count(`SELECT count(*)::int AS n FROM audit_runs`);
      const second = await request(stack.web.url, 'POST', '/api/v1/audit/runs', { token: await stack.tokenFor('auditor@example.com', 'auditor'), body: today, headers: { 'Accept-Language': 'de' } });
      expect(second.status).to.equal(409);
      expect(second.body.error).to.deep.include({ code: 'AUDIT_RUN_IN_PROGRESS' });
      expect(second.body.error.message).to.match(/^Eine andere Zeitraumprüfung läuft noch: Es läuft immer nur eine/);
      expect(await count(`SELECT count(*)::int AS n FROM audit_runs`)).to.equal(before);
      expect(await runs.cancel(id)).to.deep.include({ status: 'cancelled', cancelling: false });
    } finally {
      await stack.startWorker();
    }
  });

  it('when a cancellation is asked for while no attempt runs, then the next attempt ends the run as cancelled without checking', async () => {
    const run = await stack.db.auditRuns.create({ requestedBy: auditor, period: { fromMs: Date.parse(today.from), toMs: Date.parse(today.to) } });
    expect(await stack.db.auditRuns.claim(run.id)).to.not.equal(undefined);
    await stack.db.auditRuns.requestCancel(run.id);
    expect(await elsewhere.get(run.id)).to.deep.include({ status: 'running', cancelling: true });
    const activities = createAuditPeriodActivities({ auditRuns: stack.db.auditRuns, auditPeriod: { tickets: () => expect.fail('counted'), check: () => expect.fail('checked') } });
    expect(await activities.checkAuditPeriod({ runId: run.id })).to.deep.include({ runId: run.id, status: 'cancelled' });
    expect(await elsewhere.get(run.id)).to.deep.include({ status: 'cancelled', cancelling: false, error: null });
  });

  it('when the period is wrong, or the run does not exist, then it is refused with the fields named and nothing is written', async () => {
    const token = await stack.tokenFor('auditor@example.com', 'auditor');
    const runsBefore = await count(`SELECT count(*)::int AS n FROM audit_runs`);
    const logBefore = await count(`SELECT count(*)::int AS n FROM audit_log`);
    const refusal = (p: Promise<unknown>) => p.then(() => expect.fail('accepted'), (e: ServiceError) => [e.status, e.code, ...(e instanceof ValidationError ? e.fields.map((f) => `${f.field}:${f.key}`) : [])]);
    expect(await refusal(runs.start({ from: today.to, to: today.from }, { id: auditor }))).to.deep.equal([422, 'VALIDATION_FAILED', 'to:periodOrder']);
    expect(await refusal(runs.start({ from: 'yesterday', to: today.to }, { id: auditor }))).to.deep.equal([422, 'VALIDATION_FAILED', 'from:invalid']);
    expect(await refusal(runs.start({ from: '2026-02-30', to: '' }, { id: auditor }))).to.deep.equal([422, 'VALIDATION_FAILED', 'from:invalid', 'to:required']);
    expect(await refusal(runs.start({ from: '2026-11-01T10:00', to: '2026-12-01' }, { id: auditor })), 'an instant without a zone').to.deep.equal([422, 'VALIDATION_FAILED', 'from:invalid']);
    expect(await refusal(runs.start({ from: '2020-01-01', to: '2026-01-01' }, { id: auditor }))).to.deep.equal([422, 'VALIDATION_FAILED', 'to:periodTooLong']);
    expect(await refusal(runs.get('00000000-0000-4000-8000-000000000000'))).to.deep.equal([404, 'NOT_FOUND']);
    expect(await refusal(runs.cancel('not-a-run'))).to.deep.equal([404, 'NOT_FOUND']);
    // Through the API, in the caller's language, each field named.
    const api = await request(stack.web.url, 'POST', '/api/v1/audit/runs', { token, body: { from: today.to, to: today.from }, headers: { 'Accept-Language': 'de' } });
    expect([api.status, api.body.error.code, api.body.error.fields.map((f: { field: string }) => f.field)]).to.deep.equal([422, 'VALIDATION_FAILED', ['to']]);
    expect(api.body.error.fields[0].message).to.match(/später|Zeitraum/);
    const unknown = await request(stack.web.url, 'POST', '/api/v1/audit/runs', { token, body: { from: today.from, to: today.to, tickets: ['x'] } });
    expect([unknown.status, unknown.body.error.fields[0].field]).to.deep.equal([422, 'tickets']);
    const missing = await request(stack.web.url, 'GET', '/api/v1/audit/runs/00000000-0000-4000-8000-000000000000', { token, headers: { 'Accept-Language': 'pl' } });
    expect([missing.status, missing.body.error.message]).to.deep.equal([404, 'Nie ma sprawdzenia okresu 00000000-0000-4000-8000-000000000000.']);
    expect(await count(`SELECT count(*)::int AS n FROM audit_runs`)).to.equal(runsBefore);
    expect(await count(`SELECT count(*)::int AS n FROM audit_log`)).to.equal(logBefore);
  });

  it('through the API: an auditor or admin starts, follows, lists and cancels; agent, process owner and requester are refused 403', async () => {
    for (const [email, role] of [['auditor@example.com', 'auditor'], ['admin@example.com', 'admin']] as const) {
      const token = await stack.tokenFor(email, role);
      const started = await request(stack.web.url, 'POST', '/api/v1/audit/runs', { token, body: today });
      expect(started.status, role).to.equal(202);
      expect(started.headers.get('location')).to.equal(`/api/v1/audit/runs/${started.body.id}`);
      expect(started.body).to.deep.include({ status: 'queued', period: { from: `${today.from}T00:00:00.000Z`, to: `${today.to}T00:00:00.000Z` } });
      const got = await request(stack.web.url, 'GET', `/api/v1/audit/runs/${started.body.id}`, { token });
      expect([got.status, got.body.id]).to.deep.equal([200, started.body.id]);
      const listed = await request(stack.web.url, 'GET', '/api/v1/audit/runs?limit=2', { token });
      expect([listed.status, listed.body.runs.length, listed.body.runs[0].id]).to.deep.equal([200, 2, started.body.id]);
      const cancelled = await request(stack.web.url, 'POST', `/api/v1/audit/runs/${started.body.id}/cancel`, { token, body: {} });
      expect(cancelled.status).to.equal(200);
      expect(['cancelled', 'running', 'done']).to.include(cancelled.body.status);
      // It settles (cancelled, or done if it finished first) before the next one may start.
      expect(await waitFor('the run settled', async () => {
        const v = await elsewhere.get(started.body.id);
        return v.status === 'queued' || v.status === 'running' ? undefined : v.status;
      }, 30_000, 100)).to.be.oneOf(['cancelled', 'done']);
    }
    const runsBefore = await count(`SELECT count(*)::int AS n FROM audit_runs`);
    const [some] = await elsewhere.list(1);
    for (const [email, role] of [['agent2@example.com', 'agent'], ['owner@example.com', 'process_owner'], ['someone@example.com', 'requester']] as const) {
      const token = await stack.tokenFor(email, role);
      for (const [method, path] of [['POST', '/api/v1/audit/runs'], ['GET', '/api/v1/audit/runs'], ['GET', `/api/v1/audit/runs/${some!.id}`], ['POST', `/api/v1/audit/runs/${some!.id}/cancel`]] as const) {
        const refused = await request(stack.web.url, method, path, { token, ...(method === 'POST' ? { body: today } : {}), headers: { 'Accept-Language': 'pl' } });
        expect(refused.status, `${role} ${method} ${path}`).to.equal(403);
        expect(refused.body.error.message).to.match(/^Twoja rola \(.+\) nie pozwala na to\.$/);
      }
    }
    expect(await count(`SELECT count(*)::int AS n FROM audit_runs`)).to.equal(runsBefore);
  });
});
