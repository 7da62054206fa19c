/**
 * The rules list's model (views/rules.hbs): every rule in the order it applies, with its name,
 * priority, conditions and event in words, what wins when another rule sets the same field, and
 * its problems beside it; the shared conditions with the rules that use them.
 */
import type { TFunction } from 'i18next';
import { parseFactPath } from '../../rules/paths.ts';
import { EVENT_TYPES } from '../../rules/types.ts';
import type { ShownProblem } from '../pages.ts';
import { childrenOf, classify, isObj, type Obj } from './model.ts';
import { applicationOrder, earlierSetters, moveTarget, oneValueField, rulePriority } from './order.ts';
import { conditionWords, eventWords } from './words.ts';

export interface RuleRow {
  index: number;
  order: number;
  name: string;
  href: string;
  priority: number;
  priorityWritten: boolean;
  conditions: string;
  event: string;
  notes: string[];
  problems: ShownProblem[];
  up?: string;
  down?: string;
  opaque: boolean;
}

export interface SharedRow {
  name: string;
  href: string;
  conditions: string;
  usedBy: string[];
  problems: ShownProblem[];
}

/** The shared conditions a tree refers to. */
export function refsIn(tree: unknown, depth = 0): string[] {
  const c = classify(tree);
  if (c.kind === 'ref') return [(tree as Obj).condition as string];
  if (c.kind !== 'group' || depth > 64) return [];
  return childrenOf(tree, []).flatMap((ch) => refsIn(ch.node, depth + 1));
}

/** Which list entry a problem belongs to: a rule's index, a shared condition's name, or the page as a whole. */
export function problemPlace(path: string): { rule: number } | { shared: string } | 'page' | undefined {
  const segs = parseFactPath(path);
  if (!segs) return undefined;
  if (segs[0] === 'rules') return typeof segs[1] === 'number' ? { rule: segs[1] } : 'page';
  if (segs[0] === 'conditions') return typeof segs[1] === 'string' ? { shared: segs[1] } : 'page';
  return undefined;
}

export function listModel(file: Obj, draftId: number, problems: readonly ShownProblem[], t: TFunction, editable: boolean) {
  const rules = Array.isArray(file.rules) ? (file.rules as unknown[]) : [];
  const teams = new Map((Array.isArray(file.teams) ? file.teams : []).filter(isObj).map((x) => [String(x.id), typeof x.name === 'string' ? x.name : String(x.id)]));
  const nameOf = (i: number) => (isObj(rules[i]) && typeof (rules[i] as Obj).name === 'string' ? ((rules[i] as Obj).name as string) : t('list.unnamed', { index: i + 1 }));
  const setters = earlierSetters(rules);
  const about = (want: (p: ReturnType<typeof problemPlace>) => boolean) => problems.filter((p) => want(problemPlace(p.path)));
  const base = `/admin/drafts/${draftId}/rules`;
  const rows: RuleRow[] = applicationOrder(rules).map((i, k) => {
    const r = rules[i];
    const field = oneValueField(r);
    const before = setters.get(i) ?? [];
    const notes = [
      ...(field && before.length ? [t('list.wins', { rules: before.map((j) => t('words.quoted', { value: nameOf(j) })).join(', '), field, count: before.length })] : []),
      ...(isObj(r) && isObj(r.event) && r.event.type === 'set-priority' && isObj(r.event.params) && r.event.params.atLeast === true ? [t('list.atLeast')] : []),
    ];
    return {
      index: i, order: k + 1, name: nameOf(i), href: `${base}/${i}`,
      priority: rulePriority(r), priorityWritten: isObj(r) && r.priority !== undefined,
      conditions: isObj(r) ? conditionWords(r.conditions, t) : t('words.opaque'),
      event: isObj(r) ? eventWords(r.event, t, (id) => teams.get(id) ?? id) : '',
      notes,
      problems: about((p) => typeof p === 'object' && 'rule' in p && p.rule === i),
      ...(editable && moveTarget(rules, i, 'up') !== undefined ? { up: `up:${i}` } : {}),
      ...(editable && moveTarget(rules, i, 'down') !== undefined ? { down: `down:${i}` } : {}),
      opaque: !isObj(r),
    };
  });
  const sharedObj = isObj(file.conditions) ? file.conditions : {};
  const shared: SharedRow[] = Object.entries(sharedObj).map(([name, c]) => ({
    name, href: `${base}/shared/${encodeURIComponent(name)}`, conditions: conditionWords(c, t),
    usedBy: rules.map((r, i) => (isObj(r) && refsIn(r.conditions).includes(name) ? nameOf(i) : undefined)).filter((x): x is string => x !== undefined),
    problems: about((p) => typeof p === 'object' && 'shared' in p && p.shared === name),
  }));
  return {
    rows, shared,
    rulesIsList: Array.isArray(file.rules),
    pageProblems: about((p) => p === 'page'),
    eventTypes: EVENT_TYPES.map((e) => ({ value: e, label: t(`event.type.${e}`) })),
  };
}
