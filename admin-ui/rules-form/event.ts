/**
 * A rule's event in the rules form: its type (a select of the event types the helpdesk acts on,
 * rules/types.ts EventType) and the fields of that type's parameters (rules/README.md, "Events";
 * the validator's EVENT_PARAMS in rules/validate-conditions.ts): a priority select, teams, tiers,
 * service levels, SLA policies, ladders and categories from the draft itself, role checkboxes.
 * A parameter the form cannot show (an unknown one, a value of another type) is shown read-only
 * and kept. Changing the type keeps the parameters both types have.
 */
import type { TFunction } from 'i18next';
import type { FormBody } from '../../api/portal/forms.ts';
import { EVENT_TYPES, PRIORITIES, type EventType } from '../../rules/types.ts';
import type { Seg } from '../../rules/paths.ts';
import { fieldView, type FieldView, type OptionView, type ProblemMap } from './fields.ts';
import { isObj, jsonText, type Obj } from './model.ts';
import { postedText } from './tree-post.ts';
import { lineText } from './values.ts';

type ParamKind = 'priority' | 'flag' | 'category' | 'team' | 'tier' | 'serviceLevel' | 'policy' | 'text' | 'roles' | 'ladder';
interface ParamSpec { param: string; required: boolean; kind: ParamKind }

const p = (param: string, required: boolean, kind: ParamKind): ParamSpec => ({ param, required, kind });

/** Each event type's parameters, as the validator checks them. */
export const EVENT_FIELDS: Readonly<Record<EventType, readonly ParamSpec[]>> = {
  'set-priority': [p('priority', true, 'priority'), p('atLeast', false, 'flag')],
  'set-category': [p('category', true, 'category')],
  route: [p('team', true, 'team'), p('tier', false, 'tier')],
  'set-service-level': [p('serviceLevel', true, 'serviceLevel')],
  'set-sla-policy': [p('policy', true, 'policy')],
  'add-tag': [p('tag', true, 'text')],
  notify: [p('roles', true, 'roles')],
  escalate: [p('tier', true, 'tier'), p('reason', false, 'text')],
  'set-ladder': [p('ladder', true, 'ladder')],
};

const specOf = (type: unknown): readonly ParamSpec[] => (typeof type === 'string' && Object.hasOwn(EVENT_FIELDS, type) ? EVENT_FIELDS[type as EventType] : []);

/** Whether the form can show this parameter's value in its field. */
function shownValue(kind: ParamKind, v: unknown): boolean {
  if (v === undefined) return true;
  if (kind === 'flag') return typeof v === 'boolean';
  if (kind === 'roles') return Array.isArray(v) && v.every((r) => typeof r === 'string' && !r.includes(','));
  return kind === 'text' || kind === 'category' ? lineText(v) : typeof v === 'string';
}

/** The parts of an event: the parameters shown as fields, and what is kept read-only. */
export function eventParts(event: unknown): { shown: ParamSpec[]; extras: Obj | undefined; paramsObject: boolean } {
  if (!isObj(event)) return { shown: [], extras: undefined, paramsObject: false };
  const paramsObject = event.params === undefined || isObj(event.params);
  const params = isObj(event.params) ? event.params : {};
  const shown = paramsObject ? specOf(event.type).filter((s) => shownValue(s.kind, params[s.param])) : [];
  const extras: Obj = Object.fromEntries(Object.entries(event).filter(([k]) => k !== 'type' && k !== 'params'));
  if (!paramsObject) extras.params = event.params;
  else {
    const kept = Object.fromEntries(Object.entries(params).filter(([k]) => !shown.some((s) => s.param === k)));
    if (Object.keys(kept).length) extras.params = kept;
  }
  if (typeof event.type !== 'string') extras.type = event.type;
  return { shown, extras: Object.keys(extras).length ? extras : undefined, paramsObject };
}

