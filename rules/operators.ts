/**
 * The operators of the rules' conditions with json-rules-engine's exact semantics (its
 * engine-default-operators.js and engine-default-operator-decorators.js, v7): the built-in ones,
 * this helpdesk's three (rules/README.md), and the decorators written as a prefix
 * (`"not:someFact:equal"`, outermost first). Used by the compiled evaluator (rules/compiled.ts);
 * json-rules-engine itself stays the reference (rules/reference-engine.ts, the differential test).
 *
 * An operator is `(factValue, jsonValue) => boolean`, its fact-value validator checked first as
 * json-rules-engine's Operator.evaluate does. Where json-rules-engine would throw (e.g. `in` with
 * a number as its value, `someValue` without a list), this throws too, at the same condition.
 */

export type OperatorFn = (fact: unknown, value: unknown) => boolean;

interface Op {
  validate: ((fact: unknown) => boolean) | null;
  test: OperatorFn;
  /** May the test throw for some JSON fact or value (json-rules-engine's would)? */
  mayThrow: boolean;
}

const numberValidator = (v: unknown): boolean => Number.parseFloat(v as string).toString() !== 'NaN';
const indexOf = (list: unknown, item: unknown): number => (list as unknown[]).indexOf(item);

const BASE: Record<string, Op> = {
  equal: { validate: null, test: (a, b) => a === b, mayThrow: false },
  notEqual: { validate: null, test: (a, b) => a !== b, mayThrow: false },
  in: { validate: null, test: (a, b) => indexOf(b, a) > -1, mayThrow: true },
  notIn: { validate: null, test: (a, b) => indexOf(b, a) === -1, mayThrow: true },
  contains: { validate: Array.isArray, test: (a, b) => indexOf(a, b) > -1, mayThrow: false },
  doesNotContain: { validate: Array.isArray, test: (a, b) => indexOf(a, b) === -1, mayThrow: false },
  lessThan: { validate: numberValidator, test: (a, b) => (a as number) < (b as number), mayThrow: false },
  lessThanInclusive: { validate: numberValidator, test: (a, b) => (a as number) <= (b as number), mayThrow: false },
  greaterThan: { validate: numberValidator, test: (a, b) => (a as number) > (b as number), mayThrow: false },
  greaterThanInclusive: { validate: numberValidator, test: (a, b) => (a as number) >= (b as number), mayThrow: false },
  // This helpdesk's (added to json-rules-engine with engine.addOperator: no validator).
  containsAny: { validate: null, test: (a, b) => Array.isArray(a) && Array.isArray(b) && someIncluded(a, b), mayThrow: false },
  containsAll: { validate: null, test: (a, b) => Array.isArray(a) && Array.isArray(b) && everyIncluded(a, b), mayThrow: false },
  textContains: {
    validate: null,
    test: (a, b) => typeof a === 'string' && typeof b === 'string' && a.toLowerCase().includes(b.toLowerCase()),
    mayThrow: false,
  },
};

// Loops, not callbacks: a closure made per call costs more than the test (tsx names each one).
function someIncluded(list: unknown[], wanted: unknown[]): boolean {
  for (let i = 0; i < wanted.length; i++) if (list.includes(wanted[i])) return true;
  return false;
}
function everyIncluded(list: unknown[], wanted: unknown[]): boolean {
  for (let i = 0; i < wanted.length; i++) if (!list.includes(wanted[i])) return false;
  return true;
}

/** Not a list: json-rules-engine calls .some / .every on it all the same, which throws. */
function notAList(v: unknown, method: 'some' | 'every'): boolean {
  return (v as { [k: string]: (f: () => boolean) => boolean })[method]!(() => false);
}

type Next = (fact: unknown, value: unknown) => boolean;

/**
 * some (stop at the first true) or every (stop at the first false) over the fact's items; the
 * fact decorators' validate has already made sure it is a list.
 */
function overFact(next: Next, some: boolean): OperatorFn {
  return (f, v) => {
    const a = f as unknown[];
    for (let i = 0; i < a.length; i++) if (some ? next(a[i], v) : !next(a[i], v)) return some;
    return !some;
  };
}

/** The same over the value's items; a value that is no list throws as json-rules-engine's does. */
function overValue(next: Next, some: boolean): OperatorFn {
  return (f, v) => {
    if (!Array.isArray(v)) return notAList(v, some ? 'some' : 'every');
    for (let i = 0; i < v.length; i++) if (some ? next(f, v[i]) : !next(f, v[i])) return some;
    return !some;
  };
}

const DECORATORS: Record<string, { validate: ((fact: unknown) => boolean) | null; wrap: (next: Next) => OperatorFn; mayThrow: boolean }> = {
  someFact: { validate: Array.isArray, wrap: (next) => overFact(next, true), mayThrow: false },
  someValue: { validate: null, wrap: (next) => overValue(next, true), mayThrow: true },
  everyFact: { validate: Array.isArray, wrap: (next) => overFact(next, false), mayThrow: false },
  everyValue: { validate: null, wrap: (next) => overValue(next, false), mayThrow: true },
  swap: { validate: null, wrap: (next) => (f, v) => next(v, f), mayThrow: true },
  not: { validate: null, wrap: (next) => (f, v) => !next(f, v), mayThrow: false },
};

/** An operator ready to call, and whether a call may throw for the condition's value. */
export interface CompiledOperator {
  evaluate: OperatorFn;
  mayThrow: boolean;
}

const withValidator = (validate: ((fact: unknown) => boolean) | null, test: OperatorFn): OperatorFn =>
  validate === null ? test : (f, v) => validate(f) && test(f, v);

/**
 * The operator named `name` (decorators included), or null when it is not one. `staticValue`, when
 * the condition's value is a constant, lets `in`/`notIn` with a list or text value count as never
 * throwing.
 */
export function compileOperator(name: string, staticValue: { value: unknown } | null): CompiledOperator | null {
  const parts = name.split(':');
  const baseName = parts[parts.length - 1] as string;
  const base = Object.hasOwn(BASE, baseName) ? BASE[baseName] : undefined;
  if (!base) return null;
  let fn = withValidator(base.validate, base.test);
  const decorators = parts.slice(0, -1);
  let mayThrow = base.mayThrow;
  // not, someFact and everyFact hand the value on unchanged: a list or text value keeps in/notIn safe.
  if (mayThrow && staticValue !== null && decorators.every((d) => d === 'not' || d === 'someFact' || d === 'everyFact')) {
    const v = staticValue.value;
    mayThrow = !(typeof v === 'string' || Array.isArray(v));
  }
  for (let i = decorators.length - 1; i >= 0; i--) {
    const key = decorators[i] as string;
    const d = Object.hasOwn(DECORATORS, key) ? DECORATORS[key] : undefined;
    if (!d) return null;
    fn = withValidator(d.validate, d.wrap(fn));
    mayThrow ||= d.mayThrow;
  }
  return { evaluate: fn, mayThrow };
}
