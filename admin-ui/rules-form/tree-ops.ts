/**
 * What a rules form's buttons do to the condition tree, without JavaScript: each button posts
 * `op=<verb>:<path>` (`add-leaf:all.1.any`, `remove:all.1.any.0`), and the server applies it to
 * the posted tree, saves and shows the form again.
 *
 * - `add-leaf`, `add-all`, `add-any`, `add-not`, `add-ref` at a group's list (`all`, `all.1.any`):
 *   appends a fact test, a group (with one fact test to fill in) or a reference to a shared condition;
 * - `remove`, `up`, `down` at a node in a list (`all.1.any.0`): removes it or moves it one place.
 */
import { blankLeaf, classify, isObj, nodeAt, parseAt, type Obj, type Step } from './model.ts';

export const TREE_VERBS = ['add-leaf', 'add-all', 'add-any', 'add-not', 'add-ref', 'remove', 'up', 'down'] as const;
export type TreeVerb = (typeof TREE_VERBS)[number];

export interface TreeOp {
  verb: TreeVerb;
  at: Step[];
}

/** `add-leaf:all.1.any` → { verb: 'add-leaf', at: ['all', 1, 'any'] }; undefined for anything else. */
export function parseTreeOp(value: string): TreeOp | undefined {
  const i = value.indexOf(':');
  const verb = (i < 0 ? value : value.slice(0, i)) as TreeVerb;
  if (!TREE_VERBS.includes(verb) || i < 0) return undefined;
  const adds = verb.startsWith('add-');
  const at = parseAt(value.slice(i + 1), adds);
  if (!at) return undefined;
  const last = at[at.length - 1];
  if (adds ? last !== 'all' && last !== 'any' : typeof last !== 'number') return undefined;
  return { verb, at };
}

/** The new node each add makes: groups start with one fact test to fill in. */
function newNode(verb: TreeVerb, shared: readonly string[]): Obj | undefined {
  switch (verb) {
    case 'add-leaf': return blankLeaf();
    case 'add-all': return { all: [blankLeaf()] };
    case 'add-any': return { any: [blankLeaf()] };
    case 'add-not': return { not: { any: [blankLeaf()] } };
    case 'add-ref': return shared.length ? { condition: shared[0] } : undefined;
    default: return undefined;
  }
}

/** The list a path's last step is in, when the node there is a group holding that list. */
function listAt(tree: unknown, groupPath: readonly Step[], kind: Step | undefined): unknown[] | undefined {
  const group = nodeAt(tree, groupPath);
  const c = classify(group);
  if (c.kind !== 'group' || c.group !== kind || kind === 'not') return undefined;
  return (group as Obj)[kind] as unknown[];
}

/**
 * Applies `op` to `tree` in place (a copy the caller made) and returns the path of the node to
 * show the user next (the added or moved node, or the group a node was removed from), or
 * undefined when the op names no place in this tree (nothing is changed then).
 */
export function applyTreeOp(tree: unknown, op: TreeOp, shared: readonly string[]): Step[] | undefined {
  if (!isObj(tree)) return undefined;
  if (op.verb.startsWith('add-')) {
    const list = listAt(tree, op.at.slice(0, -1), op.at[op.at.length - 1]);
    const node = newNode(op.verb, shared);
    if (!list || !node) return undefined;
    list.push(node);
    return [...op.at, list.length - 1];
  }
  const index = op.at[op.at.length - 1] as number;
  const groupPath = op.at.slice(0, -2);
  const list = listAt(tree, groupPath, op.at[op.at.length - 2]);
  if (!list || index >= list.length) return undefined;
  if (op.verb === 'remove') {
    list.splice(index, 1);
    return groupPath;
  }
  const to = op.verb === 'up' ? index - 1 : index + 1;
  if (to < 0 || to >= list.length) return undefined;
  [list[index], list[to]] = [list[to], list[index]];
  return [...op.at.slice(0, -1), to];
}
