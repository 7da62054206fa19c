/**
 * Evaluator: one json-rules-engine Engine per rules version, reused for every ticket, producing a
 * plain JSON decision with its explanation.
 *
 * Conflicts between events (see rules/README.md): events are applied in json-rules-engine's
 * order — higher rule priority first, equal priority in file order — and for a field that holds
 * one value (priority, category, route, service level, SLA policy, ladder) the first applied event
 * wins; later ones are listed in the explanation with `applied: false`. `set-priority` with
 * `atLeast: true` is a floor instead: it raises the priority but never lowers it. Tags and notified
 * roles accumulate. `escalate` raises the tier to the highest tier named.
 */
import { Engine } from 'json-rules-engine';
import type { RuleResult } from 'json-rules-engine';
import type { BusinessCalendar } from './calendar.ts';
import { buildFacts, keywordsOf } from './facts.ts';
import type { FactsInput, RuleFacts } from './facts.ts';
import { parseDuration } from './duration.ts';
import { PRIORITIES, LEVELS } from './types.ts';
import type {
  Decision, FiredEvent, Ladder, Level, Priority, ResolvedLadder, RulesFile, SlaPolicy, Team, TicketFacts,
} from './types.ts';
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

interface Internals {
  file: RulesFile;
  engine: Engine;
  ruleOrder: Map<string, number>;
  calendars: Map<string, BusinessCalendar>;
  defaultCalendar: BusinessCalendar;
  policies: Map<string, { policy: SlaPolicy; responseMs: number; resolutionMs: number }>;
  policyByPair: Map<string, string>;
  ladders: Map<string, Ladder>;
  teams: Map<string, Team>;
  tierRank: Map<string, number>;
  tierFirstTeam: Map<string, string>;
  serviceLevels: Set<string>;
  categories: Set<string> | null;
  autoCloseAfterMs: number;
  /** json-rules-engine keeps run state on the Engine: runs on one Engine must not overlap. */
  queue: Promise<unknown>;
}

const internals = new WeakMap<CompiledRules, Internals>();

export { keywordsOf };
export type { FactsInput, RuleFacts };

// ---------------------------------------------------------------------------------------------
// Operators and path resolution

/** Operators added to json-rules-engine's own (see rules/README.md). */
function addOperators(engine: Engine): void {
  engine.addOperator('containsAny', (fact: unknown, value: unknown) =>
    Array.isArray(fact) && Array.isArray(value) && value.some((v) => fact.includes(v)));
  engine.addOperator('containsAll', (fact: unknown, value: unknown) =>
    Array.isArray(fact) && Array.isArray(value) && value.every((v) => fact.includes(v)));
  engine.addOperator('textContains', (fact: unknown, value: unknown) =>
    typeof fact === 'string' && typeof value === 'string' && fact.toLowerCase().includes(value.toLowerCase()));
}

const pathCache = new Map<string, Array<string | number> | null>();

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
  if (segs === null) return undefined;
  let cur: unknown = value;
  for (const s of segs) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, s)) return undefined;
    cur = (cur as Record<string | number, unknown>)[s];
  }
  return cur;
}

// ---------------------------------------------------------------------------------------------
// Compile

/**
 * Validates the file (throws {@link RulesValidationError} when it is not valid) and builds the one
 * Engine used for every evaluation of this version.
 */
export function compileRules(file: RulesFile, meta: { version: number; hash: string }): CompiledRules {
  const checked = validateRulesObject(file);
  if (!checked.ok) throw new RulesValidationError(checked.problems);

  const engine = new Engine([], { allowUndefinedFacts: false, allowUndefinedConditions: false, pathResolver: resolvePath });
  addOperators(engine);
  for (const [name, condition] of Object.entries(file.conditions ?? {})) {
    engine.setCondition(name, structuredClone(condition) as never);
  }
  const ruleOrder = new Map<string, number>();
  file.rules.forEach((rule, i) => {
    ruleOrder.set(rule.name, i);
    engine.addRule(structuredClone({ name: rule.name, priority: rule.priority ?? 1, conditions: rule.conditions, event: rule.event }) as never);
  });

  const calendars = new Map<string, BusinessCalendar>();
  for (const [id, cal] of Object.entries(file.calendars)) calendars.set(id, Object.freeze({ ...structuredClone(cal), id }));
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
    file: structuredClone(file),
    engine,
    ruleOrder,
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
    queue: Promise.resolve(),
  });
  return compiled;
}

