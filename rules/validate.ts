/**
 * Validator of the rules file: reports every problem at once, each with a JSON path, a plain
 * English sentence, a machine code and (from text) a line and column. It never executes anything
 * from the file.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import * as jsonc from 'jsonc-parser';
import { checkCalendar } from './calendar.ts';
import type { BusinessCalendar } from './calendar.ts';
import { parseDuration } from './duration.ts';
import {
  BUILTIN_DECORATORS, BUILTIN_OPERATORS, CustomOperator, EVENT_TYPES, FACT_PROPERTIES, LEVELS, PRIORITIES,
} from './types.ts';
import type { EventType, FactName, Problem, RulesFile, ValidationResult } from './types.ts';

type Seg = string | number;
type Obj = Record<string, unknown>;

/** Keys refused anywhere in the file: they could reach an object's prototype. */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** Thrown by {@link parseRules} when a rules file is not valid. */
export class RulesValidationError extends Error {
  readonly code = 'RULES_INVALID';
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(`The rules file has ${problems.length} problem(s): ${problems.map((p) => `${p.path}: ${p.message}`).join(' ')}`);
    this.name = 'RulesValidationError';
    this.problems = problems;
  }
}

/** Validates rules text and returns the file, or throws {@link RulesValidationError}. */
export function parseRules(text: string): RulesFile {
  const result = validateRulesText(text);
  if (!result.ok) throw new RulesValidationError(result.problems);
  return result.file;
}

// ---------------------------------------------------------------------------------------------
// Paths

