/**
 * The agents' queues at 100,000 tickets (issue 13): fills the read model directly (a realistic
 * spread of statuses, teams, tiers, priorities and requesters; titles sealed through the real vault;
 * the words in ticket_search), then times the queue service (services/agent/queues.ts) and
 * `GET /api/v1/tickets` over HTTP on a real web process: each queue, filters, text search, and deep
 * paging (pages 1, 50 and 200 by cursor). A database of its own (made and dropped) on the machine's
 * PostgreSQL (TEST_DATABASE_URL), a Temporal dev server for the web process; everything is stopped.
 *
 *   npm run bench:queue                     (a few minutes)
 *   BENCH_TICKETS=20000 npm run bench:queue
 *
 * Not a test: it prints p50/p99 in ms per case (each case SAMPLES times per run, RUNS runs, the median run's figures).
 */
import { performance } from 'node:perf_hooks';
import { createTicketListRepo } from '../db/ticket-list-repo.ts';
import { openDatabase, startWeb } from '../runtime/stack.ts';
import { createQueueService, type ListQuery, type QueueViewer } from '../services/agent/queues.ts';
import { freshDatabaseUrl, log, onCleanup, runCleanups, startTestTemporal, testConfig } from '../test/support/env.ts';
import { apiToken } from '../test/support/users.ts';

const TICKETS = Number(process.env.BENCH_TICKETS ?? 100_000);
const REQUESTERS = 3000;
const RUNS = 3;
const SAMPLES = 30;
const TEAMS = [['service-desk', 'L1'], ['field-support', 'L1'], ['infrastructure', 'L2'], ['applications', 'L2'], ['engineering', 'L3']] as const;
const WORDS = ['VPN drops every few minutes', 'Printer jams on the third floor', 'Outlook mailbox full', 'Laptop does not boot', 'Access to the finance share', 'Wifi slow in the meeting room', 'Password reset needed', 'Payroll report fails'];
const ORGS = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark'];

