/**
 * The compiled evaluator (rules/compiled.ts) against json-rules-engine (rules/reference-engine.ts):
 * fast-check generates rules files (every operator with up to four decorators, constants —
 * objects with keys like `toString` among them — and fact references as values, paths, condition and rule priorities, names, params, nested
 * all/any/not, shared conditions referring to each other) and tickets, and both evaluators must
 * give the same decision, explanation included, byte for byte as JSON — or both refuse the ticket.
 * The shipped default file and the 500-rule synthetic file of bench/rules-throughput.ts are checked
 * the same way on generated tickets.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { compileRules, evaluateFacts, ruleFacts, type CompiledRules } from '../rules/evaluate.ts';
import { hashRules } from '../rules/hash.ts';
import { referenceEvaluateFacts } from '../rules/reference-engine.ts';
import { BUILTIN_DECORATORS, BUILTIN_OPERATORS, CustomOperator, FACT_PROPERTIES, LEVELS } from '../rules/types.ts';
import type { Condition, Rule, RulesFile, TicketFacts } from '../rules/types.ts';
import { validateRulesObject } from '../rules/validate.ts';
import { defaultRules } from './rules-fixtures.ts';

/** Generated rules files; each is evaluated on TICKETS_PER_FILE generated tickets. */
const RUNS = Number(process.env.DIFFERENTIAL_RUNS ?? 10_000);
const TICKETS_PER_FILE = 3;

const WORDS = ['vpn', 'VPN', 'network', 'wifi', 'printer', 'sap', 'mail', 'outage', 'down', 'access', 'gold', 'high', 'low', 'dept1', 'dept2', 'p1', ''];
const LIST_WORDS = ['vpn', 'network', 'printer', 'outage', 'down', 'access', 'dept1'];
const OPERATORS = [...BUILTIN_OPERATORS, ...Object.values(CustomOperator)];
const FACTS = Object.keys(FACT_PROPERTIES) as Array<keyof typeof FACT_PROPERTIES>;
const DOMAINS: Record<string, readonly string[]> = {
  'ticket.impact': LEVELS, 'ticket.urgency': LEVELS, 'matrix.impact': LEVELS, 'matrix.urgency': LEVELS,
  'matrix.priority': ['P1', 'P2', 'P3', 'P4'], 'time.weekday': ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
  'requester.serviceLevel': ['gold', 'silver', 'standard'],
};

const scalar = fc.oneof(
  fc.constantFrom(...WORDS),
  fc.constantFrom(0, 1, 9, 10, 17, -1, 2.5, 23),
  fc.boolean(),
  fc.constant(null),
);
// Objects too, with keys Object.prototype also has (json-rules-engine's copy leaves those out).
const objectValue = fc.constantFrom({}, { toString: 1, a: 'vpn' }, { valueOf: 2 }, { a: { hasOwnProperty: 'x', b: 1 } }, [{ isPrototypeOf: 1 }]);
const constant = fc.oneof({ weight: 3, arbitrary: scalar }, { weight: 2, arbitrary: fc.array(scalar, { maxLength: 3 }) }, { weight: 1, arbitrary: fc.array(fc.constantFrom(...LIST_WORDS), { minLength: 1, maxLength: 3 }) }, { weight: 1, arbitrary: objectValue });

/** A fact and a path the validator accepts (or no path). */
const factAndPath = fc.constantFrom(...FACTS).chain((fact) => {
  const props = FACT_PROPERTIES[fact];
  const paths: Array<string | undefined> = props
    ? [undefined, ...props.map((p) => `$.${p}`), `$['${props[0]}']`, '$']
    : [undefined, '$[0]', '$.length', '$'];
  return fc.constantFrom(...paths).map((path) => ({ fact, path }));
});

