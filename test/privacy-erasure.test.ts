/**
 * Issue 10's promise end to end, on `helpdesk start` as an operator runs it (the dev server's
 * SQLite file in the data folder, PostgreSQL from DATABASE_URL so pg_dump reads all of it):
 * personal data is sealed everywhere but the search projection; `helpdesk privacy erase` leaves
 * it nowhere — not in a pg_dump, not in Temporal's store, not in the data folder's files — while
 * the ticket, its SLA figures, its history's replay and its rules decision's re-evaluation stay.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { QueryTypes, Sequelize } from 'sequelize';
import { createRulesRepo } from '../db/rules-repo.ts';
import { decisionOutcome, evaluateDerived, type RedactedDecision } from '../rules/index.ts';
import { createRulesVersions } from '../rules/versions.ts';
import { loadConfig } from '../runtime/config.ts';
import { payloadCodec } from '../runtime/payload-codec.ts';
import { freshDatabaseUrl, workflowBundle } from './support/env.ts';
import { startHelpdeskProcess, type StartedHelpdesk } from './support/helpdesk-process.ts';
import { request } from './support/http.ts';
import { spawnHelpdesk, waitFor } from './support/processes.ts';
import { idleAuditSinks } from '../runtime/temporal.ts';

const PG_DUMP = ['/usr/lib/postgresql/15/bin/pg_dump', '/usr/bin/pg_dump'].find((p) => fs.existsSync(p)) ?? 'pg_dump';

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Which of the files hold the text (as UTF-8 bytes). */
function filesHolding(dir: string, text: string): string[] {
  const needle = Buffer.from(text, 'utf8');
  return filesUnder(dir).filter((f) => fs.readFileSync(f).includes(needle));
}

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const p = spawnHelpdesk(args, env);
  const code = await p.exited;
  return { code, out: p.output() };
}

