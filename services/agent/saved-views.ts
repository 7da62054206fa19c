/**
 * An agent's saved queue views: the current filters and sort kept under a name, listed as links,
 * deleted (db/saved-views-repo.ts over agent_saved_views). Saving a name again replaces that view.
 * A view is read back through the queue's own parser (services/agent/queue-parse.ts), so a view
 * saved under filters that are no longer valid is still listed, with what of it still holds.
 */
import type { SavedViewsRepo } from '../../db/saved-views-repo.ts';
import { NotFoundError, UnavailableError, ValidationError, type FieldProblem } from '../errors.ts';
import type { ListQuery, SortKey, TicketFilters } from './queue-types.ts';
import { parseListQuery } from './queue-parse.ts';

/** A view's name: 1 to 80 characters. */
export const MAX_VIEW_NAME = 80;
/** The most views one agent keeps. */
export const MAX_VIEWS = 50;

export interface SavedView {
  id: number;
  name: string;
  filters: TicketFilters;
  sort: SortKey;
  /** The queue page's address for it (/agent?…). */
  href: string;
}

export interface SavedViews {
  list(userId: number): Promise<SavedView[]>;
  /** @throws ValidationError (422, field `name`) for a missing or too long name, or too many views */
  save(userId: number, name: unknown, query: Pick<ListQuery, 'filters' | 'sort'>): Promise<SavedView>;
  /** @throws NotFoundError (errors.viewNotFound) when it is not one of the agent's views */
  remove(userId: number, id: number): Promise<void>;
}

/** The queue page's query string parameters of filters and sort (lists comma-separated; the default sort left out). */
export function queryParams(filters: TicketFilters, sort: SortKey): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(filters) as Array<[keyof TicketFilters, string | string[] | undefined]>) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    out.push([key, Array.isArray(value) ? value.join(',') : value]);
  }
  if (sort !== 'due') out.push(['sort', sort]);
  return out;
}

/** `/agent?…` for filters and sort. */
export function queueHref(filters: TicketFilters, sort: SortKey, extra: Array<[string, string]> = []): string {
  const qs = new URLSearchParams([...queryParams(filters, sort), ...extra]).toString();
  return qs ? `/agent?${qs}` : '/agent';
}

/** A view's name as kept (trimmed, inner spaces collapsed), or the problem with it (field `name`). */
export function viewName(raw: unknown): { name: string } | { problem: FieldProblem } {
  const name = typeof raw === 'string' ? raw.trim().replace(/\s+/g, ' ') : '';
  if (!name) return { problem: { field: 'name', key: 'required' } };
  if (name.length > MAX_VIEW_NAME) return { problem: { field: 'name', key: 'tooLong', params: { max: MAX_VIEW_NAME } } };
  return { name };
}

async function db<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new UnavailableError(err);
  }
}

/** A stored query back as filters and sort: what still parses (a field that no longer does is left out). */
function readBack(stored: Record<string, unknown>): { filters: TicketFilters; sort: SortKey } {
  const filters = (stored.filters ?? {}) as Record<string, unknown>;
  const raw: Record<string, unknown> = { ...filters, sort: stored.sort };
  for (let i = 0; i < 12; i++) {
    try {
      const q = parseListQuery(raw);
      return { filters: q.filters, sort: q.sort };
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      for (const f of err.fields) delete raw[f.field];
    }
  }
  return { filters: {}, sort: 'due' };
}

export function createSavedViews(deps: { repo: SavedViewsRepo }): SavedViews {
  const view = (id: number, name: string, stored: Record<string, unknown>): SavedView => {
    const { filters, sort } = readBack(stored);
    return { id, name, filters, sort, href: queueHref(filters, sort) };
  };
  return {
    async list(userId) {
      return (await db(() => deps.repo.list(userId))).map((r) => view(r.id, r.name, r.query));
    },
    async save(userId, rawName, query) {
      const checked = viewName(rawName);
      if ('problem' in checked) throw new ValidationError([checked.problem]);
      const { name } = checked;
      const existing = await db(() => deps.repo.list(userId));
      if (existing.length >= MAX_VIEWS && !existing.some((v) => v.name === name)) throw new ValidationError([{ field: 'name', key: 'tooMany', params: { max: MAX_VIEWS } }]);
      const stored = { filters: query.filters, sort: query.sort };
      const saved = await db(() => deps.repo.save(userId, name, stored));
      return view(saved.id, saved.name, saved.query);
    },
    async remove(userId, id) {
      if (!(await db(() => deps.repo.remove(userId, id)))) throw new NotFoundError('errors.viewNotFound', { id });
    },
  };
}