/** Renders path segments as a JSON path: `$.slaPolicies[2].response`, `$.calendars['24x7']`. */
export function renderPath(segs: readonly Seg[]): string {
  let out = '$';
  for (const s of segs) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(s)) out += `.${s}`;
    else out += `['${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
  }
  return out;
}

/**
 * Parses the fact paths this helpdesk supports: `$`, then `.name`, `['name']`, `["name"]` or
 * `[0]`, repeated. Returns null for anything else (wildcards, filters, recursive descent).
 */
export function parseFactPath(path: string): Seg[] | null {
  if (!path.startsWith('$')) return null;
  const segs: Seg[] = [];
  const re = /\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\['([^'\\]*)'\]|\["([^"\\]*)"\]/y;
  re.lastIndex = 1;
  while (re.lastIndex < path.length) {
    const m = re.exec(path);
    if (!m) return null;
    if (m[2] !== undefined) segs.push(Number(m[2]));
    else segs.push((m[1] ?? m[3] ?? m[4]) as string);
  }
  return segs;
}

/** Splits a relative path such as `hours.mon[1].to` into segments. */
function relativeSegs(rel: string): Seg[] {
  const segs: Seg[] = [];
  for (const m of rel.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) segs.push(Number(m[2]));
    else if (m[1] !== undefined) segs.push(m[1]);
  }
  return segs;
}

function pointerSegs(pointer: string): Seg[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => {
    const key = s.replace(/~1/g, '/').replace(/~0/g, '~');
    return /^\d+$/.test(key) ? Number(key) : key;
  });
}

// ---------------------------------------------------------------------------------------------
// Text entry point

interface Located { segs: Seg[]; problem: Problem }

/** Validates the text of a rules file (strict JSON: no comments, no trailing commas). */
export function validateRulesText(text: string): ValidationResult {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const position = (offset: number): { line: number; column: number } => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (lineStarts[lo] as number) + 1 };
  };

  const errors: jsonc.ParseError[] = [];
  const tree = jsonc.parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length > 0 || !tree) {
    const problems = errors.map((e): Problem => ({
      path: '$',
      code: 'INVALID_JSON',
      message: `The file is not valid JSON: ${syntaxMessage(e.error)} at line ${position(e.offset).line}, column ${position(e.offset).column}.`,
      ...position(e.offset),
    }));
    if (problems.length === 0) problems.push({ path: '$', code: 'INVALID_JSON', message: 'The file is empty; it should hold one JSON object.', line: 1, column: 1 });
    return { ok: false, problems };
  }

  const located: Located[] = [];
  // Duplicate keys are only visible in the text: JSON.parse silently keeps the last one.
  const walk = (node: jsonc.Node, segs: Seg[]): void => {
    if (node.type === 'object') {
      const seen = new Set<string>();
      for (const prop of node.children ?? []) {
        const keyNode = prop.children?.[0];
        const valueNode = prop.children?.[1];
        if (!keyNode || typeof keyNode.value !== 'string') continue;
        const key = keyNode.value;
        if (seen.has(key)) {
          located.push({ segs: [...segs, key], problem: { path: renderPath([...segs, key]), code: 'DUPLICATE_KEY', message: `The key "${key}" appears more than once in the same object; only one may be written.` } });
        }
        seen.add(key);
        if (valueNode) walk(valueNode, [...segs, key]);
      }
    } else if (node.type === 'array') {
      (node.children ?? []).forEach((child, i) => walk(child, [...segs, i]));
    }
  };
  walk(tree, []);

  let value: unknown;
  try {
    value = JSON.parse(text); // own "__proto__" properties stay plain data with JSON.parse
  } catch (err) {
    return { ok: false, problems: [{ path: '$', code: 'INVALID_JSON', message: `The file is not valid JSON: ${(err as Error).message}.`, line: 1, column: 1 }] };
  }
  located.push(...collectProblems(value));

  const problems = dedupe(located).map(({ segs, problem }) => {
    let node: jsonc.Node | undefined;
    for (let n = segs.length; n >= 0 && !node; n--) node = jsonc.findNodeAtLocation(tree, segs.slice(0, n));
    // Point at the key of a property when there is one, else at the value.
    const at = node?.parent?.type === 'property' && node.parent.children?.[0] ? node.parent.children[0] : node;
    return at ? { ...problem, ...position(at.offset) } : problem;
  });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, file: value as RulesFile };
}

function syntaxMessage(code: jsonc.ParseErrorCode): string {
  const words: Record<string, string> = {
    InvalidSymbol: 'an unexpected character',
    InvalidNumberFormat: 'a badly written number',
    PropertyNameExpected: 'a property name in double quotes was expected',
    ValueExpected: 'a value was expected',
    ColonExpected: 'a colon was expected',
    CommaExpected: 'a comma was expected',
    CloseBraceExpected: 'a closing brace } was expected',
    CloseBracketExpected: 'a closing bracket ] was expected',
    EndOfFileExpected: 'the file should end here',
    InvalidCommentToken: 'comments are not allowed',
    UnexpectedEndOfComment: 'a comment is not closed',
    UnexpectedEndOfString: 'a string is not closed',
    UnexpectedEndOfNumber: 'a number is cut short',
    InvalidUnicode: 'an invalid unicode escape',
    InvalidEscapeCharacter: 'an invalid escape character',
    InvalidCharacter: 'an invalid character',
  };
  return words[jsonc.printParseErrorCode(code)] ?? 'a syntax error';
}

/** Validates an already parsed rules file. */
export function validateRulesObject(obj: unknown): ValidationResult {
  const problems = dedupe(collectProblems(obj)).map((l) => l.problem);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, file: obj as RulesFile };
}

function dedupe(list: Located[]): Located[] {
  const seen = new Set<string>();
  return list.filter((l) => {
    const key = `${l.problem.path}\u0000${l.problem.code}\u0000${l.problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Schema

let schemaValidator: ValidateFunction | undefined;
function schemaValidate(): ValidateFunction {
  if (!schemaValidator) {
    const schema = JSON.parse(readFileSync(new URL('./schema.json', import.meta.url), 'utf8')) as object;
    schemaValidator = new Ajv2020({ allErrors: true, strict: true, strictRequired: false }).compile(schema);
  }
  return schemaValidator;
}

/** Errors at these places are reported by the semantic checks, in better words. */
const SEMANTIC_INSTANCES = /^\/(rules\/\d+\/(conditions|event)|conditions)(\/|$)/;
const DURATION_INSTANCES = /^\/(slaPolicies\/\d+\/(response|resolution)|autoCloseAfter|ladders\/\d+\/steps\/\d+\/at\/after)$/;
const LADDER_AT = /^\/ladders\/\d+\/steps\/\d+\/at$/;

const TYPE_WORDS: Record<string, string> = {
  string: 'a text string', number: 'a number', integer: 'a whole number', boolean: 'true or false',
  object: 'an object { … }', array: 'a list [ … ]', null: 'null',
};

function describeType(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return 'a text string';
  return `${typeof v === 'number' ? 'the number' : 'the value'} ${String(v)}`;
}

function valueAt(root: unknown, segs: readonly Seg[]): unknown {
  let cur = root;
  for (const s of segs) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, s)) return undefined;
    cur = (cur as Record<string, unknown>)[s];
  }
  return cur;
}

