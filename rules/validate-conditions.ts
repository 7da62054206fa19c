/**
 * The rules' conditions (json-rules-engine's format, facts by plain path) and events:
 * known facts, operators, values and event parameters, shared conditions without cycles.
 */
import {
  BUILTIN_DECORATORS, BUILTIN_OPERATORS, CustomOperator, EVENT_TYPES, FACT_PROPERTIES, LEVELS, PRIORITIES,
} from './types.ts';
import type { EventType, FactName } from './types.ts';
import { parseFactPath, type Seg } from './paths.ts';
import { asArray, checkTeamInTier, FORBIDDEN_KEYS, isObj, listed, str, TYPE_WORDS, type Collector, type Ctx, type Obj } from './validate-support.ts';

const KNOWN_OPERATORS = new Set<string>([...BUILTIN_OPERATORS, ...Object.values(CustomOperator)]);
const KNOWN_DECORATORS = new Set(BUILTIN_DECORATORS);
/** The most decorators an operator may carry (`not:someFact:equal` has two). */
export const MAX_DECORATORS = 4;
const CONDITION_KEYS = new Set(['all', 'any', 'not', 'condition', 'fact', 'path', 'operator', 'value', 'params', 'name', 'priority']);

/**
 * The most fact tests a rule's (or a shared condition's) conditions may hold with the shared
 * conditions they refer to written out. Evaluation (json-rules-engine, the static checks) walks the
 * written-out tree, which grows as 2^N along a chain of shared conditions each referring to the
 * next twice: such a file would block the process that evaluates it.
 */
export const MAX_CONDITION_TESTS = 1000;

/**
 * Counts the fact tests of conditions with shared conditions written out, each shared condition
 * counted once (memoised by name), so the counting is linear in the file. An empty "all"/"any" and
 * anything that is not a well-formed condition count as one test (evaluation visits them too); a
 * reference in a circle (refused as CONDITION_CYCLE) or to an unknown name counts as one. Counts
 * stop at Number.MAX_SAFE_INTEGER.
 */
export function conditionTestCounter(shared: Obj): (c: unknown) => number {
  const memo = new Map<string, number>();
  const visiting = new Set<string>();
  const add = (a: number, b: number): number => Math.min(a + b, Number.MAX_SAFE_INTEGER);
  const count = (c: unknown): number => {
    if (!isObj(c)) return 1;
    const list = Array.isArray(c.all) ? c.all : Array.isArray(c.any) ? c.any : undefined;
    if (list) return Math.max(1, list.reduce<number>((n, x) => add(n, count(x)), 0));
    if (Object.hasOwn(c, 'not')) return count(c.not);
    if (typeof c.condition === 'string') {
      const name = c.condition;
      const known = memo.get(name);
      if (known !== undefined) return known;
      if (visiting.has(name) || !Object.hasOwn(shared, name) || FORBIDDEN_KEYS.includes(name)) return 1;
      visiting.add(name);
      const n = count(shared[name]);
      visiting.delete(name);
      memo.set(name, n);
      return n;
    }
    return 1;
  };
  return count;
}

export function checkSharedConditions(root: Obj, ctx: Ctx, out: Collector): void {
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
      out.add(['conditions', name], 'CONDITION_CYCLE', { cycle: cycle.join(' → ') }, `The shared conditions refer to each other in a circle: ${cycle.join(' → ')}.`);
      return;
    }
    state.set(name, 'visiting');
    for (const r of refs.get(name) ?? []) if (refs.has(r)) visit(r, [...trail, name]);
    state.set(name, 'done');
  };
  for (const name of refs.keys()) visit(name, []);
  const count = conditionTestCounter(root.conditions);
  for (const name of Object.keys(root.conditions)) {
    if (FORBIDDEN_KEYS.includes(name)) continue;
    const tests = count({ condition: name });
    if (tests > MAX_CONDITION_TESTS) {
      out.add(['conditions', name], 'CONDITION_TOO_LARGE', { context: 'shared', condition: name, tests, limit: MAX_CONDITION_TESTS },
        `The shared condition "${name}" expands to ${tests} tests when the shared conditions it refers to are written out; at most ${MAX_CONDITION_TESTS} are allowed: flatten the shared conditions it references.`);
    }
  }
}

