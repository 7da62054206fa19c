/**
 * Decisions as they are recorded: without the ticket's text or the requester's e-mail address,
 * with the facts the rules read instead, so that an auditor can re-evaluate a decision under its
 * rules version without the (sealed, perhaps erased) text. See rules/README.md, "Recorded
 * decisions".
 *
 * What is kept of each condition json-rules-engine evaluated:
 * - a **keyword test** (`keywords` with `contains`, `doesNotContain`, `containsAny`,
 *   `containsAll`, `in`, `notIn`, `equal`, `notEqual` or `textContains`, optionally `not:`,
 *   `someFact:`, `someValue:`, `swap:`) keeps as its result only the ticket's keywords the
 *   condition tested for: those equal to one of its values (for `textContains`: containing one,
 *   or contained in one). Such a test depends on nothing else, so the union of these keywords,
 *   `facts.keywords`, reproduces every keyword test;
 * - a condition reading `ticket` `$.title` / `$.description` or `requester` `$.email` (or the
 *   whole `ticket` or `requester` object) keeps its `result` and reads {@link SEALED}; so does a
 *   condition on `keywords` that is not a keyword test (`everyFact:`, `everyValue:`, comparisons,
 *   a path into the list), since its outcome may depend on every word;
 * - every other condition, and everything else in the decision, is unchanged. Fired events'
 *   params are the rules file's own: json-rules-engine replaces facts in them only when the
 *   engine is told to (`replaceFactsInEventParams`), and ours is not.
 *
 * The limit: a sealed condition cannot be re-evaluated from the derived facts (its text is not
 * there: it reads as absent). {@link evaluateDerived} reports each one in `unreproducible`, with
 * its rule, fact, path, operator and a reason; a replay check says "not reproducible without the
 * text" for those rules instead of claiming a difference or a match.
 */
import { evaluateFacts, resolvePath, ruleFacts } from './evaluate.ts';
import type { CompiledRules } from './evaluate.ts';
import type { RuleFacts } from './facts.ts';
import { parseFactPath } from './paths.ts';
import type { Decision, DerivedFacts, FactName, TicketFacts } from './types.ts';

/** What a sealed fact result reads in a recorded decision. */
export const SEALED = '[sealed]';

/**
 * Properties of the object facts that hold a person's text. A new text property in
 * FACT_PROPERTIES (rules/types.ts) must be named here too.
 */
export const SEALED_PROPERTIES: Readonly<Partial<Record<FactName, readonly string[]>>> = {
  ticket: ['title', 'description'],
  requester: ['email'],
};

/** Why a condition cannot be re-evaluated from the derived facts. */
export const UnreproducibleReason = {
  /** It reads the title, the description or the e-mail address (or their whole object). */
  sealedText: 'reads-sealed-text',
  /** It reads `keywords` in a way that may depend on every word, not only the ones tested for. */
  notAKeywordTest: 'not-a-keyword-test',
} as const;
export type UnreproducibleReason = (typeof UnreproducibleReason)[keyof typeof UnreproducibleReason];

export interface UnreproducibleCondition {
  rule: string;
  fact: string;
  path?: string;
  operator: string;
  /** The condition's value as the rules file writes it. */
  value: unknown;
  reason: UnreproducibleReason;
  /** The condition's result in the decision it was found in, when it was evaluated. */
  result?: boolean;
}

/** A decision as recorded: text sealed out of its explanation, the derived facts in it. */
export type RedactedDecision = Decision & { explanation: Decision['explanation'] & { facts: DerivedFacts } };

export interface DerivedEvaluation {
  /** The decision re-evaluated from the derived facts, recorded the same way. */
  decision: RedactedDecision;
  /** The conditions the re-evaluation could not reproduce, because the text is not there. */
  unreproducible: UnreproducibleCondition[];
}

/** What a replay compares: the decision's outcome, without the explanation's detail. */
export interface DecisionOutcome {
  priority: Decision['priority'];
  category: string;
  team: string;
  tier: string;
  serviceLevel: string;
  policy: string;
  ladder: string;
  tags: string[];
  notify: string[];
  escalation: Decision['escalation'];
  fired: Array<{ rule: string; type: string; applied: boolean }>;
  notFired: string[];
}