// Mostly undecorated: decorators such as someValue and swap make many conditions throw (in both).
const decorators = fc.oneof({ weight: 6, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: fc.array(fc.constantFrom(...BUILTIN_DECORATORS), { minLength: 1, maxLength: 4 }) });
const operator = fc.tuple(decorators, fc.constantFrom(...OPERATORS)).map(([d, base]) => [...d, base].join(':'));
const listValue = fc.oneof(fc.array(scalar, { maxLength: 3 }), fc.array(fc.constantFrom(...LIST_WORDS), { minLength: 1, maxLength: 3 }));

const optionalProps = fc.record({
  priority: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
  name: fc.option(fc.constantFrom('a', 'b', ''), { nil: undefined }),
}, { requiredKeys: [] });

const factCondition: fc.Arbitrary<Condition> = fc.tuple(factAndPath, operator, fc.oneof({ weight: 4, arbitrary: fc.tuple(constant, fc.option(listValue, { nil: undefined, freq: 5 })).map(([v, list]) => ({ v, list })) }, { weight: 1, arbitrary: factAndPath.map((r) => ({ ref: r })) }), optionalProps, fc.option(fc.constantFrom({}, { x: 1 }, { toString: 'x', y: 2 }), { nil: undefined }))
  .map(([{ fact, path }, op, val, props, params]) => {
    let value: unknown;
    if ('ref' in val) value = { fact: val.ref.fact, ...(val.ref.path !== undefined ? { path: val.ref.path } : {}) };
    else {
      value = val.v;
      // Mostly a list or text for in/notIn (anything else throws, in both evaluators).
      if (/(^|:)(in|notIn)$/.test(op) && !Array.isArray(value) && typeof value !== 'string' && val.list !== undefined) value = val.list;
      // The validator refuses strings outside a closed list for equal/notEqual/in/notIn.
      const prop = path?.match(/^\$(?:\.(\w+)|\['(\w+)'\])$/);
      const domain = prop ? DOMAINS[`${fact}.${prop[1] ?? prop[2]}`] : undefined;
      if (domain && ['equal', 'notEqual', 'in', 'notIn'].includes(op)) {
        const fix = (x: unknown): unknown => (typeof x === 'string' && !domain.includes(x) ? domain[x.length % domain.length] : x);
        value = Array.isArray(value) ? value.map(fix) : fix(value);
      }
    }
    return { fact, ...(path !== undefined ? { path } : {}), operator: op, value, ...stripUndefined(props), ...(params !== undefined ? { params } : {}) };
  });

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** Conditions over the shared names `shared` (a reference names one of them). */
function conditionArb(shared: string[]): { top: fc.Arbitrary<Condition>; any: fc.Arbitrary<Condition> } {
  const ref = shared.length > 0
    ? fc.tuple(fc.constantFrom(...shared), optionalProps).map(([n, p]) => ({ condition: n, ...stripUndefined(p) }))
    : null;
  const tree = fc.letrec<{ node: Condition; bool: Condition }>((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true },
      { weight: 5, arbitrary: factCondition },
      { weight: 2, arbitrary: tie('bool') },
      ...(ref ? [{ weight: 1, arbitrary: ref }] : [])),
    bool: fc.tuple(fc.constantFrom('all', 'any', 'not'), fc.array(tie('node'), { maxLength: 4 }), tie('node'), optionalProps)
      .map(([kind, list, single, props]) => (kind === 'not' ? { not: single, ...stripUndefined(props) } : { [kind]: list, ...stripUndefined(props) })),
  }));
  const top = ref ? fc.oneof({ weight: 6, arbitrary: tree.bool }, { weight: 1, arbitrary: ref }) : tree.bool;
  return { top, any: tree.node };
}

