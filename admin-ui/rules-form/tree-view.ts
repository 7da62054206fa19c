/**
 * A condition tree as the rules form renders it (views/partials/rules-node.hbs, recursively):
 * groups as nested fieldsets with a kind (all / any), their children and buttons to add a fact
 * test, a group or a reference to a shared condition; fact tests with a fact, a path, an operator
 * and a value; references with a select of the shared conditions. What the form cannot show is
 * shown read-only (`json`, `extrasJson`, a read-only value) and kept on save (tree-post.ts).
 */
import type { TFunction } from 'i18next';
import { VALUE_DOMAINS } from '../../rules/validate-conditions.ts';
import { FACT_PROPERTIES } from '../../rules/types.ts';
import { fieldView, problemIds, type FieldView, type OptionView, type ProblemMap } from './fields.ts';
import { atText, classify, extrasOf, fieldName, jsonText, nodeId, type GroupKind, type Obj, type Step } from './model.ts';
import { DECORATORS, OPERATORS, pathShown, propertiesOf, takesList, valueEditable, valueText, valueType } from './values.ts';

export interface TreeViewContext {
  /** The admin-rules namespace in the viewer's language. */
  t: TFunction;
  /** The shared conditions' names (for references). */
  shared: readonly string[];
  problems: ProblemMap;
  editable: boolean;
  /** Closed value lists the file adds (`ticket.category` → its categories, `requester.serviceLevel` → its service levels). */
  domains: Readonly<Record<string, readonly string[]>>;
}

type SelectView = FieldView & { options: OptionView[] };

export interface NodeView {
  id: string;
  /** The node's path (`all.1.any.0`); `at` would be the template's helper. */
  place: string;
  /** "2.1": where the node is, for legends and the buttons' names. */
  number: string;
  isRoot: boolean;
  isGroup: boolean;
  isLeaf: boolean;
  isRef: boolean;
  isOpaque: boolean;
  legend: string;
  problems: readonly unknown[];
  json?: string;
  extrasJson?: string;
  remove?: string;
  up?: string;
  down?: string;
  group?: {
    kind: GroupKind;
    kindField?: SelectView;
    children: NodeView[];
    emptyText?: string;
    adds?: { leaf: string; all: string; any: string; not: string; ref?: string };
  };
  leaf?: {
    fact: SelectView;
    path: FieldView & { options?: OptionView[]; text?: string; readOnly?: string };
    operator: FieldView & { groups: Array<{ label: string; options: OptionView[] }> };
    value: FieldView & { text?: string; readOnly?: string; hint?: string; hintId?: string };
  };
  ref?: SelectView;
}

const FACTS = Object.keys(FACT_PROPERTIES);

/** Options with the current value selected, and the current value added when it is not among them. */
function options(values: ReadonlyArray<{ value: string; label: string }>, current: string | undefined, unknownLabel: (v: string) => string): OptionView[] {
  const out = values.map((o) => ({ ...o, selected: o.value === current }));
  if (current !== undefined && !values.some((o) => o.value === current)) out.push({ value: current, label: unknownLabel(current), selected: true });
  return out;
}

function operatorLabel(op: string, t: TFunction): string {
  const parts = op.split(':');
  const base = parts.pop() ?? '';
  const words = OPERATORS.includes(base) ? t(`operator.${base}`) : base;
  return parts.reduceRight((acc, d) => (DECORATORS.includes(d) ? t('tree.decorated', { decorator: t(`decorator.${d}`), operator: acc }) : `${d}:${acc}`), words) + ` (${op})`;
}

function leafView(n: Obj, path: Step[], ctx: TreeViewContext, nodeProblems: string[]): NonNullable<NodeView['leaf']> {
  const { t } = ctx;
  const id = (f: string) => nodeId(path, f);
  const name = (f: string) => fieldName(path, f);
  const unknown = (v: string) => t('tree.unknownOption', { value: v });

  const fact = n.fact as string;
  const factField = { ...fieldView(id('fact'), name('fact'), ctx.problems), options: options(FACTS.map((f) => ({ value: f, label: t(`fact.${f}`) })), fact, unknown) };

  const props = propertiesOf(fact);
  const current = n.path as string | undefined;
  const pathBase = fieldView(id('path'), name('path'), ctx.problems);
  const pathField = !pathShown(fact, current)
    ? { ...pathBase, readOnly: jsonText(current) }
    : props
    ? { ...pathBase, options: options([...(current === undefined ? [{ value: '', label: t('tree.wholeFact') }] : []), ...props.map((p) => ({ value: `$.${p}`, label: t(`property.${fact}.${p}`) }))], current ?? '', (v) => v || '""') }
    : { ...pathBase, text: current ?? '' };

  const op = n.operator as string | undefined;
  const opOption = (o: string) => ({ value: o, label: operatorLabel(o, t), selected: o === op });
  const plain = OPERATORS.map(opOption);
  const negated = OPERATORS.map((o) => opOption(`not:${o}`));
  const listed = [...plain, ...negated].some((o) => o.selected);
  const groups = [
    ...(op === undefined ? [{ label: t('tree.chooseOperator'), options: [{ value: '', label: t('tree.chooseOperator'), selected: true }] }] : []),
    { label: t('tree.operators'), options: plain },
    { label: t('tree.negated'), options: negated },
    ...(op !== undefined && !listed ? [{ label: t('tree.otherOperator'), options: [opOption(op)] }] : []),
  ];
  const operatorField = { ...fieldView(id('operator'), name('operator'), ctx.problems), groups };

  const ctxValue = { fact, path: current, operator: op };
  const hasValue = Object.hasOwn(n, 'value');
  const editable = !hasValue || valueEditable(n.value, ctxValue);
  const hintId = `${id('value')}-hint`;
  const prop = typeof current === 'string' ? /^\$\.(\w+)$/.exec(current)?.[1] : undefined;
  const domain = prop ? (ctx.domains[`${fact}.${prop}`] ?? VALUE_DOMAINS[`${fact}.${prop}`]) : undefined;
  const list = takesList(op);
  const type = valueType(fact, current);
  const hints = [
    ...(list ? [t('tree.hint.list')] : []),
    ...(type === 'boolean' ? [t('tree.hint.boolean')] : type === 'number' ? [t('tree.hint.number')] : []),
    ...(domain ? [t('tree.hint.oneOf', { values: domain.join(', ') })] : []),
  ];
  const valueBase = fieldView(id('value'), name('value'), ctx.problems, [...(editable && hints.length ? [hintId] : []), ...nodeProblems]);
  const valueField = editable
    ? { ...valueBase, text: hasValue ? (valueText(n.value) ?? '') : '', ...(hints.length ? { hint: hints.join(' '), hintId } : {}) }
    : { ...valueBase, readOnly: jsonText(n.value) };
  return { fact: factField, path: pathField, operator: operatorField, value: valueField };
}

