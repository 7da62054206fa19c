/**
 * What the admin forms share: reading a posted form field by field, and the one rule that keeps
 * a form honest — a field posted back as the form showed it leaves the file's value untouched
 * (whatever it was: a number where text belongs, a value the form has no option for), a field
 * changed is saved as typed, valid or not, for the validator to name beside the field.
 */
import { text, type FormBody } from '../../api/portal/forms.ts';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
export const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A value as a text field shows it: text as it is, nothing as '', anything else as JSON. */
export function shownText(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v);
}

/** The field's text when the form posted it, else undefined (a form without the field changes nothing). */
export function posted(body: FormBody, name: string): string | undefined {
  return body[name] === undefined ? undefined : text(body, name);
}

/** Every value posted under `name` (checkboxes of one group), in order. */
export function postedAll(body: FormBody, name: string): string[] {
  const v = body[name];
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * Sets `obj[key]` from the field `name` unless it was posted as `show` shows the value there
 * (or not posted). `parse` turns the typed text into the value; undefined removes the key.
 */
export function setField(obj: Obj, key: string, body: FormBody, name: string, parse: (s: string) => unknown = textValue, show: (v: unknown) => string = shownText): void {
  const typed = posted(body, name);
  if (typed === undefined || typed === show(obj[key])) return;
  const value = parse(typed);
  if (value === undefined) delete obj[key];
  else obj[key] = value;
}

/** Typed text, trimmed; empty is nothing (the key goes, and the validator says when it is required). */
export const textValue = (s: string): string | undefined => (s.trim() === '' ? undefined : s.trim());

/** Typed text, trimmed, kept even when empty (for a value that must be there, e.g. a name). */
export const keptText = (s: string): string => s.trim();

/** A whole number as typed ("365" → 365); anything else kept as the text typed, for the validator to name. */
export function numberValue(s: string): number | string | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  return /^-?\d+$/.test(t) ? Number(t) : t;
}

/** "a, b c;d" → ['a', 'b', 'c', 'd']: a list of ids or roles as typed. */
export function splitList(s: string): string[] {
  return s.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean);
}

/** A list as a text field shows it: "a, b"; not a list: as shownText. */
export function listText(v: unknown): string {
  return Array.isArray(v) ? v.map(shownText).join(', ') : shownText(v);
}

/** A fraction as a percentage: 0.75 → "75%"; anything else as it is. */
export function percent(v: unknown): string {
  return typeof v === 'number' ? `${Math.round(v * 10000) / 100}%` : shownText(v);
}

export interface Option {
  value: string;
  label: string;
  selected: boolean;
}

/**
 * The options of a select: `values`, plus the current value when it is none of them (kept, so a
 * form posted back unchanged keeps it; the validator says what is wrong with it), plus an empty
 * choice labelled `none` when given (or when there is no value).
 */
export function options(values: readonly string[], current: unknown, none?: string, unknownLabel: (v: string) => string = (v) => v): Option[] {
  const cur = current === undefined ? '' : shownText(current);
  const out: Option[] = [];
  if (none !== undefined || cur === '') out.push({ value: '', label: none ?? '—', selected: cur === '' });
  for (const v of values) out.push({ value: v, label: v, selected: v === cur });
  if (cur !== '' && !values.includes(cur)) out.push({ value: cur, label: unknownLabel(cur), selected: true });
  return out;
}

/** The ids of a list of objects, as far as they are text. */
export function idsOf(v: unknown): string[] {
  return asList(v).map((x) => (isObj(x) && typeof x.id === 'string' ? x.id : undefined)).filter((x): x is string => x !== undefined);
}

/** The button a form was sent with: "remove-step:2" → { op: 'remove-step', index: 2 }; a plain save → { op: 'save' }. */
export function opOf(body: FormBody): { op: string; index?: number } {
  const raw = text(body, 'op');
  const m = /^([a-z-]+)(?::(\d{1,6}))?$/.exec(raw);
  if (!m) return { op: 'save' };
  return { op: m[1]!, ...(m[2] !== undefined ? { index: Number(m[2]) } : {}) };
}

/** Moves item `from` one place up (-1) or down (+1) in a list; nothing when it cannot move. */
export function moveItem(list: unknown[], from: number, by: -1 | 1): void {
  const to = from + by;
  if (from < 0 || from >= list.length || to < 0 || to >= list.length) return;
  [list[from], list[to]] = [list[to], list[from]];
}

/** An id not yet in `taken`: `base`, else base-2, base-3, … */
export function freshId(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}
