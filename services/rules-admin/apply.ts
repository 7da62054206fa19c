/**
 * Applying a rules version to open tickets, the preview (issue 11, item 8): which open tickets —
 * not resolved, closed or cancelled — on an older version would change if the version were
 * applied to them, and how; which would not; which cannot be previewed. Applying is a run on the
 * worker (apply-runs.ts) that sends each one the reclassify signal, as the API's
 * `POST /tickets/{number}/reclassify` does.
 *
 * What a re-classification does (workflows/transitions/classification.ts `reclassified`): the
 * active version decides again; the ticket takes its priority, policy, targets and calendar, and
 * its team and tier only while it is still `new`; each SLA clock keeps its start and pauses (the
 * elapsed business time carries over) and its deadline is planned again in the new calendar
 * (activities/clocks.ts planClocks). The preview does the same:
 * - the decision is evaluated under the version from the derived facts of the ticket's latest
 *   recorded decision (ticket_decisions) at the preview's instant, as the what-if does
 *   (what-if.ts). The re-classification itself reads the requester's directory entry and the
 *   clock when it runs, so a rule on the time of day or on a directory fact that changed since
 *   may decide otherwise; a rule the recorded facts cannot answer (it reads the sealed text, or
 *   tests for a word the recorded version never looked for) makes the ticket `uncertain`;
 * - the clocks are rebuilt from the ticket's recorded events (clock-replay.ts) and planned with
 *   planClocks itself, under the ticket's present targets and calendar and under the version's:
 *   a deadline is said to change when those two differ. The deadlines shown for now are the
 *   read model's (the workflow's own); the new ones are the replay's, which stamps pauses with
 *   their events' instants — within milliseconds of the workflow's;
 * - a ticket with no recorded decision (classified before decisions were recorded) cannot be
 *   previewed; applying to "all" still re-classifies it.
 *
 * Keyset paging: the open tickets are read in number order, a page at a time, each version
 * compiled once; one preview goes through all of them for its counts (about 70 µs a ticket with
 * the shipped rules) and lists one page of the list asked for.
 */
import type { OpenTicket, OpenTicketsRepo } from '../../db/open-tickets-repo.ts';
import { planClocks } from '../../activities/clocks.ts';
import type { BusinessCalendar } from '../../rules/calendar.ts';
import { unreproducibleConditions } from '../../rules/derived-facts.ts';
import { evaluateFacts, ruleFacts } from '../../rules/evaluate.ts';
import type { RulesFile } from '../../rules/types.ts';
import type { LoadedRules, RulesVersions } from '../../rules/versions.ts';
import { TicketStatus } from '../../workflows/types.ts';
import { NotFoundError } from '../errors.ts';
import { replayClocks } from './clock-replay.ts';
import { keywordVocabulary, uncoveredKeywordTests } from './keyword-coverage.ts';
import { uncertaintyOf, type OpenCondition } from './uncertainty.ts';

export interface ApplyDeps {
  openTickets: Pick<OpenTicketsRepo, 'countOlder' | 'olderPage'>;
  rules: Pick<RulesVersions, 'compiled' | 'active' | 'get'>;
}

/** What a ticket holds (now) or would hold (after): the fields a re-classification sets. */
export interface TicketSide {
  priority: string | null;
  team: string | null;
  tier: string | null;
  policy: string | null;
  calendar: string | null;
  responseTargetMs: number | null;
  resolutionTargetMs: number | null;
  /** The deadline in force (ISO 8601); null while the clock is paused or once it stopped. */
  responseDueAt: string | null;
  resolutionDueAt: string | null;
}

export const APPLY_FIELDS = ['priority', 'team', 'tier', 'policy', 'responseTarget', 'resolutionTarget', 'responseDeadline', 'resolutionDeadline'] as const;
export type ApplyField = (typeof APPLY_FIELDS)[number];

export interface PreviewTicket {
  number: string;
  status: string;
  rulesVersion: number;
  now: TicketSide;
  after: TicketSide;
  changed: ApplyField[];
  /** A rule the recorded facts cannot answer could decide otherwise. */
  uncertain: boolean;
  uncertainRules: string[];
}

