/**
 * Part (b) of the replay check: every recorded rules decision re-evaluated under the rules version
 * that made it, from the facts recorded with it, and every recorded clock plan (deadlines, the
 * instants warnings, breaches and ladder steps fall due) recomputed in the calendar it was given.
 * The calls come from the replay itself (workflows/audit-capture.ts reports each activity's input
 * and recorded result), so nothing here parses history by hand.
 *
 * A classification is re-evaluated with the ticket's words when they can still be opened (the
 * vault; not after an erasure), else from the derived facts alone (rules/derived-facts.ts
 * evaluateDerived): then a rule that reads the sealed text cannot be reproduced, and a difference
 * that such a rule could explain is reported as not checked rather than as a difference.
 */
import canonicalize from 'canonicalize';
import { planClocks } from '../../activities/clocks.ts';
import { evaluateDerived, evaluateRedacted, type RedactedDecision } from '../../rules/derived-facts.ts';
import { decisionOutcome } from '../../rules/derived-facts.ts';
import { policyFor, tiersOf, type Decision, type Priority } from '../../rules/index.ts';
import type { LoadedRules } from '../../rules/versions.ts';
import type { BusinessCalendar } from '../../rules/calendar-types.ts';
import type { Classification, ClassifyInput, ClockPlan, ClockPlanInput, PolicyChoice, PolicyRequest } from '../../workflows/activity-types.ts';
import type { CapturedCall } from '../../workflows/audit-capture.ts';
import type { Difference, Unchecked } from './types.ts';

export interface RecomputeDeps {
  /** A rules version, compiled; throws when it is gone or its stored hash no longer matches its content. */
  compiled(version: number): Promise<LoadedRules>;
  /** The highest version published at or before `atMs` (the one that was active then), if any. */
  activeAt(atMs: number): Promise<number | undefined>;
  /** Opens a sealed field of the ticket (null when it cannot be opened any more: erased). Absent: never opened. */
  open?(sealed: string, field: 'title' | 'description', ticket: string): Promise<string | null>;
}

/** Where in the run's history a call was recorded: the event id, by the SDK's command number. */
export type EventOf = (call: CapturedCall) => number | null;

export interface RecomputeResult {
  differences: Difference[];
  unchecked: Unchecked[];
  checked: { decisions: number; plans: number };
}

const same = (a: unknown, b: unknown): boolean => canonicalize(a ?? null) === canonicalize(b ?? null);
const iso = (ms: number | null | undefined): string | null => (typeof ms === 'number' ? new Date(ms).toISOString() : null);

/** The parts of a decision the check compares, each under the field name a difference reports. */
function decisionFields(d: Decision, tiers: Classification['tiers']): Record<string, unknown> {
  const o = decisionOutcome(d);
  return {
    rulesHash: d.rulesHash,
    priority: o.priority, category: o.category, team: o.team, tier: o.tier, serviceLevel: o.serviceLevel,
    'policy.id': d.policy.id, 'policy.responseMs': d.policy.responseMs, 'policy.resolutionMs': d.policy.resolutionMs,
    'policy.warnAt': d.policy.warnAt, 'policy.calendar': d.policy.calendar,
    'ladder.id': d.ladder.id, 'ladder.steps': d.ladder.steps,
    tags: o.tags, notify: o.notify, escalation: o.escalation,
    autoCloseAfterMs: d.autoCloseAfterMs,
    fired: o.fired, notFired: o.notFired,
    matrix: d.explanation.matrix,
    tiers,
  };
}

