/**
 * Evaluator: each rules version compiled once into plain functions over the facts
 * (rules/compiled.ts, json-rules-engine's semantics, json-rules-engine itself the reference in
 * rules/reference-engine.ts), producing a plain JSON decision with its explanation.
 *
 * Conflicts between events (see rules/README.md): events are applied in json-rules-engine's
 * order — higher rule priority first, equal priority in file order — and for a field that holds
 * one value (priority, category, route, service level, SLA policy, ladder) the first applied event
 * wins; later ones are listed in the explanation with `applied: false`. `set-priority` with
 * `atLeast: true` is a floor instead: it raises the priority but never lowers it. Tags and notified
 * roles accumulate. `escalate` raises the tier to the highest tier named.
 *
 * The explanation's per-rule condition trees (`explanation.conditions`) are built when first read
 * (a getter on the explanation; JSON.stringify, structuredClone and spreading read it like any
 * property): the what-if and the intake read the decision, and only what records or shows the
 * explanation pays for it.
 */
import type { BusinessCalendar } from './calendar.ts';
import { compileConditions, resolveSegs, type CompiledRule } from './compiled.ts';
import { deepFreeze } from './compiled-nodes.ts';
import { decide, resolveLadder, type Internals } from './decide.ts';
import { buildFacts, keywordsOf } from './facts.ts';
import type { FactsInput, RuleFacts } from './facts.ts';
import { parseDuration } from './duration.ts';
import { LEVELS } from './types.ts';
import type { Decision, Ladder, Priority, RulesFile, SlaPolicy, TicketFacts } from './types.ts';
import { parseFactPath } from './paths.ts';
import { RulesValidationError, validateRulesObject } from './validate.ts';

/** A rules version ready to evaluate tickets. Build it once per version and keep it. */
export interface CompiledRules {
  readonly name: string;
  readonly version: number;
  readonly hash: string;
  readonly ruleCount: number;
}

/** Thrown by {@link evaluate} when the ticket facts cannot be classified (e.g. impact missing). */
export class TicketFactsError extends Error {
  readonly code = 'BAD_TICKET_FACTS';
  constructor(message: string) {
    super(message);
    this.name = 'TicketFactsError';
  }
}

const internals = new WeakMap<CompiledRules, Internals>();

export { keywordsOf };
export type { FactsInput, RuleFacts };

const pathCache = new Map<string, ReturnType<typeof parseFactPath>>();

/**
 * Plain property access for the paths the validator allows (`$.a.b`, `$['a']`, `$[0]`), instead
 * of json-rules-engine's default JSONPath evaluation. Own properties only.
 */
export function resolvePath(value: object, path: string): unknown {
  let segs = pathCache.get(path);
  if (segs === undefined) {
    segs = parseFactPath(path);
    if (pathCache.size < 10_000) pathCache.set(path, segs);
  }
  return resolveSegs(value, segs);
}

// ---------------------------------------------------------------------------------------------
// Compile

/**
 * Validates the file (throws {@link RulesValidationError} when it is not valid) and compiles its
 * conditions for every evaluation of this version.
 */
export function compileRules(file: RulesFile, meta: { version: number; hash: string }): CompiledRules {
  const checked = validateRulesObject(file);
  if (!checked.ok) throw new RulesValidationError(checked.problems);

  const own = structuredClone(file);
  const conditions = compileConditions(own.rules, own.conditions ?? {});

  const calendars = new Map<string, BusinessCalendar>();
  for (const [id, cal] of Object.entries(file.calendars)) calendars.set(id, deepFreeze({ ...structuredClone(cal), id }));
  const policies = new Map<string, { policy: SlaPolicy; responseMs: number; resolutionMs: number }>();
  const policyByPair = new Map<string, string>();
  for (const p of file.slaPolicies) {
    policies.set(p.id, { policy: p, responseMs: parseDuration(p.response), resolutionMs: parseDuration(p.resolution) });
    policyByPair.set(`${p.serviceLevel}/${p.priority}`, p.id);
  }
  const tierRank = new Map<string, number>();
  const tierFirstTeam = new Map<string, string>();
  file.tiers.forEach((t, i) => {
    tierRank.set(t.id, i);
    if (t.teams[0] !== undefined) tierFirstTeam.set(t.id, t.teams[0]);
  });

  const compiled: CompiledRules = Object.freeze({ name: file.name, version: meta.version, hash: meta.hash, ruleCount: file.rules.length });
  internals.set(compiled, {
    file: own,
    conditions,
    ruleNames: own.rules.map((r) => r.name),
    calendars,
    defaultCalendar: calendars.get(file.defaults.calendar) as BusinessCalendar,
    policies,
    policyByPair,
    ladders: new Map(file.ladders.map((l) => [l.id, l])),
    teams: new Map(file.teams.map((t) => [t.id, t])),
    tierRank,
    tierFirstTeam,
    serviceLevels: new Set(file.serviceLevels),
    categories: file.categories ? new Set(file.categories) : null,
    autoCloseAfterMs: parseDuration(file.autoCloseAfter),
    resolvedLadders: new Map(),
    ladderByPair: new Map(),
  });
  return compiled;
}

// ---------------------------------------------------------------------------------------------
// Evaluate


/**
 * Classifies one ticket at the instant `atMs` (epoch ms). Same compiled rules, input and instant
 * give the same decision.
 */
export async function evaluate(compiled: CompiledRules, input: TicketFacts, atMs: number): Promise<Decision> {
  return evaluateFactsSync(compiled, ruleFacts(compiled, input, atMs));
}