function mapSchemaError(e: ErrorObject, root: unknown): Located | null {
  if (SEMANTIC_INSTANCES.test(e.instancePath)) return null;
  if (e.keyword === 'pattern' && DURATION_INSTANCES.test(e.instancePath)) return null;
  if (e.schemaPath.includes('/oneOf/')) return null; // one "oneOf" error says it better
  const segs = pointerSegs(e.instancePath);
  const value = valueAt(root, segs);
  const params = e.params as Record<string, unknown>;
  const make = (s: Seg[], code: string, message: string): Located => ({ segs: s, problem: { path: renderPath(s), code, message } });
  switch (e.keyword) {
    case 'required': {
      const prop = String(params.missingProperty);
      return make([...segs, prop], 'MISSING_PROPERTY', `"${prop}" is missing at ${renderPath(segs)}; it is required there.`);
    }
    case 'additionalProperties': {
      const prop = String(params.additionalProperty);
      return make([...segs, prop], 'UNKNOWN_PROPERTY', `"${prop}" is not a setting the rules file knows at ${renderPath(segs)}; check its spelling or remove it.`);
    }
    case 'type':
      return make(segs, 'WRONG_TYPE', `This should be ${TYPE_WORDS[String(params.type)] ?? String(params.type)}, but it is ${describeType(value)}.`);
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String).join(', ');
      const code = e.schemaPath.startsWith('#/$defs/priority') ? 'UNKNOWN_PRIORITY' : 'NOT_ALLOWED_VALUE';
      return make(segs, code, `"${String(value)}" is not allowed here; use one of: ${allowed}.`);
    }
    case 'pattern': {
      if (e.schemaPath.startsWith('#/$defs/id')) return make(segs, 'INVALID_ID', `"${String(value)}" is not a valid identifier; use letters, digits, "-", "_" or ".", starting with a letter or digit.`);
      if (e.schemaPath.startsWith('#/$defs/timeRange')) return make(segs, 'INVALID_TIME', `"${String(value)}" is not a time of day; write it as HH:MM, e.g. 08:00 or 17:30.`);
      if (e.schemaPath.startsWith('#/$defs/role')) return make(segs, 'INVALID_ROLE', `"${String(value)}" is not a valid role name; use lowercase letters, digits and "_", e.g. team_lead.`);
      if (e.schemaPath.includes('holidays')) return make(segs, 'INVALID_DATE', `"${String(value)}" is not a date; write it as YYYY-MM-DD, e.g. 2026-12-24.`);
      return make(segs, 'INVALID_FORMAT', `"${String(value)}" is not written in the expected form.`);
    }
    case 'propertyNames': {
      const key = String(params.propertyName);
      return make([...segs, key], 'INVALID_ID', `"${key}" is not a valid identifier; use letters, digits, "-", "_" or ".", starting with a letter or digit.`);
    }
    case 'minItems': case 'minProperties': case 'minLength':
      return make(segs, 'EMPTY', 'This must not be empty.');
    case 'uniqueItems':
      return make(segs, 'DUPLICATE_ITEM', 'This list holds the same item twice.');
    case 'minimum': case 'exclusiveMinimum': case 'maximum': case 'exclusiveMaximum': {
      const words: Record<string, string> = { minimum: 'at least', exclusiveMinimum: 'greater than', maximum: 'at most', exclusiveMaximum: 'less than' };
      return make(segs, 'OUT_OF_RANGE', `${String(value)} is out of range; it must be ${words[e.keyword] ?? ''} ${String(params.limit)}.`);
    }
    case 'oneOf':
      if (LADDER_AT.test(e.instancePath)) return make(segs, 'LADDER_AT_INVALID', 'A ladder step\'s "at" needs exactly one of "fraction" (e.g. 0.75) or "after" (e.g. "2h").');
      return make(segs, 'INVALID_VALUE', 'This value does not match any of the allowed forms.');
    case 'not': case 'if': case 'propertyNames/pattern':
      return null;
    default:
      return make(segs, 'INVALID_VALUE', `This value is not valid here (${e.message ?? e.keyword}).`);
  }
}

// ---------------------------------------------------------------------------------------------
// Semantic checks

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const KNOWN_OPERATORS = new Set<string>([...BUILTIN_OPERATORS, ...Object.values(CustomOperator)]);
const KNOWN_DECORATORS = new Set(BUILTIN_DECORATORS);
const CONDITION_KEYS = new Set(['all', 'any', 'not', 'condition', 'fact', 'path', 'operator', 'value', 'params', 'name', 'priority']);

class Collector {
  readonly list: Located[] = [];
  add(segs: Seg[], code: string, message: string): void {
    this.list.push({ segs, problem: { path: renderPath(segs), code, message } });
  }
}

function collectProblems(root: unknown): Located[] {
  const out = new Collector();
  scanForbiddenKeys(root, [], out);
  if (!isObj(root)) {
    out.add([], 'NOT_AN_OBJECT', 'The rules file must be one JSON object { … }.');
    return out.list;
  }
  const validate = schemaValidate();
  if (!validate(root)) {
    for (const e of validate.errors ?? []) {
      const l = mapSchemaError(e, root);
      if (l) out.list.push(l);
    }
  }
  checkSemantics(root, out);
  return out.list;
}

function scanForbiddenKeys(v: unknown, segs: Seg[], out: Collector): void {
  if (Array.isArray(v)) {
    v.forEach((item, i) => scanForbiddenKeys(item, [...segs, i], out));
  } else if (isObj(v)) {
    for (const key of Object.keys(v)) {
      if (FORBIDDEN_KEYS.includes(key)) {
        out.add([...segs, key], 'FORBIDDEN_KEY', `The key "${key}" is not allowed anywhere in a rules file.`);
        continue;
      }
      scanForbiddenKeys(v[key], [...segs, key], out);
    }
  }
}

/** Collects ids of a list of objects, reporting duplicates. */
function ids(list: unknown, at: string, what: string, out: Collector): Set<string> {
  const set = new Set<string>();
  asArray(list).forEach((item, i) => {
    const id = isObj(item) ? str(item.id) : undefined;
    if (id === undefined) return;
    if (set.has(id)) out.add([at, i, 'id'], 'DUPLICATE_ID', `Another ${what} already has the id "${id}"; ids must be unique.`);
    set.add(id);
  });
  return set;
}

