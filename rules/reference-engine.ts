/**
 * json-rules-engine itself, as the reference for the compiled evaluator (rules/compiled.ts): one
 * Engine per rules version, set up as the evaluator did before it was compiled (this helpdesk's
 * operators, plain paths, undefined facts and conditions refused), its results turned into a
 * decision by the same code as the compiled evaluator's. Used by the differential test
 * (test/rules-differential.test.ts) and the benchmark (bench/rules-throughput.ts), not by the
 * product.
 */
import { Engine } from 'json-rules-engine';
import type { RuleResult } from 'json-rules-engine';
import type { CompiledRule } from './compiled.ts';
import { decisionFromResults, resolvePath, rulesFileOf, type CompiledRules } from './evaluate.ts';
import type { RuleFacts } from './facts.ts';
import type { Decision, RulesFile } from './types.ts';

/** Operators added to json-rules-engine's own (see rules/README.md). */
export function addHelpdeskOperators(engine: Engine): void {
  engine.addOperator('containsAny', (fact: unknown, value: unknown) =>
    Array.isArray(fact) && Array.isArray(value) && value.some((v) => fact.includes(v)));
  engine.addOperator('containsAll', (fact: unknown, value: unknown) =>
    Array.isArray(fact) && Array.isArray(value) && value.every((v) => fact.includes(v)));
  engine.addOperator('textContains', (fact: unknown, value: unknown) =>
    typeof fact === 'string' && typeof value === 'string' && fact.toLowerCase().includes(value.toLowerCase()));
}

/** An Engine holding the file's shared conditions and rules. */
export function referenceEngine(file: RulesFile): Engine {
  const engine = new Engine([], { allowUndefinedFacts: false, allowUndefinedConditions: false, pathResolver: resolvePath });
  addHelpdeskOperators(engine);
  for (const [name, condition] of Object.entries(file.conditions ?? {})) engine.setCondition(name, structuredClone(condition) as never);
  for (const rule of file.rules) {
    engine.addRule(structuredClone({ name: rule.name, priority: rule.priority ?? 1, conditions: rule.conditions, event: rule.event }) as never);
  }
  return engine;
}

const engines = new WeakMap<CompiledRules, { engine: Engine; order: Map<string, number>; queue: Promise<unknown> }>();

/**
 * The decision json-rules-engine gives on `facts` (runs on one Engine are queued, never
 * overlapping; after a run that throws, the next one gets a new Engine).
 */
export async function referenceEvaluateFacts(compiled: CompiledRules, facts: RuleFacts): Promise<Decision> {
  let ref = engines.get(compiled);
  if (!ref) {
    const file = rulesFileOf(compiled) as RulesFile;
    ref = { engine: referenceEngine(file), order: new Map(file.rules.map((r, i) => [r.name, i])), queue: Promise.resolve() };
    engines.set(compiled, ref);
  }
  const { engine, order } = ref;
  const run = ref.queue.then(() => engine.run(facts as unknown as Record<string, unknown>));
  ref.queue = run.catch(() => undefined);
  // A run that rejects goes on evaluating its lower-priority rules and then marks the Engine
  // finished, which would cut a later run short: such an Engine is not used again.
  const result = await run.catch((err: unknown) => {
    if (engines.get(compiled) === ref) engines.delete(compiled);
    throw err;
  });
  const pos = (r: RuleResult): number => order.get(r.name) ?? Number.MAX_SAFE_INTEGER;
  const fired = [...result.results].sort((a, b) => (b.priority ?? 1) - (a.priority ?? 1) || pos(a) - pos(b));
  const all = [...result.results, ...result.failureResults].sort((a, b) => pos(a) - pos(b));
  const asRule = (r: RuleResult): CompiledRule => ({ name: r.name, priority: r.priority ?? 1, event: r.event as CompiledRule['event'], file: pos(r) });
  return decisionFromResults(compiled, facts, fired.map(asRule), all.map((r) => ({
    rule: r.name,
    result: r.result === true,
    conditions: r.toJSON(false).conditions as unknown,
  })));
}
