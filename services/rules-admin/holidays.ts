/**
 * Public holidays for a business calendar ("add the public holidays of Poland for 2027"), from
 * date-holidays: the country's nationwide public days (type "public"; observances, bank and
 * school days left out), one entry per local date, named in the viewer's language where the
 * library has it and in the country's own language otherwise. mergeHolidays() adds them to a
 * calendar in the rules file's own shape (`holidays: ["YYYY-MM-DD", …]`, rules/CALENDARS.md).
 */
import Holidays from 'date-holidays';
import type { CalendarDefinition } from '../../rules/types.ts';
import { ServiceError } from '../errors.ts';
import type { Language } from '../languages.ts';

/** The countries the admin UI offers (date-holidays knows more; publicHolidays() takes any of them). */
export const HOLIDAY_COUNTRIES = [
  'PL', 'DE', 'AT', 'CH', 'GB', 'IE', 'US', 'CA', 'FR', 'BE', 'NL', 'LU',
  'CZ', 'SK', 'HU', 'IT', 'ES', 'PT', 'DK', 'SE', 'NO', 'FI', 'LT', 'UA',
] as const;
export type HolidayCountry = (typeof HOLIDAY_COUNTRIES)[number];

export const HOLIDAY_YEARS = { min: 1970, max: 2100 } as const;

export interface PublicHoliday {
  /** Local date, "YYYY-MM-DD". */
  date: string;
  /** Its name; two holidays on one date are joined with "; ". */
  name: string;
}

export class UnknownHolidayCountryError extends ServiceError {
  constructor(country: string) {
    super(422, 'UNKNOWN_HOLIDAY_COUNTRY', 'errors.holidayCountryUnknown', { country, countries: HOLIDAY_COUNTRIES.join(', ') });
  }
}

export class HolidayYearOutOfRangeError extends ServiceError {
  constructor(year: number) {
    super(422, 'HOLIDAY_YEAR_OUT_OF_RANGE', 'errors.holidayYearOutOfRange', { year, min: HOLIDAY_YEARS.min, max: HOLIDAY_YEARS.max });
  }
}

let known: Set<string> | undefined;
/** Every country date-holidays has data for, upper case. */
function knownCountries(): Set<string> {
  known ??= new Set(Object.keys(new Holidays().getCountries()).map((c) => c.toUpperCase()));
  return known;
}

export function isHolidayCountry(country: string): country is HolidayCountry {
  return (HOLIDAY_COUNTRIES as readonly string[]).includes(country);
}

/**
 * The public holidays of `country` (ISO 3166-1 alpha-2, any case) in `year`, sorted by date.
 * Throws UnknownHolidayCountryError / HolidayYearOutOfRangeError (422) for input the library cannot answer.
 */
export function publicHolidays(country: string, year: number, language: Language): PublicHoliday[] {
  const code = country.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(code) || !knownCountries().has(code)) throw new UnknownHolidayCountryError(country);
  if (!Number.isInteger(year) || year < HOLIDAY_YEARS.min || year > HOLIDAY_YEARS.max) throw new HolidayYearOutOfRangeError(year);
  // A fresh instance each time: getHolidays(year, lang) changes the instance's languages.
  const names = new Map<string, string[]>();
  for (const h of new Holidays(code).getHolidays(year, language)) {
    if (h.type !== 'public') continue;
    const date = h.date.slice(0, 10);
    const list = names.get(date) ?? [];
    if (!list.includes(h.name)) list.push(h.name);
    names.set(date, list);
  }
  return [...names.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([date, list]) => ({ date, name: list.join('; ') }));
}

/** The offered countries with their names in `language`, sorted as that language sorts them. */
export function holidayCountryOptions(language: Language): Array<{ code: HolidayCountry; name: string }> {
  const display = new Intl.DisplayNames([language], { type: 'region', fallback: 'code' });
  const collator = new Intl.Collator(language);
  return HOLIDAY_COUNTRIES
    .map((code) => ({ code, name: display.of(code) ?? code }))
    .sort((a, b) => collator.compare(a.name, b.name));
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The calendar with the given holidays' dates added to its `holidays`, each date once: dates it
 * already lists are skipped (`added` counts the new ones). The calendar is not changed (calendars
 * are values); with nothing to add the same object comes back. A sorted list stays sorted, an
 * unsorted one keeps its order with the new dates appended in order.
 */
export function mergeHolidays(
  calendar: CalendarDefinition,
  holidays: ReadonlyArray<string | { date: string }>,
): { calendar: CalendarDefinition; added: number } {
  const existing = calendar.holidays ?? [];
  const present = new Set(existing);
  const fresh: string[] = [];
  for (const h of holidays) {
    const date = typeof h === 'string' ? h : h.date;
    if (!DATE.test(date)) throw new RangeError(`mergeHolidays: "${date}" is not a YYYY-MM-DD date`);
    if (present.has(date)) continue;
    present.add(date);
    fresh.push(date);
  }
  if (fresh.length === 0) return { calendar, added: 0 };
  fresh.sort();
  const sorted = existing.every((d, i) => i === 0 || existing[i - 1]! <= d);
  const merged = sorted ? [...existing, ...fresh].sort() : [...existing, ...fresh];
  return { calendar: { ...calendar, holidays: merged }, added: fresh.length };
}
