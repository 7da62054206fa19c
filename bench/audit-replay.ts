/**
 * The period replay check at scale (README, "Performance"): the seeded demo tickets plus N
 * generated ones (default 1,000), each opened, started, answered and resolved or cancelled by a
 * real worker on a dev server of the benchmark's own, then `checkPeriod` over the period they
 * closed in — every history fetched from Temporal, replayed through the production bundle and
 * every decision and clock plan recomputed — timed, with progress, several runs and the median.
 *
 *   node --import tsx bench/audit-replay.ts [tickets=1000] [runs=3]
 *
 * Everything it starts (dev server, worker, database) it stops, on failure too.
 */
import os from 'node:os';
import { seedDemo } from '../bin/seed-demo.ts';
import { auditService, productionBundle } from '../runtime/audit.ts';
import { ticketDeps } from '../runtime/compose.ts';
import { openDatabase, startWorker } from '../runtime/stack.ts';
import { closeClient, connectClient, targetFromConfig } from '../runtime/temporal.ts';
import { loadDefaultRulesText } from '../rules/versions.ts';
import { createTicket, performTicketAction } from '../services/tickets/index.ts';
import { freshDatabaseUrl, log, onCleanup, runCleanups, startTestTemporal, testConfig } from '../test/support/env.ts';

const count = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const server = await startTestTemporal();
  onCleanup(() => server.stop());
  const config = testConfig({ DATABASE_URL: await freshDatabaseUrl('bench-audit'), TEMPORAL_ADDRESS: server.address, HELPDESK_TASK_QUEUE: 'bench-audit', HELPDESK_INTAKE_WAIT_MS: '10000' });
  const db = await openDatabase(config, log);
  onCleanup(() => db.close());
  await db.rules.ensureDefaultPublished(loadDefaultRulesText());
  const { worker, done } = await startWorker(config, server.address, db, await productionBundle());
  onCleanup(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await done;
  });
  const client = await connectClient(targetFromConfig(config, server.address));
  onCleanup(() => closeClient(client));
  const from = Date.now() - 1000;
  const demo = await seedDemo(db, client, config);
  const deps = ticketDeps(config, db, client);
  const agent = 'l1.agent@example.com';
  console.log(`seeded ${demo.tickets.length} demo tickets; opening and finishing ${count} more…`);
  const t0 = Date.now();
  let next = 0;
  const numbers = [...demo.tickets];
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < count) {
      const i = next++;
      const r = await createTicket(deps, { title: `Bench ticket ${i}`, description: i % 3 === 0 ? 'VPN drops every few minutes' : 'Printer jams', requesterEmail: `user${i % 50}@example.com`, impact: (['low', 'medium', 'high'] as const)[i % 3], urgency: (['low', 'medium', 'high'] as const)[(i >> 1) % 3] }, { language: ['en', 'pl', 'de'][i % 3]! });
      const number = r.kind === 'recorded' ? r.ticket.number : r.number;
      numbers.push(number);
      // Actions wait for the classification (the workflow's next step after intake).
      while ((await db.tickets.get(number))?.rulesVersion == null) await new Promise((res) => setTimeout(res, 50));
      if (i % 4 === 0) {
        await performTicketAction(deps, number, { action: 'cancel', actor: agent, reason: 'duplicate' });
      } else {
        await performTicketAction(deps, number, { action: 'start', actor: agent });
        await performTicketAction(deps, number, { action: 'respond', actor: agent, message: 'Looking into it.' });
        await performTicketAction(deps, number, { action: 'resolve', actor: agent, code: 'solved' });
        await performTicketAction(deps, number, { action: 'close', actor: agent });
      }
    }
  }));
  for (const n of demo.tickets) await performTicketAction(deps, n, { action: 'cancel', actor: agent, reason: 'demo' }).catch(() => undefined);
  console.log(`opened and closed ${numbers.length} tickets in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const audit = auditService(config, db, client);
  const range = { fromMs: from, toMs: Date.now() + 1000 };
  await productionBundle();
  const times: number[] = [];
  let last: Awaited<ReturnType<typeof audit.checkPeriod>> | undefined;
  for (let r = 0; r < runs; r++) {
    const s = Date.now();
    let shown = 0;
    last = await audit.checkPeriod(range, {
      onVerdict: (_v, p) => {
        if (Date.now() - shown > 2000) {
          shown = Date.now();
          process.stdout.write(`\r  run ${r + 1}: checked ${p.done} of ${p.total}…`);
        }
      },
    });
    times.push(Date.now() - s);
    process.stdout.write(`\r  run ${r + 1}: ${last.total} tickets in ${(times.at(-1)! / 1000).toFixed(1)} s (${last.reproducible} reproducible, ${last.differing} differing, ${last.unreadable} unreadable)\n`);
  }
  const result = {
    tickets: last!.total,
    runs,
    secondsMedian: Number((median(times) / 1000).toFixed(1)),
    secondsMinMax: [Number((Math.min(...times) / 1000).toFixed(1)), Number((Math.max(...times) / 1000).toFixed(1))],
    ticketsPerSecond: Math.round(last!.total / (median(times) / 1000)),
    reproducible: last!.reproducible,
    differing: last!.differing,
    unreadable: last!.unreadable,
    node: process.version,
    cores: os.cpus().length,
  };
  console.log(JSON.stringify(result, null, 2));
  if (result.differing + result.unreadable > 0) process.exitCode = 1;
}

main().then(runCleanups, async (err: unknown) => {
  console.error(err);
  await runCleanups();
  process.exit(1);
});