export function checkRules(root: Obj, ctx: Ctx, out: Collector): void {
  const names = new Map<string, number>();
  const count = conditionTestCounter(isObj(root.conditions) ? root.conditions : {});
  asArray(root.rules).forEach((r, i) => {
    if (!isObj(r)) return;
    if (typeof r.name === 'string') {
      const first = names.get(r.name);
      if (first !== undefined) out.add(['rules', i, 'name'], 'DUPLICATE_RULE_NAME', { rule: r.name, other: `$.rules[${first}]` }, `Another rule (at $.rules[${first}]) is already named "${r.name}"; rule names must be unique.`);
      else names.set(r.name, i);
    }
    if (r.conditions !== undefined) {
      checkCondition(r.conditions, ['rules', i, 'conditions'], ctx, out, [], true);
      const tests = count(r.conditions);
      if (tests > MAX_CONDITION_TESTS) {
        const rule = typeof r.name === 'string' ? r.name : `$.rules[${i}]`;
        out.add(['rules', i, 'conditions'], 'CONDITION_TOO_LARGE', { rule, tests, limit: MAX_CONDITION_TESTS },
          `The rule "${rule}" expands to ${tests} tests when its shared conditions are written out; at most ${MAX_CONDITION_TESTS} are allowed: flatten the shared conditions it references.`);
      }
    }
    if (r.event !== undefined) checkEvent(r.event, ['rules', i, 'event'], ctx, out);
  });
}

function checkCondition(c: unknown, segs: Seg[], ctx: Ctx, out: Collector, refs: string[], top: boolean): void {
  if (!isObj(c)) {
    out.add(segs, 'BAD_CONDITION', { context: 'notObject' }, 'A condition must be an object with one of "all", "any", "not", "condition" or "fact".');
    return;
  }
  const kinds = ['all', 'any', 'not', 'condition', 'fact'].filter((k) => Object.hasOwn(c, k));
  if (kinds.length !== 1) {
    if (kinds.length === 0) out.add(segs, 'BAD_CONDITION', { context: 'noKind' }, 'A condition must have one of "all", "any", "not", "condition" or "fact".');
    else {
      const has = listed(kinds.map((k) => `"${k}"`));
      out.add(segs, 'BAD_CONDITION', { context: 'manyKinds', kinds: has }, `A condition must have only one of "all", "any", "not", "condition" or "fact"; this one has ${has}.`);
    }
    return;
  }
  for (const key of Object.keys(c)) {
    if (!CONDITION_KEYS.has(key) && !FORBIDDEN_KEYS.includes(key)) out.add([...segs, key], 'UNKNOWN_CONDITION_KEY', { key }, `"${key}" is not part of a condition; check its spelling.`);
  }
  if (c.priority !== undefined && !(Number.isInteger(c.priority) && (c.priority as number) >= 1)) out.add([...segs, 'priority'], 'OUT_OF_RANGE', { context: 'conditionPriority' }, 'A condition\'s priority must be a whole number of at least 1.');
  const kind = kinds[0] as string;
  if (top && kind === 'fact') {
    out.add(segs, 'BAD_CONDITION', { context: 'top' }, 'The top of a rule\'s conditions must be "all", "any", "not" or "condition"; wrap a single fact test in "all": [ … ].');
  }
  if (kind === 'all' || kind === 'any') {
    if (!Array.isArray(c[kind])) out.add([...segs, kind], 'BAD_CONDITION', { context: 'notList', kind }, `"${kind}" must be a list of conditions.`);
    else c[kind].forEach((sub, i) => checkCondition(sub, [...segs, kind, i], ctx, out, refs, false));
  } else if (kind === 'not') {
    if (Array.isArray(c.not)) out.add([...segs, 'not'], 'BAD_CONDITION', { context: 'notSingle' }, '"not" must hold one condition, not a list.');
    else checkCondition(c.not, [...segs, 'not'], ctx, out, refs, false);
  } else if (kind === 'condition') {
    if (typeof c.condition !== 'string') out.add([...segs, 'condition'], 'BAD_CONDITION', { context: 'conditionName' }, '"condition" must name a shared condition.');
    else {
      refs.push(c.condition);
      if (!ctx.sharedConditions.has(c.condition)) out.add([...segs, 'condition'], 'UNKNOWN_CONDITION', { condition: c.condition }, `No shared condition is named "${c.condition}"; define it under "conditions".`);
    }
  } else {
    checkFactCondition(c, segs, ctx, out);
  }
}

