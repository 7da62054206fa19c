/* eslint-disable @typescript-eslint/no-explicit-any -- rows are inspected field by field */
/**
 * What-if runs on the real dev server: a run started through one web process's service is done by
 * the worker's workflow, its progress and result read from PostgreSQL by another (its own
 * connection pool), and a run cancelled midway stops and says so; bad input is refused before
 * anything runs. A run whose cancellation was asked for while no attempt ran ends cancelled when
 * one comes; a run that fails keeps a code, which its page says in the reader's language, and no
 * internal message reaches the page, the API or the worker's log.
 */
import { expect } from 'chai';
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { QueryTypes, Sequelize } from 'sequelize';
import { createWhatIfActivities } from '../activities/what-if.ts';
import { RulesValidationError } from '../rules/validate.ts';
import { ValidationError, type ServiceError } from '../services/errors.ts';
import { checkPeriod, createWhatIfRuns, type WhatIfRunView } from '../services/rules-admin/what-if-runs.ts';
import { PortalClient, textOf } from './portal-client.ts';
import { localeT } from './support/admin-browser.ts';
import { request } from './support/http.ts';
import { makeUser, signInEnrolled } from './support/staff.ts';
import { whatIfWorkflowId } from '../workflows/what-if-types.ts';
import type { RulesFile } from '../rules/types.ts';
import { isolatedStack, onCleanup, type IsolatedStack } from './support/env.ts';
import { repositoriesOn } from './support/users.ts';
import { waitFor } from './support/processes.ts';
import { openTicket, waitForEvent } from './support/tickets.ts';

/** Past tickets made in bulk: copies of one real classified ticket, a second apart, each with its recorded decision. */
async function pastTickets(stack: IsolatedStack, model: string, n: number, endMs: number): Promise<void> {
  await stack.db.sequelize.query(
    `INSERT INTO tickets (number, workflow_id, title, description, requester_email, locale, channel, impact, urgency, status, created_at, updated_at, last_event_seq)
     SELECT 'PAST-2026-' || lpad(i::text, 6, '0'), 'past-' || i, t.title, t.description, t.requester_email, t.locale, t.channel, t.impact, t.urgency, 'new',
            to_timestamp((:end - i * 1000) / 1000.0), to_timestamp((:end - i * 1000) / 1000.0), 1
       FROM generate_series(1, :n) AS i, tickets t WHERE t.number = :model`,
    { replacements: { n, model, end: endMs } },
  );
  await stack.db.sequelize.query(
    `INSERT INTO ticket_decisions (ticket_number, kind, decided_at, rules_version, rules_hash, facts, outcome)
     SELECT p.number, 'classified', p.created_at, d.rules_version, d.rules_hash, d.facts, d.outcome
       FROM tickets p, ticket_decisions d WHERE p.number LIKE 'PAST-%' AND d.ticket_number = :model`,
    { replacements: { model } },
  );
}

