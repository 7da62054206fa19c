import { expect } from 'chai';
import { DateTime } from 'luxon';
import {
  addBusinessTime,
  businessTimeBetween,
  CalendarNeverOpensError,
  checkCalendar,
  InvalidCalendarError,
  isOpenAt,
  nextOpenAt,
  openSpansBetween,
  type BusinessCalendar,
  type TimeRange,
  type Weekday,
} from '../rules/calendar.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** Instant of a local wall time, e.g. at('2026-11-20T16:30', 'Europe/Warsaw'). Only for unambiguous times. */
function at(local: string, zone: string): number {
  const dt = DateTime.fromISO(local, { zone });
  if (!dt.isValid) throw new Error(`bad test time ${local}`);
  return dt.toMillis();
}

/** Local wall time of an instant, "yyyy-MM-dd'T'HH:mm ZZZZ" so the offset is visible too. */
function wall(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm ZZ");
}

function weekdays(ranges: TimeRange[], days: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri']): Partial<Record<Weekday, TimeRange[]>> {
  return Object.fromEntries(days.map((d) => [d, ranges]));
}

const WAW = 'Europe/Warsaw';
const NYC = 'America/New_York';

const warsawOffice: BusinessCalendar = {
  id: 'warsaw-office',
  timeZone: WAW,
  hours: weekdays([{ from: '08:00', to: '17:00' }]),
};
const warsaw24x7: BusinessCalendar = { id: 'warsaw-24x7', timeZone: WAW, alwaysOpen: true };

