/**
 * Records ticket workflow histories for the replay tests (test/histories/*.json).
 * Run after a deliberate workflow change (guarded by patched() where the commands could
 * differ), to add the new code path's histories beside the old ones — never to overwrite
 * old ones (a suffix whose files exist is refused):
 *
 *   node --import tsx scripts/record-histories.ts [suffix] [set]
 *
 * `set` is `lifecycle` (the default: the three lifecycle scenarios) or `merge` (issue 13, patch
 * `merge-outcome`: a ticket merged into another, and the other, which receives the merge and is
 * then answered, resolved, closed and rated).
 *
 * v1: the first recordings. v2: intake carries `filedBy` (an agent files for the requester).
 * v4: personal data sealed (patched `sealed-personal-data`): title, description and address are
 * `sealed:v1:` strings, people are pseudonyms.
 * v6: the requester's acknowledgement on classification (issue 14, patched `acknowledge-requester`).
 * From v3 on, payloads are encrypted by the payload codec under the public recording key
 * (test/histories/recording-key.ts), which the replay test reads with.
 *
 * It runs real scenarios on a dev server and PostgreSQL (as the tests do) with
 * second-scale SLA targets, waits for each workflow to complete, and writes its history.
 */
// First: the stack below encrypts with the public recording key, so what is written replays anywhere.
import './use-recording-key.ts';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { ensureTemporalCli } from '../runtime/temporal-cli.ts';
import { isolatedStack, runCleanups } from '../test/support/env.ts';
import { request } from '../test/support/http.ts';
import { act, openTicket, sleep, waitForEvent } from '../test/support/tickets.ts';
import { fastRulesText } from '../test/fixtures/fast-rules.ts';
import { workflowIdFor } from '../workflows/types.ts';

const suffix = process.argv[2] ?? 'v1';
const out = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'test', 'histories');
const SCENARIOS = ['p1-unanswered-escalates', 'pending-reply-autoclose', 'reopen-reprioritise-cancel'] as const;
const MERGE_SCENARIOS = ['merged-into-other', 'receives-merge'] as const;
const set = process.argv[3] ?? 'lifecycle';

type Stack = Awaited<ReturnType<typeof isolatedStack>>;

