/**
 * The condition tree of a rule as the rules form sees it: json-rules-engine's conditions (as
 * rules/README.md and rules/validate-conditions.ts define them) addressed by paths relative to
 * the tree's root (`all.1.any.0`, the JSON path's steps after `.conditions`), each node classified
 * as a group (all / any / not), a fact test (leaf), a reference to a shared condition, or a shape
 * the form cannot show (opaque: kept as it is and shown read-only).
 */
import { canonicalJson } from '../../rules/hash.ts';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** One step of a node's path: a group's list (`all`, `any`), an index in it, or `not`'s single child. */
export type Step = 'all' | 'any' | 'not' | number;
export type NodePath = readonly Step[];

export type GroupKind = 'all' | 'any' | 'not';
export const GROUP_KINDS: readonly GroupKind[] = ['all', 'any', 'not'];
const KIND_KEYS = ['all', 'any', 'not', 'condition', 'fact'] as const;

export type NodeClass =
  | { kind: 'group'; group: GroupKind }
  | { kind: 'leaf' }
  | { kind: 'ref' }
  | { kind: 'opaque' };

/** The keys each kind of node shows in fields; any other key is kept and shown read-only. */
export const LEAF_KEYS = ['fact', 'path', 'operator', 'value'] as const;
export function ownKeys(c: NodeClass): readonly string[] {
  switch (c.kind) {
    case 'group': return [c.group];
    case 'leaf': return LEAF_KEYS;
    case 'ref': return ['condition'];
    default: return [];
  }
}

/** What a node is, as far as the form can show it. */
export function classify(node: unknown): NodeClass {
  if (!isObj(node)) return { kind: 'opaque' };
  const kinds = KIND_KEYS.filter((k) => Object.hasOwn(node, k));
  if (kinds.length !== 1) return { kind: 'opaque' };
  const k = kinds[0]!;
  if (k === 'all' || k === 'any') return Array.isArray(node[k]) ? { kind: 'group', group: k } : { kind: 'opaque' };
  if (k === 'not') return isObj(node.not) ? { kind: 'group', group: 'not' } : { kind: 'opaque' };
  if (k === 'condition') return typeof node.condition === 'string' ? { kind: 'ref' } : { kind: 'opaque' };
  const textOrAbsent = (v: unknown) => v === undefined || typeof v === 'string';
  return typeof node.fact === 'string' && textOrAbsent(node.path) && textOrAbsent(node.operator) ? { kind: 'leaf' } : { kind: 'opaque' };
}

/** The keys of a node the form does not show in fields (a condition's `name`, `priority`, `params`, unknown keys). */
export function extrasOf(node: unknown, c: NodeClass = classify(node)): Obj | undefined {
  if (!isObj(node) || c.kind === 'opaque') return undefined;
  const own = ownKeys(c);
  const extra = Object.fromEntries(Object.entries(node).filter(([k]) => !own.includes(k)));
  return Object.keys(extra).length ? extra : undefined;
}

/** `all.1.any.0`; the root is the empty text. */
export const atText = (path: NodePath): string => path.join('.');

/**
 * A node path from its text: steps `all`/`any` each followed by an index, or `not`; with
 * `list` the text may end with the list itself (`all.1.any`, where something is added).
 * Undefined for anything else.
 */
export function parseAt(text: string, list = false): Step[] | undefined {
  if (text === '') return [];
  const parts = text.split('.');
  const out: Step[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === 'not') out.push('not');
    else if (p === 'all' || p === 'any') {
      const next = parts[i + 1];
      if (next === undefined) {
        if (!list) return undefined;
        out.push(p);
      } else {
        if (!/^\d{1,4}$/.test(next)) return undefined;
        out.push(p, Number(next));
        i++;
      }
    } else return undefined;
  }
  return out;
}

/** The node at `path` in `tree`, or undefined when there is none. */
export function nodeAt(tree: unknown, path: NodePath): unknown {
  let cur: unknown = tree;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[step];
    } else {
      if (!isObj(cur) || !Object.hasOwn(cur, step)) return undefined;
      cur = cur[step];
    }
  }
  return cur;
}

/** The children of a group with their paths (a `not`'s one child at `…not`). */
export function childrenOf(node: unknown, path: NodePath): Array<{ node: unknown; path: Step[] }> {
  const c = classify(node);
  if (c.kind !== 'group') return [];
  const n = node as Obj;
  if (c.group === 'not') return [{ node: n.not, path: [...path, 'not'] }];
  return (n[c.group] as unknown[]).map((child, i) => ({ node: child, path: [...path, c.group, i] }));
}

/** Whether two JSON values are the same (key order aside). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  return canonicalJson(a) === canonicalJson(b);
}

/** The JSON of a part shown read-only: two-space indented. */
export const jsonText = (v: unknown): string => JSON.stringify(v, null, 2) ?? String(v);

/** The name of a posted field of the node at `path`: `c:kind`, `c.all.1:value`. */
export const fieldName = (path: NodePath, field: string): string => `c${path.length ? `.${atText(path)}` : ''}:${field}`;

/** The HTML id of a node (`cond`, `cond-all-1`) or of one of its fields (`cond-all-1-value`). */
export const nodeId = (path: NodePath, field?: string): string => ['cond', ...path, ...(field ? [field] : [])].join('-');

/** A fact test to fill in: a fact and a property chosen, no value yet (the validator asks for one). */
export const blankLeaf = (): Obj => ({ fact: 'ticket', path: '$.category', operator: 'equal' });