function durationMs(v: unknown, segs: Seg[], what: string, out: Collector): number | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    return parseDuration(v);
  } catch {
    out.add(segs, 'BAD_DURATION', `The ${what} "${v}" is not a duration; write it like 30s, 15m, 4h, 2d or 1h30m.`);
    return undefined;
  }
}

interface Ctx {
  root: Obj;
  serviceLevels: Set<string>;
  calendars: Set<string>;
  policies: Set<string>;
  tiers: Set<string>;
  teams: Map<string, string | undefined>; // team → its tier
  ladders: Set<string>;
  categories: Set<string> | null;
  sharedConditions: Set<string>;
}

function checkSemantics(root: Obj, out: Collector): void {
  const serviceLevels = new Set<string>();
  asArray(root.serviceLevels).forEach((s, i) => {
    if (typeof s !== 'string') return;
    if (serviceLevels.has(s)) out.add(['serviceLevels', i], 'DUPLICATE_ID', `The service level "${s}" is listed twice.`);
    serviceLevels.add(s);
  });
  const calendars = new Set(isObj(root.calendars) ? Object.keys(root.calendars).filter((k) => !FORBIDDEN_KEYS.includes(k)) : []);
  const ctx: Ctx = {
    root,
    serviceLevels,
    calendars,
    policies: ids(root.slaPolicies, 'slaPolicies', 'SLA policy', out),
    tiers: ids(root.tiers, 'tiers', 'tier', out),
    teams: new Map(),
    ladders: ids(root.ladders, 'ladders', 'ladder', out),
    categories: Array.isArray(root.categories) ? new Set(root.categories.filter((c): c is string => typeof c === 'string')) : null,
    sharedConditions: new Set(isObj(root.conditions) ? Object.keys(root.conditions).filter((k) => !FORBIDDEN_KEYS.includes(k)) : []),
  };
  for (const id of ids(root.teams, 'teams', 'team', out)) ctx.teams.set(id, undefined);
  asArray(root.teams).forEach((t) => {
    if (isObj(t) && typeof t.id === 'string') ctx.teams.set(t.id, str(t.tier));
  });

  const sl = str(root.defaultServiceLevel);
  if (sl !== undefined && !serviceLevels.has(sl)) out.add(['defaultServiceLevel'], 'UNKNOWN_SERVICE_LEVEL', `The default service level "${sl}" is not one of the service levels listed in "serviceLevels".`);

  checkCalendars(root, out);
  checkPolicies(root, ctx, out);
  checkTiersAndTeams(root, ctx, out);
  checkLadders(root, ctx, out);
  checkDefaults(root, ctx, out);
  durationMs(root.autoCloseAfter, ['autoCloseAfter'], 'auto-close period', out);
  checkSharedConditions(root, ctx, out);
  checkRules(root, ctx, out);
}

function checkCalendars(root: Obj, out: Collector): void {
  if (!isObj(root.calendars)) return;
  for (const [id, cal] of Object.entries(root.calendars)) {
    if (FORBIDDEN_KEYS.includes(id) || !isObj(cal)) continue;
    if (cal.id !== undefined && cal.id !== id) out.add(['calendars', id, 'id'], 'CALENDAR_ID_MISMATCH', `The calendar is filed under "${id}" but its id says "${String(cal.id)}"; leave the id out or make them the same.`);
    if (typeof cal.timeZone !== 'string') continue;
    let found: ReturnType<typeof checkCalendar>;
    try {
      found = checkCalendar({ ...cal, id } as unknown as BusinessCalendar);
    } catch (err) {
      out.add(['calendars', id], 'CALENDAR_INVALID', `The calendar "${id}" could not be checked: ${(err as Error).message}`);
      continue;
    }
    for (const p of found) {
      out.add(['calendars', id, ...relativeSegs(p.path)], p.code, `In the calendar "${id}", ${p.path}: ${sentence(p.message)}`);
    }
  }
}

