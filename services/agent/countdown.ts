/**
 * A ticket's SLA countdowns as an agent reads them on a queue row and on the ticket page: for the
 * response and the resolution clock, the risk (for the colour), the time left or past, one short
 * sentence in the agent's language ("1 h 20 min working time left", "breached 35 min ago",
 * "paused: waiting for the requester", "answered") and a title (when it is due, in the agent's
 * time zone, and in which calendar).
 *
 * Everything comes from the read model's SLA summary (TicketSla: the deadlines in force, the
 * targets, paused, responded, breached) and the ticket's own rules version (its calendars and its
 * policy's warning fractions), never from the workflow: a queue of 100 rows asks Temporal nothing.
 *
 * Decisions (docs: agent-ui/live/README.md):
 * - time left is business time in the ticket's calendar, from now to the deadline in force
 *   (rules/calendar.ts businessTimeBetween; a running clock has no pause ahead of it), shown in
 *   hours and minutes — never days, since a "day" of counted time reads like a working day;
 *   a 24×7 calendar says "left" without "working time";
 * - time past a breach is wall time since the deadline ("breached 2 days ago" on a Monday morning
 *   for a deadline on Friday): "ago" answers *when* it happened, which is what an agent sorting
 *   out the worst first needs; how much working time it is over is not what the words promise.
 *   overdueMs is that wall time, too;
 * - `warning` when the time left is at most (1 − the policy's first warnAt) × target, which is
 *   where the workflow's first sla_warning mark falls; no warnAt, no warning colour;
 * - a clock that did its job is `met` ("answered", "resolved in time"); one that ended without it
 *   (the ticket merged or cancelled, or resolved without a public answer) is `stopped`; a breach
 *   stays `breached` whatever happens next ("answered late", "breached; stopped: merged");
 * - a rules version that no longer exists, or a calendar missing from it, degrades to wall time
 *   ("due in 3 h") rather than failing the row; other faults (PostgreSQL) are thrown.
 */
import type { i18n, TFunction } from 'i18next';
import { businessTimeBetween, type BusinessCalendar } from '../../rules/calendar.ts';
import type { RulesFile } from '../../rules/types.ts';
import { UnknownRulesVersionError } from '../../rules/versions.ts';
import type { TicketSla } from '../../workflows/types.ts';
import { fixedWords } from './queue-words.ts';

export type Risk = 'ok' | 'warning' | 'breached' | 'paused' | 'met' | 'stopped';

export type ClockName = 'response' | 'resolution';
export const COUNTDOWN_CLOCKS: readonly ClockName[] = ['response', 'resolution'];

export interface Countdown {
  clock: ClockName;
  risk: Risk;
  /** Business time left (wall time when the calendar is unknown); null unless the clock runs before its deadline. */
  remainingMs: number | null;
  /** Wall time since the deadline; null unless the clock runs past it. */
  overdueMs: number | null;
  /** The deadline in force (ISO); null once the clock stopped or while it is paused. */
  dueAt: string | null;
  text: string;
  title: string;
}

/** What a countdown is made from: a queue row (services/agent/queues.ts TicketRow) or a ticket record has these. */
export interface CountdownTicket {
  sla: TicketSla | null;
  rulesVersion: number | null;
  status: string;
}

/** The agent's language, or their language and time zone (the portal's Viewer has both); without a zone the calendar's. */
export type CountdownViewer = string | { language: string; timeZone: string };

export interface Countdowns {
  forTicket(t: CountdownTicket, viewer: CountdownViewer, nowMs?: number): Promise<Countdown[]>;
}

/** The part of the rules versions countdowns read (rules/versions.ts RulesVersions has it). */
export interface CountdownRules {
  compiled(version: number): Promise<{ file: Pick<RulesFile, 'calendars' | 'slaPolicies'> }>;
}

export interface CountdownDeps {
  rules: CountdownRules;
  i18n: Pick<i18n, 't'>;
  clock?: () => number;
}