describe('rules admin: what-if runs on the worker, with progress and cancel', function () {
  this.timeout(180_000);
  const N = 20_000;
  let stack: IsolatedStack;
  let runs: ReturnType<typeof createWhatIfRuns>;
  let elsewhere: ReturnType<typeof createWhatIfRuns>;
  let owner: number;
  let candidate: RulesFile;
  let period: { from: string; to: string };

  before(async () => {
    stack = await isolatedStack('what-if-runs');
    const model = await openTicket(stack, { title: 'VPN drops', impact: 'medium', urgency: 'medium' });
    await waitForEvent(stack, model, (e) => e.type === 'classified');
    const end = Date.now() - 60_000;
    await pastTickets(stack, model, N, end);
    await stack.tokenFor('owner@example.com', 'process_owner');
    owner = (await stack.db.users.findByEmail('owner@example.com'))!.id;
    candidate = structuredClone((await stack.db.rules.active()).file);
    candidate.priorityMatrix.medium.medium = 'P2';
    period = { from: new Date(end - (N + 10) * 1000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };
    runs = createWhatIfRuns({ runs: stack.db.whatIfRuns, temporal: stack.client, taskQueue: stack.taskQueue });
    // Another web process: its own connection pool to the same database (and the same Temporal).
    const other = new Sequelize(stack.db.url, { logging: false });
    onCleanup(() => other.close());
    elsewhere = createWhatIfRuns({ runs: repositoriesOn(other).whatIfRuns, temporal: stack.client, taskQueue: stack.taskQueue });
  });

  /** Polls another process's view until `done` says so; every view seen, in order. */
  async function follow(id: string, done: (v: WhatIfRunView) => boolean): Promise<WhatIfRunView[]> {
    const seen: WhatIfRunView[] = [];
    await waitFor(`run ${id}`, async () => {
      const v = await elsewhere.get(id);
      seen.push(v);
      return done(v) ? v : undefined;
    }, 120_000, 50);
    return seen;
  }

  it('when a what-if is started, then another web process sees it queued or running with progress, then done with its figures', async () => {
    const id = await runs.start(candidate, period, { id: owner }, { draftId: 7 });
    const seen = await follow(id, (v) => v.status === 'done');
    const last = seen[seen.length - 1]!;
    const midway = seen.filter((v) => v.status === 'running' && v.total !== null && v.done > 0 && v.done < v.total);
    expect(midway.length, 'progress seen while it ran').to.be.greaterThan(0);
    expect(seen.map((v) => v.done)).to.deep.equal([...seen.map((v) => v.done)].sort((a, b) => a - b));
    expect(last).to.deep.include({ status: 'done', done: N + 1, total: N + 1, requestedBy: owner, draftId: 7, error: null, cancelling: false });
    expect(last.finishedAt).to.be.a('string');
    expect(last.result).to.deep.include({ seen: N + 1, evaluated: N + 1, skipped: 0 });
    expect(last.result!.changed.priority, 'medium × medium became P2').to.equal(N + 1);
    // The row is done as the activity finishes; its workflow completes right after.
    const handle = stack.client.workflow.getHandle(whatIfWorkflowId(id));
    expect(await waitFor('the workflow closed', async () => {
      const d = await handle.describe();
      return d.status.name === 'RUNNING' ? undefined : d.status.name;
    }, 30_000, 100)).to.equal('COMPLETED');
    expect(await handle.result()).to.deep.equal({ runId: id, status: 'done', done: N + 1, total: N + 1 });
    // Cancelling a finished run changes nothing.
    expect(await runs.cancel(id)).to.deep.include({ status: 'done', cancelRequestedAt: null });
  });

  it('when a running what-if is cancelled, then it stops before the end, says cancelled, and its workflow is closed', async () => {
    const id = await runs.start(candidate, period, { id: owner });
    await follow(id, (v) => v.status === 'running' && v.done > 0);
    const asked = await elsewhere.cancel(id);
    expect(asked.cancelRequestedAt).to.be.a('string');
    expect(['running', 'cancelled']).to.include(asked.status);
    const seen = await follow(id, (v) => v.status === 'cancelled');
    const last = seen[seen.length - 1]!;
    expect(last).to.deep.include({ status: 'cancelled', result: null, error: null, cancelling: false });
    expect(last.done).to.be.lessThan(N + 1);
    expect(last.finishedAt).to.be.a('string');
    const handle = stack.client.workflow.getHandle(whatIfWorkflowId(id));
    const closed = await waitFor('the workflow closed', async () => {
      const d = await handle.describe();
      return d.status.name === 'RUNNING' ? undefined : d.status.name;
    }, 30_000, 100);
    expect(['CANCELLED', 'COMPLETED']).to.include(closed);
    // It stays cancelled: nothing more is written to it.
    const [row] = await stack.db.sequelize.query<any>(`SELECT status, done, result FROM what_if_runs WHERE id = :id::uuid`, { replacements: { id }, type: QueryTypes.SELECT });
    expect(row).to.deep.equal({ status: 'cancelled', done: last.done, result: null });
  });

  it('when its workflow is cancelled in Temporal, then the heartbeating activity stops and the run says cancelled', async () => {
    const id = await runs.start(candidate, period, { id: owner });
    // As soon as it runs: 20,000 tickets take seconds, a cancellation reaches the activity within about a second.
    await follow(id, (v) => v.status === 'running');
    const handle = stack.client.workflow.getHandle(whatIfWorkflowId(id));
    await handle.cancel();
    const seen = await follow(id, (v) => v.status !== 'running');
    const last = seen[seen.length - 1]!;
    expect(last).to.deep.include({ status: 'cancelled', result: null, cancelRequestedAt: null });
    expect(last.done).to.be.lessThan(N + 1);
    // The row is settled by the workflow's last activity; the workflow itself closes a moment later.
    await handle.result().catch(() => undefined);
    expect((await handle.describe()).status.name).to.equal('CANCELLED');
  });

  it('when a run is cancelled before any worker takes it, then it is cancelled at once', async () => {
    await stack.stopWorker();
    try {
      const id = await runs.start(candidate, period, { id: owner });
      expect((await runs.get(id)).status).to.equal('queued');
      const v = await runs.cancel(id);
      expect(v).to.deep.include({ status: 'cancelled', cancelling: false });
    } finally {
      await stack.startWorker();
    }
  });

  it('when the period or the candidate is wrong, or the run does not exist, then it is refused and nothing is written', async () => {
    const before = await stack.db.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM what_if_runs`, { type: QueryTypes.SELECT });
    const refusal = (p: Promise<unknown>) => p.then(() => expect.fail('accepted'), (e: ServiceError) => [e.status, e.code, ...(e instanceof ValidationError ? e.fields.map((f) => `${f.field}:${f.key}`) : [])]);
    expect(await refusal(runs.start(candidate, { from: period.to, to: period.from }, { id: owner }))).to.deep.equal([422, 'VALIDATION_FAILED', 'period.to:periodOrder']);
    expect(await refusal(runs.start(candidate, { from: 'yesterday', to: period.to }, { id: owner }))).to.deep.equal([422, 'VALIDATION_FAILED', 'period.from:invalid']);
    expect(await refusal(runs.start(candidate, { from: '2020-01-01', to: '2026-01-01' }, { id: owner }))).to.deep.equal([422, 'VALIDATION_FAILED', 'period.to:periodTooLong']);
    const broken = { ...candidate, defaultServiceLevel: 'platinum' };
    const bad = await refusal(runs.start(broken, period, { id: owner })) as string[];
    expect(bad.slice(0, 2)).to.deep.equal([422, 'VALIDATION_FAILED']);
    expect(bad.some((f) => String(f).startsWith('candidate.defaultServiceLevel:'))).to.equal(true);
    expect(await refusal(runs.get('00000000-0000-4000-8000-000000000000'))).to.deep.equal([404, 'NOT_FOUND']);
    expect(await refusal(runs.cancel('not-a-run'))).to.deep.equal([404, 'NOT_FOUND']);
    const after = await stack.db.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM what_if_runs`, { type: QueryTypes.SELECT });
    expect(after).to.deep.equal(before);
  });
  /** A run's row, queued, as the web process makes it. */
  const newRun = () => stack.db.whatIfRuns.create({ requestedBy: owner, draftId: null, candidate, period: checkPeriod(period) });

  it('when a cancellation is asked for while no attempt runs (Temporal not told), then the next attempt ends the run as cancelled', async () => {
    const run = await newRun();
    // An attempt took it and died; the process owner cancels, and the workflow's cancellation does not get through.
    expect(await stack.db.whatIfRuns.claim(run.id)).to.not.equal(undefined);
    await stack.db.whatIfRuns.requestCancel(run.id);
    expect(await elsewhere.get(run.id)).to.deep.include({ status: 'running', cancelling: true });
    const activities = createWhatIfActivities({ whatIfRuns: stack.db.whatIfRuns, whatIf: { run: () => expect.fail('ran') } });
    expect(await activities.runWhatIf({ runId: run.id })).to.deep.include({ runId: run.id, status: 'cancelled' });
    const after = await elsewhere.get(run.id);
    expect(after).to.deep.include({ status: 'cancelled', cancelling: false, error: null, result: null });
    expect(after.finishedAt).to.be.a('string');
  });

  it('when its workflow cannot be started, then the run says so in the reader\'s language, and the API gives the code, with no internal message', async () => {
    const unreachable = { withDeadline: () => Promise.reject(new Error('14 UNAVAILABLE: No connection established. Last error: connect ECONNREFUSED 127.0.0.1:7233')) } as unknown as Client;
    const refused = await createWhatIfRuns({ runs: stack.db.whatIfRuns, temporal: unreachable, taskQueue: stack.taskQueue })
      .start(candidate, period, { id: owner }).then(() => expect.fail('started'), (e: ServiceError) => e);
    expect(refused.status).to.equal(503);
    const [{ id }] = await stack.db.sequelize.query<{ id: string }>(`SELECT id::text AS id FROM what_if_runs ORDER BY created_at DESC LIMIT 1`, { type: QueryTypes.SELECT }) as [{ id: string }];
    expect(await elsewhere.get(id)).to.deep.include({ status: 'failed', error: 'startFailed' });
    const api = await request(stack.web.url, 'GET', `/api/v1/rules/what-if-runs/${id}`, { token: await stack.tokenFor('owner@example.com', 'process_owner') });
    expect([api.status, api.body.status, api.body.error]).to.deep.equal([200, 'failed', 'startFailed']);
    for (const lang of ['en', 'pl', 'de']) {
      const c = new PortalClient(stack.web.url, lang);
      await signInEnrolled(c, await makeUser(stack.db, 'process_owner', `what-if-${lang}`, lang));
      const page = await c.get(`/admin/what-if/${id}`);
      expect(page.status).to.equal(200);
      expect(textOf(page.text, 'what-if-error'), lang).to.equal((await localeT(lang))('whatIf.runError.startFailed'));
      expect(page.text).to.not.match(/ECONNREFUSED|UNAVAILABLE|startFailed/);
    }
  });

  it('when an attempt stops with an error, then the run fails with a code, and the worker\'s log says where without the error\'s words', async () => {
    const lines: string[] = [];
    // A PostgreSQL error quotes the row it refused: personal data.
    const pgError = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), {
      name: 'SequelizeUniqueConstraintError', parent: { code: '23505', detail: 'Key (email)=(jan.kowalski@example.com) already exists.' },
    });
    pgError.stack = `${pgError.name}: ${pgError.message} Key (email)=(jan.kowalski@example.com)\n    at Query.formatError (node_modules/sequelize/lib/dialects/postgres/query.js:1:1)`;
    const failing = createWhatIfActivities({ whatIfRuns: stack.db.whatIfRuns, whatIf: { run: () => Promise.reject(pgError) } }, (l) => lines.push(l));
    const run = await newRun();
    const failure = await failing.runWhatIf({ runId: run.id }).then(() => expect.fail('ran'), (e: ApplicationFailure) => e);
    expect(failure).to.be.instanceOf(ApplicationFailure);
    expect([failure.message, failure.type, failure.nonRetryable]).to.deep.equal(['evaluationFailed', 'EvaluationFailed', false]);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include(run.id).and.include('SequelizeUniqueConstraintError [23505] at Query.formatError');
    expect(lines[0]).to.not.match(/kowalski|duplicate key|users_email_key/);
    // The workflow hands the failure's message (the code) to the settling activity.
    await failing.settleWhatIf({ runId: run.id, status: 'failed', error: failure.message });
    expect(await elsewhere.get(run.id)).to.deep.include({ status: 'failed', error: 'evaluationFailed' });

    const invalid = createWhatIfActivities({ whatIfRuns: stack.db.whatIfRuns, whatIf: { run: () => Promise.reject(new RulesValidationError([{ path: '$.defaultServiceLevel', code: 'UNKNOWN_SERVICE_LEVEL', message: 'platinum is not a service level' }])) } }, (l) => lines.push(l));
    const second = await newRun();
    const refused = await invalid.runWhatIf({ runId: second.id }).then(() => expect.fail('ran'), (e: ApplicationFailure) => e);
    expect([refused.message, refused.type, refused.nonRetryable]).to.deep.equal(['invalidCandidate', 'InvalidCandidate', true]);
    // Temporal's own words for a timeout are stored as `stopped`, never as text.
    const third = await newRun();
    await invalid.settleWhatIf({ runId: third.id, status: 'failed', error: 'activity Heartbeat timeout' });
    expect(await elsewhere.get(third.id)).to.deep.include({ status: 'failed', error: 'stopped' });
    await invalid.settleWhatIf({ runId: second.id, status: 'failed', error: refused.message });
    expect(await elsewhere.get(second.id)).to.deep.include({ status: 'failed', error: 'invalidCandidate' });
    // The column takes codes only.
    const text = await stack.db.sequelize.query(`UPDATE what_if_runs SET error = 'The what-if stopped.' WHERE id = :id::uuid`, { replacements: { id: third.id } }).then(() => 'written', () => 'refused');
    expect(text).to.equal('refused');
  });
});
