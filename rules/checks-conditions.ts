/**
 * Static checks of the rules' conditions: values a fact can never have, conditions that can never
 * all hold, and rules that a rule applied before them always overrides. Only what can be proved
 * from the text is claimed: a condition written with a decorator (`not:equal`) or compared with
 * another fact is left alone.
 */
import { Channel } from '../workflows/types.ts';
import { canonicalJson } from './hash.ts';
import { parseFactPath, renderPath, type Seg } from './paths.ts';
import type { Condition, Rule, RulesFile } from './types.ts';
import { VALUE_DOMAINS } from './validate-conditions.ts';
import { CheckCode, quote, type Findings } from './checks-support.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A plain fact test: fact, its canonical path, operator without decorators, a literal value. */
interface Atom { key: string; fact: string; path: string; operator: string; value: unknown; segs: Seg[] }

function atomOf(c: Obj, segs: Seg[]): Atom | undefined {
  if (typeof c.fact !== 'string' || typeof c.operator !== 'string' || c.operator.includes(':')) return undefined;
  if (isObj(c.value) && Object.hasOwn(c.value, 'fact')) return undefined; // compared with another fact
  let path = '';
  if (c.path !== undefined) {
    const parsed = typeof c.path === 'string' ? parseFactPath(c.path) : null;
    if (!parsed) return undefined;
    path = parsed.length > 0 ? renderPath(parsed) : '';
  }
  return { key: `${c.fact}${path}`, fact: c.fact, path, operator: c.operator, value: c.value, segs };
}

const HOURS = Array.from({ length: 24 }, (_, h) => String(h));

