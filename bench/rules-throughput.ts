/**
 * Rules evaluation throughput: decisions per second of the compiled evaluator (rules/compiled.ts)
 * next to plain json-rules-engine on the same rules (a new Engine per evaluation vs. a reused one,
 * with JSONPath or plain property paths, and with pre-flattened facts instead of paths).
 *
 * The targets of issue 15 are ratios measured side by side in one run: the compiled evaluator,
 * facts built from the ticket included, against json-rules-engine with a reused Engine and plain
 * paths — at least 100× on the 500-rule file and 10× on the default file. Each scenario runs
 * ROUNDS rounds (default 3) of the two side by side and prints each round's ratio and their
 * median, for the decision alone (its explanation built when read) and with the explanation
 * read. Then a what-if's evaluation of 100,000 varied past tickets on the default file (facts
 * from recorded facts, as services/rules-admin/what-if.ts builds them) is timed.
 *
 *   npm run bench:rules                           (about 1 min)
 *   BENCH_SECONDS=1 ROUNDS=3 npx tsx bench/rules-throughput.ts
 *
 * Not a test: it prints figures.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Engine } from 'json-rules-engine';
import type { RuleProperties } from 'json-rules-engine';
import { compileRules, evaluate, evaluateFactsSync, keywordsOf, resolvePath, ruleFacts } from '../rules/evaluate.ts';
import { hashRules } from '../rules/hash.ts';
import type { Rule, RulesFile, TicketFacts } from '../rules/types.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const AT = Date.UTC(2026, 2, 4, 9, 0);

const defaultFile = JSON.parse(readFileSync(new URL('../rules/default.rules.json', import.meta.url), 'utf8')) as RulesFile;

/** Tickets cycled through by every scenario. */
const tickets: TicketFacts[] = [
  { ticket: { title: 'VPN down for the whole office', impact: 'high', urgency: 'high', category: 'network' }, requester: { vip: true, department: 'dept3' } },
  { ticket: { title: 'Printer jams word17 word230', impact: 'low', urgency: 'medium', category: 'cat17' }, requester: { department: 'dept1' } },
  { ticket: { title: 'Need access to SAP', description: 'word5 word25 word499', impact: 'medium', urgency: 'low', category: 'access' }, requester: { serviceLevel: 'silver', department: 'dept5' } },
  { ticket: { title: 'Mail outage word40', impact: 'high', urgency: 'medium', category: 'cat0' }, requester: { department: 'dept0' } },
];

// ---------------------------------------------------------------------------------------------
// Synthetic file: 500 rules, three conditions each (two on path facts), priorities 1..5.

function syntheticRules(n: number, flat: boolean): Rule[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `synthetic ${i}`,
    priority: 1 + (i % 5),
    conditions: {
      all: [
        flat ? { fact: 'category', operator: 'equal', value: `cat${i % 20}` } : { fact: 'ticket', path: '$.category', operator: 'equal', value: `cat${i % 20}` },
        { fact: 'keywords', operator: 'containsAny', value: [`word${i}`, `word${(i * 7) % n}`] },
        flat ? { fact: 'department', operator: 'notEqual', value: `dept${i % 7}` } : { fact: 'requester', path: '$.department', operator: 'notEqual', value: `dept${i % 7}` },
      ],
    },
    event: { type: 'add-tag', params: { tag: `tag-${i}` } },
  })) as Rule[];
}

const syntheticFile: RulesFile = { ...structuredClone(defaultFile), name: '500 synthetic rules', rules: syntheticRules(500, false) };

// ---------------------------------------------------------------------------------------------
// Plain json-rules-engine

function plainFacts(t: TicketFacts, flat: boolean): Record<string, unknown> {
  const keywords = keywordsOf(t.ticket.title, t.ticket.description);
  const matrix = { impact: t.ticket.impact, urgency: t.ticket.urgency, priority: 'P3' };
  const base = { ticket: t.ticket, requester: t.requester, keywords, calendar: { open: true }, time: { hour: 10, weekday: 'wed' }, matrix };
  return flat ? { ...base, category: t.ticket.category, department: t.requester.department } : base;
}

function plainEngine(file: RulesFile, rules: Rule[], options: { plainPaths: boolean }): Engine {
  const engine = new Engine([], { allowUndefinedFacts: true, ...(options.plainPaths ? { pathResolver: resolvePath } : {}) });
  engine.addOperator('containsAny', (a: unknown, b: unknown) => Array.isArray(a) && Array.isArray(b) && b.some((x) => a.includes(x)));
  for (const [name, c] of Object.entries(file.conditions ?? {})) engine.setCondition(name, c as never);
  for (const r of rules) engine.addRule(r as unknown as RuleProperties);
  return engine;
}

// ---------------------------------------------------------------------------------------------
// Measurement

interface Figure { label: string; perSecond: number; usPer: number }

async function measure(label: string, once: (i: number) => Promise<unknown>): Promise<Figure> {
  for (let i = 0; i < 50; i++) await once(i); // warm-up
  let n = 0;
  const start = performance.now();
  const until = start + SECONDS * 1000;
  while (performance.now() < until) {
    for (let k = 0; k < 10; k++) await once(n++);
  }
  const ms = performance.now() - start;
  const fig = { label, perSecond: (n / ms) * 1000, usPer: (ms * 1000) / n };
  console.log(`  ${label.padEnd(62)} ${fig.perSecond.toFixed(0).padStart(8)} /s  ${fig.usPer.toFixed(1).padStart(9)} µs each`);
  return fig;
}

