/**
 * The timeline's words: the audit namespace (locales/{lng}/audit.json) for what auditors read beyond
 * the staff page, the staff page's own words for events, people, clocks and durations
 * (services/tickets/words.ts, the staff ticket page's), and Intl for dates, percentages, weekdays and lists.
 * Also a business calendar in words (rules/calendar-types.ts).
 */
import type { i18n, TFunction } from 'i18next';
import { formatDuration, personLabel, type Words } from '../tickets/words.ts';
import { WEEKDAYS, type BusinessCalendar } from '../../rules/calendar-types.ts';
import type { CalendarView } from './timeline-types.ts';

export interface AuditWords {
  language: string;
  timeZone: string;
  /** The audit namespace. */
  t: TFunction;
  /** The staff page's words (api/agent/words.ts). */
  words: Words;
  when(iso: string | null | undefined): string;
  duration(ms: number | null | undefined): string;
  percent(fraction: number): string;
  /** "a, b and c" in the reader's language. */
  list(items: string[]): string;
  role(role: string): string;
  roles(roles: string[]): string;
  /** A clock as a sentence names it ("the response clock": staff ticket.clockOf). */
  clockOf(clock: unknown): string;
  person(who: string | null | undefined): string;
}

const DASH = '—';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export function auditWords(i18next: Pick<i18n, 'getFixedT'>, language: string, timeZone: string): AuditWords {
  const words: Words = { language, staff: i18next.getFixedT(language, 'staff'), api: i18next.getFixedT(language, 'api'), portal: i18next.getFixedT(language, 'portal') };
  const t = i18next.getFixedT(language, 'audit');
  const listFormat = new Intl.ListFormat(language, { style: 'long', type: 'conjunction' });
  const seconds = (n: number, digits = 0) => new Intl.NumberFormat(language, { style: 'unit', unit: 'second', unitDisplay: 'long', maximumFractionDigits: digits }).format(n);
  const role = (r: string) => t(`role.${r}`, { defaultValue: r });
  // To the second: an audit compares instants (the staff page shows minutes).
  const dateTime = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'medium', timeZone });
  return {
    language,
    timeZone,
    t,
    words,
    when: (iso) => (iso ? dateTime.format(new Date(iso)) : DASH),
    // The staff page's hours and minutes; seconds too below the hour (to a tenth below the minute), where second-scale targets live.
    duration(ms) {
      if (ms === null || ms === undefined) return DASH;
      const abs = Math.abs(ms);
      if (abs < MINUTE) return seconds(abs / 1000, 1);
      const rest = Math.round(abs / 1000) % 60;
      if (abs >= HOUR || rest === 0) return formatDuration(ms, language);
      return `${formatDuration(Math.floor(abs / MINUTE) * MINUTE, language)} ${seconds(rest)}`;
    },
    percent: (f) => new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 1 }).format(f),
    list: (items) => (items.length ? listFormat.format(items) : DASH),
    role,
    roles: (roles) => (roles.length ? listFormat.format(roles.map(role)) : t('role.none')),
    clockOf: (clock) => (typeof clock === 'string' ? words.staff(`ticket.clockOf.${clock}`, { defaultValue: clock }) : DASH),
    person: (who) => personLabel(who, words) ?? DASH,
  };
}

/** Monday to Sunday in the reader's language (1 January 2024 was a Monday). */
function weekdayNames(language: string): string[] {
  const f = new Intl.DateTimeFormat(language, { weekday: 'long', timeZone: 'UTC' });
  return WEEKDAYS.map((_, i) => f.format(new Date(Date.UTC(2024, 0, 1 + i))));
}

function holidayText(date: string, language: string): string {
  const [y, m, d] = date.split('-').map(Number);
  if (!y || !m || !d) return date;
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
}

/**
 * A calendar as the deadlines were counted in: time zone, business hours per weekday (or 24×7) and
 * holidays. `cal` null: only its id is known.
 */
export function calendarView(id: string, cal: BusinessCalendar | null, source: CalendarView['source'], w: AuditWords): CalendarView {
  if (!cal) return { id, timeZone: null, alwaysOpen: false, hours: [], holidays: [], source: 'unknown', text: w.t('calendar.unknown', { id }) };
  const names = weekdayNames(w.language);
  const alwaysOpen = cal.alwaysOpen === true;
  const hours = WEEKDAYS.map((day, i) => ({ day, dayText: names[i]!, ranges: alwaysOpen ? [] : [...(cal.hours?.[day] ?? [])] }));
  const holidays = [...(cal.holidays ?? [])];
  const parts: string[] = [];
  if (alwaysOpen) parts.push(w.t('calendar.alwaysOpen', { id, timeZone: cal.timeZone }));
  else {
    const open = hours.filter((h) => h.ranges.length).map((h) => w.t('calendar.day', { day: h.dayText, ranges: w.list(h.ranges.map((r) => `${r.from}–${r.to}`)) }));
    const closed = hours.filter((h) => !h.ranges.length).map((h) => h.dayText);
    parts.push(w.t('calendar.hours', { id, timeZone: cal.timeZone, hours: w.list(open) }));
    if (closed.length) parts.push(w.t('calendar.closed', { days: w.list(closed) }));
  }
  parts.push(holidays.length ? w.t('calendar.holidays', { count: holidays.length, dates: w.list(holidays.map((d) => holidayText(d, w.language))) }) : w.t('calendar.noHolidays'));
  if (source === 'rules') parts.push(w.t('calendar.fromRules'));
  return { id, timeZone: cal.timeZone, alwaysOpen, hours, holidays, source, text: parts.join(' ') };
}