/** What a fact property can be: a list of texts, true/false, or a whole hour. */
function domainOf(key: string, file: RulesFile): { allowed: string[]; test: (v: unknown) => boolean } | undefined {
  const inList = (list: readonly string[]) => ({ allowed: [...list], test: (v: unknown) => typeof v === 'string' && list.includes(v) });
  const fixed = VALUE_DOMAINS[key.replace('$.', '.')];
  if (fixed && /^\w+\$\.\w+$/.test(key)) return inList(fixed);
  switch (key) {
    case 'requester$.serviceLevel': return inList(file.serviceLevels ?? []);
    case 'ticket$.category': return Array.isArray(file.categories) ? inList(file.categories) : undefined;
    case 'ticket$.channel': return inList(Object.values(Channel));
    case 'calendar$.open':
    case 'requester$.vip': return { allowed: ['true', 'false'], test: (v) => typeof v === 'boolean' };
    case 'time$.hour': return { allowed: HOURS, test: (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 23 };
    default: return undefined;
  }
}

/** A fact with its path, as a message names it: `ticket $.impact`. */
const subjectOf = (fact: string, path: string): string => `${fact}${path ? ` ${path}` : ''}`;

function checkAtom(a: Atom, file: RulesFile, out: Findings): void {
  const where = subjectOf(a.fact, a.path);
  if (a.operator === 'in' && Array.isArray(a.value) && a.value.length === 0) {
    out.add([...a.segs, 'value'], CheckCode.EmptyInList, { fact: a.fact, path: a.path, subject: where },
      `${where} "in" an empty list is never true; list the values it may have, or remove the condition.`);
  }
  if (!['equal', 'notEqual', 'in', 'notIn'].includes(a.operator)) return;
  const domain = domainOf(a.key, file);
  if (!domain) return;
  const listed = a.operator === 'in' || a.operator === 'notIn';
  if (listed && !Array.isArray(a.value)) return;
  const values = listed ? (a.value as unknown[]) : [a.value];
  values.forEach((v, i) => {
    if (domain.test(v)) return;
    const negated = a.operator.startsWith('not');
    out.add(listed ? [...a.segs, 'value', i] : [...a.segs, 'value'], CheckCode.ImpossibleValue,
      { ...(negated ? { context: 'negated' } : {}), fact: a.fact, path: a.path, subject: where, value: quote(v), allowed: domain.allowed },
      `${where} is never ${quote(v)}: its values are ${domain.allowed.join(', ')}, so this test ${negated ? 'is always true' : 'never matches'}.`);
  });
}

/** The plain fact tests of an `all`, nested `all`s flattened. */
function conjuncts(c: Obj, segs: Seg[]): Atom[] {
  const found: Atom[] = [];
  (c.all as unknown[]).forEach((child, i) => {
    if (!isObj(child)) return;
    const at = [...segs, 'all', i];
    if (Array.isArray(child.all)) found.push(...conjuncts(child, at));
    else if (typeof child.fact === 'string') { const a = atomOf(child, at); if (a) found.push(a); }
  });
  return found;
}

type Bound = { value: number; strict: boolean; atom: Atom };
/** A bound in English, by its code (the `bound` words of locales/{lng}/rules.json). */
const BOUND_WORDS = { above: 'above', atLeast: 'at least', below: 'below', atMost: 'at most' } as const;
const LOWER: Record<string, boolean> = { greaterThan: true, greaterThanInclusive: false };
const UPPER: Record<string, boolean> = { lessThan: true, lessThanInclusive: false };

/** Tests of one `all` on the same fact and path that cannot hold together. */
function checkConjunction(atoms: Atom[], out: Findings): void {
  const groups = new Map<string, Atom[]>();
  for (const a of atoms) groups.set(a.key, [...(groups.get(a.key) ?? []), a]);
  for (const group of groups.values()) {
    const { fact, path } = group[0]!;
    const where = subjectOf(fact, path);
    /** The two in the order written: the finding is placed on the second. */
    const later = (a: Atom, b: Atom): [Atom, Atom] => (group.indexOf(a) < group.indexOf(b) ? [a, b] : [b, a]);
    const equals = group.filter((a) => a.operator === 'equal');
    const first = equals[0];
    const other = first && equals.find((a) => canonicalJson(a.value) !== canonicalJson(first.value));
    if (first && other) {
      out.add(other.segs, CheckCode.ConflictingEquals, { fact, path, subject: where, value: quote(other.value), otherValue: quote(first.value), other: renderPath(first.segs) },
        `${where} cannot equal both ${quote(first.value)} (${renderPath(first.segs)}) and ${quote(other.value)} at once, so these conditions never hold.`);
    }
    const clash = equals.flatMap((e) => group.filter((n) => n.operator === 'notEqual' && canonicalJson(n.value) === canonicalJson(e.value)).map((n) => later(e, n)))[0];
    if (clash) {
      const [a, b] = clash;
      out.add(b.segs, CheckCode.EqualAndNotEqual, { fact, path, subject: where, value: quote(b.value), other: renderPath(a.segs) },
        `${where} must both equal and not equal ${quote(b.value)} (with ${renderPath(a.segs)}), so these conditions never hold.`);
    }
    const bounds = (table: Record<string, boolean>): Bound[] => group
      .filter((a) => Object.hasOwn(table, a.operator) && typeof a.value === 'number')
      .map((atom) => ({ value: atom.value as number, strict: table[atom.operator] as boolean, atom }));
    const empty = bounds(LOWER).flatMap((lo) => bounds(UPPER)
      .filter((hi) => lo.value > hi.value || (lo.value === hi.value && (lo.strict || hi.strict)))
      .map((hi) => [lo, hi] as const))[0];
    if (empty) {
      const [lo, hi] = empty;
      const [a, b] = later(lo.atom, hi.atom);
      const lowerBound = lo.strict ? 'above' : 'atLeast';
      const upperBound = hi.strict ? 'below' : 'atMost';
      out.add(b.segs, CheckCode.EmptyRange, { fact, path, subject: where, lowerBound, lower: lo.value, upperBound, upper: hi.value, other: renderPath(a.segs) },
        `${where} must be ${BOUND_WORDS[lowerBound]} ${lo.value} and ${BOUND_WORDS[upperBound]} ${hi.value} (with ${renderPath(a.segs)}): no value is both, so these conditions never hold.`);
    }
  }
}

function walk(c: unknown, segs: Seg[], file: RulesFile, out: Findings, inAll: boolean): void {
  if (!isObj(c)) return;
  if (Array.isArray(c.all)) {
    if (!inAll) checkConjunction(conjuncts(c, segs), out);
    c.all.forEach((child, i) => walk(child, [...segs, 'all', i], file, out, true));
  } else if (Array.isArray(c.any)) {
    c.any.forEach((child, i) => walk(child, [...segs, 'any', i], file, out, false));
  } else if (c.not !== undefined) {
    walk(c.not, [...segs, 'not'], file, out, false);
  } else if (typeof c.fact === 'string') {
    const a = atomOf(c, segs);
    if (a) checkAtom(a, file, out);
  }
}

// ---------------------------------------------------------------------------------------------
// Shadowed rules

/** A field an event sets, in English, by its code (the `field` words of locales/{lng}/rules.json). */
const FIELD_WORDS = { priority: 'priority', category: 'category', team: 'team', serviceLevel: 'service level', slaPolicy: 'SLA policy', ladder: 'ladder' } as const;
type Field = keyof typeof FIELD_WORDS;

/** The field an event sets once (the first applied event wins), if it sets one. */
function singleField(rule: Rule): Field | undefined {
  const p = rule.event?.params ?? {};
  switch (rule.event?.type) {
    case 'set-priority': return p.atLeast === true ? undefined : 'priority';
    case 'set-category': return 'category';
    case 'route': return 'team';
    case 'set-service-level': return 'serviceLevel';
    case 'set-sla-policy': return 'slaPolicy';
    case 'set-ladder': return 'ladder';
    default: return undefined;
  }
}

/**
 * Tests that hold whenever a condition holds: its `all` items (and single-item `any`s), shared
 * conditions inlined. Each shared condition is read once (memoised by name) and the tests kept as
 * a set, so a chain of shared conditions each referring to the next twice costs its length, not
 * 2^length. A reference back into a circle (an invalid file) adds nothing: fewer tests given only
 * makes {@link holdsUnder} claim less.
 */
function atomsCollector(shared: Record<string, Condition>): (c: unknown) => ReadonlySet<string> {
  const memo = new Map<string, ReadonlySet<string>>();
  const visiting = new Set<string>();
  const none: ReadonlySet<string> = new Set();
  const atomsOf = (c: unknown): ReadonlySet<string> => {
    if (!isObj(c)) return none;
    if (Array.isArray(c.all)) {
      const found = new Set<string>();
      for (const x of c.all) for (const a of atomsOf(x)) found.add(a);
      return found;
    }
    if (Array.isArray(c.any) && c.any.length === 1) return atomsOf(c.any[0]);
    if (typeof c.condition === 'string' && Object.hasOwn(shared, c.condition) && isObj(shared[c.condition])) {
      const name = c.condition;
      const known = memo.get(name);
      if (known) return known;
      if (visiting.has(name)) return none;
      visiting.add(name);
      const found = atomsOf(shared[name]);
      visiting.delete(name);
      memo.set(name, found);
      return found;
    }
    return new Set([canonicalJson(c)]);
  };
  return atomsOf;
}

/**
 * Whether a condition surely holds when every test in `given` holds, each shared condition
 * answered once (memoised by name) for these `given`; a reference back into a circle (an invalid
 * file) is not claimed to hold.
 */
function holdsUnder(given: ReadonlySet<string>, shared: Record<string, Condition>): (c: unknown) => boolean {
  const memo = new Map<string, boolean>();
  const visiting = new Set<string>();
  const holds = (c: unknown): boolean => {
    if (!isObj(c)) return false;
    if (Array.isArray(c.all)) return c.all.every(holds);
    if (Array.isArray(c.any)) return c.any.some(holds);
    if (typeof c.condition === 'string' && Object.hasOwn(shared, c.condition) && isObj(shared[c.condition])) {
      const name = c.condition;
      const known = memo.get(name);
      if (known !== undefined) return known;
      if (visiting.has(name)) return false;
      visiting.add(name);
      const result = holds(shared[name]);
      visiting.delete(name);
      memo.set(name, result);
      return result;
    }
    return given.has(canonicalJson(c));
  };
  return holds;
}

function checkShadowing(file: RulesFile, out: Findings): void {
  const rules = Array.isArray(file.rules) ? file.rules : [];
  const shared = isObj(file.conditions) ? file.conditions : {};
  const atomsOf = atomsCollector(shared);
  // The evaluator's order: higher priority first, equal priority in file order.
  const order = rules.map((r, i) => ({ r, i })).filter(({ r }) => isObj(r))
    .sort((a, b) => (b.r.priority ?? 1) - (a.r.priority ?? 1) || a.i - b.i);
  order.forEach(({ r: rule, i }, k) => {
    const field = singleField(rule);
    if (!field) return;
    const holds = holdsUnder(atomsOf(rule.conditions), shared);
    const by = order.slice(0, k).find(({ r }) => singleField(r) === field && holds(r.conditions));
    if (!by) return;
    const byPriority = by.r.priority ?? 1;
    const higher = byPriority > (rule.priority ?? 1);
    const before = higher ? `its higher priority (${byPriority})` : 'the same priority, earlier in the file';
    out.add(['rules', i], CheckCode.ShadowedRule, { context: higher ? 'higher' : 'earlier', rule: rule.name, by: by.r.name, byPath: renderPath(['rules', by.i]), field, byPriority },
      `The rule "${rule.name}" never decides the ${FIELD_WORDS[field]}: whenever it fires, "${by.r.name}" (${renderPath(['rules', by.i])}) fires too and, by ${before}, is applied first and sets it.`);
  });
}

/** Condition findings of the whole file: shared conditions, each rule's conditions, shadowing. */
export function checkConditions(file: RulesFile, out: Findings): void {
  if (isObj(file.conditions)) for (const [name, c] of Object.entries(file.conditions)) walk(c, ['conditions', name], file, out, false);
  (Array.isArray(file.rules) ? file.rules : []).forEach((r, i) => { if (isObj(r)) walk(r.conditions, ['rules', i, 'conditions'], file, out, false); });
  checkShadowing(file, out);
}
