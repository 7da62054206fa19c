/**
 * N tickets with live second-scale SLA timers, opened through the intake service, on one
 * Temporal (the CLI dev server, or with --temporal server the official server on PostgreSQL)
 * and one `helpdesk worker` process. Every response breach must fire; prints breach lateness
 * (p50, p99, max: how long after its deadline each breach was recorded) from the read model
 * and, beside it, the p99 the worker's own /metrics histogram gives
 * (helpdesk_sla_breach_lateness_seconds, at bucket resolution), the worker's peak memory
 * (VmHWM), the intake rate and how many intake calls answered 503 (each is retried after
 * 200 ms, as a client would, so every ticket is opened), and over how many seconds the
 * deadlines fell due.
 *
 *   node --import tsx bench/sla-breach-lateness.ts [tickets=1000] [responseTarget=45s] [--temporal dev-server|server]
 *
 * Needs PostgreSQL (TEST_DATABASE_URL or the machine's on 127.0.0.1:5432), and the Temporal CLI
 * or the official server's build (`helpdesk temporal-server build`). Every process and database
 * it starts is stopped and dropped at the end, on failure and on Ctrl-C too.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { QueryTypes } from 'sequelize';
import { createTicket } from '../services/tickets/index.ts';
import { UnavailableError } from '../services/errors.ts';
import { ticketDeps } from '../runtime/compose.ts';
import { connectClient } from '../runtime/temporal.ts';
import { freePort } from '../runtime/temporal-dev-server.ts';
import { openDatabase } from '../runtime/stack.ts';
import { freshDatabaseUrl, log, onCleanup, runCleanups, startTestTemporal, testConfig } from '../test/support/env.ts';
import { startSharedTemporalServer, testTemporalKind } from '../test/support/temporal-target.ts';
import { spawnHelpdesk } from '../test/support/processes.ts';
import { fastRulesText } from '../test/fixtures/fast-rules.ts';
import { workflowIdFor } from '../workflows/types.ts';

const { values: opts, positionals } = parseArgs({ allowPositionals: true, options: { temporal: { type: 'string', default: process.env.BENCH_TEMPORAL ?? 'dev-server' } } });
const count = Number(positionals[0] ?? 1000);
const responseTarget = positionals[1] ?? '45s';
const kind = testTemporalKind(opts.temporal);
const CONCURRENCY = 16;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function peakKb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0; // the worker has exited
  }
}

/** The quantile q of a Prometheus histogram in exposition text: the upper bound of the bucket it falls in. */
function histogramQuantile(text: string, name: string, labels: Record<string, string>, q: number): number | null {
  const buckets: Array<[number, number]> = [];
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== `${name}_bucket`) continue;
    const got = Object.fromEntries([...(m[2] as string).matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (!Object.entries(labels).every(([k, v]) => got[k] === v)) continue;
    buckets.push([got.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(got.le), Number(m[3])]);
  }
  buckets.sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)?.[1] ?? 0;
  return total === 0 ? null : (buckets.find(([, c]) => c >= q * total)?.[0] ?? null);
}

