/**
 * How narrow the duplicate window of mail delivery is (issue 14, docs/mail.md): a worker that dies
 * after the SMTP server's 250 and before the delivery row is marked sends the message again (with
 * the same Message-ID). That window is, per message, from the instant the server wrote its 250 to
 * the instant the worker's `UPDATE notification_deliveries SET status = 'sent', sent_at = now()`
 * began in PostgreSQL (sent_at is now(): the start of that statement's transaction). The mark is
 * durable one commit later; the bench times that commit's round trip separately (the same UPDATE
 * on a table of its own, from this process), so both parts are printed.
 *
 * Real pieces, all started here and stopped here (on failure too): a Temporal dev server, a fresh
 * database on the machine's PostgreSQL (TEST_DATABASE_URL), one `helpdesk worker` child process
 * sending through nodemailer's pool, and an SMTP server on 127.0.0.1 (test/support/smtp-control.ts)
 * that records, per Message-ID, when it wrote the 250. Each run opens BENCH_MAILS tickets through
 * the intake service (BENCH_CONCURRENCY at a time); each ticket's acknowledgement is one delivery.
 * Both clocks are this machine's system clock: the SMTP server's reading (monotonic, anchored to
 * it at a millisecond's edge before each run) and PostgreSQL's now().
 *
 *   npm run bench:mail-window                (about a minute)
 *   BENCH_MAILS=500 BENCH_RUNS=5 BENCH_CONCURRENCY=16 npm run bench:mail-window
 *
 * Not a test: it prints p50/p95/p99/max in ms per run, the median of the runs, and the load average.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { ticketDeps } from '../runtime/compose.ts';
import { openDatabase } from '../runtime/stack.ts';
import { closeClient, connectClient } from '../runtime/temporal.ts';
import { createTicket } from '../services/tickets/index.ts';
import { freshDatabaseUrl, log, onCleanup, runCleanups, startTestTemporal, testConfig } from '../test/support/env.ts';
import { spawnHelpdesk, waitFor } from '../test/support/processes.ts';
import { startControlledSmtp, wallClock } from '../test/support/smtp-control.ts';

const MAILS = Number(process.env.BENCH_MAILS ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const TASK_QUEUE = 'bench-mail-window';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (n: number) => n.toFixed(2).padStart(7);

interface Figures { p50: number; p95: number; p99: number; max: number; min: number }
const figures = (xs: number[]): Figures => ({ p50: pct(xs, 50), p95: pct(xs, 95), p99: pct(xs, 99), max: Math.max(...xs), min: Math.min(...xs) });

async function main(): Promise<void> {
  const temporal = await startTestTemporal();
  onCleanup(() => temporal.stop());
  const smtp = await startControlledSmtp();
  onCleanup(() => smtp.close());
  const mailFrom = 'Helpdesk <helpdesk@bench.helpdesk.test>';
  const config = testConfig({
    DATABASE_URL: await freshDatabaseUrl('bench_mail'), TEMPORAL_ADDRESS: temporal.address, HELPDESK_TASK_QUEUE: TASK_QUEUE,
    HELPDESK_INTAKE_WAIT_MS: '0', HELPDESK_SMTP_URL: smtp.url, HELPDESK_MAIL_FROM: mailFrom,
  });
  const db = await openDatabase(config, log);
  onCleanup(() => db.close());
  const sql = new pg.Client({ connectionString: config.databaseUrl! });
  await sql.connect();
  onCleanup(() => sql.end());

  const worker = spawnHelpdesk(['worker'], {
    TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: config.databaseUrl!, HELPDESK_TASK_QUEUE: TASK_QUEUE,
    HELPDESK_SMTP_URL: smtp.url, HELPDESK_MAIL_FROM: mailFrom, HELPDESK_ERASURE_LEDGER: config.erasureLedger,
  });
  onCleanup(async () => {
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
    worker.child.kill('SIGTERM');
    const stopped = await Promise.race([worker.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
    if (!stopped) worker.child.kill('SIGKILL');
    await worker.exited;
  });
  await worker.waitForOutput(/Worker polling/);
  const client = await connectClient({ address: temporal.address, namespace: config.temporal.namespace });
  onCleanup(() => closeClient(client));
  const deps = ticketDeps(config, db, client);

  console.log(`${MAILS} deliveries a run × ${RUNS} runs, ${CONCURRENCY} tickets opened at a time; one worker process, SMTP pool ${config.mail.poolSize}`);
  const runs: Figures[] = [];
  for (let run = 1; run <= RUNS; run++) {
    wallClock.calibrate();
    const from = smtp.received.length;
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < MAILS) {
        const i = next++;
        await createTicket(deps, { title: `Bench mail ${run}.${i}`, description: 'load', requesterEmail: `bench${i % 50}@example.com`, impact: 'low', urgency: 'low' }, { language: 'en' });
      }
    }));
    // Every message of the run received, and every one of them marked sent.
    const rows = await waitFor(`the run's ${MAILS} messages received and marked sent`, async () => {
      const got = smtp.received.slice(from);
      if (got.length < MAILS) return undefined;
      const { rows } = await sql.query<{ message_id: string; sent_ms: number }>(
        `SELECT message_id, (extract(epoch FROM sent_at) * 1000)::float8 AS sent_ms FROM notification_deliveries WHERE status = 'sent' AND message_id = ANY($1)`,
        [got.map((m) => m.messageId)],
      );
      return rows.length === got.length ? rows : undefined;
    }, 10 * 60_000, 250);
    const seconds = (performance.now() - t0) / 1000;
    const sentAt = new Map(rows.map((r) => [r.message_id, r.sent_ms]));
    const windows = smtp.received.slice(from).map((m) => sentAt.get(m.messageId)! - m.acceptedAt);
    const fig = figures(windows);
    runs.push(fig);
    console.log(`run ${run}: ${windows.length} messages in ${seconds.toFixed(1)} s; 250 → sent_at ms: p50 ${f(fig.p50)}  p95 ${f(fig.p95)}  p99 ${f(fig.p99)}  max ${f(fig.max)}  (min ${fig.min.toFixed(2)})`);
  }

  // The mark's own cost: the same UPDATE, autocommit, on a table of the bench's own (statement, WAL flush, answer).
  await sql.query(`CREATE TABLE bench_mark (id bigint PRIMARY KEY, status text NOT NULL, sent_at timestamptz, last_error text)`);
  await sql.query(`INSERT INTO bench_mark SELECT g, 'pending', NULL, 'x' FROM generate_series(1, $1::int) g`, [MAILS]);
  const commits: number[] = [];
  for (let id = 1; id <= MAILS; id++) {
    const a = performance.now();
    await sql.query(`UPDATE bench_mark SET status = 'sent', sent_at = now(), last_error = NULL WHERE id = $1 AND status = 'pending'`, [id]);
    commits.push(performance.now() - a);
  }
  const commit = figures(commits);

  const m = (k: keyof Figures) => median(runs.map((r) => r[k]));
  console.log(`\nduplicate window, 250 written → the mark's UPDATE begun (sent_at), median of ${RUNS} runs, ms:`);
  console.log(`  p50 ${f(m('p50'))}  p95 ${f(m('p95'))}  p99 ${f(m('p99'))}  max ${f(m('max'))}`);
  console.log(`then the mark commits: that UPDATE's round trip with its commit, ${MAILS} times from this process, ms:`);
  console.log(`  p50 ${f(commit.p50)}  p95 ${f(commit.p95)}  p99 ${f(commit.p99)}  max ${f(commit.max)}`);
  console.log(`load average (1/5/15 min) at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} CPUs; node ${process.version}`);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