/** Ends a message fragment as a sentence. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function checkPolicies(root: Obj, ctx: Ctx, out: Collector): void {
  const pairs = new Map<string, number>();
  asArray(root.slaPolicies).forEach((p, i) => {
    if (!isObj(p)) return;
    const at = (k: string): Seg[] => ['slaPolicies', i, k];
    const level = str(p.serviceLevel);
    if (level !== undefined && !ctx.serviceLevels.has(level)) out.add(at('serviceLevel'), 'UNKNOWN_SERVICE_LEVEL', `The SLA policy "${String(p.id)}" names the service level "${level}", which is not listed in "serviceLevels".`);
    const cal = str(p.calendar);
    if (cal !== undefined && !ctx.calendars.has(cal)) out.add(at('calendar'), 'UNKNOWN_CALENDAR', `The SLA policy "${String(p.id)}" names the calendar "${cal}", which is not defined in "calendars".`);
    const response = durationMs(p.response, at('response'), 'response time', out);
    const resolution = durationMs(p.resolution, at('resolution'), 'resolution time', out);
    if (response !== undefined && resolution !== undefined && resolution < response) {
      out.add(at('resolution'), 'RESOLUTION_BEFORE_RESPONSE', `The SLA policy "${String(p.id)}" allows less time to resolve (${String(p.resolution)}) than to respond (${String(p.response)}).`);
    }
    const warnAt = asArray(p.warnAt);
    for (let w = 1; w < warnAt.length; w++) {
      const prev = warnAt[w - 1];
      const cur = warnAt[w];
      if (typeof prev === 'number' && typeof cur === 'number' && cur <= prev) out.add([...at('warnAt'), w], 'WARN_AT_ORDER', `Warning fractions must increase: ${cur} comes after ${prev}.`);
    }
    if (level !== undefined && typeof p.priority === 'string') {
      const key = `${level}/${p.priority}`;
      const first = pairs.get(key);
      if (first !== undefined) out.add(at('priority'), 'DUPLICATE_SLA_POLICY', `Two SLA policies cover service level "${level}" at ${p.priority}: this one and the one at $.slaPolicies[${first}]; keep one.`);
      else pairs.set(key, i);
    }
  });
  for (const level of ctx.serviceLevels) {
    for (const prio of PRIORITIES) {
      if (!pairs.has(`${level}/${prio}`)) out.add(['slaPolicies'], 'MISSING_SLA_POLICY', `No SLA policy covers service level "${level}" at ${prio}; every service level needs a policy for every priority.`);
    }
  }
}

function checkTiersAndTeams(root: Obj, ctx: Ctx, out: Collector): void {
  const listedIn = new Map<string, string>();
  asArray(root.tiers).forEach((t, i) => {
    if (!isObj(t)) return;
    asArray(t.teams).forEach((team, j) => {
      if (typeof team !== 'string') return;
      if (!ctx.teams.has(team)) out.add(['tiers', i, 'teams', j], 'UNKNOWN_TEAM', `The tier "${String(t.id)}" lists the team "${team}", which is not defined in "teams".`);
      else if (ctx.teams.get(team) !== t.id) out.add(['tiers', i, 'teams', j], 'TEAM_TIER_MISMATCH', `The tier "${String(t.id)}" lists the team "${team}", but that team says it belongs to tier "${String(ctx.teams.get(team))}".`);
      if (typeof t.id === 'string') listedIn.set(team, t.id);
    });
  });
  asArray(root.teams).forEach((t, i) => {
    if (!isObj(t) || typeof t.tier !== 'string') return;
    if (!ctx.tiers.has(t.tier)) out.add(['teams', i, 'tier'], 'UNKNOWN_TIER', `The team "${String(t.id)}" belongs to the tier "${t.tier}", which is not defined in "tiers".`);
    else if (typeof t.id === 'string' && !listedIn.has(t.id)) out.add(['teams', i, 'tier'], 'TEAM_TIER_MISMATCH', `The team "${t.id}" says it belongs to tier "${t.tier}", but that tier does not list it in its "teams".`);
  });
}

function checkTeamInTier(team: unknown, tier: unknown, segs: Seg[], ctx: Ctx, out: Collector): void {
  if (typeof tier === 'string' && !ctx.tiers.has(tier)) out.add([...segs, 'tier'], 'UNKNOWN_TIER', `The tier "${tier}" is not defined in "tiers".`);
  if (typeof team === 'string') {
    if (!ctx.teams.has(team)) out.add([...segs, 'team'], 'UNKNOWN_TEAM', `The team "${team}" is not defined in "teams".`);
    else if (typeof tier === 'string' && ctx.tiers.has(tier) && ctx.teams.get(team) !== tier) out.add([...segs, 'team'], 'TEAM_TIER_MISMATCH', `The team "${team}" belongs to tier "${String(ctx.teams.get(team))}", not "${tier}".`);
  }
}

function checkLadders(root: Obj, ctx: Ctx, out: Collector): void {
  asArray(root.ladders).forEach((l, i) => {
    if (!isObj(l)) return;
    const name = String(l.id);
    if (isObj(l.appliesTo)) {
      asArray(l.appliesTo.serviceLevels).forEach((s, j) => {
        if (typeof s === 'string' && !ctx.serviceLevels.has(s)) out.add(['ladders', i, 'appliesTo', 'serviceLevels', j], 'UNKNOWN_SERVICE_LEVEL', `The ladder "${name}" applies to the service level "${s}", which is not listed in "serviceLevels".`);
      });
    }
    const stepIds = new Set<string>();
    const last = new Map<string, { value: number; step: string }>(); // "clock/kind" → last value
    asArray(l.steps).forEach((s, j) => {
      if (!isObj(s)) return;
      const segs: Seg[] = ['ladders', i, 'steps', j];
      if (typeof s.id === 'string') {
        if (stepIds.has(s.id)) out.add([...segs, 'id'], 'DUPLICATE_ID', `The ladder "${name}" has two steps with the id "${s.id}".`);
        stepIds.add(s.id);
      }
      if (isObj(s.moveTo)) checkTeamInTier(s.moveTo.team, s.moveTo.tier, [...segs, 'moveTo'], ctx, out);
      if (!isObj(s.at) || typeof s.at.clock !== 'string') return;
      const clock = s.at.clock;
      let kind: string | undefined;
      let value: number | undefined;
      let key: Seg = 'fraction';
      if (typeof s.at.fraction === 'number' && s.at.after === undefined) {
        kind = 'fraction';
        value = s.at.fraction;
      } else if (typeof s.at.after === 'string' && s.at.fraction === undefined) {
        kind = 'after';
        key = 'after';
        value = durationMs(s.at.after, [...segs, 'at', 'after'], 'step time', out);
      }
      if (kind === undefined || value === undefined) return;
      const prev = last.get(`${clock}/${kind}`);
      if (prev && value <= prev.value) {
        out.add([...segs, 'at', key], 'LADDER_STEP_ORDER', `The step "${String(s.id)}" of ladder "${name}" comes at or before the earlier step "${prev.step}" on the ${clock} clock; steps on one clock must be listed in increasing order.`);
      }
      last.set(`${clock}/${kind}`, { value, step: String(s.id) });
    });
  });
}

function checkDefaults(root: Obj, ctx: Ctx, out: Collector): void {
  const d = root.defaults;
  if (!isObj(d)) return;
  checkTeamInTier(d.team, d.tier, ['defaults'], ctx, out);
  if (typeof d.ladder === 'string' && !ctx.ladders.has(d.ladder)) out.add(['defaults', 'ladder'], 'UNKNOWN_LADDER', `The default ladder "${d.ladder}" is not defined in "ladders".`);
  if (typeof d.calendar === 'string' && !ctx.calendars.has(d.calendar)) out.add(['defaults', 'calendar'], 'UNKNOWN_CALENDAR', `The default calendar "${d.calendar}" is not defined in "calendars".`);
  if (typeof d.category === 'string' && ctx.categories && !ctx.categories.has(d.category)) out.add(['defaults', 'category'], 'UNKNOWN_CATEGORY', `The default category "${d.category}" is not listed in "categories".`);
}

function checkSharedConditions(root: Obj, ctx: Ctx, out: Collector): void {
  if (!isObj(root.conditions)) return;
  const refs = new Map<string, string[]>();
  for (const [name, cond] of Object.entries(root.conditions)) {
    if (FORBIDDEN_KEYS.includes(name)) continue;
    const found: string[] = [];
    checkCondition(cond, ['conditions', name], ctx, out, found, true);
    refs.set(name, found);
  }
  // A reference cycle would recurse forever at evaluation.
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(name)), name];
      out.add(['conditions', name], 'CONDITION_CYCLE', `The shared conditions refer to each other in a circle: ${cycle.join(' → ')}.`);
      return;
    }
    state.set(name, 'visiting');
    for (const r of refs.get(name) ?? []) if (refs.has(r)) visit(r, [...trail, name]);
    state.set(name, 'done');
  };
  for (const name of refs.keys()) visit(name, []);
}

function checkRules(root: Obj, ctx: Ctx, out: Collector): void {
  const names = new Map<string, number>();
  asArray(root.rules).forEach((r, i) => {
    if (!isObj(r)) return;
    if (typeof r.name === 'string') {
      const first = names.get(r.name);
      if (first !== undefined) out.add(['rules', i, 'name'], 'DUPLICATE_RULE_NAME', `Another rule (at $.rules[${first}]) is already named "${r.name}"; rule names must be unique.`);
      else names.set(r.name, i);
    }
    if (r.conditions !== undefined) checkCondition(r.conditions, ['rules', i, 'conditions'], ctx, out, [], true);
    if (r.event !== undefined) checkEvent(r.event, ['rules', i, 'event'], ctx, out);
  });
}

function checkCondition(c: unknown, segs: Seg[], ctx: Ctx, out: Collector, refs: string[], top: boolean): void {
  if (!isObj(c)) {
    out.add(segs, 'BAD_CONDITION', 'A condition must be an object with one of "all", "any", "not", "condition" or "fact".');
    return;
  }
  const kinds = ['all', 'any', 'not', 'condition', 'fact'].filter((k) => Object.hasOwn(c, k));
  if (kinds.length !== 1) {
    out.add(segs, 'BAD_CONDITION', kinds.length === 0
      ? 'A condition must have one of "all", "any", "not", "condition" or "fact".'
      : `A condition must have only one of "all", "any", "not", "condition" or "fact", but this one has ${kinds.map((k) => `"${k}"`).join(' and ')}.`);
    return;
  }
  for (const key of Object.keys(c)) {
    if (!CONDITION_KEYS.has(key) && !FORBIDDEN_KEYS.includes(key)) out.add([...segs, key], 'UNKNOWN_CONDITION_KEY', `"${key}" is not part of a condition; check its spelling.`);
  }
  if (c.priority !== undefined && !(Number.isInteger(c.priority) && (c.priority as number) >= 1)) out.add([...segs, 'priority'], 'OUT_OF_RANGE', 'A condition\'s priority must be a whole number of at least 1.');
  const kind = kinds[0] as string;
  if (top && kind === 'fact') {
    out.add(segs, 'BAD_CONDITION', 'The top of a rule\'s conditions must be "all", "any", "not" or "condition"; wrap a single fact test in "all": [ … ].');
  }
  if (kind === 'all' || kind === 'any') {
    if (!Array.isArray(c[kind])) out.add([...segs, kind], 'BAD_CONDITION', `"${kind}" must be a list of conditions.`);
    else c[kind].forEach((sub, i) => checkCondition(sub, [...segs, kind, i], ctx, out, refs, false));
  } else if (kind === 'not') {
    if (Array.isArray(c.not)) out.add([...segs, 'not'], 'BAD_CONDITION', '"not" must hold one condition, not a list.');
    else checkCondition(c.not, [...segs, 'not'], ctx, out, refs, false);
  } else if (kind === 'condition') {
    if (typeof c.condition !== 'string') out.add([...segs, 'condition'], 'BAD_CONDITION', '"condition" must name a shared condition.');
    else {
      refs.push(c.condition);
      if (!ctx.sharedConditions.has(c.condition)) out.add([...segs, 'condition'], 'UNKNOWN_CONDITION', `No shared condition is named "${c.condition}"; define it under "conditions".`);
    }
  } else {
    checkFactCondition(c, segs, ctx, out);
  }
}

function checkFactRef(fact: unknown, path: unknown, segs: Seg[], out: Collector): FactName | undefined {
  if (typeof fact !== 'string') {
    out.add([...segs, 'fact'], 'BAD_CONDITION', '"fact" must name a fact.');
    return undefined;
  }
  if (!Object.hasOwn(FACT_PROPERTIES, fact)) {
    out.add([...segs, 'fact'], 'UNKNOWN_FACT', `There is no fact named "${fact}"; the facts are ${Object.keys(FACT_PROPERTIES).join(', ')}.`);
    return undefined;
  }
  const name = fact as FactName;
  if (path === undefined) return name;
  if (typeof path !== 'string') {
    out.add([...segs, 'path'], 'BAD_CONDITION', '"path" must be text like "$.impact".');
    return undefined;
  }
  const parsed = parseFactPath(path);
  if (parsed === null) {
    out.add([...segs, 'path'], 'UNSUPPORTED_PATH', `The path "${path}" is not supported; write a plain path like "$.impact" or "$['impact']".`);
    return undefined;
  }
  const props = FACT_PROPERTIES[name];
  const first = parsed[0];
  if (props && first !== undefined && (typeof first !== 'string' || !props.includes(first))) {
    out.add([...segs, 'path'], 'UNKNOWN_FACT', `The fact "${fact}" has no property "${String(first)}"; it has ${props.join(', ')}.`);
    return undefined;
  }
  return name;
}

const VALUE_DOMAINS: Record<string, readonly string[]> = {
  'ticket.impact': LEVELS,
  'ticket.urgency': LEVELS,
  'matrix.impact': LEVELS,
  'matrix.urgency': LEVELS,
  'matrix.priority': PRIORITIES,
  'time.weekday': ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
};

function checkFactCondition(c: Obj, segs: Seg[], ctx: Ctx, out: Collector): void {
  const fact = checkFactRef(c.fact, c.path, segs, out);
  if (typeof c.operator !== 'string') {
    out.add([...segs, 'operator'], 'MISSING_OPERATOR', 'A fact condition needs an "operator", e.g. "equal".');
  } else {
    const parts = c.operator.split(':');
    const base = parts[parts.length - 1] as string;
    const badDecorator = parts.slice(0, -1).find((d) => !KNOWN_DECORATORS.has(d));
    if (!KNOWN_OPERATORS.has(base) || badDecorator !== undefined) {
      out.add([...segs, 'operator'], 'UNKNOWN_OPERATOR', `"${c.operator}" is not an operator; use one of ${[...KNOWN_OPERATORS].join(', ')} (optionally prefixed by ${BUILTIN_DECORATORS.map((d) => `${d}:`).join(', ')}).`);
    }
  }
  if (!Object.hasOwn(c, 'value')) {
    out.add([...segs, 'value'], 'MISSING_VALUE', 'A fact condition needs a "value" to compare with.');
    return;
  }
  if (isObj(c.value) && Object.hasOwn(c.value, 'fact')) {
    checkFactRef(c.value.fact, c.value.path, [...segs, 'value'], out);
    return;
  }
  // Catch misspelt values of the closed lists (e.g. impact "hgih").
  const path = typeof c.path === 'string' ? parseFactPath(c.path) : null;
  const domain = fact && path?.length === 1 ? VALUE_DOMAINS[`${fact}.${String(path[0])}`] : undefined;
  const op = typeof c.operator === 'string' ? c.operator : '';
  const domainOf = fact === 'requester' && path?.[0] === 'serviceLevel' && path.length === 1 ? [...ctx.serviceLevels] : domain;
  if (domainOf && ['equal', 'notEqual', 'in', 'notIn'].includes(op)) {
    const values = Array.isArray(c.value) ? c.value : [c.value];
    values.forEach((v, i) => {
      if (typeof v === 'string' && !domainOf.includes(v)) {
        out.add(Array.isArray(c.value) ? [...segs, 'value', i] : [...segs, 'value'], 'UNKNOWN_VALUE', `"${v}" can never match ${String(c.fact)} ${String(c.path)}; its values are ${domainOf.join(', ')}.`);
      }
    });
  }
}

/** Parameters of each event type: name → [required, kind]. */
const EVENT_PARAMS: Record<EventType, Record<string, [boolean, 'string' | 'boolean' | 'roles']>> = {
  'set-priority': { priority: [true, 'string'], atLeast: [false, 'boolean'] },
  'set-category': { category: [true, 'string'] },
  route: { team: [true, 'string'], tier: [false, 'string'] },
  'set-service-level': { serviceLevel: [true, 'string'] },
  'set-sla-policy': { policy: [true, 'string'] },
  'add-tag': { tag: [true, 'string'] },
  notify: { roles: [true, 'roles'] },
  escalate: { tier: [true, 'string'], reason: [false, 'string'] },
  'set-ladder': { ladder: [true, 'string'] },
};

