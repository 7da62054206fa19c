/**
 * The agents' queues at 100,000 tickets (issue 13): fills the read model directly (bench/ticket-queue-fill.ts:
 * a realistic spread of statuses, teams, tiers, priorities, requesters and organisations; titles sealed
 * through the real vault, one data key per ticket; the words in ticket_search), then times, for each
 * queue, filter, text search and deep page (pages 1, 50 and 200 by cursor): the queue service
 * (services/agent/queues.ts, titles opened), `GET /api/v1/tickets` over HTTP with an agent's API token,
 * and the queue page `GET /agent` over HTTP as that agent signed in (password, enrolment code, TOTP; the
 * page's counts, countdowns and render included). A database of its own (made and dropped) on the
 * machine's PostgreSQL (TEST_DATABASE_URL), a Temporal dev server for the web process; all stopped, on failure too.
 *
 *   npm run bench:queue                     (about 4 minutes: fill ~25 s)
 *   BENCH_TICKETS=20000 BENCH_RUNS=1 BENCH_SAMPLES=10 npm run bench:queue
 *
 * Not a test: it prints p50/p99 in ms per case (SAMPLES a case per run; the median of the RUNS runs' figures) and the load average.
 */
import { hash } from '@node-rs/argon2';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ARGON2_OPTIONS } from '../db/users-repo.ts';
import { createTicketListRepo } from '../db/ticket-list-repo.ts';
import { openDatabase, startWeb } from '../runtime/stack.ts';
import { createQueueService, type ListQuery, type QueueViewer } from '../services/agent/queues.ts';
import { PortalClient } from '../test/portal-client.ts';
import { freshDatabaseUrl, log, onCleanup, runCleanups, startTestTemporal, testConfig } from '../test/support/env.ts';
import { enrolmentCode, PASSWORD, signInEnrolled } from '../test/support/staff.ts';
import { apiToken } from '../test/support/users.ts';
import { ALL_STATUSES, fill } from './ticket-queue-fill.ts';

