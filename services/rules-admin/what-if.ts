/**
 * What-if over past tickets (issue 11, item 6): a candidate rules file applied to the tickets
 * created in a period, each re-evaluated from the derived facts recorded at its classification
 * (ticket_decisions) at its recorded instant, as evaluateDerived does, and compared with what was
 * decided then: priority, category, team, tier, service level, policy, and the response and
 * resolution deadlines and breaches that the ticket's recorded responses, pauses and resolution
 * give under each side's targets and calendar (clock-replay.ts).
 *
 * Decisions:
 * - tickets are read a page at a time in (created_at, number) order (keyset paging), and the
 *   candidate is compiled once;
 * - "then" is the recorded classification as it was decided, under its own version; a later
 *   priority change or re-classification is not replayed (such tickets are counted in
 *   `retargetedLater`), so both sides compare classification with classification;
 * - a condition the recorded facts cannot answer (it reads the sealed text, or tests for a word
 *   the recorded version never looked for) is unknown, not false: a ticket whose candidate
 *   decision rests on one is `uncertain`, and the conditions are counted and listed;
 * - a clock still running is judged as of `asOf` (the run's start by default): breached if its
 *   deadline has passed, else open.
 */
import { compileRules, evaluateFacts, ruleFacts, type CompiledRules } from '../../rules/evaluate.ts';
import { unreproducibleConditions } from '../../rules/derived-facts.ts';
import { hashRules } from '../../rules/hash.ts';
import type { BusinessCalendar } from '../../rules/calendar.ts';
import type { RulesFile } from '../../rules/types.ts';
import type { RulesVersions } from '../../rules/versions.ts';
import type { PageCursor, PeriodTicket, TicketDecisionsRepo } from '../../db/ticket-decisions-repo.ts';
import { clockOutcome, replayClocks, type ClockHistory } from './clock-replay.ts';
import { keywordVocabulary, uncoveredKeywordTests } from './keyword-coverage.ts';
import { uncertaintyOf, type OpenCondition } from './uncertainty.ts';
import { emptySummary, tally, finishSummary, type SideOutcome, type WhatIfSummary, type WhatIfTicket, type ChangedField } from './what-if-summary.ts';

export type { ChangedField, SideOutcome, WhatIfSummary, WhatIfTicket } from './what-if-summary.ts';

export interface WhatIfDeps {
  decisions: Pick<TicketDecisionsRepo, 'countCreated' | 'createdPage'>;
  /** The recorded versions' files: their calendars, and the words their keyword tests looked for. */
  rules: Pick<RulesVersions, 'get'>;
}

/** Tickets created in [from, to), epoch ms. */
export interface WhatIfPeriod {
  fromMs: number;
  toMs: number;
}

export interface WhatIfOptions {
  /** Told after each page: tickets gone through so far, of the tickets created in the period. */
  onProgress?: (done: number, total: number) => void | Promise<void>;
  /** Stops the run between pages: it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Tickets per page. @default 500 */
  pageSize?: number;
  /** Which tickets are listed one by one: those that change or are uncertain, or all. @default 'changed' */
  list?: 'changed' | 'all';
  /** At most this many tickets are listed (the figures count them all). @default 1000 */
  maxListed?: number;
  /** The instant open clocks are judged at, epoch ms. @default Date.now() at the start */
  asOfMs?: number;
}

interface VersionInfo {
  calendars: Map<string, BusinessCalendar>;
  /** The candidate's keyword tests this version's facts cannot answer. */
  uncovered: OpenCondition[];
}

function calendarsOf(file: RulesFile): Map<string, BusinessCalendar> {
  return new Map(Object.entries(file.calendars).map(([id, c]) => [id, Object.freeze({ ...structuredClone(c), id }) as BusinessCalendar]));
}

/** The candidate compiled once, as version 0 with its content's hash. */
export function compileCandidate(candidate: RulesFile): CompiledRules {
  return compileRules(candidate, { version: 0, hash: hashRules(candidate) });
}

function sideOf(
  d: { priority: string; category: string; team: string; tier: string; serviceLevel: string; policy: string; calendar: string; responseMs: number; resolutionMs: number },
  clocks: ClockHistory, calendar: BusinessCalendar, asOfMs: number,
): SideOutcome {
  return {
    priority: d.priority, category: d.category, team: d.team, tier: d.tier, serviceLevel: d.serviceLevel,
    policy: d.policy, calendar: d.calendar, responseMs: d.responseMs, resolutionMs: d.resolutionMs,
    response: clockOutcome(clocks.response, d.responseMs, calendar, asOfMs),
    resolution: clockOutcome(clocks.resolution, d.resolutionMs, calendar, asOfMs),
  };
}

const FIELDS: ReadonlyArray<Exclude<ChangedField, 'responseDeadline' | 'resolutionDeadline' | 'responseBreach' | 'resolutionBreach'>> = ['priority', 'category', 'team', 'tier', 'serviceLevel', 'policy'];