function groupLegend(kind: GroupKind, number: string, isRoot: boolean, t: TFunction): string {
  const words = t(`tree.group.${kind}`);
  return isRoot ? words : t('tree.numbered', { number, words });
}

/** The view of the node at `path` (the root: `[]`), numbered `number`. */
export function nodeView(node: unknown, path: Step[], number: string, ctx: TreeViewContext, where?: { index: number; count: number; inList: boolean }): NodeView {
  const { t } = ctx;
  const c = classify(node);
  const id = nodeId(path);
  const at = atText(path);
  const nodeProblems = problemIds(id, ctx.problems);
  const extras = extrasOf(node, c);
  const base: NodeView = {
    id, place: at, number, isRoot: path.length === 0,
    isGroup: c.kind === 'group', isLeaf: c.kind === 'leaf', isRef: c.kind === 'ref', isOpaque: c.kind === 'opaque',
    legend: '', problems: ctx.problems[id] ?? [],
    ...(extras ? { extrasJson: jsonText(extras) } : {}),
    ...(ctx.editable && where?.inList ? {
      remove: `remove:${at}`,
      ...(where.index > 0 ? { up: `up:${at}` } : {}),
      ...(where.index < where.count - 1 ? { down: `down:${at}` } : {}),
    } : {}),
  };
  const n = node as Obj;
  switch (c.kind) {
    case 'leaf':
      return { ...base, legend: t('tree.leaf', { number }), leaf: leafView(n, path, ctx, nodeProblems) };
    case 'ref':
      return {
        ...base, legend: t('tree.ref', { number }),
        ref: { ...fieldView(nodeId(path, 'condition'), fieldName(path, 'condition'), ctx.problems), options: options(ctx.shared.map((s) => ({ value: s, label: s })), n.condition as string, (v) => t('tree.unknownOption', { value: v })) },
      };
    case 'opaque':
      return { ...base, legend: path.length ? t('tree.opaque', { number }) : t('tree.opaqueRoot'), json: jsonText(node) };
    default:
      break;
  }
  const kind = c.group;
  const kids: Array<{ node: unknown; path: Step[] }> = kind === 'not'
    ? [{ node: n.not, path: [...path, 'not'] }]
    : (n[kind] as unknown[]).map((child, i) => ({ node: child, path: [...path, kind, i] }));
  const children = kids.map((k, i) => nodeView(k.node, k.path, kind === 'not' ? `${number}${number ? '.' : ''}1` : `${number}${number ? '.' : ''}${i + 1}`, ctx, { index: i, count: kids.length, inList: kind !== 'not' }));
  const list = `${at}${at ? '.' : ''}${kind}`;
  return {
    ...base,
    legend: groupLegend(kind, number, path.length === 0, t),
    group: {
      kind,
      ...(kind !== 'not' ? {
        kindField: {
          ...fieldView(nodeId(path, 'kind'), fieldName(path, 'kind'), ctx.problems),
          options: (['all', 'any'] as const).map((k) => ({ value: k, label: t(`tree.kind.${k}`), selected: k === kind })),
        },
      } : {}),
      children,
      ...(children.length === 0 ? { emptyText: t(`tree.empty.${kind === 'any' ? 'any' : 'all'}`) } : {}),
      ...(ctx.editable && kind !== 'not' ? {
        adds: { leaf: `add-leaf:${list}`, all: `add-all:${list}`, any: `add-any:${list}`, not: `add-not:${list}`, ...(ctx.shared.length ? { ref: `add-ref:${list}` } : {}) },
      } : {}),
    },
  };
}

/** The view of a whole condition tree. */
export const treeView = (tree: unknown, ctx: TreeViewContext): NodeView => nodeView(tree, [], '', ctx);
