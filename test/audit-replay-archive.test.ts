/**
 * The auditors' promise after Temporal forgets: a ticket runs through classification, a breach,
 * an escalation, resolution and its automatic close on a dev server of its own; its run is
 * archived (`helpdesk audit archive NUMBER`) and deleted from Temporal. Then the timeline (API),
 * the replay check (CLI and API) and the evidence export still work, from the archive — also with
 * that Temporal stopped, where a ticket not archived answers 503 instead (its check and its evidence). A classification altered
 * in the archive (the trigger dropped, as an attacker with database access would) is named with
 * its field, recorded and recomputed value, beside the changed sha256. A ticket whose requester
 * was erased still checks: the derived facts stand in for the words.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { openDatabase, startWeb, type Database } from '../runtime/stack.ts';
import { payloadCodec } from '../runtime/payload-codec.ts';
import type { TicketEvent } from '../workflows/types.ts';
import { fastRulesText } from './fixtures/fast-rules.ts';
import { freshDatabaseUrl, log, onCleanup, runTestWorker, startTestTemporal, testConfig } from './support/env.ts';
import { request } from './support/http.ts';
import { runHelpdesk } from './support/privacy-cli.ts';
import { waitFor } from './support/processes.ts';
import { apiToken } from './support/users.ts';

type Payload = { metadata: Record<string, string>; data: string };
const bytes = (p: Payload) => ({ metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])), data: Buffer.from(p.data, 'base64') });
const text = (p: { metadata?: Record<string, Uint8Array | null | undefined> | null; data?: Uint8Array | null }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(p.data!).toString('base64'),
});

describe('audit: timeline, replay check and export from the history archive after Temporal forgets', function () {
  // Each command and request with Temporal stopped waits out its connection attempt (10–20 s).
  this.timeout(400_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-archive-'));
  let server: Awaited<ReturnType<typeof startTestTemporal>>;
  let config: ReturnType<typeof testConfig>;
  let db: Database;
  let web: Awaited<ReturnType<typeof startWeb>>;
  let agent: string;
  let auditor: string;
  let closed: string;
  let runId: string;
  let open: string;

  const events = async (n: string): Promise<TicketEvent[]> => (await db.tickets.get(n))?.timeline ?? [];
  const eventually = (n: string, type: string) => waitFor(`${type} on ${n}`, async () => (await events(n)).find((e) => e.type === type), 40_000, 100);
  const act = (n: string, action: string, body: Record<string, unknown>) => request(web.url, 'POST', `/api/v1/tickets/${n}/actions/${action}`, { token: agent, body });
  const report = async (over: Record<string, unknown>) => {
    const res = await request(web.url, 'POST', '/api/v1/tickets', { token: agent, body: { description: 'Details of the problem.', requesterEmail: 'requester@example.com', impact: 'high', urgency: 'high', ...over } });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.number as string;
  };
  const helpdesk = (args: string[], temporal = server.address) =>
    runHelpdesk(['audit', ...args], { DATABASE_URL: config.databaseUrl!, TEMPORAL_ADDRESS: temporal, HELPDESK_TASK_QUEUE: config.temporal.taskQueue, TICKET_PREFIX: config.ticketPrefix });
  const client = (): Client => web.client;

  before(async () => {
    onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
    server = await startTestTemporal(path.join(dir, 'temporal.sqlite'));
    onCleanup(() => server.stop());
    config = testConfig({ DATABASE_URL: await freshDatabaseUrl('audit-archive'), TEMPORAL_ADDRESS: server.address, HELPDESK_TASK_QUEUE: 'audit-archive', TICKET_PREFIX: 'AR' });
    db = await openDatabase(config, log);
    onCleanup(() => db.close());
    // Response 3 s (24×7): the response clock breaches and the ladder moves the ticket up; closed 2 s after resolution.
    expect((await db.rules.publish(fastRulesText({ response: '3s', resolution: '60s', autoCloseAfter: '2s' }), { author: 'test', comment: 'second-scale' })).ok).to.equal(true);
    await runTestWorker(config, server.address, db);
    web = await startWeb(config, server.address, db, log, { host: '127.0.0.1', port: 0 });
    onCleanup(() => web.close());
    agent = await apiToken(db, 'agent@example.com', 'agent');
    auditor = await apiToken(db, 'auditor@example.com', 'auditor');

    closed = await report({ title: 'Printer on fire' });
    // Actions wait for the classification (until then they are refused with 409 notClassified).
    await eventually(closed, 'classified');
    expect((await act(closed, 'start', {})).status).to.equal(200);
    await eventually(closed, 'sla_breached');
    await eventually(closed, 'escalated');
    expect((await act(closed, 'resolve', { code: 'solved', note: 'Replaced the fuser' })).status).to.equal(200);
    await eventually(closed, 'closed');
    const handle = client().workflow.getHandle(`ticket-${closed}`);
    await handle.result();
    runId = (await handle.describe()).runId;
    open = await report({ title: 'Keyboard sticks', impact: 'low', urgency: 'low' });
    await eventually(open, 'classified');
  });

  it('archives the closed run and, once Temporal has deleted it, tells the timeline, checks the replay and exports the evidence from the archive', async () => {
    // Visibility lists a closed run a moment after it closes; the sweep archives what it lists.
    await waitFor('the run archived', async () => {
      const ran = await helpdesk(['archive', closed]);
      return (await db.historyArchive.runsOf(`ticket-${closed}`)).length === 1 ? ran : undefined;
    }, 60_000, 1_000);
    await client().workflowService.deleteWorkflowExecution({ namespace: config.temporal.namespace, workflowExecution: { workflowId: `ticket-${closed}`, runId } });
    await waitFor('the run gone from Temporal', async () => client().workflow.getHandle(`ticket-${closed}`, runId).describe().then(() => false, () => true), 90_000, 250);

    const timeline = await request(web.url, 'GET', `/api/v1/audit/tickets/${closed}/timeline`, { token: auditor, headers: { 'Accept-Language': 'de' } });
    expect(timeline.status).to.equal(200);
    expect(timeline.body.history.notes[0]).to.equal('Der Verlauf wurde aus dem Archiv gelesen (1 Lauf).');
    expect(timeline.body.history).to.include({ complete: true });
    expect(timeline.body.decisions[0]).to.include({ recorded: true });
    const escalated = (timeline.body.entries as Array<{ type: string; why: { sentences: string[] } | null }>).find((e) => e.type === 'escalated')!;
    expect(escalated.why!.sentences.length).to.be.greaterThan(0);

    const replay = await helpdesk(['replay', closed, '--json']);
    expect(replay.code, replay.stderr).to.equal(0);
    const verdict = JSON.parse(replay.stdout) as { reproducible: boolean; runs: Array<{ runId: string; origin: string }>; checked: { decisions: number } };
    expect(verdict.reproducible).to.equal(true);
    expect(verdict.runs).to.deep.equal([{ ...verdict.runs[0], runId, origin: 'archive' }]);
    expect(verdict.checked.decisions).to.be.greaterThan(0);

    const file = path.join(dir, 'evidence.json');
    const exported = await helpdesk(['export', closed, '--out', file, '--lang', 'pl']);
    expect(exported.code, exported.stderr).to.equal(0);
    const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as { files: Record<string, string> };
    expect(JSON.parse(bundle.files['histories.json']!).runs.map((r: { origin: string }) => r.origin)).to.deep.equal(['archive']);
    expect(bundle.files[`history/${runId}.json`]).to.equal((await db.historyArchive.runsOf(`ticket-${closed}`))[0]!.history);
    expect(bundle.files['timeline.txt']).to.match(/^Historię odczytano z archiwum \(1 przebieg\)\./);
    const verified = await helpdesk(['verify-bundle', file]);
    expect(verified.code, verified.stdout + verified.stderr).to.equal(0);
  });

  it('with Temporal stopped, checks the archived ticket from the archive alone, and answers 503 with a sentence for one not archived', async () => {
    await server.stop();
    const cli = await helpdesk(['replay', closed]);
    expect(cli.stderr).to.match(/^Reading archived histories only: Temporal at .* cannot be reached/);
    expect(cli.stdout).to.match(new RegExp(`^${closed}: reproducible \\(1 run, `));
    expect(cli.code).to.equal(0);
    const api = await request(web.url, 'POST', `/api/v1/audit/tickets/${closed}/replay`, { token: auditor, body: {} });
    expect(api.status).to.equal(200);
    expect(api.body).to.include({ reproducible: true });

    const down = await request(web.url, 'POST', `/api/v1/audit/tickets/${open}/replay`, { token: auditor, body: {}, headers: { 'Accept-Language': 'pl' } });
    expect(down.status).to.equal(503);
    expect(down.body.error).to.deep.equal({ code: 'UNAVAILABLE', message: 'Helpdesk nie może teraz obsłużyć tego żądania. Nic nie zginęło; spróbuj ponownie za chwilę.' });
    // The evidence too: the archived ticket's bundle is made from the archive; the other one is a
    // 503 and nothing is signed or recorded.
    expect((await request(web.url, 'POST', `/api/v1/audit/tickets/${closed}/evidence`, { token: auditor, body: {} })).status).to.equal(200);
    const exportsBefore = (await db.audit.search({ action: 'audit.ticket_exported', limit: 1000 })).length;
    const noEvidence = await request(web.url, 'POST', `/api/v1/audit/tickets/${open}/evidence`, { token: auditor, body: {}, headers: { 'Accept-Language': 'de' } });
    expect(noEvidence.status).to.equal(503);
    expect(noEvidence.body.error.code).to.equal('UNAVAILABLE');
    expect((await db.audit.search({ action: 'audit.ticket_exported', limit: 1000 })).length).to.equal(exportsBefore);
    const notArchived = await helpdesk(['replay', open]);
    expect(notArchived.code).to.equal(1);
    expect(notArchived.stderr).to.match(/The ticket's histories could not be read: Temporal at .* cannot be reached.*: start the helpdesk/);
    // The timeline is still whole from the read model, and says why the explanations are not there.
    const timeline = await request(web.url, 'GET', `/api/v1/audit/tickets/${open}/timeline`, { token: auditor });
    expect(timeline.status).to.equal(200);
    expect(timeline.body.history.notes[0]).to.match(/^The histories could not be read just now/);
    expect((timeline.body.entries as Array<{ type: string }>).map((e) => e.type)).to.include('classified');
  });

  it('names a classification altered in the archive: the field, recorded and recomputed value, and the changed sha256', async () => {
    const [row] = await db.historyArchive.runsOf(`ticket-${closed}`);
    type Event = { eventId: string; activityTaskScheduledEventAttributes?: object; activityTaskCompletedEventAttributes?: { result: { payloads: Payload[] } } };
    const history = JSON.parse(row!.history) as { events: Event[] };
    const codec = payloadCodec(config)!;
    // The first activity the run completed is its classification.
    const completed = history.events.find((e) => e.activityTaskCompletedEventAttributes)!.activityTaskCompletedEventAttributes!;
    const [plain] = await codec.decode([bytes(completed.result.payloads[0]!)]);
    const result = defaultPayloadConverter.fromPayload(plain!) as { decision: { priority: string } };
    const recorded = result.decision.priority;
    result.decision.priority = recorded === 'P1' ? 'P3' : 'P1';
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(result)!]);
    completed.result.payloads[0] = text(sealed!);
    await db.sequelize.query(`ALTER TABLE history_archive DISABLE TRIGGER history_archive_immutable_rows;
      UPDATE history_archive SET history = :h WHERE ticket_number = :n;
      ALTER TABLE history_archive ENABLE TRIGGER history_archive_immutable_rows;`, { replacements: { h: JSON.stringify(history), n: closed } });

    const cli = await helpdesk(['replay', closed, '--json']);
    expect(cli.code, cli.stderr).to.equal(1);
    const verdict = JSON.parse(cli.stdout) as { reproducible: boolean; differences: Array<Record<string, unknown>> };
    expect(verdict.reproducible).to.equal(false);
    expect(verdict.differences).to.deep.include({ kind: 'integrity', runId, eventId: null, field: 'sha256', recorded: row!.sha256, recomputed: verdict.differences.find((d) => d.kind === 'integrity')!.recomputed });
    expect(verdict.differences.find((d) => d.kind === 'integrity')!.recomputed).to.not.equal(row!.sha256);
    expect(verdict.differences, JSON.stringify(verdict.differences)).to.deep.include({ kind: 'decision', runId, eventId: Number(history.events.find((e) => e.activityTaskScheduledEventAttributes)!.eventId), field: 'priority', recorded: result.decision.priority, recomputed: recorded });
    const words = await helpdesk(['replay', closed]);
    expect(words.stdout).to.include(`The archived history of run ${runId} was changed after it was archived`);
    expect(words.stdout).to.match(new RegExp(`differs in priority: recorded ${result.decision.priority}, recomputed ${recorded}\\.`));
    const timeline = await request(web.url, 'GET', `/api/v1/audit/tickets/${closed}/timeline`, { token: auditor });
    expect(timeline.body.history.complete).to.equal(false);
    expect((timeline.body.history.notes as string[]).some((n) => n.startsWith(`The archived history of run ${runId} no longer matches the sha256 recorded when it was archived (${row!.sha256}`))).to.equal(true);
  });
});

describe('audit: the replay check of a ticket whose requester was erased', function () {
  this.timeout(180_000);

  it('still answers reproducible, from the derived facts, and the verdict holds none of the erased words', async () => {
    const { isolatedStack } = await import('./support/env.ts');
    const stack = await isolatedStack('audit-erased', fastRulesText({ response: '1h', resolution: '2h', autoCloseAfter: '1h' }));
    const email = 'erased.requester@example.com';
    const res = await request(stack.web.url, 'POST', '/api/v1/tickets', { token: stack.agentToken, body: { title: 'Laptop stolen from the car', description: 'My laptop with the VPN token was stolen.', requesterEmail: email, impact: 'high', urgency: 'medium' } });
    expect(res.status).to.equal(201);
    const number = res.body.number as string;
    await waitFor('classified', async () => ((await stack.db.tickets.get(number))?.timeline ?? []).find((e) => e.type === 'classified'), 30_000, 100);
    const admin = await stack.tokenFor('admin@example.com', 'admin');
    const erased = await request(stack.web.url, 'POST', '/api/v1/privacy/erasures', { token: admin, body: { email, reason: 'Art. 17 GDPR, case DPO-2026-99' } });
    expect(erased.status, JSON.stringify(erased.body)).to.be.oneOf([200, 201]);
    const auditor = await stack.tokenFor('auditor@example.com', 'auditor');
    const v = await request(stack.web.url, 'POST', `/api/v1/audit/tickets/${number}/replay`, { token: auditor, body: {} });
    expect(v.status).to.equal(200);
    expect(v.body.reproducible, JSON.stringify(v.body.differences)).to.equal(true);
    expect(v.body.checked.decisions).to.be.greaterThan(0);
    const said = JSON.stringify(v.body);
    for (const word of ['Laptop stolen', 'VPN token', email]) expect(said).to.not.include(word);
  });
});
