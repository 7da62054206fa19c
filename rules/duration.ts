/**
 * Durations of the rules DSL: "30s", "15m", "4h", "2d", "1h30m", "1d 4h". Semantics in rules/CALENDARS.md.
 *
 * A duration is an amount of counted time. Under a business calendar the SLA clock counts business
 * time only, so "2d" is 48 business hours — not two working days — and "1d" in an 08:00–16:00
 * calendar spans three working days.
 */

export const DURATION_UNITS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 } as const;
export type DurationUnit = keyof typeof DURATION_UNITS;
const UNIT_ORDER: readonly DurationUnit[] = ['d', 'h', 'm', 's'];

/** A duration text the DSL does not accept. */
export class BadDurationError extends Error {
  readonly code = 'BAD_DURATION';
  constructor(
    readonly text: string,
    reason: string,
  ) {
    super(`"${text}" is not a duration (${reason}); write e.g. "30s", "15m", "4h", "2d" or "1h30m"`);
    this.name = 'BadDurationError';
  }
}

const PART_RE = /(\d+)([dhms])/y;

/**
 * Milliseconds of a duration text: one or more `<whole number><unit>` parts, units d (24 h), h, m, s,
 * each at most once and largest first, optionally separated by single spaces ("1h30m", "1h 30m").
 * Zero is allowed ("0m"); signs, fractions, other units and surrounding blanks are not.
 * @throws BadDurationError (code 'BAD_DURATION')
 */
export function parseDuration(text: string): number {
  if (typeof text !== 'string') throw new BadDurationError(String(text), 'not a string');
  if (text.length === 0) throw new BadDurationError(text, 'empty');
  let pos = 0;
  let total = 0;
  let lastUnit = -1;
  while (pos < text.length) {
    if (pos > 0 && text[pos] === ' ') pos++;
    PART_RE.lastIndex = pos;
    const m = PART_RE.exec(text);
    if (!m) throw new BadDurationError(text, `unexpected "${text.slice(pos)}"`);
    const unit = m[2] as DurationUnit;
    const order = UNIT_ORDER.indexOf(unit);
    if (order <= lastUnit) throw new BadDurationError(text, 'units must each appear once, largest first (d, h, m, s)');
    lastUnit = order;
    total += Number(m[1]) * DURATION_UNITS[unit];
    if (!Number.isSafeInteger(total)) throw new BadDurationError(text, 'too large');
    pos = PART_RE.lastIndex;
  }
  return total;
}

export interface FormatDurationOptions {
  /**
   * The largest unit shown: 'h' writes 50 hours as "50h" rather than "2d 2h" (clearer for business
   * time, where a "day" of 24 counted hours is easy to misread as a working day).
   * @default 'd'
   */
  largestUnit?: DurationUnit;
  /**
   * At most this many non-zero parts, largest first; the rest is truncated ("1d 4h" for 1d 4h 3m).
   * @default unlimited
   */
  maxParts?: number;
}

/**
 * Compact text of a duration, as parseDuration reads it back: "1h 30m", "2d", "45s", "0s".
 * Below a second is truncated; a negative duration (e.g. time past a breach) gets a leading "-".
 */
export function formatDuration(ms: number, options: FormatDurationOptions = {}): string {
  if (!Number.isFinite(ms)) throw new RangeError(`cannot format a duration of ${ms} ms`);
  const sign = ms < 0 ? '-' : '';
  let rest = Math.floor(Math.abs(ms) / 1000) * 1000;
  const units = UNIT_ORDER.slice(UNIT_ORDER.indexOf(options.largestUnit ?? 'd'));
  const maxParts = options.maxParts ?? Number.POSITIVE_INFINITY;
  const parts: string[] = [];
  for (const unit of units) {
    const size = DURATION_UNITS[unit];
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0 && parts.length < maxParts) parts.push(`${count}${unit}`);
    else if (parts.length > 0 && parts.length >= maxParts) break;
  }
  return parts.length === 0 ? '0s' : sign + parts.join(' ');
}
