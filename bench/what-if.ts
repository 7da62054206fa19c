/**
 * What a what-if over past tickets costs (services/rules-admin/what-if.ts, runWhatIf). A fresh
 * PostgreSQL database (TEST_DATABASE_URL or the machine's on 127.0.0.1:5432; dropped afterwards,
 * on failure and on Ctrl-C too) is filled with N synthetic classified tickets straight through
 * the read model's SQL — `tickets` rows, their `ticket_events` (assignments, responses, pauses,
 * resolutions, reopens, closes, a few priority changes) and a `ticket_decisions` row each with
 * the derived facts and outcome the classifyTicket activity records (evaluateRedacted and
 * decisionRecordOf over varied service levels, VIPs, impacts, urgencies, categories and titles
 * holding the default rules' keywords); no Temporal. Then, side by side in each run:
 *
 * - runWhatIf with (a) a candidate identical to the active version and (b) the default rules with
 *   silver P2 resolution 9h → 4h, reading from PostgreSQL as the product does;
 * - a read-only pass over the same pages (decisions.createdPage, the what-if's reads alone);
 * - the same two what-ifs over the pages held in memory (the evaluation alone).
 *
 *   npm run bench:what-if                                 (about 2 min with 20,000 tickets)
 *   npm run bench:what-if -- --tickets 5000 --runs 3
 *
 * Not a test: it prints figures (median of the runs, min–max spread; one warm-up run first).
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { QueryTypes, Sequelize } from 'sequelize';
import { decisionRecordOf } from '../activities/classify.ts';
import { migrate } from '../db/migrate.ts';
import { createRulesRepo } from '../db/rules-repo.ts';
import { createTicketDecisionsRepo, type PageCursor, type PeriodTicket } from '../db/ticket-decisions-repo.ts';
import { evaluateRedacted, type RedactedDecision } from '../rules/derived-facts.ts';
import type { Level, RulesFile, TicketFacts } from '../rules/types.ts';
import { createRulesVersions, loadDefaultRulesText } from '../rules/versions.ts';
import { runWhatIf, type WhatIfDeps, type WhatIfSummary } from '../services/rules-admin/what-if.ts';

const { values: args } = parseArgs({ options: { tickets: { type: 'string', default: '20000' }, runs: { type: 'string', default: '5' } } });
const N = Number(args.tickets);
const RUNS = Number(args.runs);
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(RUNS) || RUNS < 1) {
  console.error('Give --tickets and --runs as whole numbers of at least 1, e.g. --tickets 20000 --runs 5.');
  process.exit(2);
}
const PAGE = 500; // runWhatIf's default page size
const BATCH = 1000;
/** Tickets created in [from, to); clocks still running are judged as of AS_OF (fixed, so every run and machine compares the same). */
const PERIOD = { fromMs: Date.UTC(2026, 8, 1), toMs: Date.UTC(2026, 10, 24) };
const AS_OF = Date.UTC(2026, 11, 1);
const admin = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `helpdesk_bench_what_if_${process.pid}`;

// ---------------------------------------------------------------------------------------------
// Synthetic tickets (seeded, so every run writes the same tickets)

let seed = 20_261_202;
function rand(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}
const between = (a: number, b: number) => a + (b - a) * rand();
function weighted<T>(choices: ReadonlyArray<readonly [T, number]>): T {
  let x = rand() * choices.reduce((s, [, w]) => s + w, 0);
  for (const [v, w] of choices) if ((x -= w) < 0) return v;
  return choices[choices.length - 1]![0];
}
/** e^(mu + sigma·Z): a delay as a multiple of a target, most under it, a long tail over. */
const lognormal = (mu: number, sigma: number) => Math.exp(mu + sigma * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()));
const MIN = 60_000;
const HOUR = 3_600_000;
/** A sealed value's size in the read model (ciphertext, base64): never read by the what-if. */
const sealed = (bytes: number) => randomBytes(bytes).toString('base64');

const TITLES: ReadonlyArray<readonly [{ title: string; category?: string }, number]> = [
  [{ title: 'VPN drops every few minutes' }, 8], [{ title: 'No network in room 3.14' }, 5], [{ title: 'Wifi down on the second floor' }, 5],
  [{ title: 'Mail server outage', category: 'email' }, 2], [{ title: 'ERP down for the whole team' }, 3], [{ title: 'Printer jams on every page', category: 'hardware' }, 10],
  [{ title: 'Laptop very slow after the update' }, 14], [{ title: 'Need access to the finance share', category: 'access' }, 12],
  [{ title: 'Password reset for SAP', category: 'access' }, 8], [{ title: 'Outlook keeps asking for the password', category: 'email' }, 9],
  [{ title: 'Monitor flickers' }, 6], [{ title: 'Please install Visio', category: 'software' }, 10], [{ title: 'Switch port dead in the lab', category: 'network' }, 3],
  [{ title: 'Headset broken' }, 5],
];
const DEPARTMENTS = ['Finance', 'Sales', 'IT', 'HR', 'Operations', 'Legal', 'Marketing'];
const ORGANISATIONS = ['ACME', 'Globex', 'Initech', 'Umbrella'];