/** What differs between the two sides of a ticket. */
export function changedFields(then: SideOutcome, cand: SideOutcome): ChangedField[] {
  const out: ChangedField[] = FIELDS.filter((f) => then[f] !== cand[f]);
  if (then.response.deadlineAt !== cand.response.deadlineAt) out.push('responseDeadline');
  if (then.resolution.deadlineAt !== cand.resolution.deadlineAt) out.push('resolutionDeadline');
  if (then.response.breached !== cand.response.breached) out.push('responseBreach');
  if (then.resolution.breached !== cand.resolution.breached) out.push('resolutionBreach');
  return out;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The what-if was cancelled.', 'AbortError');
}

/**
 * Runs the what-if of `candidate` over the tickets created in `period`.
 * @throws RulesValidationError when the candidate is not valid; the signal's reason when aborted
 */
export async function runWhatIf(deps: WhatIfDeps, candidate: RulesFile, period: WhatIfPeriod, opts: WhatIfOptions = {}): Promise<WhatIfSummary> {
  const compiled = compileCandidate(candidate);
  const candidateCalendars = calendarsOf(candidate);
  const asOfMs = opts.asOfMs ?? Date.now();
  const pageSize = opts.pageSize ?? 500;
  const listAll = opts.list === 'all';
  const maxListed = opts.maxListed ?? 1000;
  const versions = new Map<number, Promise<VersionInfo | null>>();
  const versionInfo = (version: number): Promise<VersionInfo | null> => {
    let info = versions.get(version);
    if (!info) {
      info = deps.rules.get(version).then((record) => record
        ? { calendars: calendarsOf(record.file), uncovered: uncoveredKeywordTests(candidate, keywordVocabulary(record.file)) }
        : null);
      versions.set(version, info);
    }
    return info;
  };

  const summary = emptySummary({ period, asOfMs, candidate: { name: candidate.name, hash: compiled.hash }, serviceLevels: candidate.serviceLevels });
  const total = await deps.decisions.countCreated(period);
  let done = 0;
  let after: PageCursor | null = null;
  if (opts.signal?.aborted) throw abortReason(opts.signal);
  await opts.onProgress?.(0, total);

  for (;;) {
    const page: PeriodTicket[] = await deps.decisions.createdPage(period, after, pageSize);
    if (page.length === 0) break;
    for (const t of page) {
      const entry = await assess(t);
      if (entry) {
        tally(summary, entry);
        if ((listAll || entry.changed.length > 0 || entry.uncertain) && summary.tickets.length < maxListed) summary.tickets.push(entry);
        else summary.unlisted += 1;
      }
      done += 1;
    }
    const last = page[page.length - 1]!;
    after = { createdMs: last.createdMs, number: last.number };
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    await opts.onProgress?.(done, Math.max(total, done));
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    if (page.length < pageSize) break;
  }
  return finishSummary(summary, done);

  /** One ticket: null when it is skipped (no recorded facts) or cannot be evaluated (counted either way). */
  async function assess(t: PeriodTicket): Promise<WhatIfTicket | null> {
    const c = t.classification;
    if (!c) {
      summary.skipped += 1;
      return null;
    }
    try {
      const version = await versionInfo(c.rulesVersion);
      const thenCalendar = version?.calendars.get(c.outcome.calendar);
      if (!version || !thenCalendar) throw new Error(`The rules version ${c.rulesVersion} that classified it, or its calendar "${c.outcome.calendar}", is no longer there.`);
      // evaluateDerived's evaluation (the recorded facts, their keywords, the instant; calendar and time
      // computed again), without recording the result: redaction rewrites only the explanation's fact
      // values, which the what-if does not keep, and costs as much again as the evaluation.
      const facts = ruleFacts(compiled, { ticket: { ...c.facts.ticket }, requester: { ...c.facts.requester } }, c.decidedMs, [...c.facts.keywords]);
      const decision = await evaluateFacts(compiled, facts);
      const uncertainty = uncertaintyOf(decision, [...unreproducibleConditions(decision), ...version.uncovered]);
      const clocks = replayClocks(t.createdMs, t.events);
      const candCalendar = candidateCalendars.get(decision.policy.calendar.id) as BusinessCalendar;
      const then = sideOf({ ...c.outcome }, clocks, thenCalendar, asOfMs);
      const cand = sideOf({
        priority: decision.priority, category: decision.category, team: decision.team, tier: decision.tier, serviceLevel: decision.serviceLevel,
        policy: decision.policy.id, calendar: decision.policy.calendar.id, responseMs: decision.policy.responseMs, resolutionMs: decision.policy.resolutionMs,
      }, clocks, candCalendar, asOfMs);
      return {
        number: t.number,
        createdAt: new Date(t.createdMs).toISOString(),
        status: t.status,
        decidedAt: new Date(c.decidedMs).toISOString(),
        rulesVersion: c.rulesVersion,
        then,
        candidate: cand,
        changed: changedFields(then, cand),
        uncertain: uncertainty.rules.length > 0,
        uncertainRules: uncertainty.rules,
        openConditions: uncertainty.conditions,
        retargetedLater: clocks.retargetedLater,
      };
    } catch (err) {
      summary.failed += 1;
      if (summary.failures.length < 20) summary.failures.push({ number: t.number, reason: (err as Error).message });
      return null;
    }
  }
}