const TICKETS = Number(process.env.BENCH_TICKETS ?? 100_000);
const REQUESTERS = Number(process.env.BENCH_REQUESTERS ?? 3000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 30);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  const temporal = await startTestTemporal();
  onCleanup(() => temporal.stop());
  const config = testConfig({ DATABASE_URL: await freshDatabaseUrl('bench_queue'), TEMPORAL_ADDRESS: temporal.address });
  const db = await openDatabase(config, log);
  onCleanup(() => db.close());
  const sql = db.sequelize;

  console.log(`filling ${TICKETS} tickets for ${REQUESTERS} requesters…`);
  const t0 = performance.now();
  const { agents } = await fill(db, config, TICKETS, REQUESTERS, (line) => console.log(line));
  const fillSeconds = (performance.now() - t0) / 1000;
  console.log(`filled ${TICKETS} tickets in ${fillSeconds.toFixed(0)} s`);

  const web = await startWeb(config, temporal.address, db, () => {}, { host: '127.0.0.1', port: 0 });
  onCleanup(() => web.close());
  const service = createQueueService({ list: createTicketListRepo(sql), vault: db.vault });
  const l1 = agents[0]!;
  const viewer: QueueViewer = { role: 'agent', email: l1.user.email, userId: l1.user.id, teamId: l1.user.teamId, tier: l1.user.tier, personId: l1.ref };
  const token = await apiToken(db, l1.user.email, 'agent');
  // The page's agent signs in over HTTP as a person does: password, enrolment code, TOTP (test/support/staff.ts).
  await db.users.setPassword(l1.user.email, await hash(PASSWORD, ARGON2_OPTIONS));
  const browser = new PortalClient(web.url, 'en');
  await signInEnrolled(browser, { ...l1.user, enrolmentCode: await enrolmentCode(db, l1.user) });

  const cases: Array<[string, Record<string, string>]> = [
    ...['mine', 'team', 'tier', 'unassigned', 'escalated', 'pending', 'at_risk', 'breached', 'all'].map((q) => [`queue ${q}`, { queue: q }] as [string, Record<string, string>]),
    ['filter priority=P1', { priority: 'P1' }],
    ['filter team+category', { team: 'infrastructure', category: 'network' }],
    ['filter status=closed sort=created', { status: 'closed', sort: 'created' }],
    ['filter tier=L2 sort=priority', { tier: 'L2', sort: 'priority' }],
    ['filter requester', { requester: 'requester42@example.com', status: ALL_STATUSES }],
    ['filter organisation', { organisation: 'Globex' }],
    ['filter sort=updated', { sort: 'updated' }],
    ['text "printer"', { q: 'printer' }],
    ['text "mailbox full" all statuses', { q: 'mailbox full', status: 'closed,resolved' }],
    ['text ticket number', { q: `HD-2026-${String(Math.floor(TICKETS / 10) * 5 + 1).padStart(6, '0')}`, status: ALL_STATUSES }],
  ];
  // Deep pages: the cursors of pages 1, 50 and 200 of the whole list (all statuses) by creation, and of the open ones by due.
  const cursors: Array<[string, Record<string, string>]> = [];
  for (const [label, base] of [['created, all statuses', { sort: 'created', status: ALL_STATUSES }], ['due, open', { sort: 'due' }]] as const) {
    let cursor: string | null = null;
    for (let page = 1; page <= 200; page++) {
      if ([1, 50, 200].includes(page)) cursors.push([`page ${page} (${label})`, { ...base, ...(cursor ? { cursor } : {}) }]);
      const p = await service.list(viewer, service.parse({ ...base, ...(cursor ? { cursor } : {}) }));
      cursor = p.nextCursor;
      if (!cursor) break;
    }
  }
  const all = [...cases, ...cursors];

  const http = async (raw: Record<string, string>) => {
    const res = await fetch(`${web.url}/api/v1/tickets?${new URLSearchParams(raw)}`, { headers: { Authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`GET /api/v1/tickets answered ${res.status}: ${await res.text()}`);
    return res.json();
  };
  // The page's form calls the words `text`; everything else is named as in the API.
  const page = async (raw: Record<string, string>) => {
    const { q, ...rest } = raw;
    const res = await browser.get(`/agent?${new URLSearchParams({ ...rest, ...(q !== undefined ? { text: q } : {}) })}`);
    if (res.status !== 200 || !res.text.includes('</html>')) throw new Error(`GET /agent answered ${res.status}`);
  };
  const time = async (out: number[], f: () => Promise<unknown>) => {
    const a = performance.now();
    await f();
    out.push(performance.now() - a);
  };
  const countsTimes: number[][] = [];
  const results = new Map<string, { service: number[][]; http: number[][]; page: number[][]; rows: number }>();
  for (let run = 0; run < RUNS; run++) {
    const ct: number[] = [];
    for (let s = 0; s < SAMPLES; s++) await time(ct, () => service.counts(viewer));
    countsTimes.push(ct);
    for (const [label, raw] of all) {
      const q: ListQuery = service.parse(raw);
      const r = results.get(label) ?? { service: [], http: [], page: [], rows: 0 };
      const st: number[] = [];
      const ht: number[] = [];
      const pt: number[] = [];
      for (let s = 0; s < SAMPLES; s++) {
        await time(st, async () => { r.rows = (await service.list(viewer, q)).items.length; });
        await time(ht, () => http(raw));
        await time(pt, () => page(raw));
      }
      r.service.push(st);
      r.http.push(ht);
      r.page.push(pt);
      results.set(label, r);
    }
  }
  const med = (runs: number[][], p: number) => { const xs = runs.map((x) => pct(x, p)).sort((a, b) => a - b); return xs[Math.floor(xs.length / 2)]!; };
  const f = (n: number) => n.toFixed(1).padStart(6);
  console.log(`\n${TICKETS} tickets (filled in ${fillSeconds.toFixed(0)} s); ${SAMPLES} samples a case × ${RUNS} runs; median of the runs' p50 / p99 in ms (25 rows a page)`);
  console.log(`${'case'.padEnd(40)} rows | service p50    p99 | API p50    p99 | /agent p50    p99`);
  console.log(`${'queue counts (one pass)'.padEnd(40)}    - | ${f(med(countsTimes, 50))} ${f(med(countsTimes, 99))} |`);
  const worst = { service: 0, http: 0, page: 0 };
  for (const [label, r] of results) {
    const [s99, h99, p99] = [med(r.service, 99), med(r.http, 99), med(r.page, 99)];
    worst.service = Math.max(worst.service, s99);
    worst.http = Math.max(worst.http, h99);
    worst.page = Math.max(worst.page, p99);
    console.log(`${label.padEnd(40)} ${String(r.rows).padStart(4)} | ${f(med(r.service, 50))} ${f(s99)} | ${f(med(r.http, 50))} ${f(h99)} | ${f(med(r.page, 50))} ${f(p99)}`);
  }
  console.log(`worst p99: service ${worst.service.toFixed(1)} ms, GET /api/v1/tickets ${worst.http.toFixed(1)} ms, GET /agent ${worst.page.toFixed(1)} ms (target: under 100 ms)`);
  console.log(`load average (1/5/15 min) at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} CPUs`);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