function checkFactRef(fact: unknown, path: unknown, segs: Seg[], out: Collector): FactName | undefined {
  if (typeof fact !== 'string') {
    out.add([...segs, 'fact'], 'BAD_CONDITION', { context: 'factName' }, '"fact" must name a fact.');
    return undefined;
  }
  if (!Object.hasOwn(FACT_PROPERTIES, fact)) {
    const facts = listed(Object.keys(FACT_PROPERTIES));
    out.add([...segs, 'fact'], 'UNKNOWN_FACT', { fact, facts }, `There is no fact named "${fact}"; the facts are ${facts}.`);
    return undefined;
  }
  const name = fact as FactName;
  if (path === undefined) return name;
  if (typeof path !== 'string') {
    out.add([...segs, 'path'], 'BAD_CONDITION', { context: 'pathText' }, '"path" must be text like "$.impact".');
    return undefined;
  }
  const parsed = parseFactPath(path);
  if (parsed === null) {
    out.add([...segs, 'path'], 'UNSUPPORTED_PATH', { path }, `The path "${path}" is not supported; write a plain path like "$.impact" or "$['impact']".`);
    return undefined;
  }
  const props = FACT_PROPERTIES[name];
  const first = parsed[0];
  if (props && first !== undefined && (typeof first !== 'string' || !props.includes(first))) {
    const properties = listed(props);
    out.add([...segs, 'path'], 'UNKNOWN_FACT', { context: 'property', fact, property: String(first), properties }, `The fact "${fact}" has no property "${String(first)}"; it has ${properties}.`);
    return undefined;
  }
  return name;
}