function creationInstant(): number {
  for (;;) {
    const at = Math.floor(between(PERIOD.fromMs, PERIOD.toMs));
    const d = new Date(at);
    // Seven in ten in Warsaw office hours (about 06–16 UTC, Mon–Fri), the rest at any time.
    if (rand() < 0.3 || (d.getUTCDay() % 6 !== 0 && d.getUTCHours() >= 6 && d.getUTCHours() < 16)) return at;
  }
}

function factsOf(): TicketFacts {
  const t = weighted(TITLES);
  const serviceLevel = weighted<string | undefined>([['gold', 10], ['silver', 30], [undefined, 60]]);
  const department = rand() < 0.9 ? DEPARTMENTS[Math.floor(rand() * DEPARTMENTS.length)] : undefined;
  return {
    ticket: {
      title: t.title, description: 'Details as the requester wrote them.',
      ...(t.category && rand() < 0.8 ? { category: t.category } : {}),
      impact: weighted<Level>([['high', 15], ['medium', 45], ['low', 40]]), urgency: weighted<Level>([['high', 20], ['medium', 45], ['low', 35]]),
      channel: weighted([['portal', 55], ['email', 30], ['api', 10], ['phone', 5]]), language: weighted([['en', 50], ['pl', 40], ['de', 10]]),
    },
    requester: {
      vip: rand() < 0.03, ...(serviceLevel ? { serviceLevel } : {}),
      organisation: ORGANISATIONS[Math.floor(rand() * ORGANISATIONS.length)]!, ...(department ? { department } : {}),
    },
  };
}

interface Ev { type: string; at: number; actor: string; reason: string | null; data: Record<string, unknown> }
const STATUS_AFTER: Record<string, string> = {
  created: 'new', assigned: 'assigned', responded: 'in_progress', pending: 'pending', resumed: 'in_progress',
  resolved: 'resolved', reopened: 'reopened', closed: 'closed', cancelled: 'cancelled',
};

/** A ticket's life after its classification: delays drawn as multiples of its own targets, events after AS_OF not yet happened. */
function lifecycle(createdMs: number, d: RedactedDecision): { events: Ev[]; priority: string; assignee: string | null; status: string } {
  const ev: Ev[] = [];
  const add = (type: string, at: number, data: Record<string, unknown> = {}, actor = 'agent', reason: string | null = null) => ev.push({ type, at, actor, reason, data });
  let t = createdMs + 150;
  let assignee: string | null = null;
  let responded = false;
  let priority: string = d.priority;
  if (rand() < 0.85) add('assigned', (t = createdMs + between(2 * MIN, 90 * MIN)), { assignee: (assignee = `agent${Math.floor(rand() * 40)}`) });
  if (rand() < 0.85) {
    add('responded', (t = Math.max(t + MIN, createdMs + d.policy.responseMs * lognormal(-0.4, 1))), { message: sealed(90), public: true, firstResponse: true });
    responded = true;
  }
  if (rand() < 0.03) {
    const to = weighted([['P1', 1], ['P2', 3], ['P3', 2]]);
    add('priority_changed', (t += between(10 * MIN, 3 * HOUR)), { from: priority, to }, 'agent', 'the requester called');
    priority = to;
  }
  let resolvable = true;
  if (rand() < 0.15) {
    add('pending', (t += between(0.5 * HOUR, 24 * HOUR)), { from: 'in_progress', to: 'pending', firstResponse: !responded, clocksPaused: true }, 'agent', 'waiting for the requester');
    responded = true;
    if (rand() < 0.85) add('resumed', (t += between(2 * HOUR, 72 * HOUR)), { from: 'pending', to: 'in_progress' }, 'requester', 'the requester answered');
    else resolvable = false;
  }
  if (resolvable && rand() < 0.02) add('cancelled', (t += between(10 * MIN, 24 * HOUR)), {}, 'requester', 'no longer needed');
  else if (resolvable && rand() < 0.82) {
    if (responded && rand() < 0.5) add('responded', (t += between(10 * MIN, 8 * HOUR)), { message: sealed(90), public: true, firstResponse: false });
    add('resolved', (t = Math.max(t + MIN, createdMs + d.policy.resolutionMs * lognormal(-0.3, 0.9))), { code: 'solved' });
    if (rand() < 0.04) {
      add('reopened', (t += between(2 * HOUR, 48 * HOUR)), {}, 'requester', 'it happens again');
      add('resolved', (t += between(1 * HOUR, 24 * HOUR)), { code: 'solved' });
    }
    add('closed', t + 72 * HOUR, { automatic: true }, 'system', 'quiet period after resolution elapsed');
  }
  const happened = ev.filter((e) => e.at <= AS_OF).sort((a, b) => a.at - b.at);
  let status = 'new';
  for (const e of happened) status = STATUS_AFTER[e.type] ?? status;
  return { events: happened, priority, assignee, status };
}