/** One open ticket assessed: it changes, it does not, or it cannot be previewed. */
export type Assessment =
  | { kind: 'changing' | 'unchanged'; ticket: PreviewTicket }
  | { kind: 'unknown'; ticket: { number: string; status: string; rulesVersion: number; reason: 'noFacts' | 'failed' } };

export type PreviewList = 'changing' | 'unchanged' | 'unknown';

export interface PreviewInput {
  version: number;
  /** Which tickets to list. @default 'changing' */
  list?: PreviewList;
  /** List the tickets after this number (the previous page's `next`). */
  after?: string | null;
  /** @default 50, at most 500 */
  limit?: number;
  /** The instant the decisions are made at, epoch ms. @default now */
  asOfMs?: number;
}

export interface ApplyPreview {
  version: number;
  activeVersion: number;
  /** Only the active version can be applied: a re-classification decides under the active version. */
  applicable: boolean;
  asOf: string;
  totals: { open: number; changing: number; unchanged: number; unknown: number; uncertain: number };
  list: PreviewList;
  tickets: Array<PreviewTicket | Extract<Assessment, { kind: 'unknown' }>['ticket']>;
  /** The number to ask `after` for the next page; null on the last. */
  next: string | null;
}

const PAGE = 500;

function calendarsOf(file: RulesFile): Map<string, BusinessCalendar> {
  return new Map(Object.entries(file.calendars).map(([id, c]) => [id, Object.freeze({ ...structuredClone(c), id }) as BusinessCalendar]));
}

/** The deadlines planClocks gives the ticket's clocks, rebuilt from its events, under these targets and calendar. */
function plannedDeadlines(t: OpenTicket, calendar: BusinessCalendar, responseMs: number, resolutionMs: number, nowMs: number): { response: string | null; resolution: string | null } {
  const { response, resolution } = replayClocks(t.createdMs, t.events);
  response.targetMs = responseMs;
  resolution.targetMs = resolutionMs;
  const plan = planClocks({ calendar, clocks: [response, resolution], marks: [], nowMs });
  const at = (name: string) => {
    const ms = plan.clocks.find((c) => c.name === name)?.deadlineAt ?? null;
    return ms === null ? null : new Date(ms).toISOString();
  };
  return { response: at('response'), resolution: at('resolution') };
}

/**
 * Assesses open tickets under one version: each version's calendars and keyword vocabulary are
 * read once. Used by the preview and, for the scope "changing", by the run.
 */