/** Closed lists of values of fact properties (also used by the static checks, rules/checks-conditions.ts). */
export const VALUE_DOMAINS: Readonly<Record<string, readonly string[]>> = {
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
    out.add([...segs, 'operator'], 'MISSING_OPERATOR', {}, 'A fact condition needs an "operator", e.g. "equal".');
  } else {
    const parts = c.operator.split(':');
    const base = parts[parts.length - 1] as string;
    const badDecorator = parts.slice(0, -1).find((d) => !KNOWN_DECORATORS.has(d));
    // At most MAX_DECORATORS: a chain of thousands overflows json-rules-engine's stack.
    if (!KNOWN_OPERATORS.has(base) || badDecorator !== undefined || parts.length - 1 > MAX_DECORATORS) {
      const operators = listed([...KNOWN_OPERATORS]);
      const decorators = listed(BUILTIN_DECORATORS.map((d) => `${d}:`));
      out.add([...segs, 'operator'], 'UNKNOWN_OPERATOR', { operator: c.operator, operators, decorators }, `"${c.operator}" is not an operator; use one of ${operators} (optionally prefixed by ${decorators}).`);
    }
  }
  if (!Object.hasOwn(c, 'value')) {
    out.add([...segs, 'value'], 'MISSING_VALUE', {}, 'A fact condition needs a "value" to compare with.');
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
        const allowed = listed(domainOf);
        out.add(Array.isArray(c.value) ? [...segs, 'value', i] : [...segs, 'value'], 'UNKNOWN_VALUE', { value: v, fact: String(c.fact), path: String(c.path), allowed }, `"${v}" can never match ${String(c.fact)} ${String(c.path)}; its values are ${allowed}.`);
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
    out.add(segs, 'BAD_EVENT', { context: 'notObject' }, 'An event must be an object with a "type" and "params".');
    return;
  }
  for (const key of Object.keys(e)) {
    if (key !== 'type' && key !== 'params' && !FORBIDDEN_KEYS.includes(key)) out.add([...segs, key], 'UNKNOWN_PROPERTY', { context: 'event', property: key }, `"${key}" is not part of an event; an event has "type" and "params".`);
  }
  if (typeof e.type !== 'string') {
    out.add([...segs, 'type'], 'BAD_EVENT', { context: 'noType', types: listed(EVENT_TYPES) }, `An event needs a "type": one of ${listed(EVENT_TYPES)}.`);
    return;
  }
  if (!(EVENT_TYPES as readonly string[]).includes(e.type)) {
    out.add([...segs, 'type'], 'UNKNOWN_EVENT_TYPE', { type: e.type, types: listed(EVENT_TYPES) }, `"${e.type}" is not an event the helpdesk acts on; use one of ${listed(EVENT_TYPES)}.`);
    return;
  }
  const type = e.type as EventType;
  const spec = EVENT_PARAMS[type];
  const params = e.params === undefined ? {} : e.params;
  if (!isObj(params)) {
    out.add([...segs, 'params'], 'BAD_EVENT', { context: 'params' }, '"params" must be an object.');
    return;
  }
  const p = (k: string): Seg[] => [...segs, 'params', k];
  for (const [name, [required, kind]] of Object.entries(spec)) {
    const v = params[name];
    if (v === undefined) {
      if (required) out.add(p(name), 'MISSING_EVENT_PARAM', { type, param: name }, `The "${type}" event needs the parameter "${name}".`);
      continue;
    }
    const ok = kind === 'roles'
      ? Array.isArray(v) && v.length > 0 && v.every((r) => typeof r === 'string' && /^[a-z][a-z0-9_]*$/.test(r))
      : typeof v === kind;
    if (!ok && kind === 'roles') out.add(p(name), 'BAD_EVENT_PARAM', { context: 'roles' }, 'The "roles" parameter must be a non-empty list of role names such as "team_lead".');
    else if (!ok) out.add(p(name), 'BAD_EVENT_PARAM', { param: name, expected: kind }, `The parameter "${name}" must be ${TYPE_WORDS[kind] ?? kind}.`);
  }
  for (const name of Object.keys(params)) {
    if (!Object.hasOwn(spec, name) && !FORBIDDEN_KEYS.includes(name)) out.add(p(name), 'UNKNOWN_EVENT_PARAM', { type, param: name, allowed: listed(Object.keys(spec)) }, `The "${type}" event has no parameter "${name}"; it takes ${listed(Object.keys(spec))}.`);
  }
  const s = (k: string): string | undefined => str(params[k]);
  switch (type) {
    case 'set-priority': {
      const v = s('priority');
      if (v !== undefined && !(PRIORITIES as readonly string[]).includes(v)) out.add(p('priority'), 'UNKNOWN_PRIORITY', { context: 'event', value: v, allowed: listed(PRIORITIES) }, `"${v}" is not a priority; use one of ${listed(PRIORITIES)}.`);
      break;
    }
    case 'set-category': {
      const v = s('category');
      if (v !== undefined && ctx.categories && !ctx.categories.has(v)) out.add(p('category'), 'UNKNOWN_CATEGORY', { context: 'event', category: v }, `The category "${v}" is not listed in "categories".`);
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
      if (v !== undefined && !ctx.serviceLevels.has(v)) out.add(p('serviceLevel'), 'UNKNOWN_SERVICE_LEVEL', { context: 'event', serviceLevel: v }, `The service level "${v}" is not listed in "serviceLevels".`);
      break;
    }
    case 'set-sla-policy': {
      const v = s('policy');
      if (v !== undefined && !ctx.policies.has(v)) out.add(p('policy'), 'UNKNOWN_SLA_POLICY', { policy: v }, `No SLA policy has the id "${v}".`);
      break;
    }
    case 'set-ladder': {
      const v = s('ladder');
      if (v !== undefined && !ctx.ladders.has(v)) out.add(p('ladder'), 'UNKNOWN_LADDER', { context: 'event', ladder: v }, `No escalation ladder has the id "${v}".`);
      break;
    }
    default:
      break;
  }
}
