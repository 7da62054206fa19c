import { expect } from 'chai';
import fc from 'fast-check';
import { BadDurationError, formatDuration, parseDuration } from '../rules/duration.ts';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('durations in the rules DSL', () => {
  describe('parseDuration', () => {
    const cases: Array<[string, number]> = [
      ['30s', 30 * S],
      ['15m', 15 * M],
      ['4h', 4 * H],
      ['2d', 2 * D],
      ['1h30m', H + 30 * M],
      ['1h 30m', H + 30 * M],
      ['1d4h', D + 4 * H],
      ['1d 2h 3m 4s', D + 2 * H + 3 * M + 4 * S],
      ['90m', 90 * M],
      ['0m', 0],
      ['0s', 0],
    ];
    for (const [text, ms] of cases) {
      it(`when a policy says "${text}", it means ${ms} ms of counted time`, () => {
        expect(parseDuration(text)).to.equal(ms);
      });
    }

    it('when a policy says "1d", it means 24 counted hours, not one working day', () => {
      expect(parseDuration('1d')).to.equal(parseDuration('24h'));
    });

    const bad = ['', ' ', '0x', '4', 'h', '-1h', '+1h', '1.5h', '1,5h', '4H', '1h30', '30m1h', '1h1h', '1h  30m', ' 4h', '4h ', '1 h', '1w', '1ms', 'PT4H', '9999999999999999d'];
    for (const text of bad) {
      it(`when a policy says ${JSON.stringify(text)}, it is refused with code BAD_DURATION`, () => {
        expect(() => parseDuration(text))
          .to.throw(BadDurationError)
          .that.satisfies((e: BadDurationError) => e.code === 'BAD_DURATION' && e.text === text && e.message.includes('not a duration'));
      });
    }

    it('when a rules file carries a non-string, it is refused with code BAD_DURATION', () => {
      expect(() => parseDuration(42 as unknown as string)).to.throw(BadDurationError);
    });
  });

  describe('formatDuration', () => {
    it('when a duration is shown, it is compact and largest unit first', () => {
      expect(formatDuration(H + 30 * M)).to.equal('1h 30m');
      expect(formatDuration(2 * D)).to.equal('2d');
      expect(formatDuration(45 * S)).to.equal('45s');
      expect(formatDuration(0)).to.equal('0s');
      expect(formatDuration(D + 3 * M)).to.equal('1d 3m');
    });

    it('when business time is shown in hours, 50 hours are "50h", not "2d 2h"', () => {
      expect(formatDuration(50 * H, { largestUnit: 'h' })).to.equal('50h');
      expect(formatDuration(50 * H)).to.equal('2d 2h');
    });

    it('when only two parts are wanted, the rest is truncated', () => {
      expect(formatDuration(D + 4 * H + 3 * M + 2 * S, { maxParts: 2 })).to.equal('1d 4h');
      expect(formatDuration(D + 3 * M + 2 * S, { maxParts: 2 })).to.equal('1d 3m');
    });

    it('when a breach is overdue, the negative duration gets a minus sign; below a second is dropped', () => {
      expect(formatDuration(-(H + 30 * M))).to.equal('-1h 30m');
      expect(formatDuration(1_999)).to.equal('1s');
      expect(formatDuration(-400)).to.equal('0s');
      expect(() => formatDuration(Number.NaN)).to.throw(RangeError);
    });

    it('when any whole-second duration is formatted, parsing the text gives it back', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 10_000_000 }), (seconds) => {
          expect(parseDuration(formatDuration(seconds * S))).to.equal(seconds * S);
          expect(parseDuration(formatDuration(seconds * S, { largestUnit: 'h' }))).to.equal(seconds * S);
        }),
      );
    });
  });
});
