/**
 * The order rules apply in, as rules/evaluate.ts applies them: higher `priority` first (1 when
 * not given), equal priorities in file order; for a field holding one value (priority without
 * `atLeast`, category, team, service level, SLA policy, ladder) the first applied event wins.
 * Moving a rule up or down swaps it in the file with its neighbour in that order, which changes
 * the order only between rules of the same priority (the priority decides otherwise).
 */
import { blankLeaf, isObj, type Obj } from './model.ts';

export const rulePriority = (r: unknown): number => (isObj(r) && typeof r.priority === 'number' ? r.priority : 1);

/** The rules' indexes in the order they apply. */
export function applicationOrder(rules: readonly unknown[]): number[] {
  return rules.map((_, i) => i).sort((a, b) => rulePriority(rules[b]) - rulePriority(rules[a]) || a - b);
}

export type OneValueField = 'priority' | 'category' | 'team' | 'serviceLevel' | 'slaPolicy' | 'ladder';

/** The one-value field a rule's event sets (the first applied event wins it), if any. */
export function oneValueField(rule: unknown): OneValueField | undefined {
  const e = isObj(rule) && isObj(rule.event) ? rule.event : undefined;
  const params = e && isObj(e.params) ? e.params : {};
  switch (e?.type) {
    case 'set-priority': return params.atLeast === true ? undefined : 'priority';
    case 'set-category': return 'category';
    case 'route': return 'team';
    case 'set-service-level': return 'serviceLevel';
    case 'set-sla-policy': return 'slaPolicy';
    case 'set-ladder': return 'ladder';
    default: return undefined;
  }
}

/** For each rule, the rules applied before it that set the same one-value field (when both fire, the first of them wins). */
export function earlierSetters(rules: readonly unknown[]): Map<number, number[]> {
  const order = applicationOrder(rules);
  const out = new Map<number, number[]>();
  order.forEach((i, k) => {
    const field = oneValueField(rules[i]);
    if (!field) return;
    const before = order.slice(0, k).filter((j) => oneValueField(rules[j]) === field);
    if (before.length) out.set(i, before);
  });
  return out;
}

/** The neighbour a rule would swap with, moving up or down in the application order: one of the same priority, else none. */
export function moveTarget(rules: readonly unknown[], index: number, dir: 'up' | 'down'): number | undefined {
  const order = applicationOrder(rules);
  const k = order.indexOf(index);
  const other = order[dir === 'up' ? k - 1 : k + 1];
  return k >= 0 && other !== undefined && rulePriority(rules[other]) === rulePriority(rules[index]) ? other : undefined;
}

/** Moves the rule at `index` one place up or down among the rules of its priority (in place); its new index, or undefined when it cannot move. */
export function moveRule(rules: unknown[], index: number, dir: 'up' | 'down'): number | undefined {
  const other = moveTarget(rules, index, dir);
  if (other === undefined) return undefined;
  [rules[index], rules[other]] = [rules[other], rules[index]];
  return other;
}

/** A new rule to fill in: its conditions one fact test without a value, its event without parameters (the validator asks for both). */
export function newRule(name: string, priority: number | string | undefined, type: string): Obj {
  return {
    name,
    ...(priority !== undefined ? { priority } : {}),
    conditions: { all: [blankLeaf()] },
    event: { type, params: {} },
  };
}
