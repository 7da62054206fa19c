/**
 * Business-time arithmetic for SLA clocks: working hours in a calendar's local wall time, holidays,
 * 24x7 calendars, pauses. Pure functions of their arguments (and of the tzdata the runtime ships),
 * so they belong in activities, never in workflow code. Semantics are documented in rules/CALENDARS.md.
 */
import { IANAZone } from 'luxon';
import { checkCalendar, InvalidCalendarError, parseDate, parseTime } from './calendar-check.ts';
import { WEEKDAYS, type BusinessCalendar, type Span } from './calendar-types.ts';

export * from './calendar-types.ts';
export { CalendarProblemCode, checkCalendar, InvalidCalendarError, type CalendarProblem } from './calendar-check.ts';

/** The calendar has no open time within the search horizon: a deadline in it would never come. */
export class CalendarNeverOpensError extends Error {
  readonly code = 'CALENDAR_NEVER_OPENS';
  constructor(
    readonly calendarId: string,
    detail: string,
  ) {
    super(`business calendar "${calendarId}" never opens: ${detail}`);
    this.name = 'CalendarNeverOpensError';
  }
}

/** How far ahead a search for open time goes before the calendar is declared never-opening. */
export const SEARCH_HORIZON_DAYS = 366 * 2;

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Compiled calendars and local-time conversion

interface Compiled {
  id: string;
  zone: IANAZone;
  alwaysOpen: boolean;
  /** Per weekday (0 = Monday), sorted [fromMinute, toMinute) pairs. */
  ranges: Array<Array<[number, number]>>;
  holidays: Set<number>;
  /** True when no weekday has a range and it is not 24x7. */
  neverOpens: boolean;
  /** 24x7 without holidays: every instant is open. */
  trivial: boolean;
  daySpans: Map<number, Span[]>;
}

const compiledCache = new WeakMap<BusinessCalendar, Compiled>();
const DAY_CACHE_LIMIT = 8192;

/** Calendars are treated as immutable values: the compiled form is cached per object. */
function compile(cal: BusinessCalendar): Compiled {
  const cached = compiledCache.get(cal);
  if (cached) return cached;
  const problems = checkCalendar(cal).filter((p) => p.code !== 'NEVER_OPENS');
  if (problems.length > 0) throw new InvalidCalendarError(String(cal.id), problems);
  const alwaysOpen = cal.alwaysOpen === true;
  const ranges = WEEKDAYS.map((day) =>
    (cal.hours?.[day] ?? [])
      .map((r): [number, number] => [parseTime(r.from, false)!, parseTime(r.to, true)!])
      .sort((a, b) => a[0] - b[0]),
  );
  const holidays = new Set((cal.holidays ?? []).map((d) => parseDate(d)!));
  const compiled: Compiled = {
    id: String(cal.id),
    zone: IANAZone.create(cal.timeZone),
    alwaysOpen,
    ranges,
    holidays,
    neverOpens: !alwaysOpen && ranges.every((r) => r.length === 0),
    trivial: alwaysOpen && holidays.size === 0,
    daySpans: new Map(),
  };
  compiledCache.set(cal, compiled);
  return compiled;
}

/** Zone offsets (ms) sampled at each UTC midnight, per zone: offsets are fixed for a process's tzdata. */
const probeCache = new Map<string, Map<number, number>>();

function offsetMs(zone: IANAZone, t: number): number {
  return zone.offset(t) * MINUTE;
}

function probe(zone: IANAZone, utcDay: number): number {
  let byDay = probeCache.get(zone.name);
  if (!byDay) {
    byDay = new Map();
    probeCache.set(zone.name, byDay);
  }
  let o = byDay.get(utcDay);
  if (o === undefined) {
    if (byDay.size > DAY_CACHE_LIMIT) byDay.clear();
    o = offsetMs(zone, utcDay * DAY);
    byDay.set(utcDay, o);
  }
  return o;
}

/**
 * The instant of local wall time `wall` (ms since 1970-01-01T00:00 local) on local day `day`:
 * the first instant at which the local clock reads `wall` or later. So a wall time repeated when
 * clocks go back means its first occurrence, and a wall time skipped when clocks go forward means
 * the moment of the jump. This mapping is monotonic, so ranges stay ordered and adjacent ranges
 * (and consecutive days) still meet.
 * Assumes a zone changes offset at most once in any three days, which holds for all tzdata zones
 * in the years SLA clocks run in.
 */