// ---------------------------------------------------------------------------------------------
// How a condition reads the facts

type FactNode = { fact: string; path?: string; operator: string; value: unknown; factResult?: unknown; valueResult?: unknown; result?: boolean };
type Ref = { fact: string; path?: unknown };
type Side = 'factResult' | 'valueResult';
type Reading =
  | { kind: 'plain' }
  | { kind: 'keywords'; side: Side; base: string }
  | { kind: 'sealed'; reason: UnreproducibleReason; sides: Side[] };

const KEYWORD_TESTS = new Set(['equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain', 'containsAny', 'containsAll', 'textContains']);
const EVERY_DECORATORS = new Set(['everyFact', 'everyValue']);

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isRef = (v: unknown): v is Ref => isObj(v) && typeof v.fact === 'string';

function readsSealed(ref: Ref): boolean {
  const props = SEALED_PROPERTIES[ref.fact as FactName];
  if (!props) return false;
  if (ref.path === undefined) return true;
  const first = typeof ref.path === 'string' ? parseFactPath(ref.path)?.[0] : undefined;
  return typeof first !== 'string' || props.includes(first);
}

function readingOf(node: FactNode): Reading {
  const sides: Array<[Side, Ref]> = [['factResult', node]];
  if (isRef(node.value)) sides.push(['valueResult', node.value]);
  const textual = sides.filter(([, ref]) => readsSealed(ref) || ref.fact === 'keywords').map(([side]) => side);
  if (sides.some(([, ref]) => readsSealed(ref))) return { kind: 'sealed', reason: UnreproducibleReason.sealedText, sides: textual };
  if (textual.length === 0) return { kind: 'plain' };
  const notATest: Reading = { kind: 'sealed', reason: UnreproducibleReason.notAKeywordTest, sides: textual };
  if (textual.length > 1) return notATest;
  const side = textual[0] as Side;
  const ref = sides.find(([s]) => s === side)?.[1] as Ref;
  const parts = String(node.operator).split(':');
  const base = parts[parts.length - 1] as string;
  if (ref.path !== undefined || !KEYWORD_TESTS.has(base) || parts.some((d) => EVERY_DECORATORS.has(d))) return notATest;
  // textContains "" holds for every word: no word is what it tested for.
  if (base === 'textContains' && (node.value === '' || (Array.isArray(node.value) && node.value.includes('')))) return notATest;
  return { kind: 'keywords', side, base };
}

function resolve(ref: Ref, facts: RuleFacts): unknown {
  const value = (facts as unknown as Record<string, unknown>)[ref.fact];
  if (ref.path === undefined) return value;
  return value !== null && typeof value === 'object' && typeof ref.path === 'string' ? resolvePath(value, ref.path) : undefined;
}

/** The ticket's keywords a keyword test tested for, sorted. */
function matchedKeywords(node: FactNode, reading: { side: Side; base: string }, facts: RuleFacts): string[] {
  const other = reading.side === 'factResult'
    ? (isRef(node.value) ? resolve(node.value, facts) : node.value)
    : resolve(node, facts);
  const values = (Array.isArray(other) ? other : [other]).filter((v): v is string => typeof v === 'string');
  const matches = reading.base === 'textContains'
    ? (k: string, v: string) => v !== '' && (k.includes(v.toLowerCase()) || v.toLowerCase().includes(k))
    : (k: string, v: string) => k === v;
  return facts.keywords.filter((k) => values.some((v) => matches(k, v))).sort();
}

/** Applies `f` to every fact condition of a json-rules-engine condition tree, copying the tree. */
function mapTree(node: unknown, f: (n: FactNode) => FactNode): unknown {
  if (!isObj(node)) return node;
  if (Array.isArray(node.all)) return { ...node, all: node.all.map((c) => mapTree(c, f)) };
  if (Array.isArray(node.any)) return { ...node, any: node.any.map((c) => mapTree(c, f)) };
  if (isObj(node.not)) return { ...node, not: mapTree(node.not, f) };
  if (typeof node.fact === 'string') return f(node as FactNode);
  return node;
}

function withoutSealed<T extends object>(obj: T, fact: FactName): T {
  const sealed = SEALED_PROPERTIES[fact] ?? [];
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !sealed.includes(k))) as T;
}

