/**
 * The rules file's JSON Schema (rules/schema.json, Ajv 2020) and its errors in plain words.
 * Errors the semantic checks report better are left to them.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { renderPath, type Seg } from './paths.ts';
import { pointerSegs, TYPE_WORDS, type Located } from './validate-support.ts';


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

export function mapSchemaError(e: ErrorObject, root: unknown): Located | null {
  if (SEMANTIC_INSTANCES.test(e.instancePath)) return null;
  if (e.keyword === 'pattern' && DURATION_INSTANCES.test(e.instancePath)) return null;
  if (e.schemaPath.includes('/oneOf/')) return null; // one "oneOf" error says it better
  // A property name's own errors (Ajv sets `propertyName` on them): the "propertyNames" error names the key.
  if (e.keyword !== 'propertyNames' && e.propertyName !== undefined) return null;
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
