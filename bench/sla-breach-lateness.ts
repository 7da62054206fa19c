/**
 * N tickets with live second-scale SLA timers, opened through the intake service, on one
 * Temporal (the CLI dev server, or with --temporal server the official server on PostgreSQL)
 * and one `helpdesk worker` process. Every response breach must fire; prints breach lateness
 * (p50, p99, max: how long after its deadline each breach was recorded) from the read model
 * and, beside it, the p99 the worker's own /metrics histogram gives
 * (helpdesk_sla_breach_lateness_seconds, at bucket resolution), the worker's peak memory
 * (VmHWM), CPU seconds per part (`postgresql` is the machine's whole PostgreSQL: the read model
 * and, with --temporal server, Temporal's own persistence), the intake rate and how many intake calls answered 503 (each is retried after
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
import proto from '@temporalio/proto';
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
import { cpuBetween, readCpu } from './support/cpu.ts';
import { histogramNames, parseExposition, summarize, total } from './support/prom.ts';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    temporal: { type: 'string', default: process.env.BENCH_TEMPORAL ?? 'dev-server' },
    concurrency: { type: 'string', default: '16' },
    shards: { type: 'string' },
  },
});
const count = Number(positionals[0] ?? 1000);
const responseTarget = positionals[1] ?? '45s';
const kind = testTemporalKind(opts.temporal);
const CONCURRENCY = Number(opts.concurrency);
if (!Number.isInteger(count) || count < 1 || !Number.isInteger(CONCURRENCY) || CONCURRENCY < 1) {
  console.error('usage: bench/sla-breach-lateness.ts [tickets ≥ 1] [responseTarget] [--temporal dev-server|server] [--concurrency N ≥ 1] [--shards N]');
  process.exit(2);
}

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

type Scrape = ReturnType<typeof parseExposition>;

/**
 * The latencies that say where a breach's time goes: the worker SDK's (a task waiting for a worker
 * slot, running, its activities) and the server's (its persistence calls by operation, the
 * busiest first, and how long a due timer task waited in its queue).
 */
function whereTimeGoes(sdk: Scrape, server: Scrape): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of histogramNames(sdk, /workflow_task_(schedule_to_start|execution|replay)_latency|activity_(schedule_to_start|execution)_latency/)) out[`sdk ${name}`] = summarize(sdk, name);
  const ops = [...new Set(server.filter((x) => x.name === 'persistence_latency_count').map((x) => x.labels.operation!))];
  const busiest = ops.map((op) => ({ op, sum: total(server, 'persistence_latency_sum', { operation: op }) })).sort((a, b) => b.sum - a.sum).slice(0, 6);
  for (const { op } of busiest) out[`server persistence ${op}`] = summarize(server, 'persistence_latency', { operation: op });
  for (const op of ['TimerActiveTaskUserTimer', 'TransferActiveTaskWorkflowTask', 'TransferActiveTaskActivityTask']) {
    const s = summarize(server, 'task_latency_queue', { operation: op });
    if (s.count) out[`server queue wait ${op}`] = s;
  }
  const start = summarize(server, 'service_latency', { operation: 'StartWorkflowExecution' });
  if (start.count) out['server StartWorkflowExecution'] = start;
  return out;
}

async function main(): Promise<void> {
  const serverMetricsPort = await freePort();
  const temporal = kind === 'server'
    ? await startSharedTemporalServer({ onCleanup, log, tuning: { metricsPort: serverMetricsPort, ...(opts.shards ? { numHistoryShards: Number(opts.shards) } : {}) } })
    : await (async () => {
      const dev = await startTestTemporal(undefined, undefined, ['--metrics-port', String(serverMetricsPort)]);
      onCleanup(() => dev.stop());
      return { address: dev.address, pid: dev.pid };
    })();
  const address = temporal.address;
  const config = testConfig({ DATABASE_URL: await freshDatabaseUrl('bench'), TEMPORAL_ADDRESS: address, HELPDESK_TASK_QUEUE: 'bench', HELPDESK_INTAKE_WAIT_MS: '0' });
  const db = await openDatabase(config, log);
  onCleanup(() => db.close());
  const published = await db.rules.publish(fastRulesText({ response: responseTarget, resolution: '1h', autoCloseAfter: '1h' }), { author: 'bench', comment: 'second-scale targets' });
  if (!published.ok) throw new Error('bench rules invalid');

  const metricsPort = await freePort();
  const sdkMetricsPort = await freePort();
  const worker = spawnHelpdesk(['worker'], {
    TEMPORAL_ADDRESS: address,
    DATABASE_URL: config.databaseUrl!,
    HELPDESK_TASK_QUEUE: 'bench',
    HELPDESK_METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
    HELPDESK_TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${sdkMetricsPort}`,
    // To profile the worker: BENCH_WORKER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'.
  }, (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean));
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
  const parts = { worker: pid, temporal: temporal.pid };
  const cpuAtStart = readCpu(parts);
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
  const cpuAtOpened = readCpu(parts);
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
  const cpuAtEnd = readCpu(parts);
  peak = Math.max(peak, peakKb(pid));
  // A scrape that fails (a part without metrics) costs its figures, not the run.
  const scrapeOf = async (port: number) => parseExposition(await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => ''));
  const [own, sdk, server] = await Promise.all([scrapeOf(metricsPort), scrapeOf(sdkMetricsPort), scrapeOf(serverMetricsPort)]);
  const late = rows.map((r) => Number(r.late)).sort((a, b) => a - b);
  const dues = rows.map((r) => Date.parse(r.due)).filter(Number.isFinite).sort((a, b) => a - b);
  const metricP99 = summarize(own, 'helpdesk_sla_breach_lateness_seconds', { clock: 'response' }).p99;
  // For the capacity model: history events of a ticket so far (created, classified, warned, breached,
  // escalated; still open), and read-model rows per ticket.
  const sampleNumbers = await db.sequelize.query<{ number: string }>(`SELECT number FROM tickets ORDER BY number LIMIT 20`, { type: QueryTypes.SELECT });
  const lengths: number[] = [];
  for (const { number } of sampleNumbers) lengths.push(Number((await client.workflow.getHandle(workflowIdFor(number)).describe()).historyLength));
  // One ticket's history by event type: what the server stores per ticket (the capacity model's unit).
  const eventTypes: Record<string, number> = {};
  if (sampleNumbers[0]) {
    const history = await client.workflow.getHandle(workflowIdFor(sampleNumbers[0].number)).fetchHistory();
    for (const e of history.events ?? []) {
      const name = String(proto.temporal.api.enums.v1.EventType[e.eventType ?? 0]).replace(/^EVENT_TYPE_/, '');
      eventTypes[name] = (eventTypes[name] ?? 0) + 1;
    }
  }
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
    metricsP99UpperBoundMs: typeof metricP99 === 'number' ? metricP99 * 1000 : metricP99,
    workerPeakRssMiB: Math.round(peak / 1024),
    openedPerSecond: Math.round(count / (openedIn / 1000)),
    intake503s: unavailable,
    cpuSecondsOpening: cpuBetween(cpuAtStart, cpuAtOpened),
    cpuSecondsAfterOpening: cpuBetween(cpuAtOpened, cpuAtEnd),
    whereTimeGoes: whereTimeGoes(sdk, server),
    historyOfOneTicket: eventTypes,
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
