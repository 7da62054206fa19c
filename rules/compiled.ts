/**
 * The compiled evaluator: a rules version's conditions turned once into plain functions over the
 * facts, with json-rules-engine's semantics (v7: rule.js, condition.js, almanac.js), which stays
 * the reference (rules/reference-engine.ts; test/rules-differential.test.ts holds the two equal).
 *
 * What json-rules-engine does, and this does the same way:
 * - rules run by priority, highest first, equal priority together; a rule's result does not
 *   depend on another's;
 * - in "all"/"any" with more than one condition, conditions are grouped by priority (a fact
 *   condition without one counts as 1, so does a condition reference); groups run highest first,
 *   every condition of a group is evaluated, and the next group runs only while the result is
 *   still open. An empty "all" and an empty "any" are both true. A single condition is evaluated
 *   alone. "not" inverts its one condition;
 * - a fact condition reads the fact (through its path when the fact is an object), reads its
 *   value (another fact when the value is `{ "fact": … }`), and applies the operator
 *   (rules/operators.ts);
 * - a condition reference, when evaluated, takes the shared condition's place in the explanation
 *   (its priority, and its name when it has one); one not evaluated stays `{ "condition": … }`.
 *
 * Two ways to evaluate the same compiled tree:
 * - `decide` finds the rules that fire, fast: conditions within a group are short-circuited
 *   (unless one of them may throw, as json-rules-engine would), and an index on each rule's
 *   equality tests (`equal` a constant, `in` a list of constants, anywhere under its top "all")
 *   skips rules that cannot match the ticket;
 * - `explain` gives json-rules-engine's explanation (Condition.toJSON after the run: every
 *   evaluated condition with factResult, valueResult and result), for every rule, when asked.
 */
import { lastPassed, record } from './compiled-explain.ts';
import { asJsonRulesEngineCopies, deepFreeze, type BoolNode, type CNode, type FactNode, type Facts, type Getter, type Json, type RefNode } from './compiled-nodes.ts';
import { compileOperator } from './operators.ts';
import { parseFactPath, type Seg } from './paths.ts';
import type { Condition, Rule, RuleEvent } from './types.ts';

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);
const isObj = (v: unknown): v is Json => v !== null && typeof v === 'object';

/** json-rules-engine's Almanac.factValue: the fact, through the path when the fact is an object. */
function getter(fact: string, path: unknown, resolve: (value: object, segs: Seg[] | null) => unknown): Getter {
  if (!path) return (facts) => facts[fact];
  const segs = typeof path === 'string' ? parseFactPath(path) : null;
  return (facts) => {
    const v = facts[fact];
    return v !== null && typeof v === 'object' ? resolve(v, segs) : v;
  };
}

/** The plain path resolver (own properties only), as the evaluator gives json-rules-engine. */
export function resolveSegs(value: object, segs: Seg[] | null): unknown {
  if (segs === null) return undefined;
  let cur: unknown = value;
  for (const s of segs) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, s)) return undefined;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  return cur;
}

function groupOf(c: Json): number {
  return c.priority ? (c.priority as number) : 1;
}

function groupSets(children: CNode[]): number[][] {
  const byPriority = new Map<number, number[]>();
  children.forEach((c, i) => {
    const list = byPriority.get(c.group);
    if (list) list.push(i);
    else byPriority.set(c.group, [i]);
  });
  return [...byPriority.keys()].sort((a, b) => b - a).map((p) => byPriority.get(p) as number[]);
}

class Compiler {
  private readonly shared = new Map<string, BoolNode>();
  private readonly resolving = new Set<string>();
  constructor(private readonly sharedConditions: Record<string, Condition>) {}

  node(c: Json): CNode {
    if (hasOwn(c, 'any')) return this.bool('any', c, (c.any as Json[]).map((x) => this.node(x)));
    if (hasOwn(c, 'all')) return this.bool('all', c, (c.all as Json[]).map((x) => this.node(x)));
    if (hasOwn(c, 'not')) return this.bool('not', c, [this.node(c.not as Json)]);
    if (hasOwn(c, 'condition')) return this.ref(c);
    return this.fact(c);
  }

