/**
 * Which rules' results the recorded facts leave open. A decision re-evaluated from derived facts
 * (no title, no description, only the keywords its own version tested for) reads some conditions
 * as absent that the ticket may well have met: those evaluateDerived lists (they read the sealed
 * text), and keyword tests for words the recorded version never looked for
 * (keyword-coverage.ts). Such a condition is *unknown*, not false. A rule's result is then worked
 * out in three-valued logic over its evaluated condition tree — an `all` with a false condition is
 * false whatever the unknown one says, an `any` with a true one is true — and only a rule whose
 * result stays unknown makes the decision uncertain.
 */
import { canonicalJson } from '../../rules/hash.ts';
import type { Decision } from '../../rules/types.ts';

/** A condition the recorded facts cannot answer, as evaluateDerived and keyword-coverage.ts list them. */
export interface OpenCondition {
  rule: string;
  fact: string;
  path?: string;
  operator: string;
  value: unknown;
  reason: string;
}

export type Truth = true | false | 'unknown';

/** A node of an evaluated condition tree, as json-rules-engine's explanation holds it. */
export interface ConditionNode { all?: unknown[]; any?: unknown[]; not?: unknown; fact?: unknown; path?: unknown; operator?: unknown; value?: unknown; result?: unknown }
const isObj = (v: unknown): v is ConditionNode => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The key a fact condition is recognised by within its rule. */
export const conditionKey = (rule: string, c: { fact: unknown; path?: unknown; operator: unknown; value: unknown }): string =>
  `${rule}\u0000${canonicalJson({ fact: c.fact, path: c.path ?? null, operator: c.operator, value: c.value ?? null })}`;

/**
 * The truth of an evaluated condition tree (json-rules-engine's, as the explanation holds it):
 * a fact condition is its `result`, or unknown when `open` says so or when it was not evaluated
 * (json-rules-engine skips conditions once the rule's result is decided).
 */
export function truthOf(node: unknown, isOpen: (leaf: ConditionNode) => boolean): Truth {
  if (!isObj(node)) return 'unknown';
  if (Array.isArray(node.all)) {
    const parts = node.all.map((c) => truthOf(c, isOpen));
    return parts.includes(false) ? false : parts.includes('unknown') ? 'unknown' : true;
  }
  if (Array.isArray(node.any)) {
    const parts = node.any.map((c) => truthOf(c, isOpen));
    return parts.includes(true) ? true : parts.includes('unknown') ? 'unknown' : false;
  }
  if (isObj(node.not)) {
    const inner = truthOf(node.not, isOpen);
    return inner === 'unknown' ? 'unknown' : !inner;
  }
  if (typeof node.fact !== 'string') return 'unknown';
  if (isOpen(node)) return 'unknown';
  return typeof node.result === 'boolean' ? node.result : 'unknown';
}

export interface Uncertainty {
  /** Rules whose result the recorded facts leave open, in the file's order. */
  rules: string[];
  /** The open conditions of those rules. */
  conditions: OpenCondition[];
}

/**
 * The rules of `decision` whose result stays unknown when `open` conditions are unknown, and
 * those conditions. Nothing is uncertain when `open` is empty.
 */
export function uncertaintyOf(decision: Pick<Decision, 'explanation'>, open: readonly OpenCondition[]): Uncertainty {
  if (open.length === 0) return { rules: [], conditions: [] };
  const openKeys = new Map<string, OpenCondition>();
  for (const c of open) openKeys.set(conditionKey(c.rule, c), c);
  const rules: string[] = [];
  const conditions: OpenCondition[] = [];
  for (const r of decision.explanation.conditions) {
    const hit: OpenCondition[] = [];
    const isOpen = (leaf: ConditionNode): boolean => {
      const found = openKeys.get(conditionKey(r.rule, leaf as { fact: unknown; operator: unknown; value: unknown }));
      if (found && !hit.includes(found)) hit.push(found);
      return found !== undefined;
    };
    if (truthOf(r.conditions, isOpen) === 'unknown' && hit.length) {
      rules.push(r.rule);
      conditions.push(...hit);
    }
  }
  return { rules, conditions };
}