/** What a ticket's rules version says about its clocks: calendars by id (compiled once) and each policy's first warning fraction. */
interface VersionFacts {
  calendars: Map<string, BusinessCalendar>;
  firstWarnAt: Map<string, number>;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const VERSION_CACHE_SIZE = 32;
/** Statuses in which no clock runs any more. */
const ENDED = new Set(['resolved', 'closed', 'cancelled', 'merged']);
const DONE = new Set(['resolved', 'closed']);

export const NS = 'agent-sla';

export function createCountdowns(deps: CountdownDeps): Countdowns {
  const now = deps.clock ?? Date.now;
  const versions = new Map<number, Promise<VersionFacts>>();
  // Each language's countdown words, made once (a queue page asks ten a row, mostly the same ones).
  const words = new Map<string, TFunction>();
  const wordsOf = (language: string): TFunction => {
    let t = words.get(language);
    if (!t) {
      if (words.size >= 16) words.clear();
      t = fixedWords(deps.i18n, language, NS);
      words.set(language, t);
    }
    return t;
  };

  function factsOf(version: number): Promise<VersionFacts> {
    let facts = versions.get(version);
    if (!facts) {
      facts = deps.rules.compiled(version).then(({ file }) => ({
        calendars: new Map(Object.entries(file.calendars).map(([id, cal]) => [id, Object.freeze({ ...cal, id }) as BusinessCalendar])),
        firstWarnAt: new Map(file.slaPolicies.flatMap((p) => (p.warnAt?.length ? [[p.id, Math.min(...p.warnAt)] as [string, number]] : []))),
      }));
      const pending = facts;
      versions.set(version, pending);
      // A fault (PostgreSQL away) is not remembered: the next call asks again.
      void pending.catch(() => {
        if (versions.get(version) === pending) versions.delete(version);
      });
      while (versions.size > VERSION_CACHE_SIZE) versions.delete(versions.keys().next().value as number);
    }
    return facts;
  }

  async function factsFor(version: number | null): Promise<VersionFacts | null> {
    if (version === null) return null;
    try {
      return await factsOf(version);
    } catch (err) {
      if (err instanceof UnknownRulesVersionError) return null;
      throw err;
    }
  }

  return {
    async forTicket(t, viewer, nowMs) {
      const sla = t.sla;
      if (!sla) return [];
      const at = nowMs ?? now();
      const language = typeof viewer === 'string' ? viewer : viewer.language;
      const facts = await factsFor(t.rulesVersion);
      const calendar = facts?.calendars.get(sla.calendarId) ?? null;
      const place = { t: wordsOf(language), language, timeZone: typeof viewer === 'string' ? (calendar?.timeZone ?? 'UTC') : viewer.timeZone };
      const warnAt = facts?.firstWarnAt.get(sla.policyId) ?? null;
      return COUNTDOWN_CLOCKS.map((clock) => countdownOf(clock, t.status, sla, calendar, warnAt, at, place));
    },
  };
}

interface Place {
  t: TFunction;
  language: string;
  timeZone: string;
}

function countdownOf(clock: ClockName, status: string, sla: TicketSla, calendar: BusinessCalendar | null, warnAt: number | null, nowMs: number, p: Place): Countdown {
  const breached = sla.breached.includes(clock);
  const dueAt = clock === 'response' ? sla.responseDueAt : sla.resolutionDueAt;
  const target = clock === 'response' ? sla.responseTargetMs : sla.resolutionTargetMs;
  const calendarTitle = p.t('title.calendar', { calendar: sla.calendarId });
  const still = (risk: Risk, textKey: string, params: Record<string, unknown> = {}): Countdown => ({
    clock, risk, remainingMs: null, overdueMs: null, dueAt: null, text: p.t(textKey, params), title: calendarTitle,
  });
  const ended = () => p.t(`stopped.${ENDED.has(status) ? status : 'other'}`);

  // The clock did its job, or ended without it.
  if (clock === 'response' && sla.responded) return breached ? still('breached', 'text.answeredLate') : still('met', 'text.answered');
  if (clock === 'resolution' && DONE.has(status)) return breached ? still('breached', 'text.resolvedLate') : still('met', 'text.resolved');
  if (ENDED.has(status) || (dueAt === null && !sla.paused && !breached)) {
    if (!ENDED.has(status)) return still('stopped', 'text.idle');
    return breached ? still('breached', 'text.breachedStopped', { stopped: ended() }) : still('stopped', 'text.stopped', { stopped: ended() });
  }
  if (dueAt === null) {
    // Paused (pending): nothing counts until the requester answers or an agent resumes.
    if (sla.paused) return still(breached ? 'breached' : 'paused', status === 'pending' ? 'text.pausedPending' : 'text.paused');
    return still('breached', 'text.breached');
  }

  const due = Date.parse(dueAt);
  const title = p.t(due <= nowMs ? 'title.wasDue' : 'title.due', { when: formatInstant(due, p), calendar: sla.calendarId });
  if (due <= nowMs) {
    const overdueMs = nowMs - due;
    return { clock, risk: 'breached', remainingMs: null, overdueMs, dueAt, text: p.t('text.overdue', { time: wallWords(overdueMs, p.t) }), title };
  }
  const remainingMs = calendar ? businessTimeBetween(calendar, nowMs, due) : due - nowMs;
  const risk: Risk = breached ? 'breached' : warnAt !== null && remainingMs <= (1 - warnAt) * target ? 'warning' : 'ok';
  const key = !calendar ? 'text.dueIn' : sla.businessHours ? 'text.left' : 'text.leftAllHours';
  return { clock, risk, remainingMs, overdueMs: null, dueAt, text: p.t(key, { time: businessWords(remainingMs, p.t) }), title };
}

const instantFormats = new Map<string, Intl.DateTimeFormat>();

/** The due instant in the viewer's language and time zone, with the zone named ("May 4, 2026, 2:20 AM EDT"). */
function formatInstant(ms: number, p: Place): string {
  const key = `${p.language} ${p.timeZone}`;
  let f = instantFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(p.language, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZone: p.timeZone, timeZoneName: 'short' });
    if (instantFormats.size > 256) instantFormats.clear();
    instantFormats.set(key, f);
  }
  return f.format(ms);
}

/** Hours and minutes, rounded down ("1 h 20 min", "50 h", "less than 1 min"), in the words of `group` (unit, or ago for "… ago"). */
function hoursAndMinutes(ms: number, t: TFunction, group: 'unit' | 'ago'): string {
  const minutes = Math.floor(ms / MINUTE);
  if (minutes < 1) return t(`${group}.lessThanMinute`);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return [h > 0 ? t(`${group}.hour`, { count: h }) : null, m > 0 ? t(`${group}.minute`, { count: m }) : null].filter(Boolean).join(' ');
}

/** Business time left: hours and minutes, never days (a "day" of counted time reads like a working day). */
export const businessWords = (ms: number, t: TFunction): string => hoursAndMinutes(ms, t, 'unit');

/** Wall time past a deadline, as in "… ago": days and hours from a day on, else hours and minutes ("2 days 3 h", "35 min"). */
export function wallWords(ms: number, t: TFunction): string {
  if (ms < DAY) return hoursAndMinutes(ms, t, 'ago');
  const d = Math.floor(ms / DAY);
  const h = Math.floor((ms % DAY) / HOUR);
  return [t('ago.day', { count: d }), h > 0 ? t('ago.hour', { count: h }) : null].filter(Boolean).join(' ');
}