  private bool(kind: BoolNode['kind'], c: Json, children: CNode[]): BoolNode {
    const sets = kind !== 'not' && children.length > 1 ? groupSets(children) : [];
    const setMayThrow = sets.map((s) => s.some((i) => (children[i] as CNode).mayThrow));
    return {
      kind,
      group: Number.parseInt(c.priority as string, 10) || 1,
      priority: Number.parseInt(c.priority as string, 10) || 1,
      name: c.name,
      children,
      sets,
      setMayThrow,
      mayThrow: children.some((x) => x.mayThrow),
    };
  }

  private ref(c: Json): RefNode {
    const name = c.condition as string;
    // Object.assign of each condition along the chain of references: the last "name" written wins.
    let mergedName = c.name;
    let cur = name;
    const seen = new Set<string>();
    for (;;) {
      if (seen.has(cur) || !hasOwn(this.sharedConditions, cur)) throw new Error(`No condition ${cur} exists`);
      seen.add(cur);
      const s = this.sharedConditions[cur] as Json;
      if (hasOwn(s, 'name')) mergedName = s.name;
      if (hasOwn(s, 'all') || hasOwn(s, 'any') || hasOwn(s, 'not') || !hasOwn(s, 'condition')) break;
      cur = s.condition as string;
    }
    const target = this.sharedNode(cur);
    return { kind: 'ref', group: groupOf(c), condition: name, priority: c.priority, name: c.name, target, mergedName, mayThrow: target.mayThrow };
  }

  private sharedNode(name: string): BoolNode {
    const known = this.shared.get(name);
    if (known) return known;
    if (this.resolving.has(name)) throw new Error(`The shared condition "${name}" refers to itself.`);
    this.resolving.add(name);
    const n = this.node(this.sharedConditions[name] as Json);
    this.resolving.delete(name);
    if (n.kind !== 'all' && n.kind !== 'any' && n.kind !== 'not') throw new Error(`The shared condition "${name}" must be "all", "any" or "not".`);
    this.shared.set(name, n);
    return n;
  }