const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  const temporal = await startTestTemporal();
  onCleanup(() => temporal.stop());
  const config = testConfig({ DATABASE_URL: await freshDatabaseUrl('bench_queue'), TEMPORAL_ADDRESS: temporal.address });
  const db = await openDatabase(config, log);
  onCleanup(() => db.close());
  const sql = db.sequelize;
  for (const [id, tier] of TEAMS) await sql.query(`INSERT INTO teams (id, name, tier) VALUES (:id, :id, :tier) ON CONFLICT (id) DO NOTHING`, { replacements: { id, tier } });

  console.log(`filling ${TICKETS} tickets for ${REQUESTERS} requesters…`);
  const t0 = performance.now();
  const requesters: Array<{ ref: string; email: string }> = [];
  for (let i = 0; i < REQUESTERS; i += 50) {
    requesters.push(...(await Promise.all(Array.from({ length: Math.min(50, REQUESTERS - i) }, async (_, j) => {
      const email = `requester${i + j}@example.com`;
      return { email, ref: await db.vault.personRef(email) };
    }))));
  }
  // Their accounts, with an organisation each (what the organisation filter reads).
  for (let i = 0; i < REQUESTERS; i += 500) {
    const rows = await Promise.all(requesters.slice(i, i + 500).map(async (r, j) => {
      const sealed = await db.vault.seal(r.ref, 'person', 'email', '', r.email);
      return { bidx: await db.vault.blindIndex(r.email), sealed, ref: r.ref, org: pick(ORGS, i + j), vip: (i + j) % 97 === 0 };
    }));
    await sql.query(
      `INSERT INTO users (email_bidx, email_sealed, display_name_sealed, person_id, role, locale, organisation, vip)
       SELECT * FROM unnest(ARRAY[:bidx]::text[], ARRAY[:sealed]::text[], ARRAY[:sealed]::text[], ARRAY[:ref]::uuid[], ARRAY[:role]::text[], ARRAY[:locale]::text[], ARRAY[:org]::text[], ARRAY[:vip]::boolean[])`,
      { replacements: { bidx: rows.map((r) => r.bidx), sealed: rows.map((r) => r.sealed), ref: rows.map((r) => r.ref), role: rows.map(() => 'requester'), locale: rows.map(() => 'en'), org: rows.map((r) => r.org), vip: rows.map((r) => r.vip) } },
    );
  }
  const agents = await Promise.all(TEAMS.flatMap(([team], ti) => [0, 1, 2].map(async (k) => {
    const email = `agent${ti}${k}@example.com`;
    const u = await db.users.upsert({ email, displayName: email, role: 'agent', teamId: team, locale: 'en' });
    return { user: u, ref: await db.vault.personRef(email) };
  })));

  const now = Date.now();
  const BATCH = 1000;
  for (let start = 0; start < TICKETS; start += BATCH) {
    const batch = await Promise.all(Array.from({ length: Math.min(BATCH, TICKETS - start) }, async (_, j) => {
      const i = start + j;
      const number = `HD-2026-${String(i + 1).padStart(6, '0')}`;
      const req = pick(requesters, (i * 7919) % REQUESTERS);
      // About a fifth open (a realistic backlog): the rest resolved, closed or cancelled.
      const open = i % 5 === 0 || i >= TICKETS - 2000;
      const status = open ? pick(['new', 'assigned', 'in_progress', 'pending', 'reopened', 'assigned', 'in_progress'], i >> 3) : pick(['closed', 'closed', 'closed', 'resolved', 'cancelled'], i >> 2);
      const [team, tier] = pick(TEAMS, (i >> 1) * 3);
      const agent = agents.find((a) => a.user.teamId === team && a.user.email.endsWith(`${i % 3}@example.com`))!;
      const assignee = status === 'new' ? null : agent.ref;
      const created = now - (TICKETS - i) * 60_000;
      const due = open && status !== 'pending' ? created + (4 + (i % 40)) * 3_600_000 : null;
      const breached = open && due !== null && due < now;
      const title = pick(WORDS, i * 13);
      // The title sealed under the ticket's own key, as intake does (the list opens it); the description and
      // address are not read by the list: one sealed value stands for them, so the fill makes one key per ticket.
      const sealedTitle = await db.vault.sealTicket(number, req.ref, 'title', `${title} (${i})`);
      return {
        number, title: sealedTitle, description: sealedTitle, email: sealedTitle, ref: req.ref, status, team, tier, assignee, priority: pick(['P1', 'P2', 'P3', 'P3', 'P4', 'P4'], i * 5),
        category: pick(['access', 'hardware', 'software', 'network', 'email', 'other'], i * 11), created: new Date(created).toISOString(), updated: new Date(created + (i % 50) * 600_000).toISOString(),
        due: due === null ? null : new Date(due).toISOString(), breached, warned: open && !breached && due !== null && due - now < 2 * 3_600_000 ? new Date(now - 60_000).toISOString() : null,
        escalated: open && tier !== 'L1' && i % 7 === 0 ? new Date(created + 600_000).toISOString() : null, body: `${title} (${i}) ${title}: details`,
      };
    }));
    const col = <K extends keyof (typeof batch)[number]>(k: K) => batch.map((b) => b[k]);
    await sql.query(
      `INSERT INTO tickets (number, workflow_id, title, description, requester_email, requester_ref, locale, channel, impact, urgency, category, priority, status, tier, team_id,
          assignee, rules_version, sla, created_at, updated_at, last_event_seq, response_due_at, next_due_at, breached, warned_at, escalated_at, escalated_by)
       SELECT n, 'ticket-' || n, ti, de, em, rf, 'en', 'api', 'medium', 'medium', ca, pr, st, tr, tm, asg, 1,
          jsonb_build_object('policyId', 'standard-' || lower(pr), 'calendarId', 'warsaw', 'businessHours', true, 'responseTargetMs', 14400000, 'resolutionTargetMs', 86400000,
            'responseDueAt', du, 'resolutionDueAt', NULL, 'responded', false, 'paused', st = 'pending', 'breached', CASE WHEN br THEN '["response"]'::jsonb ELSE '[]'::jsonb END),
          cr, up, 3, du, du, br, wa, es, CASE WHEN es IS NOT NULL THEN 'ladder' END
       FROM unnest(ARRAY[:n]::text[], ARRAY[:ti]::text[], ARRAY[:de]::text[], ARRAY[:em]::text[], ARRAY[:rf]::uuid[], ARRAY[:ca]::text[], ARRAY[:pr]::text[], ARRAY[:st]::text[],
          ARRAY[:tr]::text[], ARRAY[:tm]::text[], ARRAY[:asg]::text[], ARRAY[:cr]::timestamptz[], ARRAY[:up]::timestamptz[], ARRAY[:du]::timestamptz[], ARRAY[:br]::boolean[],
          ARRAY[:wa]::timestamptz[], ARRAY[:es]::timestamptz[]) AS x(n, ti, de, em, rf, ca, pr, st, tr, tm, asg, cr, up, du, br, wa, es)`,
      { replacements: { n: col('number'), ti: col('title'), de: col('description'), em: col('email'), rf: col('ref'), ca: col('category'), pr: col('priority'), st: col('status'), tr: col('tier'), tm: col('team'),
        asg: col('assignee'), cr: col('created'), up: col('updated'), du: col('due'), br: col('breached'), wa: col('warned'), es: col('escalated') } },
    );
    await sql.query(`INSERT INTO ticket_search (ticket_number, ts_config, body) SELECT n, 'english'::regconfig, b FROM unnest(ARRAY[:n]::text[], ARRAY[:b]::text[]) AS x(n, b)`,
      { replacements: { n: col('number'), b: col('body') } });
    if ((start / BATCH) % 10 === 9) process.stdout.write(`\r  ${start + BATCH} tickets…`);
  }
  await sql.query('VACUUM ANALYZE tickets');
  await sql.query('VACUUM ANALYZE ticket_search');
  await sql.query('VACUUM ANALYZE users');
  console.log(`\rfilled ${TICKETS} tickets in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  const web = await startWeb(config, temporal.address, db, () => {}, { host: '127.0.0.1', port: 0 });
  onCleanup(() => web.close());
  const service = createQueueService({ list: createTicketListRepo(sql), vault: db.vault });
  const l1 = agents[0]!;
  const viewer: QueueViewer = { role: 'agent', email: l1.user.email, userId: l1.user.id, teamId: l1.user.teamId, tier: l1.user.tier, personId: l1.ref };
  const token = await apiToken(db, l1.user.email, 'agent');

  const cases: Array<[string, Record<string, string>]> = [
    ...['mine', 'team', 'tier', 'unassigned', 'escalated', 'pending', 'at_risk', 'breached', 'all'].map((q) => [`queue ${q}`, { queue: q }] as [string, Record<string, string>]),
    ['filter priority=P1', { priority: 'P1' }],
    ['filter team+category', { team: 'infrastructure', category: 'network' }],
    ['filter status=closed sort=created', { status: 'closed', sort: 'created' }],
    ['filter tier=L2 sort=priority', { tier: 'L2', sort: 'priority' }],
    ['filter requester', { requester: 'requester42@example.com', status: 'new,assigned,in_progress,pending,reopened,resolved,closed,cancelled' }],
    ['filter organisation', { organisation: 'Globex' }],
    ['filter sort=updated', { sort: 'updated' }],
    ['text "printer"', { q: 'printer' }],
    ['text "mailbox full" all statuses', { q: 'mailbox full', status: 'closed,resolved' }],
    ['text ticket number', { q: `HD-2026-${String(Math.floor(TICKETS / 10) * 5 + 1).padStart(6, '0')}`, status: 'new,assigned,in_progress,pending,reopened,resolved,closed,cancelled' }],
  ];
  // Deep pages: the cursors of pages 1, 50 and 200 of the whole list (all statuses) by creation, and of the open ones by due.
  const cursors: Array<[string, Record<string, string>]> = [];
  for (const [label, base] of [['created, all statuses', { sort: 'created', status: 'new,assigned,in_progress,pending,reopened,resolved,closed,cancelled' }], ['due, open', { sort: 'due' }]] as const) {
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
  const countsTimes: number[][] = [];
  const repo = createTicketListRepo(sql);
  const results = new Map<string, { sql: number[][]; service: number[][]; http: number[][]; rows: number }>();
  for (let run = 0; run < RUNS; run++) {
    const ct: number[] = [];
    for (let s = 0; s < SAMPLES; s++) {
      const a = performance.now();
      await service.counts(viewer);
      ct.push(performance.now() - a);
    }
    countsTimes.push(ct);
    for (const [label, raw] of all) {
      const q: ListQuery = service.parse(raw);
      const r = results.get(label) ?? { sql: [], service: [], http: [], rows: 0 };
      const qt: number[] = [];
      const st: number[] = [];
      const ht: number[] = [];
      for (let s = 0; s < SAMPLES; s++) {
        const z = performance.now();
        await repo.page({ statuses: q.filters.status }, q.sort, undefined, q.limit);
        qt.push(performance.now() - z);
        const a = performance.now();
        const page = await service.list(viewer, q);
        st.push(performance.now() - a);
        r.rows = page.items.length;
        const b = performance.now();
        await http(raw);
        ht.push(performance.now() - b);
      }
      r.sql.push(qt);
      r.service.push(st);
      r.http.push(ht);
      results.set(label, r);
    }
  }
  const med = (runs: number[][], p: number) => { const xs = runs.map((x) => pct(x, p)).sort((a, b) => a - b); return xs[Math.floor(xs.length / 2)]!; };
  const f = (n: number) => n.toFixed(1).padStart(6);
  console.log(`\n${TICKETS} tickets; ${SAMPLES} samples × ${RUNS} runs; median run's p50 / p99 in ms (25 rows a page)`);
  console.log(`${'case'.padEnd(44)} rows  service p50   p99  |  HTTP p50   p99  | bare page SQL p50 p99`);
  console.log(`${'queue counts (one pass)'.padEnd(44)}   -  ${f(med(countsTimes, 50))} ${f(med(countsTimes, 99))}  |`);
  let worst = { service: 0, http: 0 };
  for (const [label, r] of results) {
    const s99 = med(r.service, 99);
    const h99 = med(r.http, 99);
    worst = { service: Math.max(worst.service, s99), http: Math.max(worst.http, h99) };
    console.log(`${label.padEnd(44)} ${String(r.rows).padStart(4)}  ${f(med(r.service, 50))} ${f(s99)}  |  ${f(med(r.http, 50))} ${f(h99)}  | ${f(med(r.sql, 50))} ${f(med(r.sql, 99))}`);
  }
  console.log(`worst p99: service ${worst.service.toFixed(1)} ms, HTTP ${worst.http.toFixed(1)} ms (target: under 100 ms)`);
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => runCleanups());
