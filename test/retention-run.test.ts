/**
 * The real retention run (issue 10, item 4): the retention schedule's workflow, on a worker,
 * erases the personal data and deletes the tickets whose periods have ended — and nothing else —
 * under a rules version with short periods, over real tickets filed, resolved and closed through
 * the API whose closing instants are then set days apart in the read model.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Client, Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import { QueryTypes } from 'sequelize';
import type { RetentionPlan } from '../rules/retention.ts';
import { erasureDeps } from '../runtime/compose.ts';
import { ensureRetentionSchedule, RETENTION_CATCHUP_WINDOW_MS, retentionScheduleId, runRetentionNow } from '../runtime/retention-schedule.ts';
import { erasePerson } from '../services/privacy/erase.ts';
import type { RetentionRunSummary } from '../workflows/activity-types.ts';
import { isolatedStack, onCleanup, type IsolatedStack } from './support/env.ts';
import { fastRulesText } from './fixtures/fast-rules.ts';
import { startHelpdeskProcess, type StartedHelpdesk } from './support/helpdesk-process.ts';
import { request } from './support/http.ts';
import { repoRoot, waitFor } from './support/processes.ts';
import { act, openTicket } from './support/tickets.ts';

const HOUR = 3_600_000;

interface Ran { code: number | null; stdout: string; stderr: string }

/** `helpdesk privacy …` as an operator runs it, in its own process (stdout and stderr apart). */
function privacyCommand(args: string[], env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/helpdesk.ts', 'privacy', ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('retention run: the schedule\'s workflow erases and deletes exactly what is due, and nothing else', function () {
  this.timeout(240_000);
  let stack: IsolatedStack;
  let env: Record<string, string>;
  let ledger: string;
  const title = (n: string) => `Retention test ticket ${n}`;
  const t = {} as Record<'deletionDue' | 'dataDue' | 'accessNotYet' | 'recent' | 'open' | 'personErased', string>;

  /** Files a ticket through the API; closes it through the API and moves its closing `hoursAgo` back. */
  async function ticket(key: keyof typeof t, opts: { category?: string; closedHoursAgo?: number; email?: string }): Promise<void> {
    const number = await openTicket(stack, { title: title(key), requesterEmail: opts.email ?? `${key.toLowerCase()}@example.com`, ...(opts.category ? { category: opts.category } : {}) });
    t[key] = number;
    if (opts.closedHoursAgo === undefined) return;
    expect((await act(stack, number, 'resolve', { code: 'solved' })).status).to.equal(200);
    expect((await act(stack, number, 'close', {})).status).to.equal(200);
    await waitFor(`${number} closed`, async () => ((await stack.db.tickets.get(number))?.status === 'closed' ? true : undefined), 30_000, 100);
    await stack.db.sequelize.query(`UPDATE ticket_events SET occurred_at = now() - make_interval(secs => :s) WHERE ticket_number = :n AND type = 'closed'`, { replacements: { n: number, s: opts.closedHoursAgo * 3600 } });
  }

  const keyState = async (): Promise<Record<string, string | null>> => Object.fromEntries((await stack.db.sequelize.query<{ scope: string; destroyed_by: string | null }>(
    `SELECT scope, destroyed_by FROM data_keys WHERE scope LIKE 'ticket:%' ORDER BY scope`, { type: QueryTypes.SELECT })).map((r) => [r.scope.slice('ticket:'.length), r.destroyed_by]));
  const count = async (sql: string, replacements: Record<string, unknown> = {}): Promise<number> =>
    Number((await stack.db.sequelize.query<{ n: string }>(sql, { replacements, type: QueryTypes.SELECT }))[0]?.n);
  const asAgent = (n: string) => request(stack.web.url, 'GET', `/api/v1/tickets/${n}`, { token: stack.agentToken, headers: { 'Accept-Language': 'en' } });

  before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-retention-run-'));
    onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
    ledger = path.join(dir, 'erasure-ledger.jsonl');
    // Short periods: personal data 1 day after closing (access requests 2 days), tickets 3 days.
    const rules = JSON.parse(fastRulesText());
    rules.retention = { personalData: { defaultDays: 1, byCategory: { access: 2 } }, closedTicketDays: 3 };
    stack = await isolatedStack('retention-run', JSON.stringify(rules), { env: { HELPDESK_ERASURE_LEDGER: ledger } });
    env = { DATABASE_URL: stack.db.url, TEMPORAL_ADDRESS: stack.temporalAddress, HELPDESK_TASK_QUEUE: stack.config.temporal.taskQueue, HELPDESK_ERASURE_LEDGER: ledger };
    onCleanup(async () => stack.client.schedule.getHandle(retentionScheduleId(stack.config.temporal.taskQueue)).delete().catch(() => undefined));

    await ticket('deletionDue', { closedHoursAgo: 4 * 24 });
    await ticket('dataDue', { closedHoursAgo: 30 });
    await ticket('accessNotYet', { category: 'access', closedHoursAgo: 30 });
    await ticket('recent', { closedHoursAgo: 20 });
    await ticket('open', {});
    // Its requester was erased already (a person's erasure): not erased again, not listed.
    await ticket('personErased', { closedHoursAgo: 30, email: 'erased.person@example.com' });
    await erasePerson(erasureDeps(stack.config, stack.db), { email: 'erased.person@example.com', reason: 'Art. 17 request, case T-1', actor: 'cli:test' });
    expect((await stack.db.tickets.get(t.accessNotYet))?.category).to.equal('access');
    // A backup of the ticket to be deleted, as a database backup taken before the run holds it.
    const q = (sql: string) => stack.db.sequelize.query(sql, { replacements: { n: t.deletionDue, scope: `ticket:${t.deletionDue}` } });
    await q(`CREATE TABLE backup_tickets AS SELECT * FROM tickets WHERE number = :n`);
    await q(`CREATE TABLE backup_events AS SELECT * FROM ticket_events WHERE ticket_number = :n`);
    await q(`CREATE TABLE backup_keys AS SELECT * FROM data_keys WHERE scope = :scope`);
  });

  it('the dry run lists exactly the tickets whose period has ended (not those already erased), and changes nothing', async () => {
    const keysBefore = await keyState();
    const ran = await privacyCommand(['retention', '--dry-run', '--json'], env);
    expect(ran.code, ran.stderr).to.equal(0);
    const plan = JSON.parse(ran.stdout) as RetentionPlan & { dryRun: boolean };
    expect(plan.dryRun).to.equal(true);
    expect(plan.due.map((d) => [d.number, d.action])).to.deep.equal([
      [t.deletionDue, 'delete-ticket'],
      [t.dataDue, 'erase-personal-data'],
    ]);
    expect(await keyState()).to.deep.equal(keysBefore);
  });

  it('the schedule is created once, hourly, runs never overlapping, with a catch-up window; a changed interval updates it', async () => {
    const config = stack.config;
    expect(await ensureRetentionSchedule(stack.client, config)).to.equal('created');
    expect(await ensureRetentionSchedule(stack.client, config)).to.equal('unchanged');
    const handle = stack.client.schedule.getHandle(retentionScheduleId(config.temporal.taskQueue));
    // Paused, as an operator may: ticks wait, a run now still runs, and bringing it in line keeps it paused.
    await handle.pause('paused by the test: runs only when triggered');
    let d = await handle.describe();
    expect(d.spec.intervals?.map((i) => i.every)).to.deep.equal([HOUR]);
    expect(d.policies).to.include({ overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: RETENTION_CATCHUP_WINDOW_MS });
    expect(d.action).to.include({ workflowType: 'retentionWorkflow', taskQueue: config.temporal.taskQueue });

    expect(await ensureRetentionSchedule(stack.client, { ...config, retentionIntervalMs: 2 * HOUR })).to.equal('updated');
    d = await handle.describe();
    expect(d.spec.intervals?.map((i) => i.every)).to.deep.equal([2 * HOUR]);
    expect(d.state.paused).to.equal(true);
    expect(await ensureRetentionSchedule(stack.client, config)).to.equal('updated');
  });

  it('`helpdesk privacy retention` runs it now through the schedule: it erases and deletes exactly those, and nothing else', async () => {
    const keysBefore = await keyState();
    const ran = await privacyCommand(['retention'], env);
    expect(ran.code, ran.stdout + ran.stderr).to.equal(0);
    const lines = ran.stdout.split('\n');
    const id = retentionScheduleId(stack.config.temporal.taskQueue);
    expect(lines[0]).to.match(new RegExp(`^Retention run ${id}-run-\\S+ at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC under rules version 2 \\(active\\):$`));
    expect(ran.stdout).to.include(`  personal data erased, the tickets kept (1 ticket): ${t.dataDue}\n`);
    expect(ran.stdout).to.include(`  deleted altogether (1 ticket): ${t.deletionDue}\n`);
    expect(ran.stdout).to.include('  2 data keys destroyed; recorded in the audit log and the erasure ledger.\n');
    expect(ran.stdout).to.match(/Next due after that: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\./);
    expect(ran.stdout).to.not.include('@example.com').and.not.include('Retention test ticket');

    // Their data keys are destroyed by retention; the already erased one's stays the erasure's; the others' live.
    expect(await keyState()).to.deep.equal({ ...keysBefore, [t.deletionDue]: 'retention', [t.dataDue]: 'retention' });
    expect(keysBefore[t.personErased]).to.equal('erasure');
    for (const k of ['accessNotYet', 'recent', 'open'] as const) expect(keysBefore[t[k]], k).to.equal(null);

    // What an agent sees: the erased ticket stays, with [erased]; the deleted one is gone; the others as they were.
    const erased = await asAgent(t.dataDue);
    expect(erased.status).to.equal(200);
    expect(erased.body).to.include({ title: '[erased]', status: 'closed' });
    expect((await asAgent(t.deletionDue)).status).to.equal(404);
    for (const k of ['accessNotYet', 'recent', 'open'] as const) {
      const r = await asAgent(t[k]);
      expect(r.status, k).to.equal(200);
      expect(r.body.title, k).to.equal(title(k));
    }
    expect(await count(`SELECT count(*) AS n FROM ticket_events WHERE ticket_number = :n`, { n: t.deletionDue }), 'the deleted ticket\'s timeline goes with it').to.equal(0);
    expect((await stack.db.tickets.get(t.dataDue))?.timeline.length, 'the erased ticket keeps its timeline').to.be.greaterThan(2);

    // Recorded: the audit log (by the run, ticket numbers only) and the erasure ledger.
    const audit = (await stack.db.audit.list(20)).filter((e) => e.action.startsWith('privacy.retention_'));
    expect(audit.map((e) => [e.action, (e.details as { tickets: string[] }).tickets])).to.have.deep.members([
      ['privacy.retention_deleted', [t.deletionDue]],
      ['privacy.retention_erased', [t.dataDue]],
    ]);
    for (const e of audit) expect(e.actor).to.match(new RegExp(`^retention:${id}-run-`));
    const kinds = fs.readFileSync(ledger, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { kind: string; tickets: string[] }));
    expect(kinds.map((e) => [e.kind, e.tickets])).to.deep.equal([['person', [t.personErased]], ['deletion', [t.deletionDue]], ['retention', [t.dataDue]]]);

    // The dry run now finds nothing due.
    const dry = await privacyCommand(['retention', '--dry-run', '--json'], env);
    expect((JSON.parse(dry.stdout) as RetentionPlan).due).to.deep.equal([]);
  });

  it('a second run changes nothing', async () => {
    const keysBefore = await keyState();
    const auditBefore = await count(`SELECT count(*) AS n FROM audit_log`);
    const { workflowId, summary } = await runRetentionNow(stack.client, stack.config);
    expect(workflowId.startsWith(`${retentionScheduleId(stack.config.temporal.taskQueue)}-run-`), workflowId).to.equal(true);
    expect(summary).to.include({ rulesVersion: 2, keysDestroyed: 0 });
    expect(summary.erased).to.deep.equal([]);
    expect(summary.deleted).to.deep.equal([]);
    expect(await keyState()).to.deep.equal(keysBefore);
    expect(await count(`SELECT count(*) AS n FROM audit_log`)).to.equal(auditBefore);
    // The run's result is its history's: what it did, as ticket numbers.
    const result = (await stack.client.workflow.getHandle(workflowId).result()) as RetentionRunSummary;
    expect(result).to.deep.equal(summary);
  });

  it('after a restore from a backup taken before the run, `helpdesk privacy reapply-erasures` deletes the deleted ticket again (the ledger\'s deletion line)', async () => {
    const q = (sql: string) => stack.db.sequelize.query(sql, { replacements: { n: t.deletionDue } });
    await q(`INSERT INTO tickets SELECT * FROM backup_tickets`);
    await q(`INSERT INTO ticket_events SELECT * FROM backup_events`);
    await q(`UPDATE data_keys k SET wrapped = b.wrapped, master_key_id = b.master_key_id, destroyed_at = NULL, destroyed_by = NULL FROM backup_keys b WHERE k.id = b.id`);
    expect((await asAgent(t.deletionDue)).status, 'restored').to.equal(200);
    const ran = await privacyCommand(['reapply-erasures'], env);
    expect(ran.code, ran.stdout + ran.stderr).to.equal(0);
    expect((await asAgent(t.deletionDue)).status).to.equal(404);
    expect(await count(`SELECT count(*) AS n FROM ticket_events WHERE ticket_number = :n`, { n: t.deletionDue })).to.equal(0);
    expect((await keyState())[t.deletionDue]).to.equal('retention');
    expect((await asAgent(t.recent)).body.title, 'the others as they were').to.equal(title('recent'));
  });

  it('--at and --rules belong to the dry run: without it they are refused, and nothing changes', async () => {
    const ran = await privacyCommand(['retention', '--at', '2030-01-01T00:00:00Z'], env);
    expect(ran.code).to.equal(2);
    expect(ran.stderr).to.include('--at and --rules are for the dry run only');
    expect(ran.stdout).to.equal('');
  });
});

