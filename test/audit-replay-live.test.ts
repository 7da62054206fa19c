/**
 * The replay check on a ticket a real worker ran: classification, pending and resume, a breach
 * and an escalation on the ladder, a re-classification under a newer rules version, resolution.
 * Its history (fetched from the Temporal dev server) replays through the production bundle and
 * every decision is re-evaluated under the rules version that made it, from the recorded facts
 * with the ticket's words opened again: "reproducible". A classification altered in the history
 * is named with its field, recorded and recomputed value.
 */
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { createHash } from 'node:crypto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { createAuditTicketsRepo } from '../db/audit-tickets-repo.ts';
import { payloadCodec } from '../runtime/payload-codec.ts';
import { createAudit } from '../services/audit/index.ts';
import type { HistoryJson, TicketHistories } from '../services/audit/types.ts';
import { workflowIdFor } from '../workflows/types.ts';
import { fastRulesText } from './fixtures/fast-rules.ts';
import { isolatedStack, workflowBundle, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { act, openTicket, waitForEvent } from './support/tickets.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runHelpdesk } from './support/privacy-cli.ts';

/** `helpdesk audit …` in its own process, as an auditor runs it, on the stack's database and Temporal. */
const helpdesk = (stack: IsolatedStack, args: string[]) =>
  runHelpdesk(['audit', ...args], { DATABASE_URL: stack.config.databaseUrl!, TEMPORAL_ADDRESS: stack.temporalAddress, HELPDESK_TASK_QUEUE: stack.taskQueue });

async function historiesOf(stack: IsolatedStack, number: string): Promise<TicketHistories> {
  const workflowId = workflowIdFor(number);
  const handle = stack.client.workflow.getHandle(workflowId);
  const runId = (await handle.describe()).runId;
  const text = historyToJSON(await handle.fetchHistory());
  const history = JSON.parse(text) as HistoryJson;
  return { number, workflowId, missing: [], runs: [{ workflowId, runId, status: 'running', origin: 'temporal', eventCount: history.events.length, sha256: createHash('sha256').update(text).digest('hex'), text, history, startedAt: null, closedAt: null }] };
}

describe('audit replay check on a ticket a real worker ran', function () {
  this.timeout(180_000);
  let stack: IsolatedStack;
  let number: string;
  let audit: ReturnType<typeof createAudit>;

  before(async () => {
    // Response 3 s (24×7): the response clock breaches and the ladder moves the ticket up a tier.
    stack = await isolatedStack('audit-replay-live', fastRulesText({ response: '3s', resolution: '60s', autoCloseAfter: '1h' }));
    number = await openTicket(stack, { impact: 'high', urgency: 'high', title: 'Printer on fire', description: 'Smoke from the tray.' });
    expect((await act(stack, number, 'start', {})).status).to.equal(200);
    // Nobody answers: the response clock breaches and the ladder escalates.
    await waitForEvent(stack, number, (e) => e.type === 'sla_breached', 30_000);
    await waitForEvent(stack, number, (e) => e.type === 'escalated', 30_000);
    expect((await act(stack, number, 'set_pending', { reason: 'Waiting for the serial number' })).status).to.equal(200);
    expect((await act(stack, number, 'resume', { reason: 'Serial number received' })).status).to.equal(200);
    // A newer version, applied to the ticket by a process owner.
    const newer = JSON.parse(fastRulesText({ response: '3s', resolution: '90s', autoCloseAfter: '1h' })) as { name: string };
    newer.name = 'Second-scale test rules, longer resolution';
    const published = await stack.db.rules.publish(JSON.stringify(newer, null, 2), { author: 'test', comment: 'longer resolution' });
    expect(published.ok).to.equal(true);
    const owner = await stack.tokenFor('owner@example.com', 'process_owner');
    expect((await request(stack.web.url, 'POST', `/api/v1/tickets/${number}/reclassify`, { token: owner, body: { reason: 'rules reviewed' } })).status).to.be.oneOf([200, 202]);
    await waitForEvent(stack, number, (e) => e.type === 'reclassified');
    expect((await act(stack, number, 'resolve', { code: 'solved', note: 'Replaced the fuser' })).status).to.equal(200);
    await waitForEvent(stack, number, (e) => e.type === 'resolved');
    audit = createAudit({
      histories: { forTicket: (n) => historiesOf(stack, n) },
      rules: stack.db.rules,
      tickets: createAuditTicketsRepo(stack.db.sequelize),
      bundle: workflowBundle,
      codec: payloadCodec(stack.config)!,
      open: (sealed, field, ticket) => stack.db.vault.open(sealed, field, ticket),
    });
  });

  it('went through breach, escalation and re-classification (what the check is about)', async () => {
    const types = ((await stack.db.tickets.get(number))?.timeline ?? []).map((e) => e.type);
    for (const t of ['classified', 'pending', 'resumed', 'sla_breached', 'escalated', 'reclassified', 'resolved']) expect(types, t).to.include(t);
  });

  it('answers "reproducible": the history replays and both decisions and every plan are recomputed equal', async () => {
    const v = await audit.checkTicket(number);
    expect(v.differences, JSON.stringify(v.differences)).to.deep.equal([]);
    expect(v.reproducible).to.equal(true);
    expect(v.checked.decisions, 'classification and re-classification').to.equal(2);
    expect(v.checked.plans).to.be.at.least(4);
    expect(v.unchecked, JSON.stringify(v.unchecked)).to.deep.equal([]);
  });

  it('names the field, the recorded and the recomputed value of a classification altered in the history', async () => {
    const codec = payloadCodec(stack.config)!;
    const h = await historiesOf(stack, number);
    const run = h.runs[0]!;
    const completed = run.history.events.find((e) => e.activityTaskCompletedEventAttributes) as { activityTaskCompletedEventAttributes: { result: { payloads: Array<{ metadata: Record<string, string>; data: string }> } } };
    const stored = completed.activityTaskCompletedEventAttributes.result.payloads[0]!;
    const toBytes = (p: typeof stored) => ({ metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])), data: Buffer.from(p.data, 'base64') });
    const [plain] = await codec.decode([toBytes(stored)]);
    const result = JSON.parse(Buffer.from(plain!.data!).toString('utf8')) as { decision: { priority: string } };
    const recorded = result.decision.priority;
    const forged = recorded === 'P1' ? 'P3' : 'P1';
    result.decision.priority = forged;
    const [sealed] = await codec.encode([{ metadata: plain!.metadata!, data: Buffer.from(JSON.stringify(result)) }]);
    completed.activityTaskCompletedEventAttributes.result.payloads[0] = { metadata: Object.fromEntries(Object.entries(sealed!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(sealed!.data!).toString('base64') };
    const altered = createAudit({ histories: { forTicket: async () => h }, rules: stack.db.rules, tickets: createAuditTicketsRepo(stack.db.sequelize), bundle: workflowBundle, codec, open: (s, f, t) => stack.db.vault.open(s, f, t) });
    const v = await altered.checkTicket(number);
    expect(v.reproducible).to.equal(false);
    expect(v.differences).to.deep.include({ kind: 'decision', runId: run.runId, eventId: Number((run.history.events.find((e) => e.activityTaskScheduledEventAttributes) as { eventId: string }).eventId), field: 'priority', recorded: forged, recomputed: recorded });
  });

  it('says the same through `helpdesk audit replay NUMBER` (exit 0) and the API, to auditors and admins only', async () => {
    const ran = await helpdesk(stack, ['replay', number]);
    expect(ran.stdout, ran.stderr).to.match(new RegExp(`^${number}: reproducible \\(1 run, 2 decisions and \\d+ clock plans recomputed\\)\\.`));
    expect(ran.code).to.equal(0);
    const auditor = await stack.tokenFor('auditor@example.com', 'auditor');
    const res = await request(stack.web.url, 'POST', `/api/v1/audit/tickets/${number}/replay`, { token: auditor, body: {} });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ ticket: number, reproducible: true });
    for (const [email, role] of [['agent2@example.com', 'agent'], ['owner@example.com', 'process_owner'], ['someone@example.com', 'requester']] as const) {
      const refused = await request(stack.web.url, 'POST', `/api/v1/audit/tickets/${number}/replay`, { token: await stack.tokenFor(email, role), body: {}, headers: { 'Accept-Language': 'pl' } });
      expect(refused.status, role).to.equal(403);
      expect(refused.body.error, role).to.deep.include({ code: 'FORBIDDEN' });
      expect(refused.body.error.message, role).to.match(/^Twoja rola \(.+\) nie pozwala na to\.$/);
    }
  });

  it('checks every ticket closed in a period: `--closed-between` shows progress and exits 0 when all are reproducible', async () => {
    const other = await openTicket(stack, { title: 'Duplicate report', description: 'Same as the other one.' });
    expect((await act(stack, other, 'cancel', { reason: 'duplicate' })).status).to.equal(200);
    await waitForEvent(stack, other, (e) => e.type === 'cancelled');
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const ran = await helpdesk(stack, ['replay', '--closed-between', today, tomorrow]);
    expect(ran.stderr).to.match(/Checked 1 of 1 tickets: 1 reproducible, 0 differing, 0 unreadable\./);
    expect(ran.stdout).to.match(/All 1 ticket reproducible\./);
    expect(ran.code).to.equal(0);
    const usage = await helpdesk(stack, ['replay', '--closed-between', tomorrow, today]);
    expect(usage.code).to.equal(2);
    expect(usage.stderr).to.match(/the first before the second/);
  });

  it('tells the ticket\'s story in the reader\'s words through the API and `helpdesk audit timeline`, each read in the access log, to auditors and admins only', async () => {
    const accessRows = async () => stack.db.sequelize.query<{ viewer_role: string; channel: string; reason: string | null }>(
      `SELECT viewer_role, channel, reason FROM access_log WHERE ticket_number = :number AND what = 'ticket.read' ORDER BY id`, { replacements: { number }, type: QueryTypes.SELECT });
    const before = (await accessRows()).length;
    const auditor = await stack.tokenFor('auditor@example.com', 'auditor');
    const res = await request(stack.web.url, 'GET', `/api/v1/audit/tickets/${number}/timeline`, { token: auditor, headers: { 'Accept-Language': 'pl', 'X-Access-Reason': encodeURIComponent('Kontrola kwartalna') } });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ ticket: number, language: 'pl' });
    const entries = res.body.entries as Array<{ type: string; automated: boolean; why: { title: string; sentences: string[] } | null }>;
    expect(entries.map((e) => e.type)).to.include.members(['classified', 'sla_breached', 'escalated', 'pending', 'resumed', 'reclassified', 'resolved']);
    // Every automated action has its "why", in Polish.
    for (const e of entries.filter((x) => x.automated && ['classified', 'sla_breached', 'escalated', 'reclassified'].includes(x.type))) {
      expect(e.why, e.type).to.not.equal(null);
      expect(e.why!.sentences.length, e.type).to.be.greaterThan(0);
    }
    expect((res.body.history as { notes: string[] }).notes[0]).to.match(/^Historię odczytano z Temporala/);
    const rows = await accessRows();
    expect(rows.slice(before)).to.deep.equal([{ viewer_role: 'auditor', channel: 'api', reason: 'Kontrola kwartalna' }]);

    const cli = await helpdesk(stack, ['timeline', number, '--lang', 'de', '--time-zone', 'Europe/Berlin']);
    expect(cli.code, cli.stderr).to.equal(0);
    expect(cli.stdout).to.match(/^Der Verlauf wurde aus Temporal gelesen \(1 Lauf\)\./);
    expect(cli.stdout).to.match(/#1 .* · /);
    expect((await accessRows()).slice(-1)).to.deep.equal([{ viewer_role: 'operator', channel: 'cli', reason: null }]);
    const unknown = await helpdesk(stack, ['timeline', 'HD-2026-999999']);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.match(/There is no ticket HD-2026-999999/);
    expect((await helpdesk(stack, ['timeline', number, '--lang', 'fr'])).code).to.equal(2);

    const counted = (await accessRows()).length;
    for (const [email, role] of [['agent2@example.com', 'agent'], ['owner@example.com', 'process_owner'], ['someone@example.com', 'requester']] as const) {
      const refused = await request(stack.web.url, 'GET', `/api/v1/audit/tickets/${number}/timeline`, { token: await stack.tokenFor(email, role), headers: { 'Accept-Language': 'de' } });
      expect(refused.status, role).to.equal(403);
      expect(refused.body.error.code, role).to.equal('FORBIDDEN');
    }
    const badReason = await request(stack.web.url, 'GET', `/api/v1/audit/tickets/${number}/timeline`, { token: auditor, headers: { 'X-Access-Reason': 'asked by jan@example.com' } });
    expect(badReason.status).to.equal(400);
    const missing = await request(stack.web.url, 'GET', '/api/v1/audit/tickets/HD-2026-999999/timeline', { token: auditor, headers: { 'Accept-Language': 'pl' } });
    expect(missing.status).to.equal(404);
    expect(missing.body.error.message).to.match(/HD-2026-999999/);
    // Nothing refused was recorded as read.
    expect((await accessRows()).length).to.equal(counted);
  });

  it('lists the audit log to auditors with filters (action prefix, subject, paging), and bad filters get a sentence', async () => {
    const auditor = await stack.tokenFor('auditor@example.com', 'auditor');
    // Every token the test issued is in the log: `token.*`, newest first, two a page.
    const res = await request(stack.web.url, 'GET', '/api/v1/audit/log?action=token.*&limit=2', { token: auditor });
    expect(res.status).to.equal(200);
    const entries = res.body.entries as Array<{ seq: number; action: string; subject: string }>;
    expect(entries).to.have.length(2);
    expect(entries.every((e) => e.action === 'token.issued')).to.equal(true);
    expect(entries[0]!.seq).to.be.greaterThan(entries[1]!.seq);
    const next = await request(stack.web.url, 'GET', `/api/v1/audit/log?action=token.*&limit=2&before=${res.body.next.before}`, { token: auditor });
    expect((next.body.entries as Array<{ seq: number }>)[0]!.seq).to.be.lessThan(entries[1]!.seq);
    const subject = entries[0]!.subject;
    const bySubject = await request(stack.web.url, 'GET', `/api/v1/audit/log?subject=${subject}`, { token: auditor });
    expect((bySubject.body.entries as Array<{ subject: string }>).every((e) => e.subject === subject)).to.equal(true);
    const bad = await request(stack.web.url, 'GET', '/api/v1/audit/log?from=yesterday', { token: auditor, headers: { 'Accept-Language': 'de' } });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.message).to.equal('Der Abfrageparameter from muss ein Datum (2026-11-01) oder ein ISO-Zeitpunkt (2026-11-01T08:00:00Z) sein, nicht „yesterday“.');
  });

  it('exports the ticket\'s evidence bundle, which verifies itself offline and fails when one byte is altered', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-export-'));
    const file = path.join(dir, 'evidence.json');
    const ran = await helpdesk(stack, ['export', number, '--out', file]);
    expect(ran.stdout, ran.stderr).to.match(new RegExp(`^Wrote .*evidence\\.json: ${number}, \\d+ files, reproducible; signed by key `));
    expect(ran.code).to.equal(0);
    const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as { files: Record<string, string> };
    const names = Object.keys(bundle.files);
    for (const n of ['timeline.json', 'timeline-words.json', 'timeline.txt', 'histories.json', 'verdict.json', 'calendars.json', 'audit-log.json']) expect(names, n).to.include(n);
    // The timeline in words, with its "why"s, from the ticket as stored (people by pseudonym).
    const worded = JSON.parse(bundle.files['timeline-words.json']!) as { ticket: string; entries: Array<{ type: string; why: unknown }> };
    expect(worded.ticket).to.equal(number);
    expect(worded.entries.find((e) => e.type === 'escalated')!.why).to.not.equal(null);
    expect(bundle.files['timeline.txt']).to.match(/^The history was read from Temporal \(1 run\)\./);
    expect(names.filter((n) => n.startsWith('rules/v')), 'both rules versions').to.have.length(2);
    expect(names.filter((n) => n.startsWith('history/'))).to.have.length(1);
    // No personal data: neither the title nor the requester's address is in the bundle.
    const text = fs.readFileSync(file, 'utf8');
    expect(text).to.not.include('Printer on fire');
    expect(text).to.not.include('requester@example.com');
    const verified = await helpdesk(stack, ['verify-bundle', file]);
    expect(verified.code, verified.stdout + verified.stderr).to.equal(0);
    const altered = path.join(dir, 'altered.json');
    const i = text.indexOf('"verdict.json"');
    fs.writeFileSync(altered, text.slice(0, i + 40) + (text[i + 40] === 'a' ? 'b' : 'a') + text.slice(i + 41));
    const refused = await helpdesk(stack, ['verify-bundle', altered]);
    expect(refused.code).to.equal(1);
    const again = await helpdesk(stack, ['export', number, '--out', file]);
    expect(again.code).to.equal(2);
    expect(again.stderr).to.match(/exists already/);
    // The same bundle through the API, its timeline in the caller's language; for auditors and admins only.
    const auditor = await stack.tokenFor('auditor@example.com', 'auditor');
    // The bytes as sent (a bundle re-serialised is not the bundle signed).
    const api = await fetch(`${stack.web.url}/api/v1/audit/tickets/${number}/evidence`, { method: 'POST', headers: { authorization: `Bearer ${auditor}`, 'content-type': 'application/json', 'accept-language': 'de' }, body: '{}' });
    expect(api.status).to.equal(200);
    expect(api.headers.get('content-disposition')).to.equal(`attachment; filename="evidence-${number}.json"`);
    const raw = await api.text();
    const fromApi = path.join(dir, 'from-api.json');
    fs.writeFileSync(fromApi, raw);
    expect(JSON.parse(raw).files['timeline.txt']).to.match(/^Der Verlauf wurde aus Temporal gelesen/);
    expect((await helpdesk(stack, ['verify-bundle', fromApi])).code).to.equal(0);
    const agent = await request(stack.web.url, 'POST', `/api/v1/audit/tickets/${number}/evidence`, { token: await stack.tokenFor('agent2@example.com', 'agent'), body: {} });
    expect(agent.status).to.equal(403);
    const unknown = await request(stack.web.url, 'POST', '/api/v1/audit/tickets/HD-2026-999999/evidence', { token: auditor, body: {} });
    expect(unknown.status).to.equal(404);
    const replayUnknown = await request(stack.web.url, 'POST', '/api/v1/audit/tickets/HD-2026-999999/replay', { token: auditor, body: {}, headers: { 'Accept-Language': 'pl' } });
    expect(replayUnknown.status).to.equal(404);
    expect(replayUnknown.body.error.code).to.equal('NOT_FOUND');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  it('exports a period\'s population and proves the audit log through the API, to auditors and admins only', async () => {
    const auditor = await stack.tokenFor('auditor@example.com', 'auditor');
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const res = await fetch(`${stack.web.url}/api/v1/audit/population`, { method: 'POST', headers: { authorization: `Bearer ${auditor}`, 'content-type': 'application/json' }, body: JSON.stringify({ from: today, to: tomorrow }) });
    expect(res.status).to.equal(200);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-population-'));
    const file = path.join(dir, 'population.json');
    fs.writeFileSync(file, await res.text());
    const verified = await helpdesk(stack, ['verify-bundle', file]);
    expect(verified.code, verified.stdout + verified.stderr).to.equal(0);
    const bundle = JSON.parse(fs.readFileSync(file, 'utf8')) as { files: Record<string, string> };
    const [ended] = await stack.db.sequelize.query<{ n: number }>(`SELECT count(DISTINCT ticket_number)::int AS n FROM ticket_events WHERE type IN ('closed', 'cancelled', 'merged') AND occurred_at >= :from`, { replacements: { from: `${today}T00:00:00Z` }, type: QueryTypes.SELECT });
    expect(ended!.n, 'the period test cancelled one').to.be.greaterThan(0);
    expect(bundle.files['population.csv']!.split('\n').filter(Boolean).length, 'a header and each ticket that ended today').to.equal(1 + ended!.n);
    fs.rmSync(dir, { recursive: true, force: true });
    const [exported] = await stack.db.audit.search({ action: 'audit.population_exported', limit: 1 });
    expect(exported!.actor).to.match(/^user:\d+$/);

    const bad = await request(stack.web.url, 'POST', '/api/v1/audit/population', { token: auditor, body: { from: tomorrow, to: today }, headers: { 'Accept-Language': 'pl' } });
    expect(bad.status).to.equal(422);
    expect((bad.body.error.fields as Array<{ field: string }>).map((f) => f.field)).to.deep.equal(['to']);

    const proof = await request(stack.web.url, 'GET', '/api/v1/audit/verify', { token: auditor });
    expect(proof.status).to.equal(200);
    expect(proof.body).to.include({ ok: true, firstBad: null });
    expect(proof.body.checkpoints.total).to.be.greaterThan(0);

    const agent = await stack.tokenFor('agent2@example.com', 'agent');
    expect((await request(stack.web.url, 'POST', '/api/v1/audit/population', { token: agent, body: { from: today, to: tomorrow } })).status).to.equal(403);
    expect((await request(stack.web.url, 'GET', '/api/v1/audit/verify', { token: agent })).status).to.equal(403);
  });
});
