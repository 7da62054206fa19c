/**
 * The agents' queues (issue 13, item 1): who sees which tickets, what each queue means, and the
 * rows as a reader sees them (titles and addresses opened, '[erased]' where erased). The REST API
 * (GET /api/v1/tickets) and the queue pages call it, so both list the same.
 *
 * Queues (over open tickets unless a status filter says otherwise): mine = assigned to me; team =
 * my team's; tier = my tier's; unassigned = nobody's (in my tier, for agents with one); escalated =
 * escalated into my tier (every tier's for staff without one) and not taken by a colleague (nobody's
 * or mine); pending = pending; at_risk = a warned clock still running, not breached; breached — these
 * three my team's, for staff with a team; all. A viewer without a team or tier has empty team / tier
 * queues.
 *
 * Requesters list their own tickets only (by pseudonym, or by address for tickets from before
 * sealing), and only with the queue `all` and the filters of their own side (status, category,
 * text); anything else is 403, so no filter ever reaches another requester's tickets.
 */
import { ServiceError } from '../errors.ts';
import { TICKET_NUMBER_PATTERN } from '../../db/tickets-repo.ts';
import { isStaffRole } from '../../db/users-repo.ts';
import type { ListRow, ListWhere, TicketListRepo } from '../../db/ticket-list-repo.ts';
import { isPersonRef, isSealed, type Vault } from '../../db/vault.ts';
import { ERASED } from '../privacy/ticket-data.ts';
import type { TicketStatus } from '../../workflows/types.ts';
import { decodeCursor, encodeCursor, parseListQuery, QUEUE_IDS } from './queue-parse.ts';
import type { ListPage, ListQuery, QueueId, QueueService, QueueViewer, TicketFilters, TicketRow } from './queue-types.ts';

export type { ListPage, ListQuery, QueueId, QueueService, QueueViewer, SortKey, TicketFilters, TicketRow } from './queue-types.ts';
export { QUEUE_IDS, SORT_KEYS, encodeCursor, decodeCursor, LIST_PARAMETERS, DEFAULT_LIMIT, MAX_LIMIT } from './queue-parse.ts';

/** The filters a requester may use on their own tickets. */
const REQUESTER_FILTERS: ReadonlySet<keyof TicketFilters> = new Set(['queue', 'status', 'category', 'text']);

export interface QueueDeps {
  list: TicketListRepo;
  vault: Pick<Vault, 'openMany' | 'addressesOf' | 'knownRef'>;
  clock?: () => number;
}

/** A list field in both: only what both allow. */
function both(a: readonly string[] | undefined, b: readonly string[] | undefined): readonly string[] | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.filter((x) => b.includes(x));
}

function merge(a: ListWhere, b: ListWhere): ListWhere {
  const out: ListWhere = { ...a, ...b };
  for (const k of ['statuses', 'priority', 'category', 'team', 'tier', 'assignee'] as const) {
    const v = both(a[k], b[k]);
    if (v) out[k] = v;
  }
  if (a.none || b.none) out.none = true;
  return out;
}

