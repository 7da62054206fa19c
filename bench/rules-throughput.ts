/**
 * Rules evaluation throughput: decisions per second of our evaluator next to plain
 * json-rules-engine on the same rules (a new Engine per evaluation vs. a reused one, with
 * JSONPath or plain property paths, and with pre-flattened facts instead of paths).
 *
 *   npx tsx bench/rules-throughput.ts            (about 30 s)
 *   BENCH_SECONDS=1 npx tsx bench/rules-throughput.ts
 *
 * Not a test: it prints figures.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Engine } from 'json-rules-engine';
import type { RuleProperties } from 'json-rules-engine';
import { compileRules, evaluate, keywordsOf, resolvePath } from '../rules/evaluate.ts';
import { hashRules } from '../rules/hash.ts';
import type { Rule, RulesFile, TicketFacts } from '../rules/types.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
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

async function scenario(title: string, file: RulesFile, flatRules: Rule[] | null): Promise<void> {
  console.log(`\n${title} (${file.rules.length} rules)`);
  const compiled = compileRules(file, { version: 1, hash: hashRules(file) });
  const pick = (i: number): TicketFacts => tickets[i % tickets.length] as TicketFacts;

  await measure('ours: evaluate() (one Engine, plain paths, full explanation)', (i) => evaluate(compiled, pick(i), AT));

  const reusedPlain = plainEngine(file, file.rules, { plainPaths: true });
  await measure('json-rules-engine, reused Engine, plain-path resolver', (i) => reusedPlain.run(plainFacts(pick(i), false)));
  const reusedJsonPath = plainEngine(file, file.rules, { plainPaths: false });
  await measure('json-rules-engine, reused Engine, JSONPath (default)', (i) => reusedJsonPath.run(plainFacts(pick(i), false)));
  await measure('json-rules-engine, new Engine per evaluation, JSONPath', (i) => plainEngine(file, file.rules, { plainPaths: false }).run(plainFacts(pick(i), false)));
  if (flatRules) {
    const reusedFlat = plainEngine(file, flatRules, { plainPaths: false });
    await measure('json-rules-engine, reused Engine, flat facts (no paths)', (i) => reusedFlat.run(plainFacts(pick(i), true)));
    await measure('json-rules-engine, new Engine per evaluation, flat facts', (i) => plainEngine(file, flatRules, { plainPaths: false }).run(plainFacts(pick(i), true)));
  }

  console.log('  where the time goes:');
  time('building an Engine with these rules', () => plainEngine(file, file.rules, { plainPaths: true }), 50);
  time('compileRules() (validation + Engine)', () => compileRules(file, { version: 1, hash: 'x' }), 10);
  const obj = { impact: 'high', category: 'cat1' };
  time('one path lookup, plain resolver', () => resolvePath(obj, '$.category'), 100_000);
  const { JSONPath } = await import('jsonpath-plus' as string) as { JSONPath: (o: { path: string; json: object; wrap: boolean }) => unknown };
  time('one path lookup, JSONPath (json-rules-engine default)', () => JSONPath({ path: '$.category', json: obj, wrap: false }), 100_000);
}

console.log(`Rules throughput — Node ${process.version}, ${SECONDS}s per figure, sequential awaits`);
await scenario('Default rules file', defaultFile, null);
await scenario('Synthetic file', syntheticFile, syntheticRules(500, true));
