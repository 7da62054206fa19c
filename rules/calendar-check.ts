/**
 * What a business calendar must be to be usable: a real time zone, well-formed and
 * non-overlapping ranges, real weekdays and dates, some open time. Every problem is
 * reported with its path relative to the calendar.
 */
import { IANAZone } from 'luxon';
import { WEEKDAYS, type BusinessCalendar } from './calendar-types.ts';


export interface CalendarProblem {
  /** Relative to the calendar, e.g. "hours.mon[1].to". */
  path: string;
  message: string;
  code: CalendarProblemCode;
}

export const CalendarProblemCode = {
  BadTimeZone: 'BAD_TIME_ZONE',
  BadTime: 'BAD_TIME',
  EmptyRange: 'EMPTY_RANGE',
  OverlappingRanges: 'OVERLAPPING_RANGES',
  UnknownWeekday: 'UNKNOWN_WEEKDAY',
  BadHoliday: 'BAD_HOLIDAY',
  HoursWithAlwaysOpen: 'HOURS_WITH_ALWAYS_OPEN',
  NeverOpens: 'NEVER_OPENS',
} as const;
export type CalendarProblemCode = (typeof CalendarProblemCode)[keyof typeof CalendarProblemCode];

/** The calendar fails checkCalendar(); the problems are attached. */
export class InvalidCalendarError extends Error {
  readonly code = 'INVALID_CALENDAR';
  constructor(
    readonly calendarId: string,
    readonly problems: CalendarProblem[],
  ) {
    const first = problems[0];
    super(
      `business calendar "${calendarId}" is invalid: ` +
        (first ? `${first.path}: ${first.message}` : 'unknown problem') +
        (problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''),
    );
    this.name = 'InvalidCalendarError';
  }
}


const DAY = 86_400_000;
const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Every problem of one calendar, with paths relative to it. An empty list means usable. */
export function checkCalendar(cal: BusinessCalendar): CalendarProblem[] {
  const problems: CalendarProblem[] = [];
  const add = (path: string, code: CalendarProblemCode, message: string): void => {
    problems.push({ path, code, message });
  };

  if (typeof cal.timeZone !== 'string' || !IANAZone.isValidZone(cal.timeZone)) {
    add('timeZone', 'BAD_TIME_ZONE', `"${String(cal.timeZone)}" is not an IANA time zone such as "Europe/Warsaw"`);
  }

  const hours: Record<string, unknown> = (cal.hours ?? {}) as Record<string, unknown>;
  let anyRange = false;
  for (const [day, ranges] of Object.entries(hours)) {
    if (!(WEEKDAYS as readonly string[]).includes(day)) {
      add(`hours.${day}`, 'UNKNOWN_WEEKDAY', `"${day}" is not a weekday; use one of ${WEEKDAYS.join(', ')}`);
      continue;
    }
    if (!Array.isArray(ranges)) {
      add(`hours.${day}`, 'BAD_TIME', 'must be a list of {from, to} ranges');
      continue;
    }
    const parsed: Array<{ from: number; to: number; index: number }> = [];
    ranges.forEach((range: unknown, index) => {
      const path = `hours.${day}[${index}]`;
      const r = (range ?? {}) as Partial<Record<'from' | 'to', unknown>>;
      const from = parseTime(r.from, false);
      const to = parseTime(r.to, true);
      if (from === undefined) add(`${path}.from`, 'BAD_TIME', `"${String(r.from)}" is not a time "HH:MM" from 00:00 to 23:59`);
      if (to === undefined) add(`${path}.to`, 'BAD_TIME', `"${String(r.to)}" is not a time "HH:MM" from 00:00 to 24:00`);
      if (from === undefined || to === undefined) return;
      if (to <= from) {
        add(
          `${path}.to`,
          'EMPTY_RANGE',
          `the range ${String(r.from)}–${String(r.to)} ends at or before its start; ` +
            'a range over midnight is two ranges: until 24:00, and from 00:00 the next day',
        );
        return;
      }
      anyRange = true;
      parsed.push({ from, to, index });
    });
    parsed.sort((a, b) => a.from - b.from);
    for (let i = 1; i < parsed.length; i++) {
      const prev = parsed[i - 1]!;
      const cur = parsed[i]!;
      if (cur.from < prev.to) {
        add(
          `hours.${day}[${cur.index}]`,
          'OVERLAPPING_RANGES',
          `${formatTime(cur.from)}–${formatTime(cur.to)} overlaps ${formatTime(prev.from)}–${formatTime(prev.to)} (hours.${day}[${prev.index}])`,
        );
      }
    }
  }

  if (cal.alwaysOpen === true && cal.hours !== undefined) {
    add('hours', 'HOURS_WITH_ALWAYS_OPEN', 'a 24x7 calendar (alwaysOpen) must not list working hours');
  } else if (cal.alwaysOpen !== true && !anyRange && !problems.some((p) => p.path.startsWith('hours'))) {
    add('hours', 'NEVER_OPENS', 'no working hours on any weekday and not alwaysOpen: the calendar never opens');
  }

  (cal.holidays ?? []).forEach((date: unknown, index) => {
    if (parseDate(date) === undefined) {
      add(`holidays[${index}]`, 'BAD_HOLIDAY', `"${String(date)}" is not a date "YYYY-MM-DD"`);
    }
  });

  return problems;
}

/** Minutes after midnight, or undefined. "24:00" (1440) only when it ends a range. */
export function parseTime(text: unknown, isEnd: boolean): number | undefined {
  if (typeof text !== 'string') return undefined;
  if (isEnd && text === '24:00') return 1440;
  const m = TIME_RE.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

function formatTime(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Days since 1970-01-01 of a valid "YYYY-MM-DD", or undefined. */
export function parseDate(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return ms / DAY;
}