function wallToInstant(zone: IANAZone, day: number, wall: number): number {
  const before = probe(zone, day - 1);
  const after = probe(zone, day + 2);
  if (before === after && probe(zone, day) === before && probe(zone, day + 1) === before) return wall - before;
  const tBefore = wall - before;
  const tAfter = wall - after;
  const validBefore = offsetMs(zone, tBefore) === before;
  const validAfter = offsetMs(zone, tAfter) === after;
  if (validBefore && validAfter) return Math.min(tBefore, tAfter);
  if (validBefore) return tBefore;
  if (validAfter) return tAfter;
  // In the gap of a forward jump: find the jump, the first instant with the later offset.
  let lo = Math.min(tBefore, tAfter); // still the earlier offset
  let hi = Math.max(tBefore, tAfter); // already the later offset
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(zone, mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Open spans of one local day (days since 1970-01-01 local), sorted, non-empty, non-overlapping. */
function spansOfDay(c: Compiled, day: number): Span[] {
  const cached = c.daySpans.get(day);
  if (cached) return cached;
  let spans: Span[] = [];
  if (!c.holidays.has(day)) {
    const midnight = day * DAY;
    if (c.alwaysOpen) {
      spans = [{ start: wallToInstant(c.zone, day, midnight), end: wallToInstant(c.zone, day + 1, midnight + DAY) }];
    } else {
      const weekday = (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday
      for (const [from, to] of c.ranges[weekday]!) {
        const start = wallToInstant(c.zone, day, midnight + from * MINUTE);
        const end = to === 1440 ? wallToInstant(c.zone, day + 1, midnight + DAY) : wallToInstant(c.zone, day, midnight + to * MINUTE);
        if (end > start) spans.push({ start, end });
      }
    }
  }
  if (c.daySpans.size > DAY_CACHE_LIMIT) c.daySpans.clear();
  c.daySpans.set(day, spans);
  return spans;
}

/**
 * Open spans that end after `from`, in order, clipped to start at `from` or later; consecutive spans
 * may touch. Stops once spans start at or after `until`. With an unbounded `until` it throws
 * CalendarNeverOpensError after SEARCH_HORIZON_DAYS days without open time.
 */
function* openSpans(c: Compiled, from: number, until = Number.POSITIVE_INFINITY): Generator<Span, void, undefined> {
  if (c.trivial) {
    if (from < until) yield { start: from, end: Number.POSITIVE_INFINITY };
    return;
  }
  if (c.neverOpens) {
    if (until === Number.POSITIVE_INFINITY) throw new CalendarNeverOpensError(c.id, 'no working hours on any weekday');
    return;
  }
  // UTC offsets lie within -12h..+14h, so local day d holds instants in [d·DAY - 14h, (d+1)·DAY + 12h].
  let day = Math.floor(from / DAY) - 1;
  let closedDays = 0;
  for (;;) {
    const spans = spansOfDay(c, day);
    for (const span of spans) {
      if (span.start >= until) return;
      if (span.end <= from) continue;
      yield span.start >= from ? span : { start: from, end: span.end };
    }
    if ((day + 1) * DAY - 15 * HOUR >= until) return; // every later day starts after `until`
    closedDays = spans.length === 0 ? closedDays + 1 : 0;
    if (closedDays > SEARCH_HORIZON_DAYS && until === Number.POSITIVE_INFINITY) {
      throw new CalendarNeverOpensError(c.id, `no open time in ${SEARCH_HORIZON_DAYS} consecutive days`);
    }
    day++;
  }
}

// ---------------------------------------------------------------------------------------------
// Pauses

/** Sorted, merged, non-empty pauses. Overlapping and unsorted input is fine. */
function mergePauses(paused: readonly Span[] | undefined): Span[] {
  if (!paused || paused.length === 0) return [];
  for (const p of paused) {
    if (Number.isNaN(p.start) || Number.isNaN(p.end) || p.start === Number.POSITIVE_INFINITY || p.end < p.start) {
      throw new RangeError(`bad pause span [${p.start}, ${p.end})`);
    }
  }
  const sorted = paused.filter((p) => p.end > p.start).sort((a, b) => a.start - b.start);
  const merged: Span[] = [];
  for (const p of sorted) {
    const last = merged[merged.length - 1];
    if (last && p.start <= last.end) last.end = Math.max(last.end, p.end);
    else merged.push({ start: p.start, end: p.end });
  }
  return merged;
}

/** Walks a span minus merged pauses; `state.i` only moves forward, spans must come in order. */
function* unpaused(span: Span, pauses: Span[], state: { i: number }): Generator<Span, void, undefined> {
  let start = span.start;
  while (state.i < pauses.length && pauses[state.i]!.end <= start) state.i++;
  for (let j = state.i; j < pauses.length; j++) {
    const p = pauses[j]!;
    if (p.start >= span.end) break;
    if (p.start > start) yield { start, end: p.start };
    start = Math.max(start, p.end);
    if (start >= span.end) return;
  }
  yield { start, end: span.end };
}

function assertInstant(name: string, ms: number): void {
  if (!Number.isFinite(ms)) throw new RangeError(`${name} must be a finite epoch-ms instant, got ${ms}`);
}

// ---------------------------------------------------------------------------------------------
// Public arithmetic

/**
 * The instant at which `businessMs` of business time have passed since `startMs`: the earliest
 * instant `x` with businessTimeBetween(cal, startMs, x, paused) === businessMs. So a target that
 * completes exactly at closing time lands at closing time, not at the next opening. Zero returns
 * `startMs` itself, open or not. Paused spans do not count (a pause never brings a deadline forward).
 * @throws CalendarNeverOpensError when no open time is found within SEARCH_HORIZON_DAYS days.
 * @throws InvalidCalendarError when checkCalendar reports a problem.
 */
export function addBusinessTime(cal: BusinessCalendar, startMs: number, businessMs: number, paused?: Span[]): number {
  assertInstant('startMs', startMs);
  if (!Number.isFinite(businessMs) || businessMs < 0) {
    throw new RangeError(`businessMs must be a finite, non-negative number of milliseconds, got ${businessMs}`);
  }
  const c = compile(cal);
  if (businessMs === 0) return startMs;
  const pauses = mergePauses(paused);
  const last = pauses[pauses.length - 1];
  const pausedFrom = last && last.end === Number.POSITIVE_INFINITY ? last.start : Number.POSITIVE_INFINITY;
  const state = { i: 0 };
  let remaining = businessMs;
  for (const span of openSpans(c, startMs)) {
    for (const piece of unpaused(span, pauses, state)) {
      const length = piece.end - piece.start;
      if (remaining <= length) return piece.start + remaining;
      remaining -= length;
    }
    if (span.end > pausedFrom) throw new RangeError('the clock is paused without end: the deadline is never reached');
  }
  throw new CalendarNeverOpensError(c.id, 'no open time ahead'); // unreachable: openSpans throws first
}

/**
 * Business milliseconds in [fromMs, toMs), minus the paused spans (which may overlap each other and
 * come in any order). Zero when toMs <= fromMs.
 * @throws InvalidCalendarError when checkCalendar reports a problem.
 */
export function businessTimeBetween(cal: BusinessCalendar, fromMs: number, toMs: number, paused?: Span[]): number {
  assertInstant('fromMs', fromMs);
  assertInstant('toMs', toMs);
  const c = compile(cal);
  if (toMs <= fromMs) return 0;
  const pauses = mergePauses(paused);
  const state = { i: 0 };
  let total = 0;
  for (const span of openSpans(c, fromMs, toMs)) {
    const clipped = span.end > toMs ? { start: span.start, end: toMs } : span;
    for (const piece of unpaused(clipped, pauses, state)) total += piece.end - piece.start;
  }
  return total;
}

/** Whether the calendar is open at the instant (ranges are half-open: open at `from`, closed at `to`). */
export function isOpenAt(cal: BusinessCalendar, atMs: number): boolean {
  assertInstant('atMs', atMs);
  const c = compile(cal);
  if (c.trivial) return true;
  if (c.neverOpens) return false;
  // The local days that can hold atMs (offsets lie within -12h..+14h), as openSpans walks them.
  const d = Math.floor(atMs / DAY);
  for (let day = d - 1; day <= d + 1; day++) {
    for (const span of spansOfDay(c, day)) if (span.start <= atMs && atMs < span.end) return true;
  }
  return false;
}

/**
 * The calendar's local wall clock at `atMs`: hour (0–23) and weekday (0 = Monday), as luxon's
 * DateTime in the calendar's zone reads them, from the zone offsets sampled per UTC day (luxon per
 * instant only on a day whose offset changes).
 */
export function localClockAt(cal: BusinessCalendar, atMs: number): { hour: number; weekday: number } {
  assertInstant('atMs', atMs);
  const { zone } = compile(cal);
  const day = Math.floor(atMs / DAY);
  const start = probe(zone, day);
  const off = start === probe(zone, day + 1) ? start : offsetMs(zone, atMs);
  const local = atMs + off;
  const localDay = Math.floor(local / DAY);
  return { hour: Math.floor((local - localDay * DAY) / HOUR), weekday: (((localDay + 3) % 7) + 7) % 7 };
}

/**
 * The first instant at or after `atMs` at which the calendar is open (`atMs` itself when open).
 * @throws CalendarNeverOpensError when none is found within SEARCH_HORIZON_DAYS days.
 */
export function nextOpenAt(cal: BusinessCalendar, atMs: number): number {
  assertInstant('atMs', atMs);
  const first = openSpans(compile(cal), atMs).next();
  if (first.done === true) throw new CalendarNeverOpensError(String(cal.id), 'no open time ahead'); // openSpans throws first
  return first.value.start;
}

/**
 * The open time within [fromMs, toMs) as maximal spans (touching day spans merged), for display
 * and checks, e.g. "this week's hours".
 */
export function openSpansBetween(cal: BusinessCalendar, fromMs: number, toMs: number): Span[] {
  assertInstant('fromMs', fromMs);
  assertInstant('toMs', toMs);
  const result: Span[] = [];
  if (toMs <= fromMs) return result;
  for (const span of openSpans(compile(cal), fromMs, toMs)) {
    const end = Math.min(span.end, toMs);
    const last = result[result.length - 1];
    if (last && last.end === span.start) last.end = end;
    else result.push({ start: span.start, end });
  }
  return result;
}