/** Writes each ticket's history (once its workflow has completed) as `<name>.<suffix>.json`. */
async function writeHistories(stack: Stack, tickets: ReadonlyArray<readonly [string, string]>): Promise<void> {
  fs.mkdirSync(out, { recursive: true });
  const cli = await ensureTemporalCli(process.env.TEMPORAL_CLI_PATH);
  for (const [name, number] of tickets) {
    const handle = stack.client.workflow.getHandle(workflowIdFor(number));
    await handle.result().catch(() => undefined);
    await sleep(200);
    // The CLI writes the standard proto JSON that historyFromJSON reads back.
    const json = execFileSync(cli, ['workflow', 'show', '--workflow-id', handle.workflowId, '--address', stack.temporalAddress, '--output', 'json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const file = path.join(out, `${name}.${suffix}.json`);
    fs.writeFileSync(file, json);
    console.log(`wrote ${path.relative(process.cwd(), file)} (${(JSON.parse(json) as { events: unknown[] }).events.length} events)`);
  }
}

/** Issue 13: a duplicate merged into another ticket (assigned, answered, then merged), and that ticket taking it in and going on to the end. */
async function recordMerge(): Promise<void> {
  const stack = await isolatedStack('record', fastRulesText({ response: '30s', resolution: '60s', autoCloseAfter: '2s' }));
  const requester = { token: await stack.tokenFor('requester@example.com') };
  await stack.tokenFor('l1.agent@example.com', 'agent');
  const ok = async (p: Promise<{ status: number; body: unknown }>) => {
    const r = await p;
    if (r.status !== 200) throw new Error(`answered ${r.status}: ${JSON.stringify(r.body)}`);
  };
  const duplicate = await openTicket(stack, { title: 'Printer on floor 2 jams' });
  const target = await openTicket(stack, { title: 'Floor 2 printer jams all the time' });
  await waitForEvent(stack, duplicate, (e) => e.type === 'classified');
  await waitForEvent(stack, target, (e) => e.type === 'classified');
  await ok(act(stack, duplicate, 'assign', { assignee: 'l1.agent@example.com' }));
  await ok(act(stack, duplicate, 'set_pending', { reason: 'which tray?' }));
  await ok(request(stack.web.url, 'POST', `/api/v1/tickets/${duplicate}/merge`, { body: { into: target, reason: 'the same printer, reported twice' }, token: stack.agentToken }));
  await waitForEvent(stack, target, (e) => e.type === 'merge_received');
  await ok(act(stack, target, 'respond', { message: 'A technician is on the way' }));
  await ok(act(stack, target, 'resolve', { code: 'solved' }));
  await ok(act(stack, target, 'close', { reason: 'confirmed' }, requester));
  await ok(act(stack, target, 'rate', { score: 5 }, requester));
  await writeHistories(stack, [[MERGE_SCENARIOS[0], duplicate], [MERGE_SCENARIOS[1], target]]);
}

async function main(): Promise<void> {
  if (set === 'merge') {
    const taken = MERGE_SCENARIOS.map((name) => path.join(out, `${name}.${suffix}.json`)).filter((f) => fs.existsSync(f));
    if (taken.length) throw new Error(`Recorded histories are added, never replaced: ${taken.map((f) => path.relative(process.cwd(), f)).join(', ')} exist; choose another suffix.`);
    return recordMerge();
  }
  if (set !== 'lifecycle') throw new Error(`Unknown set "${set}": lifecycle or merge.`);
  const taken = SCENARIOS.map((name) => path.join(out, `${name}.${suffix}.json`)).filter((f) => fs.existsSync(f));
  if (taken.length) throw new Error(`Recorded histories are added, never replaced: ${taken.map((f) => path.relative(process.cwd(), f)).join(', ')} exist; choose another suffix.`);
  const stack = await isolatedStack('record', fastRulesText({ response: '2s', resolution: '6s', autoCloseAfter: '2s' }));
  const requester = { token: await stack.tokenFor('requester@example.com') };
  const owner = await stack.tokenFor('process.owner@example.com', 'process_owner');
  // Tickets are assigned to agents of the directory only.
  await stack.tokenFor('l1.agent@example.com', 'agent');
  const ok = async (p: Promise<{ status: number; body: unknown }>) => {
    const r = await p;
    if (r.status !== 200) throw new Error(`action answered ${r.status}: ${JSON.stringify(r.body)}`);
  };

  // 1. A P1 nobody answers: warnings, breaches, L1 → L2 → L3; then handled, closed by the requester, rated.
  const p1 = await openTicket(stack, { title: 'Production database down', impact: 'high', urgency: 'high' });
  // 2. Pending and resumed by the requester's reply, resolved, closed after the quiet period.
  const pending = await openTicket(stack, { title: 'Need a new monitor' });
  // 3. Reopened, re-prioritised, escalated and de-escalated, re-classified, then cancelled.
  const busy = await openTicket(stack, { title: 'ERP export fails', impact: 'medium', urgency: 'medium' });

  await waitForEvent(stack, pending, (e) => e.type === 'classified');
  await ok(act(stack, pending, 'assign', { assignee: 'l1.agent@example.com' }));
  await ok(act(stack, pending, 'start', {}));
  await ok(act(stack, pending, 'respond', { message: 'Which model?' }));
  await ok(act(stack, pending, 'set_pending', { reason: 'waiting for the requester' }));
  await request(stack.web.url, 'POST', `/api/v1/tickets/${pending}/replies`, { body: { message: 'A 27" one.' }, ...requester });
  await waitForEvent(stack, pending, (e) => e.type === 'resumed');
  await ok(act(stack, pending, 'resolve', { code: 'solved' }));

  await waitForEvent(stack, busy, (e) => e.type === 'classified');
  await ok(act(stack, busy, 'respond', { message: 'On it' }));
  await ok(act(stack, busy, 'resolve', { code: 'workaround' }));
  await ok(act(stack, busy, 'reopen', { reason: 'the workaround stopped working' }, requester));
  await ok(act(stack, busy, 'change_priority', { priority: 'P1', reason: 'finance closing' }));
  await ok(act(stack, busy, 'escalate', { reason: 'needs a developer', tier: 'L3' }));
  await ok(act(stack, busy, 'deescalate', { reason: 'config issue after all' }));
  await ok(act(stack, busy, 'comment', { message: 'internal note' }));
  await request(stack.web.url, 'POST', `/api/v1/tickets/${busy}/reclassify`, { body: { reason: 'rules v3' }, token: owner });
  await waitForEvent(stack, busy, (e) => e.type === 'reclassified');
  await ok(act(stack, busy, 'cancel', { reason: 'duplicate of another ticket' }));

  await waitForEvent(stack, p1, (e) => e.type === 'sla_breached' && e.data.clock === 'resolution', 30_000);
  await ok(act(stack, p1, 'respond', { message: 'Restored from replica' }));
  await ok(act(stack, p1, 'resolve', { code: 'solved' }));
  await ok(act(stack, p1, 'close', { reason: 'confirmed' }, requester));
  await ok(act(stack, p1, 'rate', { score: 4, comment: 'slow start, good fix' }, requester));

  await waitForEvent(stack, pending, (e) => e.type === 'closed', 30_000);
  await writeHistories(stack, [[SCENARIOS[0], p1], [SCENARIOS[1], pending], [SCENARIOS[2], busy]]);
}

main()
  .then(runCleanups)
  .then(() => process.exit(0), async (err: unknown) => {
    console.error(err);
    await runCleanups();
    process.exit(1);
  });
