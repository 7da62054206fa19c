/**
 * A decision's explanation as a process owner reads it: the rules that fired in the order they
 * applied (and whether each applied or an earlier one had already set the same field), and for
 * each rule that did not fire, the conditions that failed — the fact, path, operator, the
 * condition's value and the value the fact had. Inside a `not`, a condition fails by holding.
 * A condition the facts cannot answer (a sample from a ticket's recorded facts: the text is
 * sealed) is listed as unknown instead of failed.
 */
import type { Decision, RulesFile } from '../../rules/types.ts';
import { conditionKey, truthOf, type ConditionNode, type OpenCondition, type Truth } from './uncertainty.ts';

export interface FiredRule {
  /** 1-based order of application. */
  order: number;
  rule: string;
  /** The rule's priority: higher applies first. */
  priority: number;
  event: { type: string; params: Record<string, unknown> };
  /** False when an earlier rule had already set the same field: this one was overridden. */
  applied: boolean;
  /** It fired on conditions the facts cannot answer: with the text it might not have. */
  uncertain: boolean;
}

export interface ConditionCheck {
  fact: string;
  path?: string;
  operator: string;
  /** The condition's value as the rules file writes it. */
  value: unknown;
  /** The value the fact had (undefined: the fact has no such value). */
  actual: unknown;
  /** When the value names a fact: the value that fact had. */
  valueActual?: unknown;
  /** Inside a `not`: the rule needed this condition not to hold, and it held. */
  negated: boolean;
  /** Set when the facts cannot answer it: why (it reads the sealed text, or a word not recorded). */
  unknown?: string;
}

export interface NotFiredRule {
  rule: string;
  priority: number;
  event: { type: string; params: Record<string, unknown> };
  /** The conditions that failed (or, marked `unknown`, could not be answered). */
  failed: ConditionCheck[];
  /** The rule's result is open: it rests on conditions the facts cannot answer. */
  uncertain: boolean;
}

export interface Explanation {
  matrix: Decision['explanation']['matrix'];
  fired: FiredRule[];
  notFired: NotFiredRule[];
}

type Node = ConditionNode & { factResult?: unknown; valueResult?: unknown };
const isObj = (v: unknown): v is Node => v !== null && typeof v === 'object' && !Array.isArray(v);

function check(node: Node, negated: boolean, unknown?: string): ConditionCheck {
  const valueIsFact = isObj(node.value) && typeof (node.value as { fact?: unknown }).fact === 'string';
  return {
    fact: node.fact as string,
    ...(typeof node.path === 'string' ? { path: node.path } : {}),
    operator: node.operator as string,
    value: structuredClone(node.value),
    actual: structuredClone(node.factResult),
    ...(valueIsFact ? { valueActual: structuredClone(node.valueResult) } : {}),
    negated,
    ...(unknown !== undefined ? { unknown } : {}),
  };
}

/**
 * Why a tree did not come out as wanted (`want`: true, or false inside a `not`): the fact
 * conditions that went the other way, and the unknown ones that might have. A condition
 * json-rules-engine did not evaluate (the rule was decided without it) is not listed.
 */
function failures(node: unknown, want: boolean, openOf: (n: Node) => OpenCondition | undefined, isOpen: (n: Node) => boolean): ConditionCheck[] {
  if (!isObj(node)) return [];
  const truth = (n: unknown): Truth => truthOf(n, isOpen);
  if (Array.isArray(node.all) || Array.isArray(node.any)) {
    const children = (node.all ?? node.any) as unknown[];
    // all wanted true / any wanted false: each child that is not as wanted; otherwise every child decided it.
    const eachCounts = Array.isArray(node.all) === want;
    const picked = eachCounts ? children.filter((c) => truth(c) !== want) : children;
    return picked.flatMap((c) => failures(c, want, openOf, isOpen));
  }
  if (isObj(node.not)) return failures(node.not, !want, openOf, isOpen);
  if (typeof node.fact !== 'string') return [];
  const open = openOf(node);
  if (open) return [check(node, !want, open.reason)];
  return node.result === !want ? [check(node, !want)] : [];
}

/**
 * The explanation of `decision` under `file` (the rules that made it). `open` lists the
 * conditions the facts cannot answer (rule, fact, path, operator, value, reason).
 */
export function explain(decision: Decision, file: RulesFile, open: readonly OpenCondition[] = []): Explanation {
  const rules = new Map(file.rules.map((r, i) => [r.name, { rule: r, index: i }]));
  const openKeys = new Map(open.map((c) => [conditionKey(c.rule, c), c]));
  const openIn = (rule: string) => (n: Node) => openKeys.get(conditionKey(rule, n as { fact: unknown; operator: unknown; value: unknown }));
  const trees = new Map(decision.explanation.conditions.map((c) => [c.rule, c.conditions]));
  const fired: FiredRule[] = decision.explanation.fired.map((f) => ({
    order: f.order, rule: f.rule, priority: f.priority, event: structuredClone(f.event), applied: f.applied,
    uncertain: open.length > 0 && truthOf(trees.get(f.rule), (n) => openIn(f.rule)(n) !== undefined) === 'unknown',
  }));
  const firedNames = new Set(fired.map((f) => f.rule));
  const notFired: NotFiredRule[] = decision.explanation.conditions
    .filter((c) => !firedNames.has(c.rule))
    .map((c) => {
      const openOf = openIn(c.rule);
      const isOpen = (n: Node) => openOf(n) !== undefined;
      const def = rules.get(c.rule)?.rule;
      return {
        rule: c.rule,
        priority: def?.priority ?? 1,
        event: { type: def?.event.type ?? '', params: structuredClone(def?.event.params ?? {}) },
        failed: failures(c.conditions, true, openOf, isOpen),
        uncertain: open.length > 0 && truthOf(c.conditions, isOpen) === 'unknown',
      };
    })
    // In the order they would apply: higher priority first, equal priority in file order.
    .sort((a, b) => b.priority - a.priority || (rules.get(a.rule)?.index ?? 0) - (rules.get(b.rule)?.index ?? 0));
  return { matrix: { ...decision.explanation.matrix }, fired, notFired };
}
