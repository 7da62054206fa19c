/**
 * A posted rules form read back into a condition tree. The form was rendered from the draft's
 * revision it posts (the save is refused otherwise), so its fields are laid over that tree node
 * by node: the fields a node showed are read, and everything the form did not show as a field —
 * an opaque node, a read-only value, a condition's `name`, `priority` or `params`, an unknown
 * key — is kept exactly as it was.
 */
import { text, type FormBody } from '../../api/portal/forms.ts';
import { parseFactPath } from '../../rules/paths.ts';
import { classify, fieldName, LEAF_KEYS, type NodePath, type Obj, type Step } from './model.ts';
import { parseValue, pathShown, propertiesOf, valueEditable } from './values.ts';

/** A posted field's text, or undefined when the form did not post it. */
export const postedText = (body: FormBody, name: string): string | undefined => (Object.hasOwn(body, name) ? text(body, name).replace(/\r\n/g, '\n') : undefined);

/** The tree with the posted fields of each node applied. */
export function readPostedTree(tree: unknown, body: FormBody): unknown {
  return readNode(tree, [], body);
}

/** A copy of `obj` with `from` renamed to `to` in its place and set to `value`. */
function renamed(obj: Obj, from: string, to: string, value: unknown): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === from) out[to] = value;
    else if (k !== to) out[k] = structuredClone(v);
  }
  return out;
}

function readNode(node: unknown, path: Step[], body: FormBody): unknown {
  const c = classify(node);
  if (c.kind === 'opaque') return structuredClone(node);
  const n = node as Obj;
  if (c.kind === 'leaf') return readLeaf(n, path, body);
  if (c.kind === 'ref') {
    const name = postedText(body, fieldName(path, 'condition'));
    return { ...structuredClone(n), ...(name ? { condition: name } : {}) };
  }
  if (c.group === 'not') return renamed(n, 'not', 'not', readNode(n.not, [...path, 'not'], body));
  const children = (n[c.group] as unknown[]).map((child, i) => readNode(child, [...path, c.group, i], body));
  const kind = postedText(body, fieldName(path, 'kind'));
  return renamed(n, c.group, kind === 'all' || kind === 'any' ? kind : c.group, children);
}

/** The first step of a path (`$.impact` → `impact`). */
const firstStep = (path: unknown): unknown => (typeof path === 'string' ? parseFactPath(path)?.[0] : undefined);

function readLeaf(stored: Obj, path: NodePath, body: FormBody): Obj {
  const field = (name: string) => postedText(body, fieldName(path, name));
  const fact = field('fact') || (stored.fact as string);

  let factPath = stored.path as string | undefined;
  const postedPath = pathShown(stored.fact, stored.path) ? field('path') : undefined;
  if (postedPath !== undefined) factPath = postedPath.trim() === '' ? (stored.path === '' ? '' : undefined) : postedPath.trim();
  if (fact !== stored.fact) {
    // The property list shown was the old fact's: keep the property only where the new fact has it.
    const props = propertiesOf(fact);
    const first = firstStep(factPath);
    if (props === null && factPath !== undefined && propertiesOf(stored.fact)?.includes(String(first))) factPath = undefined;
    if (props && props.length > 0 && !(typeof first === 'string' && props.includes(first))) factPath = `$.${props[0]}`;
  }

  let operator = stored.operator as string | undefined;
  const postedOperator = field('operator');
  if (postedOperator !== undefined) operator = postedOperator === '' ? undefined : postedOperator;

  const hadValue = Object.hasOwn(stored, 'value');
  let value = stored.value;
  let hasValue = hadValue;
  const postedValue = field('value');
  const shownAsText = !hadValue || valueEditable(stored.value, { fact: stored.fact, path: stored.path, operator: stored.operator });
  if (postedValue !== undefined && shownAsText && !(postedValue.trim() === '' && !hadValue)) {
    value = parseValue(postedValue, { fact, path: factPath, operator });
    hasValue = true;
  }

  const out: Obj = { fact };
  if (factPath !== undefined) out.path = factPath;
  if (operator !== undefined) out.operator = operator;
  if (hasValue) out.value = structuredClone(value);
  for (const [k, v] of Object.entries(stored)) if (!(LEAF_KEYS as readonly string[]).includes(k)) out[k] = structuredClone(v);
  return out;
}
