/**
 * The one reading of a period's bounds for every auditor's surface (the API's audit-log filter and
 * period checks, the CLI's --closed-between): a calendar day that exists (YYYY-MM-DD, the start of
 * that day in UTC), or an ISO 8601 instant with its time and its zone (Z or an offset). Stricter
 * than Date.parse, which rolls 2026-02-30 over into March, reads "hello 1" as 2001 and takes an
 * instant without a zone in whatever zone the server happens to run in.
 */
import { DateTime } from 'luxon';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Epoch ms of a day or a zoned instant; undefined when the text is neither. */
export function instantOf(text: string): number | undefined {
  const s = text.trim();
  if (!DAY.test(s) && !INSTANT.test(s)) return undefined;
  const parsed = DateTime.fromISO(s, { zone: 'UTC' });
  return parsed.isValid ? parsed.toMillis() : undefined;
}
