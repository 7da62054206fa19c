/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are inspected field by field */
/**
 * Applying a rules version to open tickets, on the real dev server and PostgreSQL, through the
 * REST API as a process owner: open tickets under v1; v2 shortens the standard P1 resolution
 * target 9h → 4h; the preview lists exactly the tickets whose outcome changes (and the one it
 * cannot preview); applying it records a `reclassified` event with the reason on each of them,
 * their SLA targets and deadlines follow v2 as the preview said, the others — a closed ticket
 * among them — are untouched, and the run is audited; a second apply leaves the tickets already on
 * v2 alone; a run over thousands of tickets is cancelled midway and stops. Two starts at the same
 * moment give one run; an attempt tried again after it stopped midway counts every ticket once; a
 * run whose cancellation was asked for while no attempt ran ends cancelled when one comes.
 */
import { expect } from 'chai';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { QueryTypes } from 'sequelize';
import type { TicketEvent } from '../workflows/types.ts';
import { createApplyRulesActivities } from '../activities/apply-rules.ts';
import type { ApplyScope } from '../db/rules-apply-runs-repo.ts';
import type { ServiceError } from '../services/errors.ts';
import { createRulesApply, runApply, type ApplyProgress } from '../services/rules-admin/apply-runs.ts';
import { localeT } from './support/admin-browser.ts';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';
import { act, openTicket, timeline, waitForEvent } from './support/tickets.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const HOUR = 3_600_000;
const REASON = 'P1 resolution shortened to 4h (process review)';

