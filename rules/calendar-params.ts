/**
 * The values a calendar problem's message is made of (rules/calendar-check.ts says them in
 * English only), read from the calendar and the problem's path, so that the validator and the
 * static checks can give them as params of a translated message.
 */
import { parseTime, type CalendarProblem } from './calendar-check.ts';
import { WEEKDAYS } from './calendar-types.ts';
import { asArray, isObj, listed, relativeSegs, type Obj, type Params } from './validate-support.ts';

const hhmm = (minutes: number): string => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** The usable ranges of a weekday, in the order calendar-check.ts compares them (by start, stable). */
function sortedRanges(ranges: unknown[]): Array<{ from: number; to: number; index: number }> {
  return ranges
    .map((r, index) => ({ from: parseTime(isObj(r) ? r.from : undefined, false), to: parseTime(isObj(r) ? r.to : undefined, true), index }))
    .filter((r): r is { from: number; to: number; index: number } => r.from !== undefined && r.to !== undefined && r.to > r.from)
    .sort((a, b) => a.from - b.from);
}

/**
 * Params of one calendar problem: `value` (the value refused), `from`/`to` (a range),
 * `otherFrom`/`otherTo`/`otherWhere` (the range it overlaps), `allowed` (the weekdays), and
 * `context` for the variants of BAD_TIME (notList, from, to).
 */
export function calendarProblemParams(cal: Obj, problem: CalendarProblem): Params {
  const segs = relativeSegs(problem.path);
  const hours = isObj(cal.hours) ? cal.hours : {};
  const day = typeof segs[1] === 'string' ? segs[1] : '';
  const index = typeof segs[2] === 'number' ? segs[2] : -1;
  const range = asArray(hours[day])[index];
  const at = (key: 'from' | 'to'): string => String(isObj(range) ? range[key] : undefined);
  switch (problem.code) {
    case 'BAD_TIME_ZONE': return { value: String(cal.timeZone) };
    case 'UNKNOWN_WEEKDAY': return { value: day, allowed: listed(WEEKDAYS) };
    case 'BAD_TIME': {
      const end = segs[3];
      return end === 'from' || end === 'to' ? { context: end, value: at(end) } : { context: 'notList' };
    }
    case 'EMPTY_RANGE': return { from: at('from'), to: at('to') };
    case 'OVERLAPPING_RANGES': {
      const sorted = sortedRanges(asArray(hours[day]));
      const pos = sorted.findIndex((r) => r.index === index);
      const cur = sorted[pos];
      const prev = sorted[pos - 1];
      if (!cur || !prev) return { from: at('from'), to: at('to') };
      return { from: hhmm(cur.from), to: hhmm(cur.to), otherFrom: hhmm(prev.from), otherTo: hhmm(prev.to), otherWhere: `hours.${day}[${prev.index}]` };
    }
    case 'BAD_HOLIDAY': return { value: String(asArray(cal.holidays)[typeof segs[1] === 'number' ? segs[1] : -1]) };
    default: return {};
  }
}
