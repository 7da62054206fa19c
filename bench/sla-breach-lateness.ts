/**
 * 1,000 tickets with live second-scale SLA timers on one Temporal dev server and one
 * worker process. Every response breach must fire; prints breach lateness (p50, p99,
 * max: how long after its deadline each breach was handled) and the worker's peak
 * memory (VmHWM of the worker process).
 *
 *   node --import tsx bench/sla-breach-lateness.ts [tickets=1000] [responseTarget=45s]
 *
 * Needs PostgreSQL (TEST_DATABASE_URL or the machine's on 127.0.0.1:5432) and the Temporal CLI.
 */
import fs from 'node:fs';
import { QueryTypes } from 'sequelize';
import { createTicket } from '../services/tickets/index.ts';
import { ticketDeps } from '../runtime/compose.ts';
import { connectClient } from '../runtime/temporal.ts';
import { openDatabase } from '../runtime/stack.ts';
import { freshDatabaseUrl, log, runCleanups, startTestTemporal, testConfig } from '../test/support/env.ts';
import { spawnHelpdesk } from '../test/support/processes.ts';
import { fastRulesText } from '../test/fixtures/fast-rules.ts';

const count = Number(process.argv[2] ?? 1000);
const responseTarget = process.argv[3] ?? '45s';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function peakKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

async function main(): Promise<void> {
  const server = await startTestTemporal();
  const config = testConfig({ DATABASE_URL: await freshDatabaseUrl('bench'), TEMPORAL_ADDRESS: server.address, HELPDESK_TASK_QUEUE: 'bench', HELPDESK_INTAKE_WAIT_MS: '0' });
  const db = await openDatabase(config, log);
  const published = await db.rules.publish(fastRulesText({ response: responseTarget, resolution: '1h', autoCloseAfter: '1h' }), { author: 'bench', comment: 'second-scale targets' });
  if (!published.ok) throw new Error('bench rules invalid');

  const worker = spawnHelpdesk(['worker'], { TEMPORAL_ADDRESS: server.address, DATABASE_URL: config.databaseUrl!, HELPDESK_TASK_QUEUE: 'bench' });
  await worker.waitForOutput(/Worker polling/);
  const pid = worker.child.pid!;
  let peak = peakKb(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, peakKb(pid))), 500);

  const client = await connectClient({ address: server.address, namespace: 'default' });
  const deps = ticketDeps(config, db, client);
  console.log(`opening ${count} tickets (response target ${responseTarget}, 24×7)…`);
  const t0 = Date.now();
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < count) {
      const i = next++;
      await createTicket(deps, { title: `Bench ticket ${i}`, description: 'load', requesterEmail: `user${i % 50}@example.com`, impact: 'low', urgency: 'low' }, { language: 'en' });
    }
  }));
  const openedIn = Date.now() - t0;
  console.log(`opened in ${(openedIn / 1000).toFixed(1)} s (${Math.round(count / (openedIn / 1000))} tickets/s); waiting for every breach…`);

  const breaches = async () => db.sequelize.query<{ late: string }>(
    `SELECT (data->>'lateByMs') AS late FROM ticket_events WHERE type = 'sla_breached' AND data->>'clock' = 'response'`,
    { type: QueryTypes.SELECT },
  );
  const deadline = Date.now() + 10 * 60_000;
  let rows = await breaches();
  while (rows.length < count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    rows = await breaches();
    process.stdout.write(`\r  ${rows.length}/${count} breaches handled`);
  }
  process.stdout.write('\n');
  clearInterval(sampler);
  peak = Math.max(peak, peakKb(pid));
  const late = rows.map((r) => Number(r.late)).sort((a, b) => a - b);
  const result = {
    tickets: count,
    responseTarget,
    breachesFired: late.length,
    allFired: late.length === count,
    latenessMs: { p50: percentile(late, 50), p99: percentile(late, 99), max: late.at(-1) },
    workerPeakRssMiB: Math.round(peak / 1024),
    openedPerSecond: Math.round(count / (openedIn / 1000)),
    node: process.version,
    cores: (await import('node:os')).cpus().length,
  };
  console.log(JSON.stringify(result, null, 2));
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync(`bench/results/sla-breach-lateness-${count}.json`, JSON.stringify(result, null, 2));

  worker.child.kill('SIGTERM');
  await worker.exited;
  await client.connection.close();
  await db.close();
  await server.stop();
  await runCleanups();
  if (!result.allFired) process.exitCode = 1;
}

main().catch(async (err: unknown) => {
  console.error(err);
  await runCleanups();
  process.exit(1);
});
