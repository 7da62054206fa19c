/**
 * The queue page's view model: the queue tabs with their counts, the filter form as typed, the
 * rows with their countdowns (services/agent/countdown.ts, cells the live script updates by
 * `data-clock`), keyset paging links, saved views and the bulk form's state. Pure: what it
 * reads is given (the route does the reading).
 */
import type { TFunction } from 'i18next';
import type { Countdown } from '../../services/agent/countdown.ts';
import type { ListPage, ListQuery, QueueId, TicketFilters, TicketRow } from '../../services/agent/queues.ts';
import { queryParams, queueHref, type SavedView } from '../../services/agent/saved-views.ts';
import { TicketStatus } from '../../workflows/types.ts';
import { OPEN } from '../../workflows/lifecycle.ts';

/** The tabs in the order an agent works them; `all` last. */
export const QUEUE_TABS: readonly QueueId[] = ['mine', 'team', 'tier', 'unassigned', 'escalated', 'pending', 'at_risk', 'breached', 'all'];

/** The filter form's text fields (lists comma-separated) and the filters they fill. */
export const LIST_FIELDS = ['priority', 'category', 'team', 'tier'] as const;
export const TEXT_FIELDS = ['requester', 'organisation', 'text'] as const;

export interface Words {
  ag: TFunction;
  api: TFunction;
}

/** What the form shows: the raw values typed (so a bad one is shown back as typed). */
export type FormValues = Record<string, string | string[] | undefined>;

/** The raw query's values as the form shows them. */
export function formValues(raw: Record<string, unknown>): FormValues {
  const one = (v: unknown): string | undefined => {
    const x = Array.isArray(v) ? v[v.length - 1] : v;
    return typeof x === 'string' ? x : undefined;
  };
  const list = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).flatMap((x) => (typeof x === 'string' ? x.split(',') : [])).map((x) => x.trim()).filter(Boolean);
  const out: FormValues = { queue: one(raw.queue), sort: one(raw.sort), status: list(raw.status) };
  for (const f of LIST_FIELDS) out[f] = list(raw[f]).join(', ') || undefined;
  for (const f of TEXT_FIELDS) out[f] = one(raw[f]);
  return out;
}

/** The query a form or a saved view stands for, as hidden fields (the bulk and save forms carry it back). */
export function hiddenQuery(q: Pick<ListQuery, 'filters' | 'sort'>): Array<{ name: string; value: string }> {
  return queryParams(q.filters, q.sort).map(([name, value]) => ({ name, value }));
}

export interface RowModel {
  number: string;
  href: string;
  title: string;
  requester: string | null;
  vip: boolean;
  priority: string | null;
  status: string;
  statusText: string;
  assignee: string | null;
  team: string | null;
  tier: string | null;
  escalated: boolean;
  clocks: Array<{ clock: string; name: string; text: string; title: string; risk: string }>;
  selected: boolean;
  /** The row's checkbox label ("Select HD-…"). */
  selectLabel: string;
}

/** The table's words every row repeats (column names as the cards' labels, "none", badges), made once a page. */
export function tableLabels(w: Words): Record<string, string> {
  const keys = ['number', 'title', 'requester', 'priority', 'status', 'assignee', 'teamTier', 'nobody', 'erased', 'vip', 'escalated'] as const;
  return Object.fromEntries(keys.map((k) => [k, w.ag(`table.${k}`)]));
}

export function rowModel(row: TicketRow, countdowns: Countdown[], w: Words, selected: ReadonlySet<string>): RowModel {
  const clockOf = (clock: 'response' | 'resolution') => {
    const c = countdowns.find((x) => x.clock === clock);
    return { clock, name: w.ag(`table.${clock}`), text: c?.text ?? '—', title: c?.title ?? '', risk: c?.risk ?? 'stopped' };
  };
  return {
    number: row.number,
    href: `/agent/tickets/${row.number}`,
    title: row.title,
    requester: row.requester,
    vip: row.vip,
    priority: row.priority,
    status: row.status,
    statusText: w.api(`statusName.${row.status}`, { defaultValue: row.status }),
    assignee: row.assignee,
    team: row.teamId,
    tier: row.tier,
    escalated: row.escalated,
    clocks: [clockOf('response'), clockOf('resolution')],
    selected: selected.has(row.number),
    selectLabel: w.ag('table.selectTicket', { number: row.number }),
  };
}

export interface Tab {
  id: QueueId;
  name: string;
  count: number;
  countText: string;
  href: string;
  current: boolean;
}

export function tabs(current: QueueId, counts: Partial<Record<QueueId, number>> | undefined, w: Words): Tab[] {
  return QUEUE_TABS.map((id) => {
    const count = counts?.[id] ?? 0;
    return { id, name: w.ag(`queue.name.${id}`), count, countText: w.ag('queue.count', { count }), href: queueHref({ queue: id }, 'due'), current: id === current };
  });
}

/** Keyset paging: the next page carries the last row's cursor; the first page is the same query without one. */
export function paging(q: ListQuery, page: ListPage): { next: string | null; first: string | null; any: boolean } {
  const filters: TicketFilters = q.filters;
  const next = page.nextCursor ? queueHref(filters, q.sort, [['cursor', page.nextCursor]]) : null;
  const first = q.cursor ? queueHref(filters, q.sort) : null;
  return { next, first, any: Boolean(next || first) };
}

/** Every status as a checkbox of the filter form (open ones first), checked as typed. */
export function statusOptions(checked: readonly string[], w: Words): Array<{ value: string; label: string; checked: boolean }> {
  const all = [...OPEN, ...Object.values(TicketStatus).filter((s) => !OPEN.includes(s))];
  return all.map((s) => ({ value: s, label: w.api(`statusName.${s}`, { defaultValue: s }), checked: checked.includes(s) }));
}

export function sortOptions(current: string | undefined, w: Words): Array<{ value: string; label: string; selected: boolean }> {
  return (['due', 'priority', 'created', 'created_asc', 'updated'] as const).map((s) => ({ value: s, label: w.ag(`filter.sortName.${s}`), selected: (current ?? 'due') === s }));
}

export function savedViewLinks(views: SavedView[], currentHref: string): Array<SavedView & { current: boolean }> {
  return views.map((v) => ({ ...v, current: v.href === currentHref }));
}