function time(label: string, fn: () => unknown, times: number): void {
  const start = performance.now();
  for (let i = 0; i < times; i++) fn();
  const us = ((performance.now() - start) * 1000) / times;
  console.log(`  ${label.padEnd(62)} ${us.toFixed(1).padStart(9)} µs each`);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function scenario(title: string, file: RulesFile, flatRules: Rule[] | null, target: number): Promise<void> {
  console.log(`\n${title} (${file.rules.length} rules)`);
  const compiled = compileRules(file, { version: 1, hash: hashRules(file) });
  const pick = (i: number): TicketFacts => tickets[i % tickets.length] as TicketFacts;
  const reusedPlain = plainEngine(file, file.rules, { plainPaths: true });

  const ratios: number[] = [];
  const withExplanation: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`  round ${round}:`);
    const base = await measure('json-rules-engine, reused Engine, plain-path resolver', (i) => reusedPlain.run(plainFacts(pick(i), false)));
    const ours = await measure('compiled: evaluate() (facts + decision; explanation when read)', (i) => evaluate(compiled, pick(i), AT));
    const full = await measure('compiled: evaluate() and its explanation read', async (i) => (await evaluate(compiled, pick(i), AT)).explanation.conditions);
    ratios.push(ours.perSecond / base.perSecond);
    withExplanation.push(full.perSecond / base.perSecond);
    console.log(`    ratio ${(ours.perSecond / base.perSecond).toFixed(1)}× (with the explanation read: ${(full.perSecond / base.perSecond).toFixed(1)}×)`);
  }
  const m = median(ratios);
  console.log(`  median of ${ROUNDS}: compiled ${m.toFixed(1)}× json-rules-engine (target ≥ ${target}×: ${m >= target ? 'met' : 'NOT met'}); with the explanation read ${median(withExplanation).toFixed(1)}×`);

  console.log('  other json-rules-engine setups:');
  const reusedJsonPath = plainEngine(file, file.rules, { plainPaths: false });
  await measure('json-rules-engine, reused Engine, JSONPath (default)', (i) => reusedJsonPath.run(plainFacts(pick(i), false)));
  await measure('json-rules-engine, new Engine per evaluation, JSONPath', (i) => plainEngine(file, file.rules, { plainPaths: false }).run(plainFacts(pick(i), false)));
  if (flatRules) {
    const reusedFlat = plainEngine(file, flatRules, { plainPaths: false });
    await measure('json-rules-engine, reused Engine, flat facts (no paths)', (i) => reusedFlat.run(plainFacts(pick(i), true)));
  }

  console.log('  where the time goes:');
  time('building an Engine with these rules', () => plainEngine(file, file.rules, { plainPaths: true }), 50);
  time('compileRules() (validation + compiling)', () => compileRules(file, { version: 1, hash: 'x' }), 10);
  const facts = ruleFacts(compiled, pick(0), AT);
  time('building the facts (ruleFacts)', () => ruleFacts(compiled, pick(0), AT), 100_000);
  time('deciding on built facts (evaluateFactsSync)', () => evaluateFactsSync(compiled, facts), 100_000);
  const obj = { impact: 'high', category: 'cat1' };
  time('one path lookup, plain resolver', () => resolvePath(obj, '$.category'), 100_000);
  const { JSONPath } = await import('jsonpath-plus' as string) as { JSONPath: (o: { path: string; json: object; wrap: boolean }) => unknown };
  time('one path lookup, JSONPath (json-rules-engine default)', () => JSONPath({ path: '$.category', json: obj, wrap: false }), 100_000);
}

/** A what-if's evaluation: 100,000 past tickets' recorded facts, each at its own instant. */
function whatIfEvaluation(file: RulesFile, n: number): void {
  const compiled = compileRules(file, { version: 1, hash: hashRules(file) });
  const levels = ['low', 'medium', 'high'] as const;
  const words = [['printer', 'jam'], ['vpn', 'down'], ['outage'], ['access', 'sap'], ['mail'], ['wifi', 'slow'], []];
  const categories = [undefined, 'network', 'access', 'email', 'hardware'];
  const start0 = Date.UTC(2026, 8, 1);
  const recorded = Array.from({ length: n }, (_, i) => ({
    ticket: { impact: levels[i % 3] as 'low', urgency: levels[(i * 7) % 3] as 'low', ...(categories[i % 5] ? { category: categories[i % 5] } : {}) },
    requester: { vip: i % 11 === 0, serviceLevel: ['gold', 'silver', 'standard'][i % 3] as string },
    keywords: words[i % words.length] as string[],
    decidedMs: start0 + i * 73_013, // ~12 weeks of tickets, every instant different
  }));
  let changed = 0;
  const begin = performance.now();
  for (const c of recorded) {
    const facts = ruleFacts(compiled, { ticket: { ...c.ticket }, requester: { ...c.requester } }, c.decidedMs, [...c.keywords]);
    const d = evaluateFactsSync(compiled, facts);
    if (d.priority !== 'P4') changed += 1;
  }
  const ms = performance.now() - begin;
  console.log(`\nWhat-if evaluation of ${n.toLocaleString('en')} past tickets on the default file: ${(ms / 1000).toFixed(2)} s (${((ms * 1000) / n).toFixed(1)} µs a ticket; ${changed} above P4) — target < 1 s: ${ms < 1000 ? 'met' : 'NOT met'}`);
}

console.log(`Rules throughput — Node ${process.version}, ${SECONDS}s per figure, ${ROUNDS} rounds, sequential awaits`);
await scenario('Default rules file', defaultFile, null, 10);
await scenario('Synthetic file', syntheticFile, syntheticRules(500, true), 100);
whatIfEvaluation(defaultFile, 100_000);