describe('rules admin: applying the active version to open tickets, with a preview, a reason, progress and cancel', function () {
  this.timeout(240_000);
  let stack: IsolatedStack;
  let owner: string;
  let ownerId: number;
  const t: Record<'p1a' | 'p1b' | 'p4' | 'closed' | 'noFacts', string> = {} as never;

  const api = (method: string, path: string, body?: unknown) => request(stack.web.url, method, `/api/v1${path}`, { token: owner, ...(body !== undefined ? { body } : {}) });
  const follow = (id: string, done: (r: any) => boolean) =>
    waitFor(`run ${id}`, async () => {
      const r = (await api('GET', `/rules/apply-runs/${id}`)).body;
      return done(r) ? r : undefined;
    }, 120_000, 50);
  /** The answer matches its schema in the OpenAPI document. */
  let documented: (name: string, body: unknown) => string | null;
  const events = async (number: string, type: string): Promise<TicketEvent[]> => (await timeline(stack, number)).filter((e) => e.type === type);

  before(async () => {
    stack = await isolatedStack('rules-apply');
    owner = await stack.tokenFor('owner@example.com', 'process_owner');
    ownerId = (await stack.db.users.findByEmail('owner@example.com'))!.id;
    t.p1a = await openTicket(stack, { impact: 'high', urgency: 'high', title: 'Payroll system down' });
    t.p1b = await openTicket(stack, { impact: 'high', urgency: 'high', title: 'Warehouse scanners offline' });
    t.p4 = await openTicket(stack, { impact: 'low', urgency: 'low', title: 'Mouse squeaks' });
    t.closed = await openTicket(stack, { impact: 'high', urgency: 'high', title: 'Printer on fire' });
    t.noFacts = await openTicket(stack, { impact: 'high', urgency: 'high', title: 'Old ticket' });
    for (const n of Object.values(t)) await waitForEvent(stack, n, (e) => e.type === 'classified');
    expect((await act(stack, t.closed, 'cancel', { reason: 'duplicate' })).status).to.equal(200);
    // A ticket classified before decisions were recorded: no facts to preview it from.
    await stack.db.sequelize.query(`DELETE FROM ticket_decisions WHERE ticket_number = :n`, { replacements: { n: t.noFacts } });
    const file = structuredClone((await stack.db.rules.active()).file);
    const p1 = file.slaPolicies.find((p) => p.id === 'standard-p1')!;
    expect(p1.resolution).to.equal('9h');
    p1.resolution = '4h';
    const published = await stack.db.rules.publish(JSON.stringify(file, null, 2), { author: 'owner', comment: 'P1 resolution 9h → 4h' });
    expect(published.ok).to.equal(true);
    const doc = (await request(stack.web.url, 'GET', '/api/v1/openapi.json')).body;
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    ajv.addSchema({ $id: 'openapi', components: doc.components }, 'openapi');
    documented = (name, body) => {
      const validate = ajv.getSchema(`openapi#/components/schemas/${name}`)!;
      return validate(body) ? null : ajv.errorsText(validate.errors);
    };
  });

  let preview: any;

  it('when v2 shortens a target, then the preview lists exactly the open tickets whose outcome changes, how, and the one it cannot preview', async () => {
    const res = await api('GET', '/rules/versions/2/apply-preview');
    expect(res.status).to.equal(200);
    preview = res.body;
    expect(documented('ApplyPreview', preview)).to.equal(null);
    expect(preview).to.deep.include({ version: 2, activeVersion: 2, applicable: true, list: 'changing', next: null });
    expect(preview.totals).to.deep.equal({ open: 4, changing: 2, unchanged: 1, unknown: 1, uncertain: 0 });
    expect(preview.tickets.map((x: any) => x.number)).to.deep.equal([t.p1a, t.p1b].sort());
    for (const x of preview.tickets) {
      expect(x.changed).to.deep.equal(['resolutionTarget', 'resolutionDeadline']);
      expect(x.now).to.deep.include({ priority: 'P1', policy: 'standard-p1', resolutionTargetMs: 9 * HOUR });
      expect(x.after).to.deep.include({ priority: 'P1', policy: 'standard-p1', resolutionTargetMs: 4 * HOUR, responseDueAt: x.now.responseDueAt });
      expect(Date.parse(x.after.resolutionDueAt)).to.be.lessThan(Date.parse(x.now.resolutionDueAt));
    }
    const unknown = (await api('GET', '/rules/versions/2/apply-preview?list=unknown')).body;
    expect(documented('ApplyPreview', unknown)).to.equal(null);
    expect(unknown.tickets).to.deep.equal([{ number: t.noFacts, status: 'new', rulesVersion: 1, reason: 'noFacts' }]);
    const unchanged = (await api('GET', '/rules/versions/2/apply-preview?list=unchanged&limit=1')).body;
    expect(unchanged.tickets.map((x: any) => x.number)).to.deep.equal([t.p4]);
    // Keyset paging: one ticket a page.
    const first = (await api('GET', '/rules/versions/2/apply-preview?limit=1')).body;
    expect(first.tickets.map((x: any) => x.number)).to.deep.equal([preview.tickets[0].number]);
    const second = (await api('GET', `/rules/versions/2/apply-preview?limit=1&after=${first.next}`)).body;
    expect([second.tickets.map((x: any) => x.number), second.next]).to.deep.equal([[preview.tickets[1].number], null]);
    expect((await api('GET', '/rules/versions/2/apply-preview?list=some')).status).to.equal(422);
  });

  it('when the version is not the active one, a reason is missing or the version does not exist, then applying is refused and nothing runs', async () => {
    const old = await api('POST', '/rules/versions/1/apply', { reason: REASON, scope: 'all' });
    expect([old.status, old.body.error.code]).to.deep.equal([409, 'VERSION_NOT_ACTIVE']);
    expect(old.body.error.message).to.include('version 2');
    expect((await api('GET', '/rules/versions/1/apply-preview')).body.applicable).to.equal(false);
    const blank = await api('POST', '/rules/versions/2/apply', { reason: '  ', scope: 'changing' });
    expect([blank.status, blank.body.error.code]).to.deep.equal([422, 'VALIDATION_FAILED']);
    expect((await api('POST', '/rules/versions/2/apply', { reason: REASON, scope: 'some' })).status).to.equal(422);
    expect((await api('POST', '/rules/versions/9/apply', { reason: REASON, scope: 'all' })).status).to.equal(404);
    const agent = await request(stack.web.url, 'POST', '/api/v1/rules/versions/2/apply', { token: stack.agentToken, body: { reason: REASON, scope: 'all' } });
    expect(agent.status).to.equal(403);
    const runs = await stack.db.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM rules_apply_runs`, { type: QueryTypes.SELECT });
    expect(runs).to.deep.equal([{ n: 0 }]);
  });

  it('when applied to the tickets that change, then each records a reclassified event with the reason, its targets follow v2, the others are untouched, and it is audited', async () => {
    const started = await api('POST', '/rules/versions/2/apply', { reason: REASON, scope: 'changing' });
    expect(started.status).to.equal(202);
    const runId = started.body.runId as string;
    expect(started.headers.get('location')).to.equal(`/api/v1/rules/apply-runs/${runId}`);
    const run = await follow(runId, (r) => r.status === 'done');
    expect(documented('ApplyRun', run)).to.equal(null);
    expect(run).to.deep.include({ version: 2, scope: 'changing', reason: REASON, requestedBy: ownerId, total: 4, error: null, cancelling: false, failures: [] });
    expect(run.counts).to.deep.equal({ seen: 4, sent: 2, unchanged: 2, skipped: 0, failed: 0 });
    for (const x of preview.tickets) {
      const [event] = await waitFor(`the reclassified event of ${x.number}`, async () => {
        const found = await events(x.number, 'reclassified');
        return found.length ? found : undefined;
      }, 30_000);
      expect(event!.reason).to.equal(REASON);
      expect(event!.data).to.deep.include({ from: { rulesVersion: 1, priority: 'P1', policy: 'standard-p1' } });
      const after = await waitFor('the read model', async () => {
        const tk = await stack.db.tickets.get(x.number);
        return tk?.rulesVersion === 2 ? tk : undefined;
      });
      expect(after.sla).to.deep.include({ policyId: 'standard-p1', resolutionTargetMs: 4 * HOUR, responseTargetMs: x.now.responseTargetMs });
      // The deadline the preview said, within the milliseconds between a change and its event's stamp.
      expect(Math.abs(Date.parse(after.sla!.resolutionDueAt!) - Date.parse(x.after.resolutionDueAt))).to.be.lessThan(1000);
    }
    // The reason and actor as the API's own reclassify records them.
    const manual = await request(stack.web.url, 'GET', `/api/v1/tickets/${preview.tickets[0].number}`, { token: stack.agentToken });
    const shown = manual.body.timeline.find((e: any) => e.type === 'reclassified');
    expect([shown.actor, shown.reason]).to.deep.equal(['owner@example.com', REASON]);
    for (const n of [t.p4, t.noFacts, t.closed]) {
      expect(await events(n, 'reclassified'), n).to.deep.equal([]);
      expect((await stack.db.tickets.get(n))!.rulesVersion, n).to.equal(1);
    }
    const [audit] = await stack.db.sequelize.query<any>(`SELECT actor, subject, details FROM audit_log WHERE action = 'rules.applied_to_open' ORDER BY seq`, { type: QueryTypes.SELECT });
    expect(audit).to.deep.equal({
      actor: `user:${ownerId}`, subject: 'rules:2',
      details: { run: runId, version: 2, scope: 'changing', reason: REASON, status: 'done', total: 4, seen: 4, sent: 2, unchanged: 2, skipped: 0, failed: 0 },
    });
  });

  it('when applied again to all open tickets, then the tickets already on v2 are left alone and only the rest are re-classified', async () => {
    const preview2 = (await api('GET', '/rules/versions/2/apply-preview')).body;
    expect(preview2.totals).to.deep.equal({ open: 2, changing: 0, unchanged: 1, unknown: 1, uncertain: 0 });
    const runId = (await api('POST', '/rules/versions/2/apply', { reason: 'everything on v2', scope: 'all' })).body.runId as string;
    const run = await follow(runId, (r) => r.status === 'done');
    expect(run.counts).to.deep.equal({ seen: 2, sent: 2, unchanged: 0, skipped: 0, failed: 0 });
    for (const n of [t.p4, t.noFacts]) {
      const [event] = await waitFor(n, async () => {
        const found = await events(n, 'reclassified');
        return found.length ? found : undefined;
      }, 30_000);
      expect(event!.reason).to.equal('everything on v2');
    }
    for (const x of preview.tickets) expect((await events(x.number, 'reclassified')).map((e) => e.reason), x.number).to.deep.equal([REASON]);
    expect(await events(t.closed, 'reclassified')).to.deep.equal([]);
    // A ticket on the version already is skipped when a run reaches it, whatever its run.
    const [other] = await stack.db.sequelize.query<{ id: string }>(`INSERT INTO rules_apply_runs (requested_by, version, scope, reason) VALUES (:by, 2, 'all', 'x') RETURNING id::text AS id`, { replacements: { by: ownerId }, type: QueryTypes.SELECT });
    expect((await stack.db.applyRuns.claimTicket(other!.id, preview.tickets[0].number, 2)).outcome).to.equal('skipped');
    await stack.db.sequelize.query(`DELETE FROM rules_apply_runs WHERE id = :id::uuid`, { replacements: { id: other!.id } });
  });

  it('when a run over thousands of open tickets is cancelled midway, then it stops before the end, says cancelled, and is audited so', async () => {
    // Open tickets on v1 with no workflow behind them (each fails: its workflow is gone), copies of a real one.
    const N = 6000;
    await stack.db.sequelize.query(
      `INSERT INTO tickets (number, workflow_id, title, description, requester_email, locale, channel, impact, urgency, status, priority, rules_version, sla, created_at, updated_at, last_event_seq)
       SELECT 'BULK-' || lpad(i::text, 6, '0'), 'bulk-' || i, t.title, t.description, t.requester_email, t.locale, t.channel, t.impact, t.urgency,
              'assigned', 'P1', 1, t.sla, t.created_at, t.updated_at, 1
         FROM generate_series(1, :n) AS i, tickets t WHERE t.number = :model`,
      { replacements: { n: N, model: t.closed } },
    );
    try {
      const runId = (await api('POST', '/rules/versions/2/apply', { reason: 'bulk', scope: 'all' })).body.runId as string;
      const going = await follow(runId, (r) => r.status === 'running' && r.counts.seen > 0);
      expect(going.total).to.equal(N);
      const again = await api('POST', '/rules/versions/2/apply', { reason: 'bulk', scope: 'all' });
      expect([again.status, again.body.error.code]).to.deep.equal([409, 'APPLY_RUNNING']);
      const asked = await api('POST', `/rules/apply-runs/${runId}/cancel`);
      expect(asked.status).to.equal(200);
      const run = await follow(runId, (r) => r.status !== 'running');
      expect(run.status).to.equal('cancelled');
      expect(documented('ApplyRun', run)).to.equal(null);
      expect(run.counts.seen).to.be.lessThan(N);
      expect(run.counts.sent).to.equal(0);
      expect(run.counts.failed).to.equal(run.counts.seen);
      expect(run.failures[0]).to.deep.equal({ number: 'BULK-000001', message: (await localeT('en', 'api'))('errors.ticketNotFound', { number: 'BULK-000001' }) });
      const [audit] = await stack.db.sequelize.query<any>(`SELECT details FROM audit_log WHERE action = 'rules.applied_to_open' AND details->>'run' = :id`, { replacements: { id: runId }, type: QueryTypes.SELECT });
      expect(audit.details).to.deep.include({ status: 'cancelled', seen: run.counts.seen, failed: run.counts.failed });
      // It stays cancelled: nothing more is gone through.
      await new Promise((r) => setTimeout(r, 1500));
      expect((await api('GET', `/rules/apply-runs/${runId}`)).body.counts).to.deep.equal(run.counts);
    } finally {
      await stack.db.sequelize.query(`DELETE FROM tickets WHERE number LIKE 'BULK-%'`);
    }
  });
  /** Open tickets on v1 with no workflow behind them (a signal to each fails), copies of a real one. */
  async function orphans(prefix: string, n: number): Promise<void> {
    await stack.db.sequelize.query(
      `INSERT INTO tickets (number, workflow_id, title, description, requester_email, locale, channel, impact, urgency, status, priority, rules_version, sla, created_at, updated_at, last_event_seq)
       SELECT :prefix || lpad(i::text, 6, '0'), lower(:prefix) || i, t.title, t.description, t.requester_email, t.locale, t.channel, t.impact, t.urgency,
              'assigned', 'P1', 1, t.sla, t.created_at, t.updated_at, 1
         FROM generate_series(1, :n) AS i, tickets t WHERE t.number = :model`,
      { replacements: { prefix, n, model: t.closed } },
    );
  }

  it('when two process owners apply the version at the same moment, then one run starts (202) and the others are refused (409)', async () => {
    // No worker: the run stays queued, so none ends before the others are asked for.
    await stack.stopWorker();
    let queued: string | undefined;
    try {
      const answers = await Promise.all(Array.from({ length: 6 }, () => api('POST', '/rules/versions/2/apply', { reason: 'at once', scope: 'all' })));
      expect(answers.map((a) => a.status).sort()).to.deep.equal([202, 409, 409, 409, 409, 409]);
      queued = answers.find((a) => a.status === 202)!.body.runId as string;
      for (const a of answers.filter((x) => x.status === 409)) expect(a.body.error.code).to.equal('APPLY_RUNNING');
      // The check before the insert may read before another start's insert: the database refuses the second run all the same.
      let checks = 0;
      const ofVersion: typeof stack.db.applyRuns.ofVersion = async (...args) => (checks++ === 0 ? [] : stack.db.applyRuns.ofVersion(...args));
      const blind = createRulesApply({ runs: { ...stack.db.applyRuns, ofVersion }, openTickets: stack.db.openTickets, rules: stack.db.rules, temporal: stack.client, taskQueue: stack.taskQueue });
      const refused = await blind.start(2, { reason: 'at once', scope: 'all' }, { id: ownerId }).then(() => expect.fail('started'), (e: ServiceError) => e);
      expect([refused.status, refused.code, refused.params]).to.deep.equal([409, 'APPLY_RUNNING', { version: 2, id: queued }]);
      const going = await stack.db.sequelize.query<{ n: number }>(`SELECT count(*)::int AS n FROM rules_apply_runs WHERE status IN ('queued', 'running')`, { type: QueryTypes.SELECT });
      expect(going).to.deep.equal([{ n: 1 }]);
      expect((await api('POST', `/rules/apply-runs/${queued}/cancel`)).body.status).to.equal('cancelled');
    } finally {
      await stack.startWorker();
    }
  });

  for (const [scope, writes] of [['all', true], ['changing', false]] as Array<[ApplyScope, boolean]>) {
    it(`when an attempt stops midway through a page (${writes ? 'its progress written' : 'its worker gone'}) and is tried again, then each ticket is counted once (scope ${scope})`, async () => {
      const N = 30;
      const prefix = `RETRY${scope === 'all' ? 'A' : 'C'}-`;
      await orphans(prefix, N);
      try {
        const run = (await stack.db.applyRuns.create({ requestedBy: ownerId, version: 2, scope, reason: 'retried' }))!;
        const deps = { openTickets: stack.db.openTickets, rules: stack.db.rules, runs: stack.db.applyRuns, users: stack.db.users, privacy: stack.db.ticketPrivacy, temporal: stack.client };
        /** One attempt, as the activity makes it; `dieAfter` tickets into it, it throws. */
        const attempt = async (dieAfter?: number): Promise<string> => {
          const claimed = (await stack.db.applyRuns.claim(run.id))!;
          const progress: ApplyProgress = { total: claimed.total ?? N, counts: { ...claimed.counts }, afterNumber: claimed.afterNumber };
          let tickets = 0;
          const onProgress = async (p: ApplyProgress) => {
            const { counts } = await stack.db.applyRuns.progress(run.id, p);
            if (counts) Object.assign(p.counts, counts);
          };
          const onTicket = () => {
            if (++tickets === dieAfter) throw new Error('the database connection was lost');
          };
          try {
            return await runApply(deps, { ...claimed, runId: run.id }, progress, { onProgress, onTicket, signal: new AbortController().signal, pageSize: 10, concurrency: 1 });
          } catch {
            // The activity keeps what was done so far on the row before it is tried again (a worker that dies does not).
            if (writes) await onProgress(progress);
            return 'stopped with an error';
          }
        };
        expect(await attempt(15)).to.equal('stopped with an error');
        const midway = (await api('GET', `/rules/apply-runs/${run.id}`)).body;
        expect(midway.counts.seen).to.equal(writes ? 15 : 10);
        expect(await attempt()).to.equal('done');
        expect(await stack.db.applyRuns.finish(run.id, 'done')).to.equal(true);
        const done = (await api('GET', `/rules/apply-runs/${run.id}`)).body;
        expect(done.status).to.equal('done');
        // Copies with no workflow: with scope `all` each signal fails; `changing` cannot preview them (no recorded facts), so they are left unchanged.
        expect(done.counts).to.deep.equal(scope === 'all' ? { seen: N, sent: 0, unchanged: 0, skipped: 0, failed: N } : { seen: N, sent: 0, unchanged: N, skipped: 0, failed: 0 });
        const [audit] = await stack.db.sequelize.query<any>(`SELECT details FROM audit_log WHERE action = 'rules.applied_to_open' AND details->>'run' = :id`, { replacements: { id: run.id }, type: QueryTypes.SELECT });
        expect(audit.details).to.deep.include({ status: 'done', ...done.counts });
      } finally {
        await stack.db.sequelize.query(`DELETE FROM tickets WHERE number LIKE :p`, { replacements: { p: `${prefix}%` } });
      }
    });
  }

  it('when a cancellation is asked for while no attempt runs (Temporal not told), then the next attempt ends the run as cancelled', async () => {
    const run = (await stack.db.applyRuns.create({ requestedBy: ownerId, version: 2, scope: 'all', reason: 'lost cancel' }))!;
    // An attempt took it and died; the process owner cancels, and the workflow's cancellation does not get through.
    expect(await stack.db.applyRuns.claim(run.id)).to.not.equal(undefined);
    await stack.db.applyRuns.requestCancel(run.id);
    expect((await api('GET', `/rules/apply-runs/${run.id}`)).body).to.deep.include({ status: 'running', cancelling: true });
    const activities = createApplyRulesActivities({
      applyRuns: stack.db.applyRuns,
      applyRules: { countOlder: () => expect.fail('counted'), run: () => expect.fail('ran') },
    });
    expect(await activities.applyRules({ runId: run.id })).to.deep.include({ runId: run.id, status: 'cancelled' });
    const after = (await api('GET', `/rules/apply-runs/${run.id}`)).body;
    expect(after).to.deep.include({ status: 'cancelled', cancelling: false, error: null });
    expect(after.finishedAt).to.be.a('string');
    const audits = await stack.db.sequelize.query<any>(`SELECT details->>'status' AS status FROM audit_log WHERE action = 'rules.applied_to_open' AND details->>'run' = :id`, { replacements: { id: run.id }, type: QueryTypes.SELECT });
    expect(audits).to.deep.equal([{ status: 'cancelled' }]);
    // Another attempt changes nothing.
    expect(await activities.applyRules({ runId: run.id })).to.deep.include({ status: 'cancelled' });
    expect(await stack.db.sequelize.query(`SELECT 1 FROM audit_log WHERE action = 'rules.applied_to_open' AND details->>'run' = :id`, { replacements: { id: run.id }, type: QueryTypes.SELECT })).to.have.length(1);
  });
});