  private fact(c: Json): FactNode {
    const value = asJsonRulesEngineCopies(c.value);
    const params = asJsonRulesEngineCopies(c.params);
    const dynamic = isObj(value) && hasOwn(value, 'fact');
    const op = compileOperator(c.operator as string, dynamic ? null : { value });
    if (!op) throw new Error(`Unknown operator: ${String(c.operator)}`);
    const lhs = getter(c.fact as string, c.path, resolveSegs);
    const rhs = dynamic ? getter(value.fact as string, value.path, resolveSegs) : null;
    let index: FactNode['index'] = null;
    const primitive = (v: unknown): boolean => v === null || ['string', 'number', 'boolean'].includes(typeof v);
    if (!dynamic && !op.mayThrow) {
      const key = `${String(c.fact)}\u0000${typeof c.path === 'string' ? c.path : ''}`;
      if (c.operator === 'equal' && primitive(value)) index = { key, lhs, values: [value] };
      else if (c.operator === 'in' && Array.isArray(value) && value.every(primitive)) index = { key, lhs, values: value };
    }
    return {
      kind: 'fact', group: groupOf(c), lhs, rhs, value: deepFreeze(value), op: op.evaluate, mayThrow: op.mayThrow,
      priority: c.priority, name: c.name, operator: c.operator as string, fact: c.fact as string, params: deepFreeze(params), path: c.path, index,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Fast evaluation

function test(n: CNode, facts: Facts): boolean {
  switch (n.kind) {
    case 'fact': return n.op(n.lhs(facts), n.rhs === null ? n.value : n.rhs(facts)) === true;
    case 'ref': return test(n.target, facts);
    case 'not': return !test(n.children[0] as CNode, facts);
    default: {
      const { children } = n;
      if (children.length === 0) return true;
      if (children.length === 1) return test(children[0] as CNode, facts);
      const any = n.kind === 'any';
      for (let s = 0; s < n.sets.length; s++) {
        const set = n.sets[s] as number[];
        let hit = false;
        let miss = false;
        if (n.setMayThrow[s]) {
          for (const i of set) if (test(children[i] as CNode, facts)) hit = true; else miss = true;
        } else if (any) {
          for (const i of set) if (test(children[i] as CNode, facts)) { hit = true; break; }
        } else {
          for (const i of set) if (!test(children[i] as CNode, facts)) { miss = true; break; }
        }
        if (any ? hit : miss) return any;
      }
      return !any;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// A rules version's rules

/** A rule as the decision reads it when it fires. */
export interface CompiledRule {
  name: string;
  priority: number;
  event: RuleEvent | { type: string; params?: Record<string, unknown> };
  /** Position in the file. */
  file: number;
}

interface RuleEntry extends CompiledRule {
  root: CNode;
  /** The top node's own toJSON priority/name are written by boolJson/record. */
}

export interface CompiledConditions {
  /** Rules in evaluation order: priority, highest first, then file order. */
  readonly ordered: readonly CompiledRule[];
  /** The rules that fire on `facts`, in evaluation order. */
  fired(facts: Facts): CompiledRule[];
  /** json-rules-engine's explanation for every rule, in file order. */
  explain(facts: Facts): Array<{ rule: string; result: boolean; conditions: unknown }>;
}

/** Finds an equality test the rule cannot pass without (under its top "all", through references). */
function indexOfRule(n: CNode): FactNode['index'] {
  if (n.kind === 'fact') return n.index;
  if (n.kind === 'ref') return indexOfRule(n.target);
  if (n.kind !== 'all') return null;
  for (const c of n.children) {
    const found = indexOfRule(c);
    if (found) return found;
  }
  return null;
}

const byNumber = (a: number, b: number): number => a - b;

export function compileConditions(rules: readonly Rule[], shared: Record<string, Condition>): CompiledConditions {
  const compiler = new Compiler(shared);
  const entries: RuleEntry[] = rules.map((r, i) => {
    // The event's params are shared by every decision that fires the rule: frozen.
    const event: CompiledRule['event'] = { type: r.event.type, ...(r.event.params ? { params: deepFreeze(r.event.params) } : {}) };
    return { name: r.name, priority: Number.parseInt(String(r.priority || 1), 10), event, file: i, root: compiler.node(r.conditions as Json) };
  });
  const ordered = [...entries].sort((a, b) => b.priority - a.priority || a.file - b.file);

  // The index: rules that cannot fire unless fact@path is one of their values.
  const keys = new Map<string, { lhs: Getter; buckets: Map<unknown, number[]> }>();
  const always: number[] = [];
  ordered.forEach((e, pos) => {
    const ix = e.root.mayThrow ? null : indexOfRule(e.root);
    if (!ix) {
      always.push(pos);
      return;
    }
    let k = keys.get(ix.key);
    if (!k) keys.set(ix.key, (k = { lhs: ix.lhs, buckets: new Map() }));
    for (const v of new Set(ix.values)) {
      const list = k.buckets.get(v);
      if (list) list.push(pos);
      else k.buckets.set(v, [pos]);
    }
  });
  const lookups = [...keys.values()];

  return {
    ordered,
    fired(facts) {
      let candidates: number[] = always;
      let merged = false;
      for (const k of lookups) {
        const bucket = k.buckets.get(k.lhs(facts));
        if (bucket === undefined) continue;
        candidates = merged ? (candidates.push(...bucket), candidates) : [...candidates, ...bucket];
        merged = true;
      }
      if (merged) candidates.sort(byNumber);
      const out: CompiledRule[] = [];
      for (const pos of candidates) {
        const e = ordered[pos] as RuleEntry;
        if (test(e.root, facts)) out.push(e);
      }
      return out;
    },
    explain(facts) {
      const out: Array<{ rule: string; result: boolean; conditions: unknown }> = [];
      for (const e of entries) {
        const conditions = record(e.root, facts);
        out.push({ rule: e.name, result: lastPassed(), conditions });
      }
      return out;
    },
  };
}