export function createQueueService(deps: QueueDeps): QueueService {
  /** An address as tickets store it: the person's pseudonym (sealed tickets) and the address (tickets from before sealing). */
  async function stored(email: string, personId?: string | null): Promise<string[]> {
    const ref = personId ?? (await deps.vault.knownRef(email));
    return ref ? [ref, email] : [email];
  }

  function queueWhere(queue: QueueId, v: QueueViewer, me: string[]): ListWhere {
    switch (queue) {
      case 'mine': return { assignee: me };
      case 'team': return v.teamId ? { team: [v.teamId] } : { none: true };
      case 'tier': return v.tier ? { tier: [v.tier] } : { none: true };
      case 'unassigned': return { unassigned: true, ...(v.tier ? { tier: [v.tier] } : {}) };
      case 'escalated': return { escalated: true, unassignedOr: me, ...(v.tier ? { tier: [v.tier] } : {}) };
      case 'pending': return { statuses: ['pending'], ...(v.teamId ? { team: [v.teamId] } : {}) };
      case 'at_risk': return { atRisk: true, ...(v.teamId ? { team: [v.teamId] } : {}) };
      case 'breached': return { breached: true, ...(v.teamId ? { team: [v.teamId] } : {}) };
      case 'all': return {};
    }
  }

  async function filterWhere(f: TicketFilters): Promise<ListWhere> {
    const w: ListWhere = {};
    if (f.status) w.statuses = f.status;
    if (f.priority) w.priority = f.priority;
    if (f.category) w.category = f.category;
    if (f.team) w.team = f.team;
    if (f.tier) w.tier = f.tier;
    if (f.assignee) w.assignee = await stored(f.assignee);
    if (f.requester) w.requester = { ref: (await deps.vault.knownRef(f.requester)) ?? null, email: f.requester };
    if (f.organisation !== undefined) w.organisation = f.organisation;
    if (f.text !== undefined) {
      const upper = f.text.toUpperCase();
      if (TICKET_NUMBER_PATTERN.test(upper)) w.number = upper;
      else w.words = f.text;
    }
    return w;
  }

  /** Sealed titles opened; pseudonyms to addresses; '[erased]' / null where the key is gone. */
  async function open(rows: ListRow[]): Promise<TicketRow[]> {
    const refs = [...new Set(rows.flatMap((r) => [r.requesterRef, r.assignee]).filter(isPersonRef))];
    // The page's title keys in one read, the titles opened right after it (beside the people's), so no title reads its key
    // alone: opened only once the addresses were in, keys held near the end of the vault's 2 s were gone again by then,
    // and the page read them one query a title (25 reads, seen in the queue bench).
    const [people, titles] = await Promise.all([
      refs.length ? deps.vault.addressesOf(refs) : Promise.resolve(new Map<string, string | null>()),
      deps.vault.openMany(rows.map((r) => ({ value: r.title, context: r.number })), 'title'),
    ]);
    const who = (v: string | null) => (v === null ? null : isPersonRef(v) ? (people.get(v) ?? null) : v);
    return rows.map((r, i): TicketRow => {
      const opened = titles[i];
      const title = !isSealed(r.title) ? r.title : typeof opened === 'string' ? opened : ERASED;
      const requester = r.personalDataErased ? null : r.requesterRef ? who(r.requesterRef) : isSealed(r.requesterEmail) ? null : r.requesterEmail;
      return {
        number: r.number, title, status: r.status as TicketStatus, priority: r.priority, category: r.category, tier: r.tier, teamId: r.teamId,
        assignee: r.assignee === ERASED ? ERASED : who(r.assignee), requester, organisation: r.organisation, vip: r.vip, locale: r.locale,
        rulesVersion: r.rulesVersion, sla: r.sla, escalated: r.escalated, createdAt: r.createdAt, updatedAt: r.updatedAt,
      };
    });
  }

  return {
    parse: parseListQuery,

    async list(viewer, q: ListQuery): Promise<ListPage> {
      const staff = isStaffRole(viewer.role);
      const f = q.filters;
      let where: ListWhere;
      if (staff) {
        const queue = f.queue ?? 'all';
        const me = queue === 'mine' || queue === 'escalated' ? await stored(viewer.email, viewer.personId) : [];
        where = merge(queueWhere(queue, viewer, me), await filterWhere(f));
      } else {
        const used = (Object.keys(f) as Array<keyof TicketFilters>).find((k) => f[k] !== undefined && !REQUESTER_FILTERS.has(k));
        if (used || (f.queue !== undefined && f.queue !== 'all')) {
          throw new ServiceError(403, 'FORBIDDEN', 'errors.listStaffOnly', { field: used ?? 'queue' });
        }
        const ref = viewer.personId ?? (await deps.vault.knownRef(viewer.email)) ?? null;
        where = { ...(await filterWhere(f)), requester: { ref, email: viewer.email } };
      }
      const after = q.cursor !== undefined ? decodeCursor(q.cursor, q.sort) : undefined;
      const { rows, more } = await deps.list.page(where, q.sort, after, q.limit);
      const last = rows[rows.length - 1];
      return { items: await open(rows), nextCursor: more && last ? encodeCursor(q.sort, last.key) : null };
    },

    async counts(viewer): Promise<Record<QueueId, number>> {
      if (!isStaffRole(viewer.role)) throw new ServiceError(403, 'FORBIDDEN', 'errors.listStaffOnly', { field: 'queue' });
      const me = await stored(viewer.email, viewer.personId);
      const queues = Object.fromEntries(QUEUE_IDS.map((id) => [id, queueWhere(id, viewer, me)])) as Record<QueueId, ListWhere>;
      return deps.list.counts(queues);
    },
  };
}
