/**
 * The history archive on the real dev server and PostgreSQL (docs/audit-archive.md): a closed
 * ticket's run is archived by the scheduled sweep, outlives its deletion from Temporal and is read
 * back from the archive with the same sha256; a run whose fetch fails is recorded, reported by the
 * status (and `helpdesk audit archive --status`) and retried; one Temporal forgets first is
 * reported lost and missing; runs that continued as new are archived one by one; the archive is
 * append-only and goes only with its ticket.
 */
import { expect } from 'chai';
import type { Client } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { archiveScheduleId, ensureArchiveSchedule } from '../runtime/archive-schedule.ts';
import { openDatabase, startWeb } from '../runtime/stack.ts';
import { listClosedRuns, closedRunsQuery, sweepClosedHistories } from '../activities/archive.ts';
import { createHistorySource } from '../services/audit/histories.ts';
import type { HistoryArchiveRunResult } from '../workflows/archive-types.ts';
import { freshDatabaseUrl, isolatedStack, log, onCleanup, runTestWorker, startTestTemporal, testConfig, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';
import { runHelpdesk } from './support/privacy-cli.ts';
import { act, openTicket, waitForEvent } from './support/tickets.ts';
import { apiToken } from './support/users.ts';
import { fastRulesText } from './fixtures/fast-rules.ts';

const slowRules = () => fastRulesText({ response: '1h', resolution: '2h', autoCloseAfter: '1h' });

/** A ticket opened, classified and cancelled: its one run closed. */
async function cancelledTicket(stack: IsolatedStack, title: string): Promise<string> {
  const number = await openTicket(stack, { title });
  await waitForEvent(stack, number, (e) => e.type === 'classified');
  expect((await act(stack, number, 'cancel', { reason: 'duplicate' })).status).to.equal(200);
  await stack.client.workflow.getHandle(`ticket-${number}`).result();
  return number;
}

/** Until Temporal's visibility lists the ticket's closed runs (`count` of them). */
function listedClosed(client: Client, taskQueue: string, number: string, count = 1) {
  return waitFor(`${count} closed runs of ${number} listed`, async () => {
    const runs = await listClosedRuns(client, closedRunsQuery(taskQueue, { workflowId: `ticket-${number}` }));
    return runs.length >= count ? runs : undefined;
  }, 20_000, 200);
}

/** Deletes a run's history from Temporal and waits until describe says NotFound. */
async function deleteFromTemporal(client: Client, namespace: string, workflowId: string, runId: string): Promise<void> {
  await client.workflowService.deleteWorkflowExecution({ namespace, workflowExecution: { workflowId, runId } });
  await waitFor(`run ${runId} gone from Temporal`, async () => {
    try {
      await client.workflow.getHandle(workflowId, runId).describe();
      return false;
    } catch (err) {
      return (err as Error).name === 'WorkflowNotFoundError' || /not found/i.test((err as Error).message);
    }
  }, 90_000, 250);
}

/** `helpdesk audit archive ARGS…` in its own process, on the stack's database and Temporal, with a 1-minute interval. */
const archiveCli = (stack: IsolatedStack, args: string[]) => runHelpdesk(['audit', 'archive', ...args], {
  DATABASE_URL: stack.config.databaseUrl!, TEMPORAL_ADDRESS: stack.temporalAddress, HELPDESK_TASK_QUEUE: stack.taskQueue, TICKET_PREFIX: stack.config.ticketPrefix, HELPDESK_ARCHIVE_INTERVAL: '1m',
});

describe('history archive: closed runs kept in PostgreSQL after Temporal forgets them', function () {
  this.timeout(180_000);
  let stack: IsolatedStack;
  const source = () => createHistorySource({ client: stack.client, archive: stack.db.historyArchive, taskQueue: stack.taskQueue });

  before(async () => {
    stack = await isolatedStack('archive', slowRules());
  });

  it('when a ticket closes, then the scheduled sweep archives its run; deleted from Temporal, it is still read from the archive with the same sha256', async () => {
    const number = await cancelledTicket(stack, 'Archive me');
    const workflowId = `ticket-${number}`;
    const [closed] = await listedClosed(stack.client, stack.taskQueue, number);
    const live = await source().forTicket(number);
    expect(live.runs.map((r) => [r.runId, r.origin, r.status])).to.deep.equal([[closed!.runId, 'temporal', closed!.status]]);

    // The schedule of this task queue (as `helpdesk start` makes it), run now rather than in 5 minutes.
    expect(await ensureArchiveSchedule(stack.client, stack.config)).to.equal('created');
    expect(await ensureArchiveSchedule(stack.client, stack.config)).to.equal('unchanged');
    const schedule = stack.client.schedule.getHandle(archiveScheduleId(stack.taskQueue));
    onCleanup(() => schedule.delete().catch(() => undefined));
    await schedule.trigger();
    const [row] = await waitFor('the run archived by the schedule', async () => {
      const rows = await stack.db.historyArchive.runsOf(workflowId);
      return rows.length ? rows : undefined;
    }, 60_000, 250);
    // The scheduled run swept, then asked for the audit log's periodic checkpoint (docs/audit-proof.md).
    const action = await waitFor('the schedule\'s run', async () => (await schedule.describe()).info.recentActions[0]?.action, 10_000, 200);
    const result = await stack.client.workflow.getHandle(action.workflow.workflowId, action.workflow.firstExecutionRunId).result() as HistoryArchiveRunResult;
    expect(result.sweep).to.include({ archived: 1, failed: 0 });
    expect(result).to.have.property('checkpoint');
    expect(row).to.include({ workflowId, runId: closed!.runId, ticketNumber: number, status: closed!.status, sha256: live.runs[0]!.sha256, eventCount: live.runs[0]!.eventCount });
    expect(row!.history).to.equal(live.runs[0]!.text);
    // The archived text reads back as the history it is (the replay check hands it to the SDK).
    expect(historyFromJSON(JSON.parse(row!.history)).events).to.have.length(row!.eventCount);
    // Sealed stays sealed: the workflow's input and results are as Temporal stored them, encrypted, never decoded.
    const started = JSON.parse(row!.history).events[0].workflowExecutionStartedEventAttributes;
    expect(started.input.payloads.map((p: { metadata: { encoding: string } }) => Buffer.from(p.metadata.encoding, 'base64').toString())).to.deep.equal(['binary/encrypted']);

    await deleteFromTemporal(stack.client, stack.config.temporal.namespace, workflowId, closed!.runId);
    const kept = await source().forTicket(number);
    expect(kept.runs.map((r) => [r.runId, r.origin, r.status, r.sha256])).to.deep.equal([[closed!.runId, 'archive', closed!.status, live.runs[0]!.sha256]]);
    expect(kept.runs[0]!.text).to.equal(live.runs[0]!.text);
    expect(kept.runs[0]!.history.events.length).to.equal(live.runs[0]!.eventCount);
    expect(kept.missing).to.deep.equal([]);
    expect(kept.problems).to.equal(undefined);

    // A second sweep finds it archived and archives nothing twice.
    const again = await source().archiveNow(number);
    expect(again).to.include({ archived: 0, failed: 0 });
    // The schedule goes now: left running, its next sweep (5 minutes on) would archive what the
    // later tests keep failing on purpose.
    await schedule.delete();
  });

  it('the archive is append-only: an UPDATE and a DELETE while the ticket exists are refused; the ticket\'s deletion takes its runs with it', async () => {
    const number = await cancelledTicket(stack, 'Append only');
    await listedClosed(stack.client, stack.taskQueue, number);
    expect(await source().archiveNow(number)).to.include({ archived: 1, failed: 0 });
    const sql = stack.db.sequelize;
    const refused = async (query: string) => {
      const err = await sql.query(query, { replacements: { n: number } }).then(() => undefined, (e: unknown) => e as Error);
      expect(err, query).to.be.instanceOf(Error);
      return err!.message;
    };
    expect(await refused(`UPDATE history_archive SET history = '{}' WHERE ticket_number = :n`)).to.match(/append-only: run .* cannot be updated/);
    expect(await refused(`DELETE FROM history_archive WHERE ticket_number = :n`)).to.match(/deleted only with its ticket/);
    expect(await refused(`TRUNCATE history_archive`)).to.match(/cannot be truncated/);
    // Retention's deletion of the ticket (its rows, as services/privacy/erase.ts deletes them) takes its archived runs.
    await sql.transaction(async (transaction) => {
      for (const table of ['ticket_submitters', 'ticket_ratings', 'notification_outbox', 'intake_requests', 'ticket_attachments', 'requester_tokens']) {
        await sql.query(`DELETE FROM ${table} WHERE ticket_number = :n`, { replacements: { n: number }, transaction });
      }
      await sql.query(`DELETE FROM tickets WHERE number = :n`, { replacements: { n: number }, transaction });
    });
    expect(await stack.db.historyArchive.runsOf(`ticket-${number}`)).to.deep.equal([]);
    // And a sweep does not bring it back while Temporal still has it: the ticket is gone.
    expect(await source().archiveNow(number)).to.deep.include({ archived: 0, skipped: { noTicket: 1, legacy: 0 } });
  });

  it('when a run cannot be fetched, then it is recorded as a failure, reported by the status and retried; one Temporal forgets first is reported lost and missing', async () => {
    const a = await cancelledTicket(stack, 'Fetch fails');
    const b = await cancelledTicket(stack, 'Forgotten first');
    const [runA] = await listedClosed(stack.client, stack.taskQueue, a);
    const [runB] = await listedClosed(stack.client, stack.taskQueue, b);
    const failing = async () => {
      throw Object.assign(new Error('connection reset while reading ticket text'), { name: 'FetchBroke' });
    };
    const first = await sweepClosedHistories({ client: stack.client, archive: stack.db.historyArchive, taskQueue: stack.taskQueue, fetchHistory: failing, log: () => {} }, { atMs: Date.now() });
    expect(first.failed).to.equal(2);
    const failures = await stack.db.historyArchive.failures();
    expect(failures.map((f) => [f.ticketNumber, f.runId, f.attempts])).to.have.deep.members([[a, runA!.runId, 1], [b, runB!.runId, 1]]);
    // A sentence, without the error's message (it might quote data).
    for (const f of failures) expect(f.lastError).to.equal('Archiving this run failed (FetchBroke); the next sweep tries again. The worker\'s log says where it failed.');

    const status = await source().archiveStatus({ intervalMs: 5 * 60_000 });
    const mine = status.notArchived.filter((r) => [a, b].includes(r.ticketNumber));
    expect(mine.map((r) => [r.ticketNumber, r.state, r.failure?.attempts, r.overdue])).to.have.deep.members([[a, 'failing', 1, false], [b, 'failing', 1, false]]);
    // Later than one interval after they closed, the archive is behind: the CLI says so and exits 1.
    expect((await source().archiveStatus({ intervalMs: 5 * 60_000, nowMs: Date.now() + 10 * 60_000 })).overdue).to.be.at.least(2);
    await new Promise((r) => setTimeout(r, 61_000 - (Date.now() - Date.parse(runB!.closedAt))));
    const cli = await archiveCli(stack, ['--status']);
    expect(cli.code, cli.stderr).to.equal(1);
    expect(cli.stdout).to.include(`${a}  run ${runA!.runId}`).and.include('failing  OVERDUE').and.include('1 attempt, the last at').and.include('(FetchBroke)');
    expect(cli.stdout).to.match(/runs? closed more than 1 minute ago (is|are) not archived/);

    // B's history goes from Temporal before the next sweep: it cannot be archived any more.
    await deleteFromTemporal(stack.client, stack.config.temporal.namespace, `ticket-${b}`, runB!.runId);
    const swept = await archiveCli(stack, []);
    expect(swept.code, swept.stderr).to.equal(1);
    expect(swept.stdout).to.match(/Archived [1-9]\d* runs?;.* 1 run failed/);
    expect(await stack.db.historyArchive.runsOf(`ticket-${a}`)).to.have.length(1);
    const [lost] = await stack.db.historyArchive.failures();
    expect(lost).to.include({ ticketNumber: b, attempts: 2 });
    expect(lost!.lastError).to.match(/^Temporal no longer has this run's history/);

    const after = await source().archiveStatus({ intervalMs: 60_000 });
    expect(after.notArchived.map((r) => [r.ticketNumber, r.state, r.overdue])).to.deep.equal([[b, 'lost', true]]);
    const histories = await source().forTicket(b);
    expect(histories.runs).to.deep.equal([]);
    expect(histories.missing).to.have.length(1);
    expect(histories.missing[0]!.runId).to.equal(runB!.runId);
    expect(histories.missing[0]!.why).to.match(/Temporal no longer has run .* archiving it failed 2 times, last at .*: Temporal no longer has this run's history/);
  });

  it('when an archived history is changed in the database, then reading it reports the mismatch with the recorded sha256', async () => {
    const number = await cancelledTicket(stack, 'Tampered');
    await listedClosed(stack.client, stack.taskQueue, number);
    await source().archiveNow(number);
    const [row] = await stack.db.historyArchive.runsOf(`ticket-${number}`);
    // As an attacker with database access would: the trigger dropped for the change.
    await stack.db.sequelize.query(`ALTER TABLE history_archive DISABLE TRIGGER history_archive_immutable_rows;
      UPDATE history_archive SET history = history || ' ' WHERE ticket_number = :n;
      ALTER TABLE history_archive ENABLE TRIGGER history_archive_immutable_rows;`, { replacements: { n: number } });
    const read = await source().forTicket(number);
    expect(read.runs[0]).to.include({ origin: 'archive', recordedSha256: row!.sha256 });
    expect(read.runs[0]!.sha256).to.not.equal(row!.sha256);
    expect(read.problems).to.have.length(1);
    expect(read.problems![0]!.why).to.include(`no longer matches the sha256 recorded when it was archived (${row!.sha256}`);
  });
});

describe('history archive: a ticket that continued as new is archived run by run', function () {
  this.timeout(180_000);

  it('when a ticket continued as new and then closed, then each of its runs is archived and read back oldest first', async () => {
    // A dev server of its own that suggests continue-as-new after 60 history events (test/continue-as-new.test.ts).
    const server = await startTestTemporal(undefined, undefined, ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60']);
    onCleanup(() => server.stop());
    const config = testConfig({ DATABASE_URL: await freshDatabaseUrl('archcan'), TEMPORAL_ADDRESS: server.address, HELPDESK_TASK_QUEUE: 'archive-can' });
    const db = await openDatabase(config, log);
    onCleanup(() => db.close());
    expect((await db.rules.publish(slowRules(), { author: 'test', comment: 'hour-scale targets' })).ok).to.equal(true);
    await runTestWorker(config, server.address, db);
    const web = await startWeb(config, server.address, db, log, { host: '127.0.0.1', port: 0 });
    onCleanup(() => web.close());
    const token = await apiToken(db, 'agent@example.com', 'agent');
    const call = (method: string, path: string, body?: unknown) => request(web.url, method, path, { token, ...(body ? { body } : {}) });

    const created = await call('POST', '/api/v1/tickets', { title: 'A long story', description: 'many comments', requesterEmail: 'r@example.com' });
    expect(created.status).to.equal(201);
    const number: string = created.body.number;
    await waitFor('classification', async () => (await db.tickets.get(number))?.sla);
    const handle = web.client.workflow.getHandle(`ticket-${number}`);
    const firstRun = (await handle.describe()).runId;
    for (let i = 1; i <= 25; i++) expect((await call('POST', `/api/v1/tickets/${number}/actions/comment`, { message: `note ${i}` })).status).to.equal(200);
    await waitFor('a new run', async () => (await handle.describe()).runId !== firstRun, 30_000);
    expect((await call('POST', `/api/v1/tickets/${number}/actions/cancel`, { reason: 'duplicate' })).status).to.equal(200);
    await handle.result();
    const closed = await listedClosed(web.client, config.temporal.taskQueue, number, 2);

    const source = createHistorySource({ client: web.client, archive: db.historyArchive, taskQueue: config.temporal.taskQueue });
    const swept = await source.archiveNow();
    expect(swept).to.include({ archived: closed.length, failed: 0 });
    const histories = await source.forTicket(number);
    expect(histories.runs.length).to.equal(closed.length).and.be.at.least(2);
    expect(histories.runs.every((r) => r.origin === 'archive')).to.equal(true);
    expect(histories.runs[0]!.runId).to.equal(firstRun);
    expect(histories.runs.map((r) => r.status)).to.deep.equal([...Array(closed.length - 1).fill('continued_as_new'), 'completed']);
    // Each run's history is its own: the first ends by continuing as new, the last starts from it.
    expect(histories.runs[0]!.history.events.at(-1)!.eventType).to.equal('EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW');
    expect(histories.runs.at(-1)!.history.events.at(-1)!.eventType).to.equal('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    expect(new Set(histories.runs.map((r) => r.sha256)).size).to.equal(histories.runs.length);
    const status = await source.archiveStatus({ intervalMs: 60_000 });
    expect(status.notArchived).to.deep.equal([]);
  });
});