export function createRecompute(deps: RecomputeDeps) {
  return { recomputeRun };

  /** Checks one run's calls in the order the workflow made them. */
  async function recomputeRun(runId: string, ticket: string, calls: CapturedCall[], eventOf: EventOf): Promise<RecomputeResult> {
    const out: RecomputeResult = { differences: [], unchecked: [], checked: { decisions: 0, plans: 0 } };
    /** The calendar of the decision in force: each plan must be made in it. */
    let calendarInForce: BusinessCalendar | null = null;
    for (const call of calls) {
      if (call.failed !== undefined) continue; // a failed attempt decided nothing; the retry's result is the next call
      const eventId = eventOf(call);
      const diff = (kind: 'decision' | 'deadline' | 'policy' | 'rules_version', field: string, recorded: unknown, recomputed: unknown) => out.differences.push({ kind, runId, eventId, field, recorded, recomputed });
      try {
        if (call.type === 'classifyTicket') {
          const c = call.result as Classification;
          calendarInForce = c.decision.policy.calendar;
          if (await classification(call.input as ClassifyInput, c, ticket, runId, diff, out.unchecked)) out.checked.decisions += 1;
        } else if (call.type === 'policyForPriority') {
          const p = call.result as PolicyChoice;
          calendarInForce = p.policy.calendar;
          if (await policy(call.input as PolicyRequest, p, diff)) out.checked.decisions += 1;
        } else if (call.type === 'planClocks') {
          const input = call.input as ClockPlanInput;
          if (calendarInForce && !same(input.calendar, calendarInForce)) diff('deadline', 'calendar', calendarInForce, input.calendar);
          if (plan(input, call.result as ClockPlan, diff)) out.checked.plans += 1;
        }
      } catch (err) {
        out.unchecked.push({ runId, what: `${call.type} (event ${eventId ?? '?'})`, why: (err as Error).message });
      }
    }
    return out;
  }

  async function classification(
    input: ClassifyInput, recorded: Classification, ticket: string, runId: string,
    diff: (kind: 'decision' | 'rules_version', field: string, recorded: unknown, recomputed: unknown) => void, unchecked: Unchecked[],
  ): Promise<boolean> {
    const d = recorded.decision;
    const facts = d.explanation.facts as RedactedDecision['explanation']['facts'] | undefined;
    const noFacts = !facts || !facts.ticket || !Array.isArray(facts.keywords);
    if (noFacts) unchecked.push({ runId, what: `classification under rules version ${d.rulesVersion}`, why: 'The decision was recorded before its facts were kept with it, so it cannot be re-evaluated; its rules version and hash are still checked.' });
    const rules = await deps.compiled(d.rulesVersion);
    if (rules.hash !== d.rulesHash) diff('rules_version', 'rulesHash', d.rulesHash, rules.hash);
    if (input.rulesVersion !== undefined && input.rulesVersion !== d.rulesVersion) diff('rules_version', 'rulesVersion', d.rulesVersion, input.rulesVersion);
    if (input.rulesVersion === undefined) {
      // Asked for the active version: no newer version may have been active at the decision's instant.
      const active = await deps.activeAt(input.atMs);
      if (active !== undefined && active > d.rulesVersion) diff('rules_version', 'rulesVersion', d.rulesVersion, active);
    }
    if (noFacts) return false;
    const words = await openWords(input, ticket);
    let again: RedactedDecision;
    let unreproducible: string[] = [];
    if (words) {
      again = await evaluateRedacted(rules.compiled, { ticket: { ...facts.ticket, title: words.title, description: words.description }, requester: { ...facts.requester } }, input.atMs);
    } else {
      const e = await evaluateDerived(rules.compiled, facts, input.atMs);
      again = e.decision;
      unreproducible = [...new Set(e.unreproducible.map((u) => u.rule))];
    }
    const want = decisionFields(d, recorded.tiers);
    const got = decisionFields(again, tiersOf(rules.compiled));
    const differing = Object.keys(want).filter((k) => !same(want[k], got[k]));
    if (differing.length && unreproducible.length) {
      unchecked.push({ runId, what: `classification under rules version ${d.rulesVersion} (${differing.join(', ')})`, why: `The ticket's words can no longer be opened and rules ${unreproducible.join(', ')} read them, so this part of the decision cannot be reproduced.` });
      return false;
    }
    for (const k of differing) diff('decision', k, want[k], got[k]);
    return true;
  }

  async function openWords(input: ClassifyInput, ticket: string): Promise<{ title: string; description: string } | null> {
    const { title, description } = input.ticket;
    if (!title.startsWith('sealed:')) return { title, description }; // recorded before sealing: the words are in the input
    if (!deps.open) return null;
    const [t, d] = [await deps.open(title, 'title', input.number ?? ticket), await deps.open(description, 'description', input.number ?? ticket)];
    return t === null || d === null ? null : { title: t, description: d };
  }

  async function policy(input: PolicyRequest, recorded: PolicyChoice, diff: (kind: 'policy', field: string, recorded: unknown, recomputed: unknown) => void): Promise<boolean> {
    const rules = await deps.compiled(input.rulesVersion);
    const again = policyFor(rules.compiled, input.serviceLevel, input.priority as Priority, input.ladderId ?? undefined);
    const fields = (p: PolicyChoice): Record<string, unknown> => ({
      'policy.id': p.policy.id, 'policy.responseMs': p.policy.responseMs, 'policy.resolutionMs': p.policy.resolutionMs,
      'policy.warnAt': p.policy.warnAt, 'policy.calendar': p.policy.calendar, 'ladder.id': p.ladder.id, 'ladder.steps': p.ladder.steps,
    });
    const [want, got] = [fields(recorded), fields(again)];
    for (const k of Object.keys(want)) if (!same(want[k], got[k])) diff('policy', k, want[k], got[k]);
    return true;
  }

  function plan(input: ClockPlanInput, recorded: ClockPlan, diff: (kind: 'deadline', field: string, recorded: unknown, recomputed: unknown) => void): boolean {
    const again = planClocks(input);
    for (const c of recorded.clocks) {
      const a = again.clocks.find((x) => x.name === c.name);
      if (!a) {
        diff('deadline', `${c.name}.deadlineAt`, iso(c.deadlineAt), null);
        continue;
      }
      if (a.deadlineAt !== c.deadlineAt) diff('deadline', `${c.name}.deadlineAt`, iso(c.deadlineAt), iso(a.deadlineAt));
      if (a.elapsedMs !== c.elapsedMs) diff('deadline', `${c.name}.elapsedMs`, c.elapsedMs, a.elapsedMs);
    }
    for (const m of recorded.marks) {
      const a = again.marks.find((x) => x.id === m.id);
      if (!a || a.at !== m.at) diff('deadline', `mark ${m.id}`, iso(m.at), iso(a?.at));
    }
    return true;
  }
}

export type Recompute = ReturnType<typeof createRecompute>;