/** What the draft offers for the parameters' selects. */
export interface EventChoices {
  /** Undefined when the file lists no categories (any text then). */
  categories?: string[];
  teams: Array<{ id: string; name: string }>;
  tiers: Array<{ id: string; name: string }>;
  serviceLevels: string[];
  policies: string[];
  ladders: string[];
  roles: string[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

export function eventChoices(file: Obj | undefined): EventChoices {
  const f = file ?? {};
  const ids = (list: unknown) => objects(list).map((o) => o.id).filter((id): id is string => typeof id === 'string');
  const named = (list: unknown) => objects(list).filter((o) => typeof o.id === 'string').map((o) => ({ id: o.id as string, name: typeof o.name === 'string' ? o.name : (o.id as string) }));
  const roles = new Set(['team_lead', 'duty_manager']);
  for (const l of objects(f.ladders)) for (const s of objects(l.steps)) for (const r of strings(s.notify)) roles.add(r);
  for (const r of objects(f.rules)) if (isObj(r.event) && isObj(r.event.params)) for (const role of strings(r.event.params.roles)) roles.add(role);
  return {
    ...(Array.isArray(f.categories) ? { categories: strings(f.categories) } : {}),
    teams: named(f.teams), tiers: named(f.tiers), serviceLevels: strings(f.serviceLevels),
    policies: ids(f.slaPolicies), ladders: ids(f.ladders), roles: [...roles],
  };
}

export interface ParamView {
  param: string;
  label: string;
  required: boolean;
  select?: FieldView & { options: OptionView[] };
  text?: FieldView & { value: string };
  flag?: FieldView & { checked: boolean };
  roles?: FieldView & { boxes: Array<{ value: string; id: string; checked: boolean }>; other: FieldView };
}

export interface EventView {
  type: FieldView & { options: OptionView[] };
  params: ParamView[];
  extrasJson?: string;
  json?: string;
}

function choiceList(kind: ParamKind, c: EventChoices): Array<{ value: string; label: string }> | undefined {
  const plain = (l: readonly string[]) => l.map((v) => ({ value: v, label: v }));
  switch (kind) {
    case 'priority': return plain(PRIORITIES);
    case 'category': return c.categories && plain(c.categories);
    case 'team': return c.teams.map((x) => ({ value: x.id, label: x.name === x.id ? x.id : `${x.name} (${x.id})` }));
    case 'tier': return c.tiers.map((x) => ({ value: x.id, label: x.name === x.id ? x.id : `${x.id} — ${x.name}` }));
    case 'serviceLevel': return plain(c.serviceLevels);
    case 'policy': return plain(c.policies);
    case 'ladder': return plain(c.ladders);
    default: return undefined;
  }
}

export function eventView(event: unknown, ctx: { t: TFunction; problems: ProblemMap; choices: EventChoices }): EventView {
  const { t, problems, choices } = ctx;
  const type = isObj(event) && typeof event.type === 'string' ? event.type : undefined;
  const typeOptions: OptionView[] = EVENT_TYPES.map((e) => ({ value: e as string, label: t(`event.type.${e}`), selected: e === type }));
  if (type !== undefined && !typeOptions.some((o) => o.selected)) typeOptions.push({ value: type, label: t('tree.unknownOption', { value: type }), selected: true });
  if (type === undefined) typeOptions.unshift({ value: '', label: t('event.chooseType'), selected: true });
  const typeField = { ...fieldView('ev-type', 'ev:type', problems), options: typeOptions };
  if (!isObj(event)) return { type: typeField, params: [], json: jsonText(event) };
  const { shown, extras } = eventParts(event);
  const params = isObj(event.params) ? event.params : {};
  const views = shown.map((s): ParamView => {
    const id = `ev-param-${s.param}`;
    const v = params[s.param];
    const field = fieldView(id, `ev:param:${s.param}`, problems);
    const base = { param: s.param, label: t(`event.param.${s.param}`), required: s.required };
    if (s.kind === 'flag') return { ...base, flag: { ...field, checked: v === true } };
    if (s.kind === 'roles') {
      const current = Array.isArray(v) ? (v as string[]) : [];
      const all = [...current, ...choices.roles.filter((r) => !current.includes(r))];
      const boxes = all.map((r, i) => ({ value: r, id: `${id}-${i}`, checked: current.includes(r) }));
      return { ...base, roles: { ...field, boxes, other: fieldView(`${id}-other`, 'ev:roles-other', problems) } };
    }
    const list = choiceList(s.kind, choices);
    if (!list) return { ...base, text: { ...field, value: typeof v === 'string' ? v : '' } };
    const opts = list.map((o) => ({ ...o, selected: o.value === v }));
    if (typeof v === 'string' && !opts.some((o) => o.selected)) opts.push({ value: v, label: t('tree.unknownOption', { value: v }), selected: true });
    const blank = { value: '', label: s.required ? t('event.choose') : t(`event.none.${s.param}`), selected: v === undefined };
    return { ...base, select: { ...field, options: v === undefined || !s.required ? [blank, ...opts] : opts } };
  });
  return { type: typeField, params: views, ...(extras ? { extrasJson: jsonText(extras) } : {}) };
}

function postedList(body: FormBody, name: string): string[] {
  const v = body[name];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];
}

/** A parameter's value from the form, or undefined for none. */
function postedParam(s: ParamSpec, stored: unknown, body: FormBody): unknown {
  const name = `ev:param:${s.param}`;
  if (s.kind === 'flag') return postedText(body, name) !== undefined ? true : stored === false ? false : undefined;
  if (s.kind === 'roles') {
    const other = (postedText(body, 'ev:roles-other') ?? '').split(',').map((r) => r.trim()).filter(Boolean);
    const roles = [...new Set([...postedList(body, name), ...other])];
    return roles.length ? roles : Array.isArray(stored) && stored.length === 0 ? [] : undefined;
  }
  const v = postedText(body, name);
  if (v === undefined) return stored;
  const typed = s.kind === 'text' || s.kind === 'category' ? v.trim() : v;
  return typed === '' ? (stored === '' ? '' : undefined) : typed;
}

/** The event with the posted type and parameter fields applied; what the form did not show is kept. */
export function readPostedEvent(stored: unknown, body: FormBody): unknown {
  if (!isObj(stored)) return structuredClone(stored);
  const out = structuredClone(stored);
  const posted = postedText(body, 'ev:type');
  const type = posted ? posted : stored.type;
  const { shown, paramsObject } = eventParts(stored);
  out.type = type;
  if (!paramsObject) return out;
  const params: Obj = structuredClone(isObj(stored.params) ? stored.params : {});
  const oldSpec = specOf(stored.type);
  if (type !== stored.type) {
    // The new type's parameters: those both types have are kept, the old type's others are dropped.
    const newSpec = specOf(type);
    for (const s of oldSpec) if (!newSpec.some((n) => n.param === s.param)) delete params[s.param];
  }
  for (const s of shown) {
    if (type !== stored.type && !specOf(type).some((n) => n.param === s.param && n.kind === s.kind)) continue;
    const v = postedParam(s, params[s.param], body);
    if (v === undefined) delete params[s.param];
    else params[s.param] = v;
  }
  if (stored.params !== undefined || Object.keys(params).length) out.params = params;
  return out;
}

/** The field of the event's form the steps after `event` point at. */
export function eventFieldId(event: unknown, rest: readonly Seg[]): string {
  const { shown, extras } = eventParts(event);
  const [part, param] = rest;
  if (part === undefined || part === 'type') return 'ev-type';
  if (part === 'params' && typeof param === 'string' && shown.some((s) => s.param === param)) return `ev-param-${param}`;
  return extras ? 'ev-extras' : 'ev-type';
}