async function main(): Promise<void> {
  const address = kind === 'server'
    ? (await startSharedTemporalServer({ onCleanup, log })).address
    : await (async () => {
      const dev = await startTestTemporal();
      onCleanup(() => dev.stop());
      return dev.address;
    })();
  const config = testConfig({ DATABASE_URL: await freshDatabaseUrl('bench'), TEMPORAL_ADDRESS: address, HELPDESK_TASK_QUEUE: 'bench', HELPDESK_INTAKE_WAIT_MS: '0' });
  const db = await openDatabase(config, log);
  onCleanup(() => db.close());
  const published = await db.rules.publish(fastRulesText({ response: responseTarget, resolution: '1h', autoCloseAfter: '1h' }), { author: 'bench', comment: 'second-scale targets' });
  if (!published.ok) throw new Error('bench rules invalid');

  const metricsPort = await freePort();
  const worker = spawnHelpdesk(['worker'], { TEMPORAL_ADDRESS: address, DATABASE_URL: config.databaseUrl!, HELPDESK_TASK_QUEUE: 'bench', HELPDESK_METRICS_ADDRESS: `127.0.0.1:${metricsPort}` });
  onCleanup(async () => {
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM');
    await worker.exited;
  });
  await worker.waitForOutput(/Worker polling/);
  await worker.waitForOutput(/metrics at/);
  const pid = worker.child.pid!;
  let peak = peakKb(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, peakKb(pid))), 500);
  onCleanup(async () => clearInterval(sampler));

  const client = await connectClient({ address, namespace: 'default' });
  onCleanup(() => client.connection.close());
  const deps = ticketDeps(config, db, client);
  console.log(`opening ${count} tickets on the ${kind === 'server' ? 'official Temporal server (PostgreSQL)' : 'Temporal dev server (SQLite)'} (response target ${responseTarget}, 24×7)…`);
  const t0 = Date.now();
  let next = 0;
  let unavailable = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) {
      const i = next++;
      const since = Date.now();
      for (;;) {
        try {
          await createTicket(deps, { title: `Bench ticket ${i}`, description: 'load', requesterEmail: `user${i % 50}@example.com`, impact: 'low', urgency: 'low' }, { language: 'en', idempotencyKey: `bench-${i}` });
          break;
        } catch (err) {
          if (!(err instanceof UnavailableError)) throw err;
          unavailable += 1;
          if (Date.now() - since > 60_000) throw new Error(`Intake answered 503 for a minute on ticket ${i} (${unavailable} times in all): ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }
  }));
  const openedIn = Date.now() - t0;
  console.log(`opened in ${(openedIn / 1000).toFixed(1)} s (${Math.round(count / (openedIn / 1000))} tickets/s, ${unavailable} intake answers 503); waiting for every breach…`);

  const breaches = async () => db.sequelize.query<{ late: string; due: string }>(
    `SELECT (data->>'lateByMs') AS late, (data->>'dueAt') AS due FROM ticket_events WHERE type = 'sla_breached' AND data->>'clock' = 'response'`,
    { type: QueryTypes.SELECT },
  );
  const deadline = Date.now() + 10 * 60_000 + count * 20;
  let rows = await breaches();
  while (rows.length < count && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    rows = await breaches();
    process.stdout.write(`\r  ${rows.length}/${count} breaches handled`);
  }
  process.stdout.write('\n');
  peak = Math.max(peak, peakKb(pid));
  const metricsText = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const late = rows.map((r) => Number(r.late)).sort((a, b) => a - b);
  const dues = rows.map((r) => Date.parse(r.due)).filter(Number.isFinite).sort((a, b) => a - b);
  const metricP99 = histogramQuantile(metricsText, 'helpdesk_sla_breach_lateness_seconds', { clock: 'response' }, 0.99);
  // For the capacity model: history events of a ticket so far (created, classified, warned, breached,
  // escalated; still open), and read-model rows per ticket.
  const sampleNumbers = await db.sequelize.query<{ number: string }>(`SELECT number FROM tickets ORDER BY number LIMIT 20`, { type: QueryTypes.SELECT });
  const lengths: number[] = [];
  for (const { number } of sampleNumbers) lengths.push(Number((await client.workflow.getHandle(workflowIdFor(number)).describe()).historyLength));
  const [rowCounts] = await db.sequelize.query<{ events: string; outbox: string; tickets: string }>(
    `SELECT (SELECT count(*) FROM ticket_events) AS events, (SELECT count(*) FROM notification_outbox) AS outbox, (SELECT count(*) FROM tickets) AS tickets`,
    { type: QueryTypes.SELECT },
  );
  const result = {
    temporal: kind,
    tickets: count,
    responseTarget,
    breachesFired: late.length,
    allFired: late.length === count,
    deadlinesSpanSeconds: dues.length ? Math.round((dues.at(-1)! - dues[0]!) / 100) / 10 : null,
    latenessMs: { p50: percentile(late, 50), p99: percentile(late, 99), max: late.at(-1) },
    metricsP99UpperBoundMs: metricP99 === null ? null : metricP99 * 1000,
    workerPeakRssMiB: Math.round(peak / 1024),
    openedPerSecond: Math.round(count / (openedIn / 1000)),
    intake503s: unavailable,
    historyEventsPerTicketSoFar: lengths.length ? Math.round(lengths.reduce((a, b) => a + b, 0) / lengths.length) : null,
    readModelRowsPerTicket: rowCounts ? { ticketEvents: Math.round((Number(rowCounts.events) / Number(rowCounts.tickets)) * 10) / 10, outbox: Math.round((Number(rowCounts.outbox) / Number(rowCounts.tickets)) * 10) / 10 } : null,
    node: process.version,
    cores: (await import('node:os')).cpus().length,
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(`breach lateness p99: ${result.latenessMs.p99} ms from the read model; the worker's /metrics histogram puts its p99 in the bucket up to ${result.metricsP99UpperBoundMs} ms`);
  fs.mkdirSync('bench/results', { recursive: true });
  fs.writeFileSync(`bench/results/sla-breach-lateness-${kind}-${count}.json`, JSON.stringify(result, null, 2));
  if (!result.allFired) process.exitCode = 1;
}

let stopping = false;
async function stop(code: number | undefined): Promise<void> {
  if (stopping) return;
  stopping = true;
  await runCleanups();
  if (code !== undefined) process.exit(code);
}
process.once('SIGINT', () => void stop(130));
process.once('SIGTERM', () => void stop(143));

main().then(() => stop(undefined), async (err: unknown) => {
  console.error(err);
  await stop(1);
});
