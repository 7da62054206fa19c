/**
 * Request validation with Ajv against the same JSON Schemas the OpenAPI document
 * publishes, turned into per-field problems with message keys.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ValidationError, type FieldProblem } from './errors.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = addFormats(new Ajv({ allErrors: true, strict: true, coerceTypes: false, verbose: true }));
// OpenAPI extension keywords used in our schemas.
ajv.addVocabulary(['x-blank-is-missing', 'example']);
const compiled = new WeakMap<object, ValidateFunction>();

function fieldOf(e: ErrorObject): string {
  const base = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (e.keyword === 'required') return [base, (e.params as { missingProperty: string }).missingProperty].filter(Boolean).join('.');
  if (e.keyword === 'additionalProperties') return [base, (e.params as { additionalProperty: string }).additionalProperty].filter(Boolean).join('.');
  return base || 'body';
}

function problemOf(e: ErrorObject): FieldProblem {
  const field = fieldOf(e);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': return { field, key: 'required' };
    case 'additionalProperties': return { field, key: 'unknownField' };
    case 'maxLength': return { field, key: 'tooLong', params: { max: p.limit } };
    case 'minLength': return p.limit === 1 ? { field, key: 'required' } : { field, key: 'tooShort', params: { min: p.limit } };
    case 'pattern': return { field, key: e.parentSchema && (e.parentSchema as { 'x-blank-is-missing'?: boolean })['x-blank-is-missing'] ? 'required' : 'invalid' };
    case 'enum': return { field, key: 'oneOf', params: { values: (p.allowedValues as unknown[]).join(', ') } };
    case 'format': return { field, key: p.format === 'email' ? 'email' : 'invalid' };
    case 'type': return { field, key: 'type', params: { type: p.type } };
    default: return { field, key: 'invalid' };
  }
}

/** Validates `data` against `schema`; throws a ValidationError naming every bad field at once. */
export function validate<T>(schema: object, data: unknown): T {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  if (fn(data)) return data as T;
  const seen = new Set<string>();
  const problems = (fn.errors ?? []).map(problemOf).filter((p) => {
    // One message per field: a missing field also fails its pattern, etc.
    if (seen.has(p.field)) return false;
    seen.add(p.field);
    return true;
  });
  throw new ValidationError(problems);
}
