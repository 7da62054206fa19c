import { expect } from 'chai';
import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import {
  addBusinessTime,
  businessTimeBetween,
  isOpenAt,
  localClockAt,
  nextOpenAt,
  openSpansBetween,
  WEEKDAYS,
  type BusinessCalendar,
  type Span,
  type TimeRange,
  type Weekday,
} from '../rules/calendar.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// Zones with the awkward cases: DST in both hemispheres, 30-minute DST (Lord Howe), :30/:45 offsets,
// a change at midnight (Santiago), and none at all.
const ZONES = [
  'Europe/Warsaw',
  'America/New_York',
  'UTC',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  'America/Santiago',
  'Pacific/Chatham',
  'America/St_Johns',
  'Europe/London',
  'Asia/Tokyo',
];

const T_MIN = Date.UTC(2026, 0, 1);
const T_MAX = Date.UTC(2028, 0, 1);

function hhmm(minutes: number): string {
  return minutes === 1440 ? '24:00' : `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** 0–3 sorted, non-overlapping ranges; boundaries on quarter hours, sometimes any minute. */
const dayRanges: fc.Arbitrary<TimeRange[]> = fc
  .oneof(
    fc.uniqueArray(fc.integer({ min: 0, max: 96 }).map((q) => q * 15), { maxLength: 6 }),
    fc.uniqueArray(fc.integer({ min: 0, max: 1440 }), { maxLength: 6 }),
  )
  .map((points) => {
    const sorted = [...points].sort((a, b) => a - b);
    const ranges: TimeRange[] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) ranges.push({ from: hhmm(sorted[i]!), to: hhmm(sorted[i + 1]!) });
    return ranges;
  });

const holidayDates = fc.uniqueArray(
  fc.integer({ min: 0, max: 800 }).map((d) => DateTime.fromMillis(T_MIN + d * DAY, { zone: 'UTC' }).toISODate()!),
  { maxLength: 25 },
);

const businessCalendar: fc.Arbitrary<BusinessCalendar> = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    days: fc.tuple(...WEEKDAYS.map(() => dayRanges)),
    holidays: holidayDates,
  })
  .filter(({ days }) => days.some((r) => r.length > 0))
  .map(({ timeZone, days, holidays }) => {
    const hours: Partial<Record<Weekday, TimeRange[]>> = {};
    WEEKDAYS.forEach((day, i) => {
      if (days[i]!.length > 0) hours[day] = days[i]!;
    });
    return { id: 'random', timeZone, hours, holidays };
  });

const alwaysOpenCalendar: fc.Arbitrary<BusinessCalendar> = fc
  .record({ timeZone: fc.constantFrom(...ZONES), holidays: fc.oneof(fc.constant<string[]>([]), holidayDates) })
  .map(({ timeZone, holidays }): BusinessCalendar => ({ id: 'random-24x7', timeZone, alwaysOpen: true, holidays }));

const calendar = fc.oneof({ arbitrary: businessCalendar, weight: 4 }, { arbitrary: alwaysOpenCalendar, weight: 1 });

/** Offset changes of a zone in the test years, to put instants next to them. */
function transitions(zone: string): number[] {
  const z = IANAZone.create(zone);
  const found: number[] = [];
  for (let t = T_MIN; t < T_MAX; t += HOUR) {
    if (z.offset(t) !== z.offset(t + HOUR)) {
      let lo = t;
      let hi = t + HOUR;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (z.offset(mid) === z.offset(t)) lo = mid;
        else hi = mid;
      }
      found.push(hi);
    }
  }
  return found;
}
const TRANSITIONS = [...new Set(ZONES.flatMap(transitions))];

/** Instants in 2026–2027: any ms, whole minutes, or within hours of some zone's DST change. */
const instant: fc.Arbitrary<number> = fc.oneof(
  fc.integer({ min: T_MIN, max: T_MAX }),
  fc.integer({ min: T_MIN / MINUTE, max: T_MAX / MINUTE }).map((m) => m * MINUTE),
  fc.tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -30 * HOUR, max: 30 * HOUR }).map((m) => Math.round(m / MINUTE) * MINUTE)).map(
    ([t, d]) => t + d,
  ),
);

/** Business durations up to 120 hours: zero, whole minutes or any ms. */
const duration: fc.Arbitrary<number> = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 120 * 60 }).map((m) => m * MINUTE),
  fc.integer({ min: 1, max: 120 * HOUR }),
);

/** Up to 5 pauses, possibly overlapping and unsorted, as offsets from an instant the property picks. */
const relativePauses: fc.Arbitrary<Span[]> = fc.array(
  fc.tuple(fc.integer({ min: -2 * DAY, max: 30 * DAY }), fc.integer({ min: 0, max: 5 * DAY })).map(([offset, length]) => ({
    start: offset,
    end: offset + length,
  })),
  { maxLength: 5 },
);

function shift(spans: Span[], by: number): Span[] {
  return spans.map((s) => ({ start: s.start + by, end: s.end + by }));
}

const RUNS = { numRuns: 200 };

describe('business calendar properties (fast-check)', () => {
  it('when business time is added, exactly that much business time lies between start and deadline (round trip)', () => {
    fc.assert(
      fc.property(calendar, instant, duration, (cal, t, d) => {
        expect(businessTimeBetween(cal, t, addBusinessTime(cal, t, d))).to.equal(d);
      }),
      RUNS,
    );
  });

  it('when a positive target completes, the deadline is the earliest such instant: the last ms before it was open', () => {
    fc.assert(
      fc.property(calendar, instant, duration.filter((d) => d > 0), (cal, t, d) => {
        const due = addBusinessTime(cal, t, d);
        expect(due).to.be.above(t);
        expect(isOpenAt(cal, due - 1)).to.equal(true);
        expect(businessTimeBetween(cal, t, due - 1)).to.equal(d - 1);
      }),
      RUNS,
    );
  });

  it('when a target uses up the business time exactly to a closing time, the deadline is that closing time', () => {
    fc.assert(
      fc.property(calendar, instant, fc.nat(), (cal, t, pick) => {
        const spans = openSpansBetween(cal, t, t + 10 * DAY).filter((s) => s.end < t + 10 * DAY);
        fc.pre(spans.length > 0);
        const closing = spans[pick % spans.length]!.end;
        expect(addBusinessTime(cal, t, businessTimeBetween(cal, t, closing))).to.equal(closing);
      }),
      RUNS,
    );
  });

  it('when more business time is allowed, the deadline is later or the same (monotonic)', () => {
    fc.assert(
      fc.property(calendar, instant, duration, duration, (cal, t, a, b) => {
        const [small, large] = a <= b ? [a, b] : [b, a];
        expect(addBusinessTime(cal, t, small)).to.be.at.most(addBusinessTime(cal, t, large));
      }),
      RUNS,
    );
  });

  it('when a target is added in two steps, it lands where the sum lands (additive, for every a, b >= 0)', () => {
    fc.assert(
      fc.property(calendar, instant, duration, duration, (cal, t, a, b) => {
        expect(addBusinessTime(cal, addBusinessTime(cal, t, a), b)).to.equal(addBusinessTime(cal, t, a + b));
      }),
      RUNS,
    );
  });

  it('when an interval is split anywhere, its business time is the sum of the parts, with or without pauses', () => {
    fc.assert(
      fc.property(
        calendar,
        instant,
        fc.integer({ min: 0, max: 20 * DAY }),
        fc.integer({ min: 0, max: 20 * DAY }),
        relativePauses,
        (cal, a, x, y, p) => {
          const b = a + Math.min(x, y);
          const c = a + Math.max(x, y);
          const shifted = shift(p, a);
          expect(businessTimeBetween(cal, a, c)).to.equal(businessTimeBetween(cal, a, b) + businessTimeBetween(cal, b, c));
          expect(businessTimeBetween(cal, a, c, shifted)).to.equal(
            businessTimeBetween(cal, a, b, shifted) + businessTimeBetween(cal, b, c, shifted),
          );
        },
      ),
      RUNS,
    );
  });

  it('when the clock is paused, the deadline never comes earlier, and the unpaused time still adds up', () => {
    fc.assert(
      fc.property(calendar, instant, duration, relativePauses, (cal, t, d, relative) => {
        const p = shift(relative, t);
        const plain = addBusinessTime(cal, t, d);
        const withPauses = addBusinessTime(cal, t, d, p);
        expect(withPauses).to.be.at.least(plain);
        expect(businessTimeBetween(cal, t, withPauses, p)).to.equal(d);
        expect(businessTimeBetween(cal, t, withPauses, p)).to.be.at.most(businessTimeBetween(cal, t, withPauses));
      }),
      RUNS,
    );
  });

  it('when business time is measured, it is never negative nor more than the elapsed time; 24x7 without holidays counts it all', () => {
    fc.assert(
      fc.property(calendar, instant, fc.integer({ min: -DAY, max: 30 * DAY }), (cal, a, len) => {
        const got = businessTimeBetween(cal, a, a + len);
        expect(got).to.be.at.least(0);
        expect(got).to.be.at.most(Math.max(0, len));
        if (cal.alwaysOpen && (cal.holidays ?? []).length === 0) expect(got).to.equal(Math.max(0, len));
      }),
      RUNS,
    );
  });

  it('when asked whether it is open, the answer agrees with one millisecond of business time', () => {
    fc.assert(
      fc.property(calendar, instant, (cal, t) => {
        expect(isOpenAt(cal, t)).to.equal(businessTimeBetween(cal, t, t + 1) === 1);
      }),
      RUNS,
    );
  });

  it('when asked for the next opening, it is open then and no business time passes before it', () => {
    fc.assert(
      fc.property(calendar, instant, (cal, t) => {
        const next = nextOpenAt(cal, t);
        expect(next).to.be.at.least(t);
        expect(isOpenAt(cal, next)).to.equal(true);
        expect(businessTimeBetween(cal, t, next)).to.equal(0);
        expect(isOpenAt(cal, t)).to.equal(next === t);
      }),
      RUNS,
    );
  });

  it('when the open spans of a window are listed, they are sorted, disjoint, maximal and sum to the business time', () => {
    fc.assert(
      fc.property(calendar, instant, fc.integer({ min: 0, max: 15 * DAY }), (cal, a, len) => {
        const spans = openSpansBetween(cal, a, a + len);
        let sum = 0;
        let previousEnd = Number.NEGATIVE_INFINITY;
        for (const s of spans) {
          expect(s.start).to.be.above(previousEnd); // disjoint and not touching: touching spans are merged
          expect(s.end).to.be.above(s.start);
          expect(s.start).to.be.at.least(a);
          expect(s.end).to.be.at.most(a + len);
          expect(isOpenAt(cal, s.start)).to.equal(true);
          if (s.end < a + len) expect(isOpenAt(cal, s.end)).to.equal(false);
          sum += s.end - s.start;
          previousEnd = s.end;
        }
        expect(sum).to.equal(businessTimeBetween(cal, a, a + len));
      }),
      RUNS,
    );
  });

  /** Reference: open iff the local clock reading falls in a range of its local date, not a holiday. */
  function openByWallClock(cal: BusinessCalendar, t: number): boolean {
    const local = DateTime.fromMillis(t, { zone: cal.timeZone });
    if ((cal.holidays ?? []).includes(local.toISODate()!)) return false;
    if (cal.alwaysOpen) return true;
    const minute = local.hour * 60 + local.minute + (local.second * 1000 + local.millisecond) / MINUTE;
    const ranges = cal.hours?.[WEEKDAYS[local.weekday - 1]!] ?? [];
    const toMinutes = (s: string): number => Number(s.slice(0, 2)) * 60 + Number(s.slice(3));
    return ranges.some((r) => minute >= toMinutes(r.from) && minute < toMinutes(r.to));
  }

  /** Within a day of a change where clocks go back, a wall time can mean two instants: skipped there. */
  function nearFallBack(zone: string, t: number): boolean {
    const z = IANAZone.create(zone);
    return z.offset(t - 26 * HOUR) > z.offset(t + 26 * HOUR);
  }

  it('when checked against the wall clock (luxon), isOpenAt agrees everywhere except around clocks going back', () => {
    fc.assert(
      fc.property(calendar, instant, (cal, t) => {
        fc.pre(!nearFallBack(cal.timeZone, t));
        expect(isOpenAt(cal, t)).to.equal(openByWallClock(cal, t));
      }),
      { numRuns: 2000 },
    );
  });

  it('when the local clock is read (the rules\' time facts), hour and weekday are luxon\'s in every zone, across DST changes too', () => {
    fc.assert(
      fc.property(calendar, instant, fc.integer({ min: -3 * HOUR, max: 3 * HOUR }), (cal, t, shift) => {
        const at = t + shift;
        const local = DateTime.fromMillis(at, { zone: cal.timeZone });
        expect(localClockAt(cal, at)).to.deep.equal({ hour: local.hour, weekday: local.weekday - 1 });
      }),
      { numRuns: 5000 },
    );
  });

  it('when checked against luxon day by day, business time over a week agrees away from DST changes', () => {
    // An independent computation: luxon resolves each range end to an instant per local date.
    function reference(cal: BusinessCalendar, from: number, to: number): number {
      let total = 0;
      let day = DateTime.fromMillis(from, { zone: cal.timeZone }).startOf('day').minus({ days: 1 });
      while (day.toMillis() < to) {
        const next = day.plus({ days: 1 });
        const date = day.toISODate()!;
        const ranges: Array<[number, number]> = [];
        if (!(cal.holidays ?? []).includes(date)) {
          if (cal.alwaysOpen) ranges.push([day.toMillis(), next.toMillis()]);
          for (const r of cal.alwaysOpen ? [] : (cal.hours?.[WEEKDAYS[day.weekday - 1]!] ?? [])) {
            const [fh, fm] = r.from.split(':').map(Number);
            const [th, tm] = r.to.split(':').map(Number);
            const start = day.set({ hour: fh!, minute: fm! }).toMillis();
            const end = r.to === '24:00' ? next.toMillis() : day.set({ hour: th!, minute: tm! }).toMillis();
            ranges.push([start, end]);
          }
        }
        for (const [s, e] of ranges) total += Math.max(0, Math.min(e, to) - Math.max(s, from));
        day = next;
      }
      return total;
    }
    fc.assert(
      fc.property(calendar, instant, fc.integer({ min: 0, max: 7 * DAY }), (cal, a, len) => {
        const z = IANAZone.create(cal.timeZone);
        fc.pre(z.offset(a - 2 * DAY) === z.offset(a + len + 2 * DAY) && z.offset(a) === z.offset(a - 2 * DAY));
        expect(businessTimeBetween(cal, a, a + len)).to.equal(reference(cal, a, a + len));
      }),
      { numRuns: 500 },
    );
  });
});
