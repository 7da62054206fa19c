/**
 * A queue listing's raw query (the API's query string, a queue page's form) read into a ListQuery:
 * repeatable or comma-separated lists, one ValidationError naming every bad field (422), the
 * cursor opaque (base64url of the sort it was made for and the last row's sort key).
 */
import { normaliseEmail } from '../../db/account-sealing.ts';
import { sortKeyLength, sortKeyValid, type ListKey } from '../../db/ticket-list-repo.ts';
import { TicketStatus } from '../../workflows/types.ts';
import { ValidationError, type FieldProblem } from '../errors.ts';
import type { ListQuery, QueueId, SortKey, TicketFilters } from './queue-types.ts';

export const QUEUE_IDS: readonly QueueId[] = ['mine', 'team', 'tier', 'unassigned', 'escalated', 'pending', 'at_risk', 'breached', 'all'];
export const SORT_KEYS: readonly SortKey[] = ['due', 'priority', 'created', 'created_asc', 'updated'];
export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;
/** The query's parameters (`text` is the page form's name for `q`). */
export const LIST_PARAMETERS = ['queue', 'status', 'priority', 'category', 'team', 'tier', 'assignee', 'requester', 'organisation', 'q', 'text', 'sort', 'cursor', 'limit'] as const;

const STATUSES = Object.values(TicketStatus) as string[];
/** Priorities, categories, teams and tiers are the rules' ids: short words. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_TEXT = 200;

/** The cursor of a page's last row. */
export function encodeCursor(sort: SortKey, key: ListKey): string {
  return Buffer.from(JSON.stringify({ s: sort, k: key }), 'utf8').toString('base64url');
}

/** The sort key a cursor carries, if it was made for this sort; undefined if it is not a cursor at all. */
export function decodeCursor(cursor: string, sort: SortKey): ListKey | undefined {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown; k?: unknown };
    if (v.s !== sort || !Array.isArray(v.k) || v.k.length !== sortKeyLength(sort) || !v.k.every((x) => typeof x === 'string' && x.length <= 100)) return undefined;
    if (!sortKeyValid(sort, v.k as string[])) return undefined;
    return v.k as string[];
  } catch {
    return undefined;
  }
}

/** Every value of a parameter: repeated, comma-separated or both; blanks dropped. */
function values(raw: unknown): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const all = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => (typeof v === 'string' ? v.split(',') : [String(v)])).map((v) => v.trim()).filter((v) => v !== '');
  return all.length ? all : undefined;
}

/** A single value: the last one given. */
function single(raw: unknown): string | undefined {
  const v = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

/** Raw query → ListQuery; throws one ValidationError (422) naming each bad field. */
export function parseListQuery(raw: Record<string, unknown>): ListQuery {
  const problems: FieldProblem[] = [];
  const filters: TicketFilters = {};

  const queue = single(raw.queue);
  if (queue !== undefined) {
    if ((QUEUE_IDS as readonly string[]).includes(queue)) filters.queue = queue as QueueId;
    else problems.push({ field: 'queue', key: 'oneOf', params: { values: QUEUE_IDS.join(', ') } });
  }
  const status = values(raw.status);
  if (status) {
    if (status.every((s) => STATUSES.includes(s))) filters.status = [...new Set(status)];
    else problems.push({ field: 'status', key: 'oneOf', params: { values: STATUSES.join(', ') } });
  }
  for (const field of ['priority', 'category', 'team', 'tier'] as const) {
    const v = values(raw[field]);
    if (!v) continue;
    if (v.length <= 50 && v.every((x) => ID.test(x))) filters[field] = [...new Set(v)];
    else problems.push({ field, key: 'invalid' });
  }
  for (const field of ['assignee', 'requester'] as const) {
    const v = single(raw[field]);
    if (v === undefined) continue;
    if (v.length <= 254 && EMAIL.test(v)) filters[field] = normaliseEmail(v);
    else problems.push({ field, key: 'email' });
  }
  const organisation = single(raw.organisation);
  if (organisation !== undefined) {
    if (organisation.length <= MAX_TEXT) filters.organisation = organisation;
    else problems.push({ field: 'organisation', key: 'tooLong', params: { max: MAX_TEXT } });
  }
  const textField = raw.q !== undefined ? 'q' : 'text';
  const text = single(raw[textField]);
  if (text !== undefined) {
    if (text.length <= MAX_TEXT) filters.text = text;
    else problems.push({ field: textField, key: 'tooLong', params: { max: MAX_TEXT } });
  }

  let sort: SortKey = 'due';
  const rawSort = single(raw.sort);
  if (rawSort !== undefined) {
    if ((SORT_KEYS as readonly string[]).includes(rawSort)) sort = rawSort as SortKey;
    else problems.push({ field: 'sort', key: 'oneOf', params: { values: SORT_KEYS.join(', ') } });
  }
  let limit = DEFAULT_LIMIT;
  const rawLimit = single(raw.limit);
  if (rawLimit !== undefined) {
    const n = /^\d{1,4}$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (n >= 1 && n <= MAX_LIMIT) limit = n;
    else problems.push({ field: 'limit', key: 'wholeNumber', params: { min: 1, max: MAX_LIMIT } });
  }
  const cursor = single(raw.cursor);
  if (cursor !== undefined && (cursor.length > 1000 || (!problems.some((p) => p.field === 'sort') && decodeCursor(cursor, sort) === undefined))) {
    problems.push({ field: 'cursor', key: 'cursor' });
  }

  if (problems.length) throw new ValidationError(problems);
  return { filters, sort, limit, ...(cursor !== undefined ? { cursor } : {}) };
}