// ---------------------------------------------------------------------------------------------
// Evaluate

const rank = (p: Priority): number => PRIORITIES.indexOf(p);

/**
 * Classifies one ticket at the instant `atMs` (epoch ms). Same compiled rules, input and instant
 * give the same decision. Evaluations on one CompiledRules are queued, never overlapping.
 */
export async function evaluate(compiled: CompiledRules, input: TicketFacts, atMs: number): Promise<Decision> {
  return evaluateFacts(compiled, ruleFacts(compiled, input, atMs));
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
  const int = internalsOf(compiled);
  const run = int.queue.then(() => int.engine.run(facts as unknown as Record<string, unknown>));
  int.queue = run.catch(() => undefined);
  const result = await run;

  const all = [...result.results, ...result.failureResults];
  const order = (r: RuleResult): number => int.ruleOrder.get(r.name) ?? Number.MAX_SAFE_INTEGER;
  const fired = [...result.results].sort((a, b) => (b.priority ?? 1) - (a.priority ?? 1) || order(a) - order(b));
  return decide(int, compiled, facts, { ...facts.matrix }, fired, all.sort((a, b) => order(a) - order(b)));
}

function internalsOf(compiled: CompiledRules): Internals {
  const int = internals.get(compiled);
  if (!int) throw new TypeError('evaluate: the rules were not built by compileRules()');
  return int;
}