const EVENTS = [
  { type: 'add-tag', params: { tag: 'x' } }, { type: 'add-tag', params: { tag: 'y' } },
  { type: 'set-priority', params: { priority: 'P1' } }, { type: 'set-priority', params: { priority: 'P2', atLeast: true } },
  { type: 'set-priority', params: { priority: 'P4' } }, { type: 'set-category', params: { category: 'network' } },
  { type: 'route', params: { team: 'infrastructure' } }, { type: 'route', params: { team: 'service-desk', tier: 'L1' } },
  { type: 'set-service-level', params: { serviceLevel: 'gold' } }, { type: 'escalate', params: { tier: 'L3', reason: 'hard' } },
  { type: 'escalate', params: { tier: 'L2' } }, { type: 'notify', params: { roles: ['duty_manager'] } },
  { type: 'set-sla-policy', params: { policy: 'silver-p1' } }, { type: 'set-ladder', params: { ladder: 'p1-major' } },
];

const rulesFile: fc.Arbitrary<RulesFile> = fc.integer({ min: 0, max: 3 }).chain((nShared) => {
  const names = Array.from({ length: nShared }, (_, i) => `shared-${i}`);
  // shared-i may refer only to shared-j with j < i: no circles.
  const sharedArbs = names.map((_, i) => conditionArb(names.slice(0, i)).top);
  const rules = conditionArb(names);
  return fc.tuple(
    fc.tuple(...sharedArbs),
    fc.array(fc.tuple(rules.top, fc.integer({ min: 1, max: 4 }), fc.constantFrom(...EVENTS)), { minLength: 1, maxLength: 8 }),
  ).map(([shared, list]) => {
    const file = defaultRules();
    file.conditions = Object.fromEntries(names.map((n, i) => [n, shared[i] as Condition]));
    file.rules = list.map(([conditions, priority, event], i): Rule => ({ name: `rule ${i}`, priority, conditions, event: structuredClone(event) as Rule['event'] }));
    return file;
  });
});

const text = fc.array(fc.constantFrom(...WORDS, 'the', 'is', 'Down!'), { maxLength: 5 }).map((w) => w.join(' '));
const ticketArb: fc.Arbitrary<{ input: TicketFacts; atMs: number }> = fc.record({
  title: text,
  description: fc.option(text, { nil: undefined }),
  impact: fc.constantFrom(...LEVELS),
  urgency: fc.constantFrom(...LEVELS),
  category: fc.option(fc.oneof(fc.constantFrom('network', 'access', 'email', 'dept1'), fc.constant(7)), { nil: undefined }),
  channel: fc.option(fc.constantFrom('portal', 'email'), { nil: undefined }),
  vip: fc.option(fc.boolean(), { nil: undefined }),
  serviceLevel: fc.option(fc.constantFrom('gold', 'silver', 'standard', 'platinum'), { nil: undefined }),
  department: fc.option(fc.constantFrom('dept1', 'dept2', 'vpn'), { nil: undefined }),
  atMs: fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 11, 31) }),
}, { requiredKeys: ['title', 'impact', 'urgency', 'atMs'] }).map((t) => ({
  input: {
    ticket: stripUndefined({ title: t.title, description: t.description, impact: t.impact, urgency: t.urgency, category: t.category, channel: t.channel }) as TicketFacts['ticket'],
    requester: stripUndefined({ email: 'anna@example.com', vip: t.vip, serviceLevel: t.serviceLevel, department: t.department }) as TicketFacts['requester'],
  },
  atMs: t.atMs,
}));

/**
 * Lets timers and I/O run: without it the property's promise-only loop would hold the event loop
 * for the whole run, and the other test stacks of this mocha process (their workers, schedules
 * and pools) would all catch up at once afterwards — enough to exhaust PostgreSQL's connections.
 */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Both evaluators on one ticket: the same JSON, or both refuse. */
