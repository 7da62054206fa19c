/**
 * codemirror-json-schema validates with json-schema-library's draft-04 validator; rules/schema.json
 * is draft 2020-12. The one keyword the two read differently in that file is the number form of
 * exclusiveMinimum / exclusiveMaximum (draft 04: a boolean beside minimum / maximum), so this
 * rewrites it; without it `warnAt: [0]` would pass in the editor. Keywords draft 04 lacks
 * (propertyNames) are simply not checked here: the server's validator checks everything.
 */
type Schema = { [keyword: string]: unknown };

const isSchema = (v: unknown): v is Schema => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keywords whose value is a map of subschemas. */
const MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
/** Keywords whose value is a subschema or an array of them. */
const SUBS = ['items', 'prefixItems', 'additionalItems', 'additionalProperties', 'propertyNames', 'contains',
  'not', 'if', 'then', 'else', 'allOf', 'anyOf', 'oneOf', 'unevaluatedItems', 'unevaluatedProperties'];

export function toDraft04(schema: unknown): unknown {
  if (!isSchema(schema)) return schema;
  const out: Schema = { ...schema };
  for (const [exclusive, bound, tighter] of [
    ['exclusiveMinimum', 'minimum', (a: number, b: number) => a >= b],
    ['exclusiveMaximum', 'maximum', (a: number, b: number) => a <= b],
  ] as const) {
    const limit = out[exclusive];
    if (typeof limit !== 'number') continue;
    const other = out[bound];
    if (typeof other === 'number' && !tighter(limit, other)) delete out[exclusive];
    else Object.assign(out, { [bound]: limit, [exclusive]: true });
  }
  for (const key of MAPS) {
    const map = out[key];
    if (isSchema(map)) out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, toDraft04(v)]));
  }
  for (const key of SUBS) {
    const sub = out[key];
    if (Array.isArray(sub)) out[key] = sub.map(toDraft04);
    else if (isSchema(sub)) out[key] = toDraft04(sub);
  }
  return out;
}