function checkEvent(e: unknown, segs: Seg[], ctx: Ctx, out: Collector): void {
  if (!isObj(e)) {
    out.add(segs, 'BAD_EVENT', 'An event must be an object with a "type" and "params".');
    return;
  }
  for (const key of Object.keys(e)) {
    if (key !== 'type' && key !== 'params' && !FORBIDDEN_KEYS.includes(key)) out.add([...segs, key], 'UNKNOWN_PROPERTY', `"${key}" is not part of an event; an event has "type" and "params".`);
  }
  if (typeof e.type !== 'string') {
    out.add([...segs, 'type'], 'BAD_EVENT', `An event needs a "type": one of ${EVENT_TYPES.join(', ')}.`);
    return;
  }
  if (!(EVENT_TYPES as readonly string[]).includes(e.type)) {
    out.add([...segs, 'type'], 'UNKNOWN_EVENT_TYPE', `"${e.type}" is not an event the helpdesk acts on; use one of ${EVENT_TYPES.join(', ')}.`);
    return;
  }
  const type = e.type as EventType;
  const spec = EVENT_PARAMS[type];
  const params = e.params === undefined ? {} : e.params;
  if (!isObj(params)) {
    out.add([...segs, 'params'], 'BAD_EVENT', '"params" must be an object.');
    return;
  }
  const p = (k: string): Seg[] => [...segs, 'params', k];
  for (const [name, [required, kind]] of Object.entries(spec)) {
    const v = params[name];
    if (v === undefined) {
      if (required) out.add(p(name), 'MISSING_EVENT_PARAM', `The "${type}" event needs the parameter "${name}".`);
      continue;
    }
    const ok = kind === 'roles'
      ? Array.isArray(v) && v.length > 0 && v.every((r) => typeof r === 'string' && /^[a-z][a-z0-9_]*$/.test(r))
      : typeof v === kind;
    if (!ok) out.add(p(name), 'BAD_EVENT_PARAM', kind === 'roles' ? 'The "roles" parameter must be a non-empty list of role names such as "team_lead".' : `The parameter "${name}" must be ${TYPE_WORDS[kind] ?? kind}.`);
  }
  for (const name of Object.keys(params)) {
    if (!Object.hasOwn(spec, name) && !FORBIDDEN_KEYS.includes(name)) out.add(p(name), 'UNKNOWN_EVENT_PARAM', `The "${type}" event has no parameter "${name}"; it takes ${Object.keys(spec).join(', ')}.`);
  }
  const s = (k: string): string | undefined => str(params[k]);
  switch (type) {
    case 'set-priority': {
      const v = s('priority');
      if (v !== undefined && !(PRIORITIES as readonly string[]).includes(v)) out.add(p('priority'), 'UNKNOWN_PRIORITY', `"${v}" is not a priority; use one of ${PRIORITIES.join(', ')}.`);
      break;
    }
    case 'set-category': {
      const v = s('category');
      if (v !== undefined && ctx.categories && !ctx.categories.has(v)) out.add(p('category'), 'UNKNOWN_CATEGORY', `The category "${v}" is not listed in "categories".`);
      break;
    }
    case 'route':
      checkTeamInTier(params.team, params.tier, [...segs, 'params'], ctx, out);
      break;
    case 'escalate':
      checkTeamInTier(undefined, params.tier, [...segs, 'params'], ctx, out);
      break;
    case 'set-service-level': {
      const v = s('serviceLevel');
      if (v !== undefined && !ctx.serviceLevels.has(v)) out.add(p('serviceLevel'), 'UNKNOWN_SERVICE_LEVEL', `The service level "${v}" is not listed in "serviceLevels".`);
      break;
    }
    case 'set-sla-policy': {
      const v = s('policy');
      if (v !== undefined && !ctx.policies.has(v)) out.add(p('policy'), 'UNKNOWN_SLA_POLICY', `No SLA policy has the id "${v}".`);
      break;
    }
    case 'set-ladder': {
      const v = s('ladder');
      if (v !== undefined && !ctx.ladders.has(v)) out.add(p('ladder'), 'UNKNOWN_LADDER', `No escalation ladder has the id "${v}".`);
      break;
    }
    default:
      break;
  }
}