describe('privacy: sealed personal data and erasure that keeps every history replayable (npm start, pg_dump, the SQLite file)', function () {
  this.timeout(300_000);
  let helpdesk: StartedHelpdesk;
  let databaseUrl: string;
  let token: string;
  let db: Sequelize;
  let temporal: Client;
  const tag = randomUUID().slice(0, 8);
  const email = `wiktoria.${tag}@example.com`;
  const title = `Okapi${tag} printer jam on the third floor`;
  const description = `Narwhal${tag} paper stuck in tray two`;
  const answer = `Pelican${tag}: open the side panel`;
  let number: string;

  // pg_dump's \restrict lines carry a random key per run: left out, so two dumps of the same data are equal.
  const dump = (...extra: string[]) => execFileSync(PG_DUMP, ['--data-only', ...extra, databaseUrl], { maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8').replace(/^\\(un)?restrict .*$/gm, '');
  /** What an erasure changes, as data: for "nothing changes" (other tables, such as the knowledge base a command's start refreshes, are not its business). */
  const state = () => dump(...['persons', 'data_keys', 'tickets', 'ticket_events', 'ticket_search', 'notification_outbox', 'intake_requests', 'users', 'api_tokens', 'audit_log', 'ticket_attachments', 'requester_tokens', 'ticket_ratings'].map((t) => `--table=${t}`));
  const secrets = () => [email, title, description, answer, tag];

  before(async () => {
    databaseUrl = await freshDatabaseUrl('erasure');
    helpdesk = await startHelpdeskProcess({ DATABASE_URL: databaseUrl, HELPDESK_MASTER_KEY: '' });
    expect((await cli(['user', 'add', '--email', 'nina.agent@example.com', '--name', 'Nina', '--role', 'agent'], helpdesk.env)).code).to.equal(0);
    const made = await cli(['token', 'create', '--email', 'nina.agent@example.com'], helpdesk.env);
    token = /hd_[A-Za-z0-9_-]+/.exec(made.out)![0];
    db = new Sequelize(databaseUrl, { logging: false });
    const config = loadConfig({ ...process.env, ...helpdesk.env });
    const connection = await Connection.connect({ address: `127.0.0.1:${helpdesk.env.TEMPORAL_DEV_PORT}` });
    temporal = new Client({ connection, namespace: 'default', dataConverter: { payloadCodecs: [payloadCodec(config)] } });
  });

  after(async () => {
    await temporal?.connection.close();
    await db?.close();
    await helpdesk?.dispose();
  });

  it('when npm start runs with no master key, then it generates one under the data folder (0600) and says so once, without the key', () => {
    const file = path.join(helpdesk.dataDir, 'master-key');
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    expect(helpdesk.proc.output().match(/Generated a master key for personal data in .*master-key \(mode 0600\)/g)).to.have.length(1);
    const key = fs.readFileSync(file, 'utf8').split('\n').find((l) => /^k\d+:/.test(l))!.split(':')[1]!;
    expect(helpdesk.proc.output()).not.to.include(key);
  });

  it('when a ticket is created and answered, then neither the address, the title, the description nor the answer is in the database outside the search projection, nor in Temporal’s store — even read through the codec', async () => {
    const created = await request(helpdesk.url, 'POST', '/api/v1/tickets', { token, body: { title, description, requesterEmail: email, impact: 'high', urgency: 'high' } });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    number = created.body.number as string;
    await waitFor('classification', async () => (await request(helpdesk.url, 'GET', `/api/v1/tickets/${number}`, { token })).body.sla);
    const answered = await request(helpdesk.url, 'POST', `/api/v1/tickets/${number}/actions/respond`, { token, body: { message: answer } });
    expect(answered.status, JSON.stringify(answered.body)).to.equal(200);

    // What the agent sees: everything, opened.
    const seen = await request(helpdesk.url, 'GET', `/api/v1/tickets/${number}`, { token });
    expect(seen.body).to.include({ title, description, requesterEmail: email });
    expect(seen.body.timeline.find((e: { type: string }) => e.type === 'responded').data.message).to.equal(answer);

    // The database: only the search projection holds the words (and so search works); nothing holds the address.
    const outside = dump('--exclude-table-data=ticket_search');
    for (const s of secrets()) expect(outside, `pg_dump outside ticket_search shows "${s}"`).not.to.include(s);
    const all = dump();
    expect(all, 'the search projection has the title').to.include(title);
    expect(all).not.to.include(email);

    // Temporal's store: the SQLite file (and its WAL), and the history as the workflow reads it, through the codec.
    for (const s of secrets()) expect(filesHolding(helpdesk.dataDir, s), `files in the data folder holding "${s}"`).to.deep.equal([]);
    const history = await temporal.workflow.getHandle(`ticket-${number}`).fetchHistory();
    const decoded = await Promise.all(history.events!.flatMap((e) => [e.workflowExecutionStartedEventAttributes?.input, e.activityTaskCompletedEventAttributes?.result, e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.args]).filter((p) => p?.payloads?.length).map((p) => temporalCodec().decode(p!.payloads!)));
    const text = decoded.flat().map((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8')).join('\n');
    expect(text).to.include('sealed:v1:');
    for (const s of secrets()) expect(text, `the decoded history shows "${s}"`).not.to.include(s);
  });

  const temporalCodec = () => payloadCodec(loadConfig({ ...process.env, ...helpdesk.env }));

  it('when an erasure is asked with bad input (no reason, an address in the reason, a malformed address, an unknown one), then each gets a sentence and nothing changes', async () => {
    // The mails of the ticket go out on their own (the local mail server): settled first, so what changes is the erasure's doing only.
    await waitFor('the outbox delivered', async () => ((await db.query(`SELECT count(*)::int AS n FROM notification_outbox WHERE delivered_at IS NULL`, { type: QueryTypes.SELECT }))[0] as { n: number }).n === 0 || undefined, 30_000);
    const before = state();
    const noReason = await cli(['privacy', 'erase', '--email', email, '--reason', '  '], helpdesk.env);
    expect(noReason.code).to.equal(2);
    expect(noReason.out).to.include('Give the reason for the erasure');
    const leaky = await cli(['privacy', 'erase', '--email', email, '--reason', `asked by ${email}`], helpdesk.env);
    expect(leaky.code).to.equal(2);
    expect(leaky.out).to.include('must not hold an e-mail address');
    expect(leaky.out.split(email).length - 1, 'the address is not echoed beyond the command line').to.equal(0);
    const bad = await cli(['privacy', 'erase', '--email', 'not-an-address', '--reason', 'Art. 17'], helpdesk.env);
    expect(bad.code).to.equal(2);
    expect(bad.out).to.include('Give the e-mail address of the person to erase');
    const unknown = await cli(['privacy', 'erase', '--email', `nobody.${tag}@example.com`, '--reason', 'Art. 17'], helpdesk.env);
    expect(unknown.code).to.equal(1);
    expect(unknown.out).to.include('No personal data is held about this address');
    expect(state()).to.equal(before);
  });

  it('when the person is erased, then their data is nowhere — pg_dump, the SQLite file, the data folder — the ticket says [erased] in the reader’s language, its SLA figures are unchanged, and its history and rules decision still check out', async () => {
    const sla = (await request(helpdesk.url, 'GET', `/api/v1/tickets/${number}/sla`, { token })).body;
    const erased = await cli(['privacy', 'erase', '--email', email, '--reason', 'Art. 17 GDPR request, case DPO-2026-41'], helpdesk.env);
    expect(erased.code, erased.out).to.equal(0);
    expect(erased.out).to.match(/Erased person [0-9a-f-]{36}: 1 ticket keeps its timeline and SLA figures, with "\[erased\]"/);

    const all = dump();
    for (const s of secrets()) expect(all, `pg_dump shows "${s}"`).not.to.include(s);
    for (const s of secrets()) expect(filesHolding(helpdesk.dataDir, s), `files in the data folder holding "${s}"`).to.deep.equal([]);
    const ledger = fs.readFileSync(path.join(helpdesk.dataDir, 'erasure-ledger.jsonl'), 'utf8');
    expect(ledger.trim().split('\n')).to.have.length(1);
    expect(ledger).to.include(number);

    // The web process may hold the unwrapped key for a moment (db/vault.ts, cacheMs): then it is gone there too.
    await waitFor('the web process to see the erasure', async () => (await request(helpdesk.url, 'GET', `/api/v1/tickets/${number}`, { token })).body.title === '[erased]', 10_000);
    for (const [lang, word] of [['en', '[erased]'], ['pl', '[usunięto]'], ['de', '[gelöscht]']] as const) {
      const got = await request(helpdesk.url, 'GET', `/api/v1/tickets/${number}`, { token, headers: { 'Accept-Language': lang } });
      expect(got.status).to.equal(200);
      expect(got.body, lang).to.include({ title: word, description: word, requesterEmail: word });
      expect(got.body.timeline.find((e: { type: string }) => e.type === 'responded').data.message).to.equal(word);
    }
    const after = (await request(helpdesk.url, 'GET', `/api/v1/tickets/${number}/sla`, { token })).body;
    expect(after.clocks.map((c: { name: string; targetMs: number; deadlineAt: string | null; startedAt: string }) => [c.name, c.targetMs, c.deadlineAt, c.startedAt]))
      .to.deep.equal(sla.clocks.map((c: { name: string; targetMs: number; deadlineAt: string | null; startedAt: string }) => [c.name, c.targetMs, c.deadlineAt, c.startedAt]));

    // The history replays through the current workflow code, with the service key alone.
    const history = await temporal.workflow.getHandle(`ticket-${number}`).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter: { payloadCodecs: [temporalCodec()] }, sinks: idleAuditSinks }, history);

    // The rules decision is re-evaluated from its derived facts under its own rules version: the same decision.
    const result = history.events!.find((e) => e.activityTaskCompletedEventAttributes?.result?.payloads?.length)!.activityTaskCompletedEventAttributes!.result!.payloads!;
    const [plain] = await temporalCodec().decode(result);
    const { decision } = JSON.parse(Buffer.from(plain!.data!).toString('utf8')) as { decision: RedactedDecision };
    const versions = createRulesVersions(createRulesRepo(db));
    const compiled = (await versions.compiled(decision.rulesVersion)).compiled;
    const created = Date.parse((await request(helpdesk.url, 'GET', `/api/v1/tickets/${number}`, { token })).body.createdAt);
    const again = await evaluateDerived(compiled, decision.explanation.facts, created);
    expect(again.unreproducible).to.deep.equal([]);
    expect(decisionOutcome(again.decision)).to.deep.equal(decisionOutcome(decision));

    // Erasing twice: a sentence, nothing changes.
    const before = state();
    const twice = await cli(['privacy', 'erase', '--email', email, '--reason', 'Art. 17 GDPR request, case DPO-2026-41'], helpdesk.env);
    expect(twice.code).to.equal(1);
    expect(twice.out).to.include('No personal data is held about this address');
    expect(state()).to.equal(before);
  });
});