async function same(compiled: CompiledRules, t: { input: TicketFacts; atMs: number }): Promise<'decided' | 'refused'> {
  const facts = ruleFacts(compiled, t.input, t.atMs);
  const [ours, theirs] = await Promise.allSettled([evaluateFacts(compiled, facts), referenceEvaluateFacts(compiled, facts)]);
  if (ours.status === 'rejected' || theirs.status === 'rejected') {
    expect([ours.status, theirs.status], `one refused: ${String(ours.status === 'rejected' ? ours.reason : (theirs as PromiseRejectedResult).reason)}`).to.deep.equal(['rejected', 'rejected']);
    return 'refused';
  }
  expect(JSON.stringify(ours.value)).to.equal(JSON.stringify(theirs.value));
  return 'decided';
}

const compile = (file: RulesFile): CompiledRules => compileRules(file, { version: 1, hash: hashRules(file) });

describe('compiled evaluator against json-rules-engine', function () {
  this.timeout(600_000);

  it(`gives json-rules-engine's decision and explanation on ${RUNS} generated rules files × ${TICKETS_PER_FILE} tickets`, async () => {
    const seen = { decided: 0, refused: 0, fired: 0, notFired: 0, invalid: 0 };
    await fc.assert(fc.asyncProperty(rulesFile, fc.array(ticketArb, { minLength: TICKETS_PER_FILE, maxLength: TICKETS_PER_FILE }), async (file, tickets) => {
      await yieldToEventLoop();
      const checked = validateRulesObject(file);
      if (!checked.ok) {
        seen.invalid += 1;
        return; // counted: the generator is meant to write valid files (asserted below)
      }
      const compiled = compile(file);
      for (const t of tickets) {
        const outcome = await same(compiled, t);
        seen[outcome] += 1;
        if (outcome === 'decided') {
          const d = await evaluateFacts(compiled, ruleFacts(compiled, t.input, t.atMs));
          seen.fired += d.explanation.fired.length;
          seen.notFired += d.explanation.notFired.length;
        }
      }
    }), { numRuns: RUNS });
    const cases = seen.decided + seen.refused;
    expect(seen.invalid, 'generated files the validator refused').to.be.below(RUNS / 20);
    expect(cases).to.be.at.least(RUNS * TICKETS_PER_FILE * 0.95);
    // The generator reaches both outcomes, and rules that fire as well as rules that do not.
    console.log(`      ${cases} cases: ${seen.decided} decided (${seen.fired} rules fired, ${seen.notFired} did not), ${seen.refused} refused by both; ${seen.invalid} generated files invalid`);
    expect(seen.refused).to.be.above(0);
    const rules = seen.fired + seen.notFired;
    expect(seen.fired).to.be.above(rules / 10);
    expect(seen.notFired).to.be.above(rules / 10);
  });

  it('gives the same on the shipped default file', async () => {
    const compiled = compile(defaultRules());
    await fc.assert(fc.asyncProperty(ticketArb, async (t) => {
      await yieldToEventLoop();
      expect(await same(compiled, t)).to.equal('decided');
    }), { numRuns: 2_000 });
  });

  it('gives the same on the 500-rule synthetic file, whose rules the index skips', async () => {
    const file = defaultRules((f) => {
      f.rules = Array.from({ length: 500 }, (_, i) => ({
        name: `synthetic ${i}`,
        priority: 1 + (i % 5),
        conditions: {
          all: [
            { fact: 'ticket', path: '$.category', operator: 'equal', value: ['network', 'access', 'email', 'dept1'][i % 4] },
            { fact: 'keywords', operator: 'containsAny', value: [WORDS[i % WORDS.length], WORDS[(i * 7) % WORDS.length]] },
            { fact: 'requester', path: '$.department', operator: 'notEqual', value: `dept${i % 3}` },
          ],
        },
        event: { type: 'add-tag', params: { tag: `tag-${i}` } },
      })) as Rule[];
    });
    const compiled = compile(file);
    await fc.assert(fc.asyncProperty(ticketArb, async (t) => {
      await yieldToEventLoop();
      expect(await same(compiled, t)).to.equal('decided');
    }), { numRuns: 300 });
  });
});