/**
 * The facts the conditions read for `input` at `atMs`: keywords from its title and description
 * unless `keywords` is given (re-evaluating from recorded facts, rules/derived-facts.ts).
 * Throws {@link TicketFactsError} without an impact, an urgency or a finite instant.
 */
export function ruleFacts(compiled: CompiledRules, input: FactsInput, atMs: number, keywords?: string[]): RuleFacts {
  const int = internalsOf(compiled);
  const impact = input?.ticket?.impact;
  const urgency = input?.ticket?.urgency;
  if (!LEVELS.includes(impact) || !LEVELS.includes(urgency)) {
    throw new TicketFactsError(`A ticket needs an impact and an urgency, each one of ${LEVELS.join(', ')}; got impact "${String(impact)}" and urgency "${String(urgency)}".`);
  }
  if (!Number.isFinite(atMs)) throw new TicketFactsError('The decision instant must be a finite number of epoch milliseconds.');
  const matrix = { impact, urgency, priority: int.file.priorityMatrix[impact][urgency] };
  return buildFacts(input, atMs, int.defaultCalendar, matrix, keywords);
}

/** Runs the rules on facts built by {@link ruleFacts} and decides. */
export async function evaluateFacts(compiled: CompiledRules, facts: RuleFacts): Promise<Decision> {
  return evaluateFactsSync(compiled, facts);
}

const FACT_NAMES = ['ticket', 'requester', 'keywords', 'calendar', 'time', 'matrix'] as const;

/** {@link evaluateFacts} without the promise (the what-if's loop). */
export function evaluateFactsSync(compiled: CompiledRules, facts: RuleFacts): Decision {
  const int = internalsOf(compiled);
  if (!(Object.hasOwn(facts, 'ticket') && Object.hasOwn(facts, 'requester') && Object.hasOwn(facts, 'keywords')
    && Object.hasOwn(facts, 'calendar') && Object.hasOwn(facts, 'time') && Object.hasOwn(facts, 'matrix'))) {
    throw new TicketFactsError(`The facts of a ticket need ${FACT_NAMES.join(', ')}; build them with ruleFacts().`);
  }
  const plain = facts as unknown as Record<string, unknown>;
  let fired: CompiledRule[];
  try {
    fired = int.conditions.fired(plain);
  } catch (err) {
    // json-rules-engine throws at the same condition (e.g. "in" with a number as its value).
    throw new Error(`The rules could not be evaluated on this ticket (${(err as Error).message}): check each condition's value against its operator, for example "in" needs a list.`);
  }
  return decide(int, compiled, facts, { ...facts.matrix }, fired, int.conditions, plain);
}

/**
 * The decision from rules already found to fire (in evaluation order) and a given explanation:
 * how the reference evaluator (rules/reference-engine.ts) turns json-rules-engine's results into a
 * decision through the same code as {@link evaluateFactsSync}.
 */
export function decisionFromResults(
  compiled: CompiledRules,
  facts: RuleFacts,
  fired: CompiledRule[],
  conditions: Decision['explanation']['conditions'],
): Decision {
  const int = internalsOf(compiled);
  return decide(int, compiled, facts, { ...facts.matrix }, fired, { explain: () => conditions }, facts as unknown as Record<string, unknown>);
}

/** The rules file a version was compiled from (the evaluator's own copy: do not change it). */
export function rulesFileOf(compiled: CompiledRules): Readonly<RulesFile> {
  return internalsOf(compiled).file;
}

function internalsOf(compiled: CompiledRules): Internals {
  const int = internals.get(compiled);
  if (!int) throw new TypeError('evaluate: the rules were not built by compileRules()');
  return int;
}

// ---------------------------------------------------------------------------------------------
// Lookups for a running ticket (priority changes, functional escalation)

/** The tiers in escalation order with their teams, as the rules version defines them. */
export function tiersOf(compiled: CompiledRules): Array<{ id: string; teams: string[] }> {
  const int = internals.get(compiled);
  if (!int) throw new Error('not a compiled rules version');
  return int.file.tiers.map((t) => ({ id: t.id, teams: [...t.teams] }));
}

/**
 * The SLA policy and ladder a ticket gets at `priority` in `serviceLevel` under this
 * rules version, as {@link evaluate} would choose them (used when an agent changes a
 * ticket's priority: the rules version the ticket is bound to decides the new targets).
 */
export function policyFor(compiled: CompiledRules, serviceLevel: string, priority: Priority, ladderId?: string): Pick<Decision, 'policy' | 'ladder'> {
  const int = internals.get(compiled);
  if (!int) throw new Error('not a compiled rules version');
  const policyId = int.policyByPair.get(`${serviceLevel}/${priority}`);
  const policy = policyId === undefined ? undefined : int.policies.get(policyId);
  if (!policy) throw new TicketFactsError(`No SLA policy for service level "${serviceLevel}" at ${priority}`);
  const ladder = int.file.ladders.find((l) => l.appliesTo !== undefined
      && (l.appliesTo.priorities === undefined || l.appliesTo.priorities.includes(priority))
      && (l.appliesTo.serviceLevels === undefined || l.appliesTo.serviceLevels.includes(serviceLevel)))
    ?? (ladderId !== undefined ? int.ladders.get(ladderId) : undefined)
    ?? (int.ladders.get(int.file.defaults.ladder) as Ladder);
  return {
    policy: {
      id: policy.policy.id,
      responseMs: policy.responseMs,
      resolutionMs: policy.resolutionMs,
      calendar: structuredClone(int.calendars.get(policy.policy.calendar) as BusinessCalendar),
      warnAt: [...(policy.policy.warnAt ?? [])],
    },
    ladder: resolveLadder(ladder, policy.responseMs, policy.resolutionMs),
  };
}
