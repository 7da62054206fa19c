/**
 * The rules file's retention checks (the schema checks the shape: whole days from 1 to 36500):
 * categories named must be listed, no personal data outlives its ticket, and no personal data is
 * erased while a closed ticket still takes a rating and comments.
 */
import { parseDuration } from './duration.ts';
import { DAY_MS } from './retention.ts';
import type { Seg } from './paths.ts';
import { FORBIDDEN_KEYS, isObj, type Collector, type Ctx, type Params } from './validate-support.ts';

const days = (n: number): string => `${n} ${n === 1 ? 'day' : 'days'}`;

/** The schema's `id` pattern. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const isDays = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

/** The quiet period after closing during which a ticket can still be rated, in whole days (rounded up). */
function ratingWindowDays(autoCloseAfter: unknown): number | undefined {
  if (typeof autoCloseAfter !== 'string') return undefined;
  try {
    return Math.ceil(parseDuration(autoCloseAfter) / DAY_MS);
  } catch {
    return undefined; // reported as BAD_DURATION at $.autoCloseAfter
  }
}

export function checkRetention(ctx: Ctx, out: Collector): void {
  const r = ctx.root.retention;
  if (!isObj(r) || !isObj(r.personalData)) return;
  const ticketDays = isDays(r.closedTicketDays) ? r.closedTicketDays : undefined;
  const rating = ratingWindowDays(ctx.root.autoCloseAfter);

  /** `category` when the period is a category's own. */
  const checkPeriod = (value: unknown, segs: Seg[], category?: string): void => {
    if (!isDays(value)) return;
    const what = category === undefined ? 'Personal data' : `Personal data of category "${category}"`;
    const of: Params = category === undefined ? {} : { context: 'category', category };
    if (ticketDays !== undefined && value > ticketDays) {
      out.add(segs, 'PERSONAL_DATA_OUTLIVES_TICKET', { ...of, days: value, ticketDays }, `${what} would be kept ${days(value)} after closing, longer than the ticket itself (${days(ticketDays)}, "closedTicketDays"); keep the ticket at least as long as its personal data.`);
    }
    if (rating !== undefined && rating > 0 && value < rating) {
      out.add(segs, 'PERSONAL_DATA_BEFORE_RATING_ENDS', { ...of, days: value, autoCloseAfter: String(ctx.root.autoCloseAfter), ratingDays: rating }, `${what} would be erased ${days(value)} after closing, while the closed ticket still takes a rating and comments (for "autoCloseAfter", ${String(ctx.root.autoCloseAfter)}); keep it at least ${days(rating)}.`);
    }
  };

  const base: Seg[] = ['retention', 'personalData'];
  checkPeriod(r.personalData.defaultDays, [...base, 'defaultDays']);
  const byCategory = r.personalData.byCategory;
  if (!isObj(byCategory)) return;
  for (const [category, value] of Object.entries(byCategory)) {
    if (FORBIDDEN_KEYS.includes(category) || !ID.test(category)) continue; // reported as FORBIDDEN_KEY or INVALID_ID
    const segs: Seg[] = [...base, 'byCategory', category];
    if (ctx.categories && !ctx.categories.has(category)) {
      out.add(segs, 'UNKNOWN_CATEGORY', { context: 'retention', category }, `Personal data retention is set for the category "${category}", which is not listed in "categories".`);
    }
    checkPeriod(value, segs, category);
  }
}