describe('business calendar arithmetic', () => {
  describe('a working week in Europe/Warsaw, 08:00–17:00 Mon–Fri', () => {
    it('when a P2 is opened Friday 16:30, a 4h target lands Monday 11:30', () => {
      const due = addBusinessTime(warsawOffice, at('2026-11-20T16:30', WAW), 4 * HOUR);
      expect(wall(due, WAW)).to.equal('2026-11-23T11:30 +01:00');
    });

    it('when a ticket is opened inside hours, the target counts on from that minute', () => {
      const due = addBusinessTime(warsawOffice, at('2026-11-18T09:15', WAW), 2 * HOUR);
      expect(wall(due, WAW)).to.equal('2026-11-18T11:15 +01:00');
    });

    it('when a ticket is opened before hours, the clock starts at 08:00', () => {
      const due = addBusinessTime(warsawOffice, at('2026-11-18T06:00', WAW), 30 * MINUTE);
      expect(wall(due, WAW)).to.equal('2026-11-18T08:30 +01:00');
    });

    it('when a ticket is opened on Saturday, the clock starts Monday 08:00', () => {
      const due = addBusinessTime(warsawOffice, at('2026-11-21T10:00', WAW), 1 * HOUR);
      expect(wall(due, WAW)).to.equal('2026-11-23T09:00 +01:00');
    });

    it('when a target completes exactly at closing time, it lands at 17:00, not at the next opening', () => {
      const due = addBusinessTime(warsawOffice, at('2026-11-20T13:00', WAW), 4 * HOUR);
      expect(wall(due, WAW)).to.equal('2026-11-20T17:00 +01:00');
    });

    it('when a ticket is opened at 17:00 sharp, it is already closed (ranges are half-open)', () => {
      expect(isOpenAt(warsawOffice, at('2026-11-20T17:00', WAW))).to.equal(false);
      expect(isOpenAt(warsawOffice, at('2026-11-20T16:59', WAW))).to.equal(true);
      expect(isOpenAt(warsawOffice, at('2026-11-20T08:00', WAW))).to.equal(true);
      expect(isOpenAt(warsawOffice, at('2026-11-20T08:00', WAW) - 1)).to.equal(false);
      const due = addBusinessTime(warsawOffice, at('2026-11-20T17:00', WAW), 1 * HOUR);
      expect(wall(due, WAW)).to.equal('2026-11-23T09:00 +01:00');
    });

    it('when the target is zero, the deadline is the start itself, even out of hours', () => {
      const sunday = at('2026-11-22T03:00', WAW);
      expect(addBusinessTime(warsawOffice, sunday, 0)).to.equal(sunday);
    });

    it('when a week passes, 45 business hours were counted', () => {
      expect(businessTimeBetween(warsawOffice, at('2026-11-16T00:00', WAW), at('2026-11-23T00:00', WAW))).to.equal(45 * HOUR);
    });

    it('when a 2-week (90 business hours) target is set, it lands ten working days later', () => {
      const due = addBusinessTime(warsawOffice, at('2026-11-16T08:00', WAW), 90 * HOUR);
      expect(wall(due, WAW)).to.equal('2026-11-27T17:00 +01:00');
    });

    it('when the clock is paused while pending, the paused business time is not counted', () => {
      const opened = at('2026-11-18T09:00', WAW);
      const pause = { start: at('2026-11-18T10:00', WAW), end: at('2026-11-18T14:00', WAW) };
      expect(businessTimeBetween(warsawOffice, opened, at('2026-11-18T15:00', WAW), [pause])).to.equal(2 * HOUR);
      const due = addBusinessTime(warsawOffice, opened, 4 * HOUR, [pause]);
      expect(wall(due, WAW)).to.equal('2026-11-18T17:00 +01:00');
    });

    it('when pauses overlap and come unsorted, each paused minute is subtracted once', () => {
      const pauses = [
        { start: at('2026-11-18T12:00', WAW), end: at('2026-11-18T13:00', WAW) },
        { start: at('2026-11-18T10:00', WAW), end: at('2026-11-18T12:30', WAW) },
        { start: at('2026-11-18T11:00', WAW), end: at('2026-11-18T11:30', WAW) },
      ];
      expect(businessTimeBetween(warsawOffice, at('2026-11-18T08:00', WAW), at('2026-11-18T17:00', WAW), pauses)).to.equal(6 * HOUR);
    });

    it('when a pause has no end yet, the deadline cannot be computed and says so', () => {
      const opened = at('2026-11-18T09:00', WAW);
      const pause = { start: at('2026-11-18T10:00', WAW), end: Number.POSITIVE_INFINITY };
      expect(() => addBusinessTime(warsawOffice, opened, 4 * HOUR, [pause])).to.throw(RangeError, /paused without end/);
      expect(wall(addBusinessTime(warsawOffice, opened, HOUR, [pause]), WAW)).to.equal('2026-11-18T10:00 +01:00');
      expect(businessTimeBetween(warsawOffice, opened, at('2026-11-19T09:00', WAW), [pause])).to.equal(HOUR);
    });

    it('when asked for the next opening on Saturday, it is Monday 08:00', () => {
      expect(wall(nextOpenAt(warsawOffice, at('2026-11-21T10:00', WAW)), WAW)).to.equal('2026-11-23T08:00 +01:00');
      const open = at('2026-11-23T10:00', WAW);
      expect(nextOpenAt(warsawOffice, open)).to.equal(open);
    });
  });

  describe('several ranges a day, 08:00–12:00 and 13:00–17:00', () => {
    const split: BusinessCalendar = {
      id: 'split',
      timeZone: WAW,
      hours: weekdays([
        { from: '13:00', to: '17:00' },
        { from: '08:00', to: '12:00' },
      ]),
    };

    it('when 2h are due from 11:00, the lunch hour is skipped and it lands 14:00', () => {
      expect(wall(addBusinessTime(split, at('2026-11-18T11:00', WAW), 2 * HOUR), WAW)).to.equal('2026-11-18T14:00 +01:00');
    });

    it('when a ticket is opened during lunch, the clock starts at 13:00', () => {
      expect(isOpenAt(split, at('2026-11-18T12:30', WAW))).to.equal(false);
      expect(wall(addBusinessTime(split, at('2026-11-18T12:30', WAW), HOUR), WAW)).to.equal('2026-11-18T14:00 +01:00');
    });

    it('when 4h are due from 08:00, they land at 12:00, the end of the morning range', () => {
      expect(wall(addBusinessTime(split, at('2026-11-18T08:00', WAW), 4 * HOUR), WAW)).to.equal('2026-11-18T12:00 +01:00');
    });

    it('when a day passes, 8 business hours were counted', () => {
      expect(businessTimeBetween(split, at('2026-11-18T00:00', WAW), at('2026-11-19T00:00', WAW))).to.equal(8 * HOUR);
    });

    it('when the open time of a day is listed, it is the two ranges', () => {
      const spans = openSpansBetween(split, at('2026-11-18T00:00', WAW), at('2026-11-19T00:00', WAW));
      expect(spans.map((s) => `${wall(s.start, WAW)}..${wall(s.end, WAW)}`)).to.deep.equal([
        '2026-11-18T08:00 +01:00..2026-11-18T12:00 +01:00',
        '2026-11-18T13:00 +01:00..2026-11-18T17:00 +01:00',
      ]);
    });
  });

  describe('ranges reaching midnight', () => {
    const nights: BusinessCalendar = {
      id: 'nights',
      timeZone: WAW,
      hours: {
        mon: [{ from: '22:00', to: '24:00' }],
        tue: [{ from: '00:00', to: '06:00' }, { from: '22:00', to: '24:00' }],
      },
    };

    it('when a shift runs 22:00–24:00 and on from 00:00, the clock runs through midnight', () => {
      const due = addBusinessTime(nights, at('2026-11-16T23:00', WAW), 3 * HOUR);
      expect(wall(due, WAW)).to.equal('2026-11-17T02:00 +01:00');
      expect(isOpenAt(nights, at('2026-11-17T00:00', WAW))).to.equal(true);
      expect(openSpansBetween(nights, at('2026-11-16T00:00', WAW), at('2026-11-18T00:00', WAW))).to.have.length(2);
    });

    it('when a range is 00:00–24:00 every day, a day holds 24 business hours', () => {
      const allDay = { id: 'all-day', timeZone: WAW, hours: weekdays([{ from: '00:00', to: '24:00' }], ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']) };
      expect(businessTimeBetween(allDay, at('2026-11-18T00:00', WAW), at('2026-11-19T00:00', WAW))).to.equal(24 * HOUR);
      const start = at('2026-11-18T10:00', WAW);
      expect(addBusinessTime(allDay, start, 100 * HOUR)).to.equal(start + 100 * HOUR);
    });
  });

  describe('daylight saving time in Europe/Warsaw (29 March and 25 October 2026)', () => {
    it('when a 24x7 clock runs 24h from Saturday 12:00 over the spring change, it ends Sunday 13:00 wall time', () => {
      const due = addBusinessTime(warsaw24x7, at('2026-03-28T12:00', WAW), 24 * HOUR);
      expect(wall(due, WAW)).to.equal('2026-03-29T13:00 +02:00');
    });

    it('when a 24x7 clock runs 24h from Saturday 12:00 over the autumn change, it ends Sunday 11:00 wall time', () => {
      const due = addBusinessTime(warsaw24x7, at('2026-10-24T12:00', WAW), 24 * HOUR);
      expect(wall(due, WAW)).to.equal('2026-10-25T11:00 +01:00');
    });

    it('when a working week spans the spring change, Monday still opens at 08:00 local (CEST)', () => {
      const due = addBusinessTime(warsawOffice, at('2026-03-27T16:00', WAW), 4 * HOUR);
      expect(wall(due, WAW)).to.equal('2026-03-30T11:00 +02:00');
      expect(businessTimeBetween(warsawOffice, at('2026-03-23T00:00', WAW), at('2026-04-06T00:00', WAW))).to.equal(90 * HOUR);
    });

    it('when a working week spans the autumn change, Monday still opens at 08:00 local (CET)', () => {
      const due = addBusinessTime(warsawOffice, at('2026-10-23T16:00', WAW), 4 * HOUR);
      expect(wall(due, WAW)).to.equal('2026-10-26T11:00 +01:00');
    });

    it('when a calendar is open 00:00–24:00 on the change days, spring Sunday has 23 hours and autumn Sunday 25', () => {
      const sundays: BusinessCalendar = { id: 'sundays', timeZone: WAW, hours: { sun: [{ from: '00:00', to: '24:00' }] } };
      expect(businessTimeBetween(sundays, at('2026-03-28T00:00', WAW), at('2026-03-31T00:00', WAW))).to.equal(23 * HOUR);
      expect(businessTimeBetween(sundays, at('2026-10-24T00:00', WAW), at('2026-10-27T00:00', WAW))).to.equal(25 * HOUR);
      expect(businessTimeBetween(warsaw24x7, at('2026-03-29T00:00', WAW), at('2026-03-30T00:00', WAW))).to.equal(23 * HOUR);
    });

    it('when a range covers the skipped hour (01:00–04:00 on 29 March), it holds the 2 real hours', () => {
      const night: BusinessCalendar = { id: 'night', timeZone: WAW, hours: { sun: [{ from: '01:00', to: '04:00' }] } };
      expect(businessTimeBetween(night, at('2026-03-29T00:00', WAW), at('2026-03-30T00:00', WAW))).to.equal(2 * HOUR);
      // 02:30 does not exist that night: a range starting then starts at the jump, 03:00 CEST.
      const late: BusinessCalendar = { id: 'late', timeZone: WAW, hours: { sun: [{ from: '02:30', to: '04:00' }] } };
      const [span] = openSpansBetween(late, at('2026-03-29T00:00', WAW), at('2026-03-30T00:00', WAW));
      expect(span && wall(span.start, WAW)).to.equal('2026-03-29T03:00 +02:00');
      // A range lying wholly in the skipped hour is empty that day.
      const skipped: BusinessCalendar = { id: 'skipped', timeZone: WAW, hours: { sun: [{ from: '02:00', to: '03:00' }] } };
      expect(businessTimeBetween(skipped, at('2026-03-29T00:00', WAW), at('2026-03-30T00:00', WAW))).to.equal(0);
      expect(businessTimeBetween(skipped, at('2026-03-22T00:00', WAW), at('2026-03-23T00:00', WAW))).to.equal(HOUR);
    });

    it('when a range covers the repeated hour (01:00–04:00 on 25 October), it holds the 4 real hours', () => {
      const night: BusinessCalendar = { id: 'night', timeZone: WAW, hours: { sun: [{ from: '01:00', to: '04:00' }] } };
      expect(businessTimeBetween(night, at('2026-10-25T00:00', WAW), at('2026-10-26T00:00', WAW))).to.equal(4 * HOUR);
      // 02:30 happens twice: a range starting then starts at the first 02:30 (CEST).
      const late: BusinessCalendar = { id: 'late', timeZone: WAW, hours: { sun: [{ from: '02:30', to: '04:00' }] } };
      const [span] = openSpansBetween(late, at('2026-10-25T00:00', WAW), at('2026-10-26T00:00', WAW));
      expect(span && wall(span.start, WAW)).to.equal('2026-10-25T02:30 +02:00');
      expect(span && span.end - span.start).to.equal(2.5 * HOUR);
    });
  });

  describe('daylight saving time in America/New_York (8 March and 1 November 2026)', () => {
    const nycOffice: BusinessCalendar = { id: 'nyc-office', timeZone: NYC, hours: weekdays([{ from: '09:00', to: '17:00' }]) };
    const nyc24x7: BusinessCalendar = { id: 'nyc-24x7', timeZone: NYC, alwaysOpen: true };

    it('when a 24x7 clock runs 24h from Saturday 12:00 over the March change, it ends Sunday 13:00 EDT', () => {
      expect(wall(addBusinessTime(nyc24x7, at('2026-03-07T12:00', NYC), 24 * HOUR), NYC)).to.equal('2026-03-08T13:00 -04:00');
    });

    it('when a 24x7 clock runs 24h from Saturday 12:00 over the November change, it ends Sunday 11:00 EST', () => {
      expect(wall(addBusinessTime(nyc24x7, at('2026-10-31T12:00', NYC), 24 * HOUR), NYC)).to.equal('2026-11-01T11:00 -05:00');
    });

    it('when a Friday 15:00 ticket has 4h over the March change, it lands Monday 11:00 EDT', () => {
      const due = addBusinessTime(nycOffice, at('2026-03-06T15:00', NYC), 4 * HOUR);
      expect(wall(due, NYC)).to.equal('2026-03-09T11:00 -04:00');
      expect(new Date(due).toISOString()).to.equal('2026-03-09T15:00:00.000Z');
    });

    it('when a Friday 15:00 ticket has 4h over the November change, it lands Monday 11:00 EST', () => {
      const due = addBusinessTime(nycOffice, at('2026-10-30T15:00', NYC), 4 * HOUR);
      expect(new Date(due).toISOString()).to.equal('2026-11-02T16:00:00.000Z');
    });
  });

  describe('holidays', () => {
    const polishOffice: BusinessCalendar = { ...warsawOffice, id: 'pl-office', holidays: ['2026-12-24', '2026-12-25', '2026-12-26'] };

    it('when a ticket is opened Wednesday 23 December 16:00, Christmas Eve, Christmas and the weekend are skipped', () => {
      const due = addBusinessTime(polishOffice, at('2026-12-23T16:00', WAW), 4 * HOUR);
      expect(wall(due, WAW)).to.equal('2026-12-28T11:00 +01:00');
      expect(isOpenAt(polishOffice, at('2026-12-24T10:00', WAW))).to.equal(false);
      expect(isOpenAt(warsawOffice, at('2026-12-24T10:00', WAW))).to.equal(true);
    });

    it('when a 24x7 calendar lists a holiday, the whole local day is closed', () => {
      const cal: BusinessCalendar = { ...warsaw24x7, holidays: ['2026-12-25'] };
      const due = addBusinessTime(cal, at('2026-12-24T12:00', WAW), 24 * HOUR);
      expect(wall(due, WAW)).to.equal('2026-12-26T12:00 +01:00');
    });

    it('when a 24x7 calendar lists no holidays, the clock never stops', () => {
      const start = at('2026-12-24T12:00', WAW);
      expect(addBusinessTime(warsaw24x7, start, 72 * HOUR)).to.equal(start + 72 * HOUR);
      expect(businessTimeBetween(warsaw24x7, start, start + 1000 * HOUR)).to.equal(1000 * HOUR);
      expect(isOpenAt(warsaw24x7, start)).to.equal(true);
    });
  });

  describe('calendars that never open', () => {
    it('when a calendar has no hours at all, a deadline raises CalendarNeverOpensError at once', () => {
      const closed: BusinessCalendar = { id: 'closed', timeZone: WAW, hours: {} };
      expect(() => addBusinessTime(closed, Date.UTC(2026, 0, 1), HOUR))
        .to.throw(CalendarNeverOpensError)
        .with.property('code', 'CALENDAR_NEVER_OPENS');
      expect(() => nextOpenAt(closed, Date.UTC(2026, 0, 1))).to.throw(CalendarNeverOpensError);
      expect(businessTimeBetween(closed, Date.UTC(2026, 0, 1), Date.UTC(2030, 0, 1))).to.equal(0);
    });

    it('when every working day for years is a holiday, the search gives up after two years', () => {
      const mondays: string[] = [];
      for (let d = DateTime.fromISO('2026-01-05'); d.year < 2030; d = d.plus({ weeks: 1 })) mondays.push(d.toISODate()!);
      const cal: BusinessCalendar = { id: 'mondays-off', timeZone: WAW, hours: { mon: [{ from: '08:00', to: '17:00' }] }, holidays: mondays };
      // A hang would fail by mocha's timeout.
      expect(() => addBusinessTime(cal, at('2026-01-01T00:00', WAW), HOUR)).to.throw(CalendarNeverOpensError, /mondays-off/);
    });
  });

  describe('invalid input', () => {
    it('when a calendar is invalid, arithmetic refuses it with the problems attached', () => {
      const bad: BusinessCalendar = { id: 'bad', timeZone: 'Europe/Atlantis', hours: weekdays([{ from: '08:00', to: '17:00' }]) };
      expect(() => addBusinessTime(bad, 0, HOUR))
        .to.throw(InvalidCalendarError)
        .with.property('problems')
        .that.deep.equals([{ path: 'timeZone', code: 'BAD_TIME_ZONE', message: '"Europe/Atlantis" is not an IANA time zone such as "Europe/Warsaw"' }]);
    });

    it('when the duration is negative or the instant is not finite, it is a RangeError', () => {
      expect(() => addBusinessTime(warsawOffice, 0, -1)).to.throw(RangeError);
      expect(() => addBusinessTime(warsawOffice, Number.NaN, 1)).to.throw(RangeError);
      expect(() => businessTimeBetween(warsawOffice, 0, 10, [{ start: 5, end: 2 }])).to.throw(RangeError);
    });

    it('when to is not after from, no business time passed', () => {
      const t = at('2026-11-18T10:00', WAW);
      expect(businessTimeBetween(warsawOffice, t, t)).to.equal(0);
      expect(businessTimeBetween(warsawOffice, t, t - HOUR)).to.equal(0);
    });
  });

  describe('checkCalendar', () => {
    it('when a calendar is well formed, there are no problems', () => {
      expect(checkCalendar(warsawOffice)).to.deep.equal([]);
      expect(checkCalendar({ ...warsaw24x7, holidays: ['2026-12-25'] })).to.deep.equal([]);
    });

    it('when a calendar has every kind of mistake, each is reported at its path with a code', () => {
      const cal = {
        id: 'messy',
        timeZone: 'Mars/Olympus',
        hours: {
          mon: [
            { from: '08:00', to: '12:00' },
            { from: '11:00', to: '13:00' },
          ],
          tue: [{ from: '8:00', to: '25:00' }],
          wed: [{ from: '17:00', to: '08:00' }],
          thu: [{ from: '24:00', to: '24:00' }],
          fry: [{ from: '08:00', to: '17:00' }],
        },
        holidays: ['2026-02-30', '26-12-25', '2026-12-24'],
      } as unknown as BusinessCalendar;
      expect(checkCalendar(cal).map((p) => `${p.path} ${p.code}`)).to.deep.equal([
        'timeZone BAD_TIME_ZONE',
        'hours.mon[1] OVERLAPPING_RANGES',
        'hours.tue[0].from BAD_TIME',
        'hours.tue[0].to BAD_TIME',
        'hours.wed[0].to EMPTY_RANGE',
        'hours.thu[0].from BAD_TIME',
        'hours.fry UNKNOWN_WEEKDAY',
        'holidays[0] BAD_HOLIDAY',
        'holidays[1] BAD_HOLIDAY',
      ]);
    });

    it('when ranges only touch (12:00 end, 12:00 start), they do not overlap', () => {
      const cal: BusinessCalendar = { id: 't', timeZone: 'UTC', hours: { mon: [{ from: '08:00', to: '12:00' }, { from: '12:00', to: '16:00' }] } };
      expect(checkCalendar(cal)).to.deep.equal([]);
    });

    it('when a calendar has no hours and is not 24x7, or is 24x7 and lists hours, that is reported', () => {
      expect(checkCalendar({ id: 'c', timeZone: WAW }).map((p) => p.code)).to.deep.equal(['NEVER_OPENS']);
      expect(checkCalendar({ id: 'c', timeZone: WAW, hours: { sat: [] } }).map((p) => p.code)).to.deep.equal(['NEVER_OPENS']);
      expect(checkCalendar({ ...warsawOffice, alwaysOpen: true }).map((p) => `${p.path} ${p.code}`)).to.deep.equal(['hours HOURS_WITH_ALWAYS_OPEN']);
    });
  });
});