export function createAssessor(deps: Pick<ApplyDeps, 'rules'>, target: LoadedRules) {
  const targetCalendars = calendarsOf(target.file);
  const versions = new Map<number, Promise<{ calendars: Map<string, BusinessCalendar>; uncovered: OpenCondition[] } | null>>();
  const versionInfo = (version: number) => {
    let info = versions.get(version);
    if (!info) {
      info = deps.rules.get(version).then((r) => r ? { calendars: calendarsOf(r.file), uncovered: uncoveredKeywordTests(target.file, keywordVocabulary(r.file)) } : null);
      versions.set(version, info);
    }
    return info;
  };

  return async function assess(t: OpenTicket, asOfMs: number): Promise<Assessment> {
    const head = { number: t.number, status: t.status, rulesVersion: t.rulesVersion };
    const recorded = t.decision;
    if (!recorded) return { kind: 'unknown', ticket: { ...head, reason: 'noFacts' } };
    try {
      const facts = ruleFacts(target.compiled, { ticket: { ...recorded.facts.ticket }, requester: { ...recorded.facts.requester } }, asOfMs, [...recorded.facts.keywords]);
      const d = await evaluateFacts(target.compiled, facts);
      const [own, decidedBy] = await Promise.all([versionInfo(t.rulesVersion), versionInfo(recorded.rulesVersion)]);
      const uncertainty = uncertaintyOf(d, [...unreproducibleConditions(d), ...(decidedBy?.uncovered ?? [])]);
      const sla = t.sla;
      const now: TicketSide = {
        priority: t.priority, team: t.teamId, tier: t.tier, policy: sla?.policyId ?? null, calendar: sla?.calendarId ?? null,
        responseTargetMs: sla?.responseTargetMs ?? null, resolutionTargetMs: sla?.resolutionTargetMs ?? null,
        responseDueAt: sla?.responseDueAt ?? null, resolutionDueAt: sla?.resolutionDueAt ?? null,
      };
      const calendar = targetCalendars.get(d.policy.calendar.id) ?? d.policy.calendar;
      const planned = plannedDeadlines(t, calendar, d.policy.responseMs, d.policy.resolutionMs, asOfMs);
      const stillNew = t.status === TicketStatus.new;
      const after: TicketSide = {
        priority: d.priority, team: stillNew ? d.team : t.teamId, tier: stillNew ? d.tier : t.tier, policy: d.policy.id, calendar: d.policy.calendar.id,
        responseTargetMs: d.policy.responseMs, resolutionTargetMs: d.policy.resolutionMs, responseDueAt: planned.response, resolutionDueAt: planned.resolution,
      };
      const changed: ApplyField[] = [];
      if (now.priority !== after.priority) changed.push('priority');
      if (now.team !== after.team) changed.push('team');
      if (now.tier !== after.tier) changed.push('tier');
      if (now.policy !== after.policy) changed.push('policy');
      if (now.responseTargetMs !== after.responseTargetMs) changed.push('responseTarget');
      if (now.resolutionTargetMs !== after.resolutionTargetMs) changed.push('resolutionTarget');
      // The deadlines as the same replay plans them under the present targets and calendar: equal inputs, equal answers.
      const nowCalendar = sla && own?.calendars.get(sla.calendarId);
      const before = sla && nowCalendar ? plannedDeadlines(t, nowCalendar, sla.responseTargetMs, sla.resolutionTargetMs, asOfMs) : { response: now.responseDueAt, resolution: now.resolutionDueAt };
      if (before.response !== planned.response) changed.push('responseDeadline');
      else after.responseDueAt = now.responseDueAt;
      if (before.resolution !== planned.resolution) changed.push('resolutionDeadline');
      else after.resolutionDueAt = now.resolutionDueAt;
      const ticket: PreviewTicket = { ...head, now, after, changed, uncertain: uncertainty.rules.length > 0, uncertainRules: uncertainty.rules };
      return { kind: changed.length > 0 ? 'changing' : 'unchanged', ticket };
    } catch {
      return { kind: 'unknown', ticket: { ...head, reason: 'failed' } };
    }
  };
}

/** The version, compiled. @throws NotFoundError (404) when there is no such version */
export async function targetVersion(deps: Pick<ApplyDeps, 'rules'>, version: number): Promise<LoadedRules> {
  const record = Number.isSafeInteger(version) && version >= 1 ? await deps.rules.get(version) : undefined;
  if (!record) throw new NotFoundError('admin:errors.noVersion', { version });
  return deps.rules.compiled(version);
}

/**
 * The preview of applying `version` to the open tickets on older versions: the counts, and one
 * page of the list asked for (in ticket number order, after `after`).
 * @throws NotFoundError (404) when there is no such version
 */
export async function previewApply(deps: ApplyDeps, input: PreviewInput): Promise<ApplyPreview> {
  const target = await targetVersion(deps, input.version);
  const active = await deps.rules.active();
  const asOfMs = input.asOfMs ?? Date.now();
  const list: PreviewList = input.list ?? 'changing';
  const limit = Math.max(1, Math.min(500, input.limit ?? 50));
  const after = input.after ?? null;
  const assess = createAssessor(deps, target);
  const totals = { open: 0, changing: 0, unchanged: 0, unknown: 0, uncertain: 0 };
  const tickets: ApplyPreview['tickets'] = [];
  let more = false;
  let cursor: string | null = null;
  for (;;) {
    const page = await deps.openTickets.olderPage(target.version, cursor, PAGE);
    for (const t of page) {
      const a = await assess(t, asOfMs);
      totals.open += 1;
      totals[a.kind] += 1;
      if (a.kind !== 'unknown' && a.ticket.uncertain) totals.uncertain += 1;
      if (a.kind !== list || (after !== null && t.number <= after)) continue;
      if (tickets.length < limit) tickets.push(a.ticket);
      else more = true;
    }
    if (page.length < PAGE) break;
    cursor = page[page.length - 1]!.number;
  }
  return {
    version: target.version, activeVersion: active.version, applicable: active.version === target.version, asOf: new Date(asOfMs).toISOString(),
    totals, list, tickets, next: more ? tickets[tickets.length - 1]!.number : null,
  };
}