// ---------------------------------------------------------------------------------------------
// Filling the read model: the columns tickets-repo's project() and decisions.record() write, a batch at a time

async function fill(db: Sequelize, active: { compiled: Parameters<typeof evaluateRedacted>[0] }): Promise<void> {
  const created = Array.from({ length: N }, creationInstant).sort((a, b) => a - b);
  for (let start = 0; start < N; start += BATCH) {
    const tickets: unknown[] = [];
    const events: unknown[] = [];
    const decisions: unknown[] = [];
    for (let i = start; i < Math.min(N, start + BATCH); i++) {
      const number = `HD-2026-${String(i + 1).padStart(6, '0')}`;
      const createdMs = created[i]!;
      const facts = factsOf();
      const d = await evaluateRedacted(active.compiled, facts, createdMs);
      const life = lifecycle(createdMs, d);
      const classified: Ev = {
        type: 'classified', at: createdMs + 150, actor: 'rules', reason: null,
        data: {
          rulesVersion: d.rulesVersion, rulesHash: d.rulesHash, priority: d.priority, category: d.category, team: d.team, tier: d.tier, serviceLevel: d.serviceLevel,
          policy: { id: d.policy.id, responseMs: d.policy.responseMs, resolutionMs: d.policy.resolutionMs, calendar: d.policy.calendar.id },
          ladder: d.ladder.id, tags: d.tags, matrix: d.explanation.matrix, fired: d.explanation.fired.map((f) => ({ rule: f.rule, event: f.event.type, applied: f.applied })),
        },
      };
      const all: Ev[] = [
        { type: 'created', at: createdMs, actor: 'requester', reason: null, data: { channel: facts.ticket.channel, impact: facts.ticket.impact, urgency: facts.ticket.urgency, category: facts.ticket.category ?? null } },
        classified, ...life.events,
      ];
      all.forEach((e, k) => events.push({ ticket_number: number, seq: k + 1, type: e.type, actor: e.actor, reason: e.reason, data: e.data, occurred_at: new Date(e.at).toISOString() }));
      tickets.push({
        number, workflow_id: `ticket-${number}`, title: sealed(60), description: sealed(300), requester_email: sealed(48), locale: facts.ticket.language,
        channel: facts.ticket.channel, impact: facts.ticket.impact, urgency: facts.ticket.urgency, category: d.category, priority: life.priority, status: life.status,
        tier: d.tier, team_id: d.team, assignee: life.assignee, rules_version: d.rulesVersion,
        created_at: new Date(createdMs).toISOString(), updated_at: new Date(all[all.length - 1]!.at).toISOString(), last_event_seq: all.length,
      });
      const r = decisionRecordOf(number, d, createdMs);
      decisions.push({ ticket_number: number, decided_at: new Date(r.atMs).toISOString(), rules_version: r.rulesVersion, rules_hash: r.rulesHash, facts: r.facts, outcome: r.outcome });
    }
    await db.query(
      `INSERT INTO tickets (number, workflow_id, title, description, requester_email, locale, channel, impact, urgency, category,
          priority, status, tier, team_id, assignee, rules_version, created_at, updated_at, last_event_seq)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(number text, workflow_id text, title text, description text, requester_email text, locale text,
          channel text, impact text, urgency text, category text, priority text, status text, tier text, team_id text, assignee text, rules_version int,
          created_at timestamptz, updated_at timestamptz, last_event_seq int)`,
      { bind: [JSON.stringify(tickets)] },
    );
    await db.query(
      `INSERT INTO ticket_events (ticket_number, seq, type, actor, reason, data, occurred_at)
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(ticket_number text, seq int, type text, actor text, reason text, data jsonb, occurred_at timestamptz)`,
      { bind: [JSON.stringify(events)] },
    );
    await db.query(
      `INSERT INTO ticket_decisions (ticket_number, kind, decided_at, rules_version, rules_hash, facts, outcome)
       SELECT ticket_number, 'classified', decided_at, rules_version, rules_hash, facts, outcome
         FROM jsonb_to_recordset($1::jsonb) AS r(ticket_number text, decided_at timestamptz, rules_version int, rules_hash text, facts jsonb, outcome jsonb)`,
      { bind: [JSON.stringify(decisions)] },
    );
  }
  // As a database that has been running for a while: statistics gathered, visibility map set.
  await db.query('VACUUM ANALYZE tickets, ticket_events, ticket_decisions');
}

