/**
 * The rules file's JSON Schema (rules/schema.json, Ajv 2020) and its errors in plain words.
 * Errors the semantic checks report better are left to them.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { renderPath, type Seg } from './paths.ts';
import { listed, located, pointerSegs, TYPE_WORDS, type Located, type Params } from './validate-support.ts';


let schemaValidator: ValidateFunction | undefined;
export function schemaValidate(): ValidateFunction {
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


/** What a value is, as the `actual` words of locales/{lng}/rules.json name it: list, null, object, string, number, value. */
function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'string') return 'string';
  return typeof v === 'number' ? 'number' : 'value';
}

const ACTUAL_WORDS: Readonly<Record<string, (v: unknown) => string>> = {
  list: () => 'a list', null: () => 'null', object: () => 'an object', string: () => 'a text string',
  number: (v) => `the number ${String(v)}`, value: (v) => `the value ${String(v)}`,
};

/** How a limit is said, by Ajv's keyword (the `limit` words of locales/{lng}/rules.json). */
const LIMIT_WORDS: Readonly<Record<string, string>> = { minimum: 'at least', exclusiveMinimum: 'greater than', maximum: 'at most', exclusiveMaximum: 'less than' };

function valueAt(root: unknown, segs: readonly Seg[]): unknown {
  let cur = root;
  for (const s of segs) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, s)) return undefined;
    cur = (cur as Record<string, unknown>)[s];
  }
  return cur;
}

export function mapSchemaError(e: ErrorObject, root: unknown): Located | null {
  if (SEMANTIC_INSTANCES.test(e.instancePath)) return null;
  if (e.keyword === 'pattern' && DURATION_INSTANCES.test(e.instancePath)) return null;
  if (e.schemaPath.includes('/oneOf/')) return null; // one "oneOf" error says it better
  // A property name's own errors (Ajv sets `propertyName` on them): the "propertyNames" error names the key.
  if (e.keyword !== 'propertyNames' && e.propertyName !== undefined) return null;
  const segs = pointerSegs(e.instancePath);
  const value = valueAt(root, segs);
  const params = e.params as Record<string, unknown>;
  const make = (s: Seg[], code: string, p: Params, message: string): Located => located(s, code, p, message);
  switch (e.keyword) {
    case 'required': {
      const prop = String(params.missingProperty);
      return make([...segs, prop], 'MISSING_PROPERTY', { property: prop, parent: renderPath(segs) }, `"${prop}" is missing at ${renderPath(segs)}; it is required there.`);
    }
    case 'additionalProperties': {
      const prop = String(params.additionalProperty);
      return make([...segs, prop], 'UNKNOWN_PROPERTY', { property: prop, parent: renderPath(segs) }, `"${prop}" is not a setting the rules file knows at ${renderPath(segs)}; check its spelling or remove it.`);
    }
    case 'type': {
      const expected = String(params.type);
      const actual = kindOf(value);
      const p: Params = actual === 'number' || actual === 'value' ? { expected, actual, value: String(value) } : { expected, actual };
      return make(segs, 'WRONG_TYPE', p, `This should be ${TYPE_WORDS[expected] ?? expected}, but it is ${ACTUAL_WORDS[actual]!(value)}.`);
    }
    case 'enum': {
      const allowed = listed(params.allowedValues as unknown[]);
      const code = e.schemaPath.startsWith('#/$defs/priority') ? 'UNKNOWN_PRIORITY' : 'NOT_ALLOWED_VALUE';
      return make(segs, code, { value: String(value), allowed }, `"${String(value)}" is not allowed here; use one of: ${allowed}.`);
    }
    case 'pattern': {
      const p = { value: String(value) };
      if (e.schemaPath.startsWith('#/$defs/id')) return make(segs, 'INVALID_ID', p, `"${String(value)}" is not a valid identifier; use letters, digits, "-", "_" or ".", starting with a letter or digit.`);
      if (e.schemaPath.startsWith('#/$defs/timeRange')) return make(segs, 'INVALID_TIME', p, `"${String(value)}" is not a time of day; write it as HH:MM, e.g. 08:00 or 17:30.`);
      if (e.schemaPath.startsWith('#/$defs/role')) return make(segs, 'INVALID_ROLE', p, `"${String(value)}" is not a valid role name; use lowercase letters, digits and "_", e.g. team_lead.`);
      if (e.schemaPath.includes('holidays')) return make(segs, 'INVALID_DATE', p, `"${String(value)}" is not a date; write it as YYYY-MM-DD, e.g. 2026-12-24.`);
      return make(segs, 'INVALID_FORMAT', p, `"${String(value)}" is not written in the expected form.`);
    }
    case 'propertyNames': {
      const key = String(params.propertyName);
      return make([...segs, key], 'INVALID_ID', { value: key }, `"${key}" is not a valid identifier; use letters, digits, "-", "_" or ".", starting with a letter or digit.`);
    }
    case 'minItems': case 'minProperties': case 'minLength':
      return make(segs, 'EMPTY', {}, 'This must not be empty.');
    case 'uniqueItems':
      return make(segs, 'DUPLICATE_ITEM', {}, 'This list holds the same item twice.');
    case 'minimum': case 'exclusiveMinimum': case 'maximum': case 'exclusiveMaximum': {
      const limit = String(params.limit);
      return make(segs, 'OUT_OF_RANGE', { value: String(value), comparison: e.keyword, limit }, `${String(value)} is out of range; it must be ${LIMIT_WORDS[e.keyword] ?? ''} ${limit}.`);
    }
    case 'oneOf':
      if (LADDER_AT.test(e.instancePath)) return make(segs, 'LADDER_AT_INVALID', {}, 'A ladder step\'s "at" needs exactly one of "fraction" (e.g. 0.75) or "after" (e.g. "2h").');
      return make(segs, 'INVALID_VALUE', {}, 'This value does not match any of the allowed forms.');
    case 'not': case 'if': case 'propertyNames/pattern':
      return null;
    default: {
      const detail = e.message ?? e.keyword;
      return make(segs, 'INVALID_VALUE', { context: 'schema', detail }, `This value is not valid here (${detail}).`);
    }
  }
}
