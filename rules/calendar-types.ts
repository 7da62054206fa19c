/**
 * What a business calendar is: working ranges per weekday in a time zone's wall time,
 * holidays, or open around the clock. Types only; the arithmetic is in calendar.ts and
 * the checks in calendar-check.ts. Semantics are documented in rules/CALENDARS.md.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A working range in local wall time, half-open: `from` is inside, `to` is not. */
export interface TimeRange {
  /** "HH:MM", 00:00–23:59. */
  from: string;
  /** "HH:MM", 00:01–24:00; "24:00" is the next day's midnight. Must be later than `from`. */
  to: string;
}

export interface BusinessCalendar {
  id: string;
  /** IANA time zone the hours and holidays are read in, e.g. "Europe/Warsaw". */
  timeZone: string;
  /**
   * Open around the clock (24x7): `hours` must then be absent. Listed holidays still close whole
   * local days; leave `holidays` out for a clock that never stops.
   * @default false
   */
  alwaysOpen?: boolean;
  /** Working ranges per weekday, several a day allowed; a weekday left out is closed. */
  hours?: Partial<Record<Weekday, TimeRange[]>>;
  /** "YYYY-MM-DD" local dates closed for the whole day. */
  holidays?: string[];
}

/** A half-open interval of instants, epoch milliseconds: `start` is inside, `end` is not. */
export interface Span {
  start: number;
  end: number;
}
