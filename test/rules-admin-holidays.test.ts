import { expect } from 'chai';
import type { CalendarDefinition } from '../rules/types.ts';
import { checkCalendar } from '../rules/calendar-check.ts';
import {
  HOLIDAY_COUNTRIES, HolidayYearOutOfRangeError, UnknownHolidayCountryError,
  holidayCountryOptions, mergeHolidays, publicHolidays,
} from '../services/rules-admin/holidays.ts';

describe('public holidays for a business calendar', () => {
  describe('publicHolidays', () => {
    it('Poland 2027: the public days, Easter-dependent ones included, named in Polish and sorted', () => {
      const days = publicHolidays('PL', 2027, 'pl');
      expect(days.map((d) => d.date)).to.deep.equal([
        '2027-01-01', '2027-01-06', '2027-03-28', '2027-03-29', '2027-05-01', '2027-05-03', '2027-05-16',
        '2027-05-27', '2027-08-15', '2027-11-01', '2027-11-11', '2027-12-24', '2027-12-25', '2027-12-26',
      ]);
      const name = (date: string) => days.find((d) => d.date === date)?.name;
      expect(name('2027-03-28')).to.equal('Niedziela Wielkanocna');
      expect(name('2027-03-29')).to.equal('Drugi dzień Wielkanocy');
      expect(name('2027-05-27')).to.equal('Dzień Bożego Ciała');
      expect(name('2027-11-11')).to.equal('Narodowe Święto Niepodległości');
    });

    it('the same days in English and German, only the names change', () => {
      const pl = publicHolidays('PL', 2027, 'pl');
      const en = publicHolidays('PL', 2027, 'en');
      const de = publicHolidays('PL', 2027, 'de');
      expect(en.map((d) => d.date)).to.deep.equal(pl.map((d) => d.date));
      expect(de.map((d) => d.date)).to.deep.equal(pl.map((d) => d.date));
      expect(en.find((d) => d.date === '2027-03-29')?.name).to.equal('Easter Monday');
      expect(en.find((d) => d.date === '2027-11-11')?.name).to.equal('Independence Day');
    });

    it('observances are left out: Easter Sunday is no public holiday in Germany, Mother\'s Day none in Britain', () => {
      const de = publicHolidays('DE', 2027, 'de').map((d) => d.date);
      expect(de).to.include('2027-03-29').and.include('2027-10-03').and.not.include('2027-03-28');
      const gb = publicHolidays('GB', 2027, 'en');
      expect(gb.map((d) => d.name)).to.not.include("Mother's Day");
      expect(gb.map((d) => d.date)).to.include('2027-03-26').and.include('2027-12-27'); // Good Friday, the substitute Christmas Day
    });

    it('a name the library lacks in the language given falls back to the country\'s own', () => {
      // Czech Liberation Day (8 May) has no Polish name in the data: it comes in Czech.
      expect(publicHolidays('CZ', 2027, 'pl').find((d) => d.date === '2027-05-08')?.name).to.equal('Den vítězství');
    });

    it('one entry per date, whatever falls on it', () => {
      for (const country of HOLIDAY_COUNTRIES) {
        const dates = publicHolidays(country, 2027, 'en').map((d) => d.date);
        expect(dates.length, country).to.be.greaterThan(3);
        expect(new Set(dates).size, country).to.equal(dates.length);
        expect([...dates].sort(), country).to.deep.equal(dates);
        for (const d of dates) expect(d, country).to.match(/^2027-\d{2}-\d{2}$/);
      }
    });

    it('two holidays on one date make one entry with both names (Germany 2008: Labour Day was Ascension Day)', () => {
      const days = publicHolidays('DE', 2008, 'en').filter((d) => d.date === '2008-05-01');
      expect(days).to.deep.equal([{ date: '2008-05-01', name: 'Labour Day; Ascension Day' }]);
    });

    it('takes the country code in any case', () => {
      expect(publicHolidays('pl', 2027, 'en')).to.deep.equal(publicHolidays('PL', 2027, 'en'));
    });

    it('refuses an unknown country with a typed 422 naming it', () => {
      for (const bad of ['XX', 'Poland', '', 'P']) {
        expect(() => publicHolidays(bad, 2027, 'en'), bad).to.throw(UnknownHolidayCountryError)
          .that.deep.includes({ status: 422, code: 'UNKNOWN_HOLIDAY_COUNTRY', messageKey: 'errors.holidayCountryUnknown' })
          .and.has.nested.property('params.country', bad);
      }
    });

    it('refuses a year outside 1970–2100 (or not a whole number) with a typed 422', () => {
      expect(publicHolidays('PL', 1970, 'en')).to.have.length.greaterThan(5);
      expect(publicHolidays('PL', 2100, 'en')).to.have.length.greaterThan(5);
      for (const bad of [1969, 2101, 2027.5, Number.NaN]) {
        expect(() => publicHolidays('PL', bad, 'en'), String(bad)).to.throw(HolidayYearOutOfRangeError)
          .that.deep.includes({ status: 422, code: 'HOLIDAY_YEAR_OUT_OF_RANGE', params: { year: bad, min: 1970, max: 2100 } });
      }
    });
  });

  describe('holidayCountryOptions', () => {
    it('names every offered country in the viewer\'s language, in that language\'s order', () => {
      const pl = holidayCountryOptions('pl');
      expect(pl.map((c) => c.code).sort()).to.deep.equal([...HOLIDAY_COUNTRIES].sort());
      for (const code of ['PL', 'DE', 'AT', 'CH', 'GB', 'US', 'FR', 'CZ', 'IE', 'NL']) expect(pl.map((c) => c.code)).to.include(code);
      expect(pl.find((c) => c.code === 'DE')?.name).to.equal('Niemcy');
      expect(holidayCountryOptions('de').find((c) => c.code === 'CH')?.name).to.equal('Schweiz');
      expect(holidayCountryOptions('en').find((c) => c.code === 'GB')?.name).to.equal('United Kingdom');
      const names = pl.map((c) => c.name);
      expect(names).to.deep.equal([...names].sort(new Intl.Collator('pl').compare));
    });
  });

  describe('mergeHolidays', () => {
    const warsaw: CalendarDefinition = {
      timeZone: 'Europe/Warsaw',
      hours: { mon: [{ from: '08:00', to: '16:00' }] },
      holidays: ['2027-01-01', '2027-06-30', '2027-12-24'],
    };

    it('adds the dates the calendar lacks, once, keeping a sorted list sorted', () => {
      const before = structuredClone(warsaw);
      const { calendar, added } = mergeHolidays(warsaw, publicHolidays('PL', 2027, 'pl'));
      expect(added).to.equal(12); // 14 public days, 1 January and 24 December already there
      expect(calendar.holidays).to.have.length(15);
      expect(calendar.holidays).to.include('2027-06-30').and.include('2027-03-29').and.include('2027-11-11');
      expect(calendar.holidays).to.deep.equal([...calendar.holidays!].sort());
      expect(calendar.timeZone).to.equal('Europe/Warsaw');
      expect(calendar.hours).to.deep.equal(warsaw.hours);
      expect(warsaw, 'the original calendar is not changed').to.deep.equal(before);
      expect(checkCalendar({ id: 'warsaw', ...calendar })).to.deep.equal([]);
    });

    it('adding the same holidays again adds nothing', () => {
      const once = mergeHolidays(warsaw, publicHolidays('PL', 2027, 'pl')).calendar;
      const twice = mergeHolidays(once, publicHolidays('PL', 2027, 'en'));
      expect(twice.added).to.equal(0);
      expect(twice.calendar).to.equal(once);
    });

    it('a calendar with no holidays gets the list; an unsorted list keeps its order with the new dates after it', () => {
      const { calendar, added } = mergeHolidays({ timeZone: 'UTC', alwaysOpen: true }, ['2027-05-03', '2027-05-01', '2027-05-03']);
      expect(added).to.equal(2);
      expect(calendar).to.deep.equal({ timeZone: 'UTC', alwaysOpen: true, holidays: ['2027-05-01', '2027-05-03'] });
      const unsorted = mergeHolidays({ timeZone: 'UTC', holidays: ['2027-12-31', '2027-01-02'] }, ['2027-06-01', '2027-01-02']);
      expect(unsorted).to.deep.equal({ calendar: { timeZone: 'UTC', holidays: ['2027-12-31', '2027-01-02', '2027-06-01'] }, added: 1 });
    });

    it('refuses a date not in the file\'s YYYY-MM-DD shape', () => {
      expect(() => mergeHolidays(warsaw, ['2027-5-1'])).to.throw(RangeError, /2027-5-1/);
    });
  });
});
