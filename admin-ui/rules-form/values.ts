/**
 * A fact test's value as the form shows it: text, a list as comma-separated items, numbers and
 * true/false parsed by the fact's known type (rules/README.md, "Facts"). A value the text cannot
 * give back exactly (an object such as another fact's `{ "fact": …, "path": … }`, null, a list of
 * lists, a number stored as text, …) is not editable here: the form shows it read-only and keeps it.
 */
import { parseFactPath } from '../../rules/paths.ts';
import { BUILTIN_DECORATORS, BUILTIN_OPERATORS, CustomOperator, FACT_PROPERTIES } from '../../rules/types.ts';
import { Channel } from '../../workflows/types.ts';
import { isObj, sameJson, type Obj } from './model.ts';

export type ValueType = 'text' | 'boolean' | 'number';

/** Properties whose values are not text. */
const PROPERTY_TYPES: Readonly<Record<string, ValueType>> = {
  'requester.vip': 'boolean',
  'calendar.open': 'boolean',
  'time.hour': 'number',
};

/** Operators whose value is a list (json-rules-engine's `in`/`notIn`, this helpdesk's `containsAny`/`containsAll`). */
const LIST_OPERATORS = new Set(['in', 'notIn', 'containsAny', 'containsAll']);

export const OPERATORS: readonly string[] = [...BUILTIN_OPERATORS, ...Object.values(CustomOperator)];
export const DECORATORS: readonly string[] = BUILTIN_DECORATORS;

/** `not:in` → { base: 'in', decorators: ['not'] }. */
export function operatorParts(op: string): { base: string; decorators: string[] } {
  const parts = op.split(':');
  return { base: parts[parts.length - 1] ?? '', decorators: parts.slice(0, -1) };
}

/** Whether an operator compares with a list of values. */
export function takesList(op: string | undefined): boolean {
  if (!op) return false;
  const { base, decorators } = operatorParts(op);
  if (decorators.includes('someValue') || decorators.includes('everyValue')) return true;
  return LIST_OPERATORS.has(base) !== decorators.includes('swap');
}

/** The property a path names when it is one plain step (`$.vip` → `vip`). */
export function propertyOf(path: unknown): string | undefined {
  if (typeof path !== 'string') return undefined;
  const segs = parseFactPath(path);
  return segs?.length === 1 && typeof segs[0] === 'string' ? segs[0] : undefined;
}

/** The known type of a fact's property, text when not known. */
export function valueType(fact: unknown, path: unknown): ValueType {
  const prop = propertyOf(path);
  return (typeof fact === 'string' && prop !== undefined && PROPERTY_TYPES[`${fact}.${prop}`]) || 'text';
}

/** The properties a fact has, null for a fact that is not an object (`keywords`), undefined for an unknown fact. */
export function propertiesOf(fact: unknown): readonly string[] | null | undefined {
  return typeof fact === 'string' && Object.hasOwn(FACT_PROPERTIES, fact) ? FACT_PROPERTIES[fact as keyof typeof FACT_PROPERTIES] : undefined;
}

export interface ValueContext {
  fact: unknown;
  path: unknown;
  operator: unknown;
}

/** The text of a value, or undefined when it has none (objects, null, nested lists). */
export function valueText(v: unknown): string | undefined {
  const scalar = (x: unknown) => typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x));
  if (scalar(v)) return String(v);
  if (Array.isArray(v) && v.every(scalar)) return v.map(String).join(', ');
  return undefined;
}

function parseScalar(s: string, type: ValueType): unknown {
  if (type === 'boolean' && (s === 'true' || s === 'false')) return s === 'true';
  if (type === 'number' && /^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  return s;
}

/** The value typed, read as the fact's type: a list for list operators, one value otherwise. */
export function parseValue(text: string, ctx: ValueContext): unknown {
  const type = valueType(ctx.fact, ctx.path);
  if (takesList(typeof ctx.operator === 'string' ? ctx.operator : undefined)) {
    return text.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => parseScalar(s, type));
  }
  return parseScalar(text.trim(), type);
}

/** Whether the form's text gives this value back exactly, so that it can be edited as text. */
export function valueEditable(v: unknown, ctx: ValueContext): boolean {
  const text = valueText(v);
  return text !== undefined && !/[\r\n]/.test(text) && sameJson(parseValue(text, ctx), v);
}

/** Text a one-line text field gives back exactly: no line breaks, no spaces at either end (fields are trimmed). */
export const lineText = (v: unknown): v is string => typeof v === 'string' && v === v.trim() && !/[\r\n]/.test(v);

/** Whether a fact test's path is shown as a field: a select for an object fact, else one-line text. */
export const pathShown = (fact: unknown, path: unknown): boolean => path === undefined || Array.isArray(propertiesOf(fact)) || lineText(path);

/** Whether a value names another fact (`{ "fact": "matrix", "path": "$.urgency" }`). */
export const isFactValue = (v: unknown): boolean => isObj(v) && typeof v.fact === 'string';

/** The closed value lists a file adds to the fixed ones (rules/validate-conditions.ts VALUE_DOMAINS), for the value's hint. */
export function valueDomains(file: Obj): Record<string, readonly string[]> {
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);
  const out: Record<string, readonly string[]> = { 'ticket.channel': Object.values(Channel) };
  const categories = strings(file.categories);
  const levels = strings(file.serviceLevels);
  if (categories) out['ticket.category'] = categories;
  if (levels) out['requester.serviceLevel'] = levels;
  return out;
}
