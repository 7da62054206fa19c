/**
 * The audit-log page's filter form: what was typed, checked by the API's own parser
 * (api/routes/audit.ts auditFilterOf) one field at a time, so every wrong field gets its message
 * beside it, not only the first. The period is given as dates in the viewer's time zone: "from"
 * is the start of that day there, "to" the end of that day (the next day's start, exclusive), as
 * an auditor reading "1–30 November" means it. ISO instants are taken as they are.
 */
import type { Request } from 'express';
import { DateTime } from 'luxon';
import type { AuditFilter } from '../../db/audit-repo.ts';
import { auditFilterOf } from '../../api/routes/audit.ts';
import { HttpError } from '../../api/errors.ts';

/** The form's fields, in the order the page shows them (and the error summary lists them). */
export const LOG_FIELDS = ['actor', 'action', 'subject', 'from', 'to', 'limit'] as const;
export type LogField = (typeof LOG_FIELDS)[number];

/** The page sizes offered; any other whole number up to the API's 1000 is taken from an address. */
export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_PAGE_SIZE = 50;

/** A problem with one field: a key in locales/{lng}/auditor-log.json under `problem.` and its params. */
export interface FieldProblem {
  field: LogField | 'before';
  key: 'badDate' | 'badNumber' | 'badValue' | 'toBeforeFrom';
  params: Record<string, string | number>;
}

export type ParsedLog =
  | { ok: true; filter: AuditFilter & { limit: number }; form: Record<LogField, string> }
  | { ok: false; problems: FieldProblem[]; form: Record<LogField, string> };

const PLAIN_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The start of a calendar day (YYYY-MM-DD) in `timeZone`, as epoch ms; `plusDays` moves to a later day first. */
export function startOfDayIn(date: string, timeZone: string, plusDays = 0): number | undefined {
  const d = DateTime.fromISO(date, { zone: timeZone });
  return d.isValid ? d.plus({ days: plusDays }).startOf('day').toMillis() : undefined;
}

/** What the form shows back: each field's text as typed (one value, at most 200 characters). */
function formOf(query: Request['query']): Record<LogField, string> {
  const out = {} as Record<LogField, string>;
  for (const f of LOG_FIELDS) {
    const v = query[f];
    out[f] = typeof v === 'string' ? v.slice(0, 200) : '';
  }
  return out;
}

/** One field through the API's parser: its problem, when it has one. */
function check(field: LogField | 'before', value: unknown): FieldProblem | undefined {
  try {
    auditFilterOf({ query: { [field]: value } } as unknown as Request);
    return undefined;
  } catch (err) {
    if (!(err instanceof HttpError) || err.status !== 400) throw err;
    const key = err.messageKey === 'errors.auditBadInstant' ? 'badDate' : err.messageKey === 'errors.auditBadNumber' ? 'badNumber' : 'badValue';
    const params: Record<string, string | number> = {};
    if (typeof err.params.max === 'number') params.max = err.params.max;
    if (typeof value === 'string') params.value = value.slice(0, 40);
    return { field, key, params };
  }
}

/**
 * The filter the page searches with, or every problem of the form. Plain dates are days in
 * `timeZone`; the rest is exactly what the API would search with for the same query.
 */
export function parseLogQuery(query: Request['query'], timeZone: string): ParsedLog {
  const form = formOf(query);
  const problems = (['actor', 'action', 'subject', 'from', 'to', 'limit', 'before'] as const)
    .map((f) => (query[f] === undefined ? undefined : check(f, query[f])))
    .filter((p): p is FieldProblem => p !== undefined);
  if (problems.length) return { ok: false, problems, form };
  const filter = auditFilterOf({ query } as unknown as Request);
  const from = form.from.trim();
  const to = form.to.trim();
  if (PLAIN_DATE.test(from)) filter.fromMs = startOfDayIn(from, timeZone) ?? filter.fromMs;
  if (PLAIN_DATE.test(to)) filter.toMs = startOfDayIn(to, timeZone, 1) ?? filter.toMs;
  if (filter.fromMs !== undefined && filter.toMs !== undefined && filter.toMs <= filter.fromMs) {
    return { ok: false, problems: [{ field: 'to', key: 'toBeforeFrom', params: { from, to } }], form };
  }
  return { ok: true, filter: { ...filter, limit: filter.limit ?? DEFAULT_PAGE_SIZE }, form };
}

/** The query string of a filter form's values (for "older", "newest" and the CSV link), empty fields left out. */
export function queryOf(form: Partial<Record<LogField, string>>, extra: Record<string, string | number> = {}): string {
  const q = new URLSearchParams();
  for (const f of LOG_FIELDS) if (form[f]) q.set(f, form[f]!);
  for (const [k, v] of Object.entries(extra)) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
