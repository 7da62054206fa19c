/**
 * Shadow mode (issue 11, item 7): a new ticket's facts, decided by the active version, are also
 * decided — silently — by every draft in shadow mode, and both outcomes are recorded in
 * shadow_decisions with the fields that differ. The shadow's decision is never acted on: nothing
 * of it reaches the workflow.
 *
 * Decisions:
 * - each draft revision's text is validated and compiled once and kept (like rules/versions.ts
 *   keeps compiled versions); a revision whose text is not a valid rules file is skipped, with one
 *   log line naming the draft, and so is a revision that cannot decide a ticket (e.g. an SLA gap);
 * - a failure here never fails the classification: it is caught and logged, without the ticket's
 *   words, its number or the requester;
 * - only a ticket's first classification is shadowed; the database tells it from a
 *   re-classification as ticket_decisions does (the decision at the ticket's creation instant).
 */
import { Context } from '@temporalio/activity';
import type { ShadowDecisionInput, ShadowDecisionsRepo, ShadowField, ShadowOutcome } from '../db/shadow-decisions-repo.ts';
import { SHADOW_FIELDS } from '../db/shadow-decisions-repo.ts';
import { compileRules, evaluate, type CompiledRules } from '../rules/evaluate.ts';
import { decisionOutcome } from '../rules/derived-facts.ts';
import { hashRules } from '../rules/hash.ts';
import type { Decision, TicketFacts } from '../rules/types.ts';
import { validateRulesText } from '../rules/validate.ts';

export type ShadowStore = Pick<ShadowDecisionsRepo, 'shadowDrafts' | 'draftSource' | 'record'>;

/** How many compiled draft revisions a process keeps. */
const CACHE_SIZE = 32;

/** What a decision's outcome is, as both sides of a shadow decision record it. */
export function shadowOutcomeOf(d: Decision): ShadowOutcome {
  return { ...decisionOutcome(d), responseMs: d.policy.responseMs, resolutionMs: d.policy.resolutionMs, calendar: d.policy.calendar.id };
}

const sorted = (list: readonly string[]) => [...list].sort();

function sameField(field: ShadowField, a: ShadowOutcome, b: ShadowOutcome): boolean {
  switch (field) {
    // Tags and roles notified are sets: their order says nothing.
    case 'tags':
    case 'notify':
      return JSON.stringify(sorted(a[field])) === JSON.stringify(sorted(b[field]));
    case 'escalation':
      return JSON.stringify(a.escalation ? [a.escalation.tier, a.escalation.rule, a.escalation.reason] : null)
        === JSON.stringify(b.escalation ? [b.escalation.tier, b.escalation.rule, b.escalation.reason] : null);
    case 'fired':
      return JSON.stringify(a.fired.map((f) => [f.rule, f.type, f.applied])) === JSON.stringify(b.fired.map((f) => [f.rule, f.type, f.applied]));
    default:
      return a[field] === b[field];
  }
}

/** The outcome fields in which the shadow's decision differs from the live one, in SHADOW_FIELDS order. */
export function differingFields(live: ShadowOutcome, shadow: ShadowOutcome): ShadowField[] {
  return SHADOW_FIELDS.filter((f) => !sameField(f, live, shadow));
}

/** One line to the activity's log (the worker's), or to the console outside an activity. */
function warn(line: string): void {
  try {
    Context.current().log.warn(line);
  } catch {
    console.warn(line);
  }
}

interface Entry {
  compiled: CompiledRules | null;
  /** Whether a failure of this revision was logged already (once is enough). */
  logged: boolean;
}

export interface ShadowRecorder {
  /**
   * Decides `facts` at `atMs` under every draft in shadow mode and records each beside `live`
   * (the active version's decision). Never rejects: a failure is logged and nothing is recorded.
   * Resolves with how many rows were written.
   */
  record(ticket: { number: string; atMs: number; facts: TicketFacts; live: Decision }): Promise<number>;
}

export function createShadowRecorder(store: ShadowStore, log: (line: string) => void = warn): ShadowRecorder {
  const cache = new Map<string, Promise<Entry>>();

  function compiledFor(id: number, revision: number): Promise<Entry> {
    const key = `${id}:${revision}`;
    let entry = cache.get(key);
    if (entry) {
      cache.delete(key);
      cache.set(key, entry);
      return entry;
    }
    entry = store.draftSource(id).then((d): Entry => {
      if (!d) return { compiled: null, logged: true };
      const checked = validateRulesText(d.source);
      if (!checked.ok) {
        log(`Shadow draft ${id} (revision ${d.revision}) is skipped: its text is not a valid rules file (${checked.problems.length} problem(s)); fix it on its page.`);
        return { compiled: null, logged: true };
      }
      try {
        // Version 0: a draft is no published version; its content's hash names it.
        return { compiled: compileRules(checked.file, { version: 0, hash: hashRules(checked.file) }), logged: false };
      } catch (err) {
        log(`Shadow draft ${id} (revision ${d.revision}) is skipped: it could not be compiled (${(err as Error).name}).`);
        return { compiled: null, logged: true };
      }
    });
    const pending = entry;
    cache.set(key, pending);
    // A read that failed (the database) is tried again next time.
    pending.catch(() => {
      if (cache.get(key) === pending) cache.delete(key);
    });
    while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    return pending;
  }

  async function decide(draft: { id: number; revision: number }, facts: TicketFacts, atMs: number, live: ShadowOutcome): Promise<ShadowDecisionInput | null> {
    const entry = await compiledFor(draft.id, draft.revision).catch((err: unknown) => {
      log(`Shadow draft ${draft.id} was not read (${(err as Error).name}); this ticket is not shadowed by it.`);
      return null;
    });
    if (!entry?.compiled) return null;
    try {
      const shadow = shadowOutcomeOf(await evaluate(entry.compiled, structuredClone(facts), atMs));
      return { draftId: draft.id, revision: draft.revision, active: live, shadow, differs: differingFields(live, shadow) };
    } catch (err) {
      if (!entry.logged) {
        entry.logged = true;
        log(`Shadow draft ${draft.id} (revision ${draft.revision}) could not decide a ticket (${(err as Error).name}); its tickets are skipped until it is changed.`);
      }
      return null;
    }
  }

  return {
    async record({ number, atMs, facts, live }) {
      try {
        const drafts = await store.shadowDrafts();
        if (drafts.length === 0) return 0;
        const liveOutcome = shadowOutcomeOf(live);
        const decided = (await Promise.all(drafts.map((d) => decide(d, facts, atMs, liveOutcome)))).filter((d): d is ShadowDecisionInput => d !== null);
        return await store.record({ number, atMs, activeVersion: live.rulesVersion }, decided);
      } catch (err) {
        const code = (err as { parent?: { code?: string } }).parent?.code;
        log(`Shadow decisions were not recorded (${(err as Error).name}${code ? ` ${code}` : ''}); the live decision stands.`);
        return 0;
      }
    },
  };
}