function decide(
  int: Internals,
  compiled: CompiledRules,
  input: Pick<RuleFacts, 'ticket' | 'requester'>,
  matrix: { impact: Level; urgency: Level; priority: Priority },
  fired: RuleResult[],
  allResults: RuleResult[],
): Decision {
  let priority: Priority | undefined;
  let floor: Priority | undefined;
  let category: string | undefined;
  let route: { team: string; tier?: string } | undefined;
  let serviceLevel: string | undefined;
  let policyId: string | undefined;
  let ladderId: string | undefined;
  let escalation: Decision['escalation'] = null;
  const tags: string[] = [];
  const notify: string[] = [];
  const firedEvents: FiredEvent[] = [];

  fired.forEach((r, i) => {
    const type = r.event?.type ?? '';
    const params = (r.event?.params ?? {}) as Record<string, unknown>;
    let applied = true;
    const first = <T>(current: T | undefined, next: T): T => {
      if (current !== undefined) {
        applied = false;
        return current;
      }
      return next;
    };
    switch (type) {
      case 'set-priority':
        if (params.atLeast === true) {
          const p = params.priority as Priority;
          floor = floor === undefined || rank(p) < rank(floor) ? p : floor;
        } else priority = first(priority, params.priority as Priority);
        break;
      case 'set-category': category = first(category, params.category as string); break;
      case 'route': route = first(route, { team: params.team as string, ...(typeof params.tier === 'string' ? { tier: params.tier } : {}) }); break;
      case 'set-service-level': serviceLevel = first(serviceLevel, params.serviceLevel as string); break;
      case 'set-sla-policy': policyId = first(policyId, params.policy as string); break;
      case 'set-ladder': ladderId = first(ladderId, params.ladder as string); break;
      case 'add-tag': if (!tags.includes(params.tag as string)) tags.push(params.tag as string); break;
      case 'notify': for (const role of params.roles as string[]) if (!notify.includes(role)) notify.push(role); break;
      case 'escalate': {
        const tier = params.tier as string;
        if (escalation === null || (int.tierRank.get(tier) ?? -1) > (int.tierRank.get(escalation.tier) ?? -1)) {
          escalation = { tier, reason: typeof params.reason === 'string' ? params.reason : null, rule: r.name };
        } else applied = false;
        break;
      }
      default: applied = false;
    }
    firedEvents.push({ rule: r.name, priority: r.priority ?? 1, event: { type, params: structuredClone(params) }, order: i + 1, applied });
  });

  // Priority: the first exact set-priority or the matrix, then raised to any floor.
  let finalPriority = priority ?? matrix.priority;
  if (floor !== undefined && rank(floor) < rank(finalPriority)) finalPriority = floor;

  const inputCategory = input.ticket.category;
  const finalCategory = category
    ?? (typeof inputCategory === 'string' && (!int.categories || int.categories.has(inputCategory)) ? inputCategory : int.file.defaults.category);

  let team = route?.team ?? int.file.defaults.team;
  let tier = route?.tier ?? (route ? int.teams.get(route.team)?.tier : undefined) ?? int.file.defaults.tier;
  const esc = escalation as Decision['escalation'];
  if (esc && (int.tierRank.get(esc.tier) ?? -1) > (int.tierRank.get(tier) ?? -1)) {
    tier = esc.tier;
    if (int.teams.get(team)?.tier !== tier) team = int.tierFirstTeam.get(tier) ?? team;
  }

  const requested = input.requester?.serviceLevel;
  const finalServiceLevel = serviceLevel
    ?? (typeof requested === 'string' && int.serviceLevels.has(requested) ? requested : int.file.defaultServiceLevel);

  const chosenPolicyId = policyId ?? int.policyByPair.get(`${finalServiceLevel}/${finalPriority}`);
  const policy = chosenPolicyId === undefined ? undefined : int.policies.get(chosenPolicyId);
  if (!policy) throw new Error(`No SLA policy for service level "${finalServiceLevel}" at ${finalPriority}`); // the validator prevents this
  const calendar = int.calendars.get(policy.policy.calendar) as BusinessCalendar;

  const ladder = (ladderId !== undefined ? int.ladders.get(ladderId) : undefined)
    ?? int.file.ladders.find((l) => l.appliesTo !== undefined
      && (l.appliesTo.priorities === undefined || l.appliesTo.priorities.includes(finalPriority))
      && (l.appliesTo.serviceLevels === undefined || l.appliesTo.serviceLevels.includes(finalServiceLevel)))
    ?? (int.ladders.get(int.file.defaults.ladder) as Ladder);

  return {
    priority: finalPriority,
    category: finalCategory,
    team,
    tier,
    serviceLevel: finalServiceLevel,
    policy: {
      id: policy.policy.id,
      responseMs: policy.responseMs,
      resolutionMs: policy.resolutionMs,
      calendar: structuredClone(calendar),
      warnAt: [...(policy.policy.warnAt ?? [])],
    },
    ladder: resolveLadder(ladder, policy.responseMs, policy.resolutionMs),
    tags,
    notify,
    escalation: esc,
    autoCloseAfterMs: int.autoCloseAfterMs,
    rulesVersion: compiled.version,
    rulesHash: compiled.hash,
    explanation: {
      matrix: { ...matrix },
      fired: firedEvents,
      notFired: allResults.filter((r) => !r.result).map((r) => r.name),
      conditions: allResults.map((r) => ({
        rule: r.name,
        result: r.result === true,
        // RuleResult holds a per-run clone of the conditions: plain data, not shared with the Engine.
        conditions: r.toJSON(false).conditions as unknown,
      })),
    },
  };
}

function resolveLadder(ladder: Ladder, responseMs: number, resolutionMs: number): ResolvedLadder {
  return {
    id: ladder.id,
    steps: ladder.steps.map((s) => {
      const clockMs = s.at.clock === 'response' ? responseMs : resolutionMs;
      const fraction = 'fraction' in s.at ? s.at.fraction : undefined;
      return {
        id: s.id,
        clock: s.at.clock,
        ...(fraction !== undefined ? { fraction } : {}),
        afterMs: fraction !== undefined ? Math.round(fraction * clockMs) : parseDuration((s.at as { after: string }).after),
        ...(s.moveTo ? { moveTo: { ...s.moveTo } } : {}),
        notify: [...(s.notify ?? [])],
      };
    }),
  };
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