// ---------------------------------------------------------------------------------------------
// Recording and re-evaluating

/**
 * The decision as it may be recorded: each condition's text sealed out (see the top of this
 * file), and `explanation.facts` the facts it was made on without the text. `facts` are the ones
 * the decision was evaluated on ({@link ruleFacts}); everything else is copied unchanged.
 */
export function redactDecision(decision: Decision, facts: RuleFacts): RedactedDecision {
  const copy = structuredClone(decision);
  const tested = new Set<string>();
  const redact = (node: FactNode): FactNode => {
    const reading = readingOf(node);
    if (reading.kind === 'plain') return node;
    const out: FactNode = { ...node };
    if (reading.kind === 'keywords') {
      const matched = matchedKeywords(node, reading, facts);
      for (const k of matched) tested.add(k);
      if (reading.side in node) out[reading.side] = matched;
    } else {
      for (const side of reading.sides) if (side in node) out[side] = SEALED;
    }
    return out;
  };
  const conditions = copy.explanation.conditions.map((c) => ({ ...c, conditions: mapTree(c.conditions, redact) }));
  return { ...copy, explanation: { ...copy.explanation, conditions, facts: derivedFactsOf(facts, [...tested].sort()) } };
}

/** The facts without the text, `keywords` replaced by the ones the rules tested for. */
export function derivedFactsOf(facts: RuleFacts, keywords: string[]): DerivedFacts {
  return {
    ticket: withoutSealed(facts.ticket, 'ticket') as DerivedFacts['ticket'],
    requester: withoutSealed(facts.requester, 'requester'),
    keywords,
    calendar: { ...facts.calendar },
    time: { ...facts.time },
    matrix: { ...facts.matrix },
  };
}

/** Evaluates a ticket and gives the decision as it may be recorded ({@link redactDecision}). */
export async function evaluateRedacted(compiled: CompiledRules, input: TicketFacts, atMs: number): Promise<RedactedDecision> {
  const facts = ruleFacts(compiled, input, atMs);
  return redactDecision(await evaluateFacts(compiled, facts), facts);
}

/**
 * Re-evaluates a recorded decision from its derived facts alone (no title, no description, the
 * recorded keywords, no e-mail address) at its instant `atMs`: `calendar` and `time` are computed
 * again, so a changed calendar or time-zone rule shows as a difference of the facts. Same rules
 * version, derived facts and instant give a decision equal to the recorded one, except for the
 * conditions listed in `unreproducible` and the rules holding them.
 */
export async function evaluateDerived(compiled: CompiledRules, derived: DerivedFacts, atMs: number): Promise<DerivedEvaluation> {
  const facts = ruleFacts(compiled, { ticket: { ...derived.ticket }, requester: { ...derived.requester } }, atMs, [...derived.keywords]);
  const decision = redactDecision(await evaluateFacts(compiled, facts), facts);
  return { decision, unreproducible: unreproducibleConditions(decision) };
}

/** The conditions of a decision's explanation that the derived facts cannot reproduce. */
export function unreproducibleConditions(decision: Decision): UnreproducibleCondition[] {
  const found: UnreproducibleCondition[] = [];
  for (const c of decision.explanation.conditions) {
    mapTree(c.conditions, (node) => {
      const reading = readingOf(node);
      if (reading.kind === 'sealed') {
        found.push({
          rule: c.rule,
          fact: node.fact,
          ...(node.path !== undefined ? { path: node.path } : {}),
          operator: node.operator,
          value: structuredClone(node.value),
          reason: reading.reason,
          ...(typeof node.result === 'boolean' ? { result: node.result } : {}),
        });
      }
      return node;
    });
  }
  return found;
}

/** The outcome of a decision, as a replay compares it. */
export function decisionOutcome(d: Decision): DecisionOutcome {
  return {
    priority: d.priority,
    category: d.category,
    team: d.team,
    tier: d.tier,
    serviceLevel: d.serviceLevel,
    policy: d.policy.id,
    ladder: d.ladder.id,
    tags: [...d.tags],
    notify: [...d.notify],
    escalation: d.escalation === null ? null : { ...d.escalation },
    fired: d.explanation.fired.map((f) => ({ rule: f.rule, type: f.event.type, applied: f.applied })),
    notFired: [...d.explanation.notFired],
  };
}