describe('retention run on `helpdesk start`: the schedule is made at start, and `helpdesk privacy retention` beside it runs one now', function () {
  this.timeout(300_000);
  let helpdesk: StartedHelpdesk;

  before(async () => {
    helpdesk = await startHelpdeskProcess({ HELPDESK_RETENTION_INTERVAL: '30m' });
  });

  after(async () => {
    await helpdesk?.dispose();
  });

  it('start says it made the schedule (every 30 min here); a run now finds the dev server through the data folder and reports nothing due', async () => {
    expect(helpdesk.proc.output()).to.include('Retention schedule privacy-retention created: every 30 min');
    const connection = await Connection.connect({ address: `127.0.0.1:${helpdesk.env.TEMPORAL_DEV_PORT}` });
    onCleanup(() => connection.close());
    const d = await new Client({ connection }).schedule.getHandle('privacy-retention').describe();
    expect(d.spec.intervals?.map((i) => i.every)).to.deep.equal([30 * 60_000]);
    expect(d.action).to.include({ workflowType: 'retentionWorkflow', taskQueue: 'helpdesk-tickets' });

    const ran = await privacyCommand(['retention'], helpdesk.env);
    expect(ran.code, ran.stdout + ran.stderr).to.equal(0);
    expect(ran.stdout).to.match(/^Retention run privacy-retention-run-\S+ at .+ UTC under rules version 1 \(active\):\nNothing was due: no retention period had ended\.\nNothing more falls due among the closed tickets\.\n$/);
  });
});
