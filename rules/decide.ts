/**
 * From the rules that fired to the decision (rules/evaluate.ts): the conflicts between events
 * (rules/README.md), the SLA policy, the ladder, and the explanation — its per-rule condition
 * trees built when first read.
 */
import type { BusinessCalendar } from './calendar.ts';
import type { CompiledConditions, CompiledRule } from './compiled.ts';
import { deepFreeze } from './compiled-nodes.ts';
import type { RuleFacts } from './facts.ts';
import { PRIORITIES } from './types.ts';
import type { Decision, FiredEvent, Ladder, Level, Priority, ResolvedLadder, RulesFile, SlaPolicy, Team } from './types.ts';
import { parseDuration } from './duration.ts';

/** What a compiled rules version holds besides its conditions. */
export interface Internals {
  file: RulesFile;
  conditions: CompiledConditions;
  ruleNames: string[];
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
  /** Resolved ladders per ladder × policy (parseDuration once). */
  resolvedLadders: Map<Ladder, Map<string, ResolvedLadder>>;
  /** The ladder appliesTo gives per priority × service level. */
  ladderByPair: Map<Priority, Map<string, Ladder>>;
}

const rank = (p: Priority): number => PRIORITIES.indexOf(p);
const NO_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});

export function decide(
  int: Internals,
  compiled: { readonly version: number; readonly hash: string },
  input: Pick<RuleFacts, 'ticket' | 'requester'>,
  matrix: { impact: Level; urgency: Level; priority: Priority },
  fired: CompiledRule[],
  explainer: Pick<CompiledConditions, 'explain'>,
  plain: Record<string, unknown>,
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

  // A plain loop without closures: this runs for every decision (tsx wraps each arrow function made).
  for (let i = 0; i < fired.length; i++) {
    const r = fired[i] as CompiledRule;
    const type = r.event.type ?? '';
    const params = (r.event.params ?? NO_PARAMS) as Record<string, unknown>;
    // For a field holding one value, the first event applied wins (`taken`: one came before).
    let applied = true;
    let taken = false;
    switch (type) {
      case 'set-priority':
        if (params.atLeast === true) {
          const p = params.priority as Priority;
          floor = floor === undefined || rank(p) < rank(floor) ? p : floor;
        } else if (priority !== undefined) taken = true;
        else priority = params.priority as Priority;
        break;
      case 'set-category': if (category !== undefined) taken = true; else category = params.category as string; break;
      case 'route':
        if (route !== undefined) taken = true;
        else route = { team: params.team as string, ...(typeof params.tier === 'string' ? { tier: params.tier } : {}) };
        break;
      case 'set-service-level': if (serviceLevel !== undefined) taken = true; else serviceLevel = params.serviceLevel as string; break;
      case 'set-sla-policy': if (policyId !== undefined) taken = true; else policyId = params.policy as string; break;
      case 'set-ladder': if (ladderId !== undefined) taken = true; else ladderId = params.ladder as string; break;
      case 'add-tag': if (!tags.includes(params.tag as string)) tags.push(params.tag as string); break;
      case 'notify': for (const role of params.roles as string[]) if (!notify.includes(role)) notify.push(role); break;
      case 'escalate': {
        const tier = params.tier as string;
        const current = escalation as Decision['escalation'];
        if (current === null || (int.tierRank.get(tier) ?? -1) > (int.tierRank.get(current.tier) ?? -1)) {
          escalation = { tier, reason: typeof params.reason === 'string' ? params.reason : null, rule: r.name };
        } else applied = false;
        break;
      }
      default: applied = false;
    }
    if (taken) applied = false;
    firedEvents.push({ rule: r.name, priority: r.priority, event: { type, params }, order: i + 1, applied });
  }

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

  const ladder = (ladderId !== undefined ? int.ladders.get(ladderId) : undefined) ?? ladderFor(int, finalPriority, finalServiceLevel);

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
      calendar,
      warnAt: [...(policy.policy.warnAt ?? [])],
    },
    ladder: resolvedLadder(int, ladder, policy.policy.id, policy.responseMs, policy.resolutionMs),
    tags,
    notify,
    escalation: esc,
    autoCloseAfterMs: int.autoCloseAfterMs,
    rulesVersion: compiled.version,
    rulesHash: compiled.hash,
    explanation: lazyExplanation(matrix, firedEvents, notFiredOf(int, fired), explainer, plain),
  };
}

/** The first ladder whose appliesTo matches, else the default one (remembered per pair). */
function ladderFor(int: Internals, priority: Priority, serviceLevel: string): Ladder {
  let byLevel = int.ladderByPair.get(priority);
  if (!byLevel) int.ladderByPair.set(priority, (byLevel = new Map()));
  let found = byLevel.get(serviceLevel);
  if (!found) {
    found = int.file.ladders.find((l) => l.appliesTo !== undefined
      && (l.appliesTo.priorities === undefined || l.appliesTo.priorities.includes(priority))
      && (l.appliesTo.serviceLevels === undefined || l.appliesTo.serviceLevels.includes(serviceLevel)))
      ?? (int.ladders.get(int.file.defaults.ladder) as Ladder);
    byLevel.set(serviceLevel, found);
  }
  return found;
}

function notFiredOf(int: Internals, fired: CompiledRule[]): string[] {
  const hit = new Uint8Array(int.ruleNames.length);
  for (const r of fired) hit[r.file] = 1;
  const out: string[] = [];
  for (let i = 0; i < hit.length; i++) if (hit[i] === 0) out.push(int.ruleNames[i] as string);
  return out;
}

/** The explanation, its `conditions` built on first read (and then kept); assignable like data. */
function lazyExplanation(
  matrix: Decision['explanation']['matrix'],
  fired: FiredEvent[],
  notFired: string[],
  explainer: Pick<CompiledConditions, 'explain'>,
  facts: Record<string, unknown>,
): Decision['explanation'] {
  let conditions: Decision['explanation']['conditions'] | undefined;
  return {
    matrix,
    fired,
    notFired,
    get conditions() {
      return (conditions ??= explainer.explain(facts));
    },
    set conditions(v) {
      conditions = v;
    },
  };
}

/**
 * {@link resolveLadder}, computed once per ladder × policy. Decisions share it, and the policy's
 * calendar, frozen (copying them was a quarter of a decision's time): change a copy.
 */
function resolvedLadder(int: Internals, ladder: Ladder, policyId: string, responseMs: number, resolutionMs: number): ResolvedLadder {
  let byPolicy = int.resolvedLadders.get(ladder);
  if (!byPolicy) int.resolvedLadders.set(ladder, (byPolicy = new Map()));
  let found = byPolicy.get(policyId);
  if (!found) byPolicy.set(policyId, (found = deepFreeze(resolveLadder(ladder, responseMs, resolutionMs))));
  return found;
}

export function resolveLadder(ladder: Ladder, responseMs: number, resolutionMs: number): ResolvedLadder {
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