// ---------------------------------------------------------------------------------------------
// Measurement

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** The what-if's reads alone: the count and every page, in its order, doing nothing with them. */
async function readPass(decisions: WhatIfDeps['decisions'], keep?: PeriodTicket[]): Promise<number> {
  await decisions.countCreated(PERIOD);
  let after: PageCursor | null = null;
  let n = 0;
  for (;;) {
    const page = await decisions.createdPage(PERIOD, after, PAGE);
    n += page.length;
    keep?.push(...page);
    if (page.length < PAGE) return n;
    const last = page[page.length - 1]!;
    after = { createdMs: last.createdMs, number: last.number };
  }
}

/** The same pages from memory, so a what-if over them times its evaluation alone. */
function inMemory(all: PeriodTicket[]): WhatIfDeps['decisions'] {
  const index = new Map(all.map((t, i) => [t.number, i]));
  return {
    countCreated: async () => all.length,
    createdPage: async (_period, after, limit) => {
      const from = after ? index.get(after.number)! + 1 : 0;
      return all.slice(from, from + limit);
    },
  };
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function main(): Promise<void> {
  const a = new Sequelize(admin, { logging: false });
  try {
    await a.authenticate();
  } catch (err) {
    await a.close();
    throw new Error(`Cannot reach PostgreSQL at ${new URL(admin).host} (${(err as Error).message}): start it, or set TEST_DATABASE_URL to a server's admin URL.`);
  }
  await a.query(`CREATE DATABASE "${name}"`).catch(async (err: unknown) => {
    await a.close();
    throw err;
  });
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const db = new Sequelize(url.toString(), { logging: false });
  let dropped: Promise<void> | undefined;
  const dropAll = () => (dropped ??= (async () => {
    await db.close().catch(() => undefined);
    await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await a.close();
  })());
  const onSignal = () => void dropAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await migrate(db);
    const rules = createRulesVersions(createRulesRepo(db));
    await rules.ensureDefaultPublished(loadDefaultRulesText());
    const active = await rules.active();
    const decisions = createTicketDecisionsRepo(db);

    const filling = await timed(() => fill(db, active));
    const [size] = await db.query<{ size: string; events: number }>(
      `SELECT pg_size_pretty(pg_database_size(current_database())) AS size, (SELECT count(*) FROM ticket_events)::int AS events`, { type: QueryTypes.SELECT });
    console.log(`Filled ${fmt(N)} tickets (${fmt(size!.events)} events) in ${(filling.ms / 1000).toFixed(1)} s; database ${size!.size}.`);

    const same: RulesFile = structuredClone(active.file);
    const silver: RulesFile = structuredClone(active.file);
    silver.name = 'Silver P2 resolution 4h';
    const p = silver.slaPolicies.find((x) => x.id === 'silver-p2')!;
    if (p.resolution !== '9h') throw new Error(`The default rules' silver P2 resolution is ${p.resolution}, not 9h: update the benchmark's candidate.`);
    p.resolution = '4h';

    const memory: PeriodTicket[] = [];
    await readPass(decisions, memory);
    const record = (await rules.get(active.version))!;
    const pg: WhatIfDeps = { decisions, rules };
    const mem: WhatIfDeps = { decisions: inMemory(memory), rules: { get: async () => record } };
    const whatIf = (deps: WhatIfDeps, c: RulesFile) => runWhatIf(deps, c, PERIOD, { asOfMs: AS_OF });

    const scenarios: Array<{ label: string; run: () => Promise<unknown> }> = [
      { label: '(a) identical candidate, from PostgreSQL', run: () => whatIf(pg, same) },
      { label: '(b) silver P2 9h → 4h, from PostgreSQL', run: () => whatIf(pg, silver) },
      { label: 'read-only pass over the same pages', run: () => readPass(decisions) },
      { label: '(a) identical candidate, pages in memory', run: () => whatIf(mem, same) },
      { label: '(b) silver P2 9h → 4h, pages in memory', run: () => whatIf(mem, silver) },
    ];
    const loadBefore = loadavg()[0]!;
    const cpuBefore = process.cpuUsage();
    const wallBefore = performance.now();
    const times = scenarios.map(() => [] as number[]);
    const results: unknown[] = [];
    for (let r = 0; r <= RUNS; r++) {
      for (const [i, s] of scenarios.entries()) {
        const { ms, value } = await timed(s.run);
        if (r > 0) times[i]!.push(ms); // run 0 warms up the JIT and PostgreSQL's cache
        results[i] = value;
      }
    }

    const [sa, sb] = results as [WhatIfSummary, WhatIfSummary];
    if (sa.evaluated !== N || sa.changed.any !== 0) throw new Error(`The identical candidate evaluated ${sa.evaluated} of ${N} tickets and changed ${sa.changed.any}: the synthetic records do not reproduce their decisions (failures: ${JSON.stringify(sa.failures.slice(0, 3))}).`);
    if (sb.evaluated !== N) throw new Error(`The silver candidate evaluated ${sb.evaluated} of ${N} tickets (failures: ${JSON.stringify(sb.failures.slice(0, 3))}).`);

    console.log(`\nWhat-if over ${fmt(N)} tickets created ${new Date(PERIOD.fromMs).toISOString().slice(0, 10)} … ${new Date(PERIOD.toMs - 1).toISOString().slice(0, 10)}, pages of ${PAGE}, Node ${process.version}; ${RUNS} run${RUNS === 1 ? '' : 's'} after a warm-up (median, min–max):`);
    console.log(`  ${''.padEnd(44)} ${'total s'.padStart(8)} ${'min–max s'.padStart(13)} ${'ms/ticket'.padStart(10)} ${'tickets/s'.padStart(10)}`);
    const med = times.map(median);
    scenarios.forEach((s, i) => {
      const xs = times[i]!;
      const spread = `${(Math.min(...xs) / 1000).toFixed(2)}–${(Math.max(...xs) / 1000).toFixed(2)}`;
      console.log(`  ${s.label.padEnd(44)} ${(med[i]! / 1000).toFixed(2).padStart(8)} ${spread.padStart(13)} ${(med[i]! / N).toFixed(3).padStart(10)} ${fmt((N / med[i]!) * 1000).padStart(10)}`);
    });
    const [ta, tb, read, ma, mb] = med as [number, number, number, number, number];
    for (const [label, total, memo] of [['(a)', ta, ma], ['(b)', tb, mb]] as const) {
      console.log(`${label}: reading ${((read / total) * 100).toFixed(0)} % (${(read / N).toFixed(3)} ms/ticket), evaluating ${(((total - read) / total) * 100).toFixed(0)} % (${((total - read) / N).toFixed(3)} ms/ticket; pages in memory: ${(memo / N).toFixed(3)} ms/ticket).`);
    }
    console.log(`100,000 tickets at these rates (keyset pages cost the same however far a run has got): (a) ~${((ta / N) * 100).toFixed(0)} s, (b) ~${((tb / N) * 100).toFixed(0)} s from PostgreSQL; ~${((read / N) * 100).toFixed(0)} s of it reading.`);
    const rb = sb.breaches.resolution;
    const silverP2 = sb.cells.find((c) => c.serviceLevel === 'silver' && c.priority === 'P2');
    console.log(`(a) changed ${sa.changed.any} tickets. (b) changed ${fmt(sb.changed.any)} (${fmt(sb.changed.resolutionDeadline)} resolution deadlines; silver P2: ${fmt(silverP2?.then.tickets ?? 0)} tickets); resolution breaches ${fmt(rb.then)} → ${fmt(rb.candidate)} (added ${fmt(rb.added)}, avoided ${fmt(rb.avoided)}).`);
    const cpu = process.cpuUsage(cpuBefore);
    const cores = (cpu.user + cpu.system) / 1000 / (performance.now() - wallBefore);
    console.log(`Load average (1 min) ${loadBefore.toFixed(1)} before the runs, ${loadavg()[0]!.toFixed(1)} after; this process used ${cores.toFixed(2)} of a core during them (PostgreSQL's share not counted): other work on the machine shows in the spread.`);
    console.log(`Peak resident memory ${fmt(process.resourceUsage().maxRSS / 1024)} MiB (the ${fmt(N)} pages held in memory included).`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await dropAll();
  }
}

await main();
