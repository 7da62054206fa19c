/**
 * Where each problem of a rules page goes: a validator or check path
 * (`$.rules[3].conditions.all[1].value`, `$.conditions['major-outage'].any[0].fact`,
 * `$.rules[3].event.params.team`) is mapped to the id of the field showing that node, or of the
 * node itself (its fieldset) when the problem is about the node as a whole or a part shown
 * read-only.
 */
import { parseFactPath, type Seg } from '../../rules/paths.ts';
import type { ShownProblem } from '../pages.ts';
import { eventFieldId } from './event.ts';
import { classify, nodeId, type Step } from './model.ts';

const LEAF_FIELDS = new Set(['fact', 'path', 'operator', 'value']);

/** The field of a condition tree the steps after its root point at (`['all', 1, 'value']` → `cond-all-1-value`). */
export function treeFieldId(tree: unknown, rest: readonly Seg[]): string {
  let node = tree;
  const at: Step[] = [];
  let i = 0;
  for (;;) {
    const c = classify(node);
    if (c.kind !== 'group') break;
    const n = node as Record<string, unknown>;
    if (c.group === 'not') {
      if (rest[i] !== 'not') break;
      node = n.not;
      at.push('not');
      i += 1;
    } else {
      const index = rest[i + 1];
      const list = n[c.group] as unknown[];
      if (rest[i] !== c.group || typeof index !== 'number' || index >= list.length) break;
      node = list[index];
      at.push(c.group, index);
      i += 2;
    }
  }
  const c = classify(node);
  const field = rest[i];
  if (c.kind === 'leaf' && typeof field === 'string' && LEAF_FIELDS.has(field)) return nodeId(at, field);
  if (c.kind === 'ref' && field === 'condition') return nodeId(at, 'condition');
  return nodeId(at);
}

/** The field of a rule's form a problem is about (`rule` for the rule as a whole), undefined when it is about another part of the file. */
export function ruleFieldId(path: string, index: number, rule: unknown): string | undefined {
  const segs = parseFactPath(path);
  if (!segs || segs[0] !== 'rules' || segs[1] !== index) return undefined;
  const [part, ...rest] = segs.slice(2);
  const r = rule as Record<string, unknown> | undefined;
  if (part === 'name' || part === 'description' || part === 'priority') return `rule-${part}`;
  if (part === 'conditions') return treeFieldId(r?.conditions, rest);
  if (part === 'event') return eventFieldId(r?.event, rest);
  return 'rule';
}

/** The field of a shared condition's form a problem is about. */
export function sharedFieldId(path: string, name: string, condition: unknown): string | undefined {
  const segs = parseFactPath(path);
  if (!segs || segs[0] !== 'conditions' || segs[1] !== name) return undefined;
  return treeFieldId(condition, segs.slice(2));
}

/**
 * The problems of a page by the field they are shown beside. A problem that names another place
 * it is about (`params.other`, e.g. CONFLICTING_EQUALS: the test it contradicts) is shown beside
 * that one too.
 */
export function problemsByField(problems: readonly ShownProblem[], fieldOf: (path: string) => string | undefined): Record<string, ShownProblem[]> {
  const out: Record<string, ShownProblem[]> = {};
  const put = (id: string | undefined, p: ShownProblem) => {
    if (id && !(out[id] ??= []).includes(p)) out[id]!.push(p);
  };
  for (const p of problems) {
    put(p.fieldId, p);
    const other = p.params.other;
    if (typeof other === 'string' && other.startsWith('$.')) put(fieldOf(other), p);
  }
  return out;
}
