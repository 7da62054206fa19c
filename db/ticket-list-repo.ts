/**
 * The agents' queues over the read model (migration 0025): filtered listings a page at a time by
 * keyset (never OFFSET: a page is an index range scan from the last row's sort key, however deep),
 * and every queue's count in one pass over the open tickets. Plain rows only: titles and addresses
 * come out as stored (sealed for sealed tickets); services/agent/queues.ts opens them.
 *
 * Every sort's ORDER BY and keyset comparison is written with the very expression its index in
 * 0025 has (NULL due instants as 'infinity', NULL priorities as '~' in the C collation, last).
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import type { TicketSla } from '../workflows/types.ts';

export type ListSort = 'due' | 'priority' | 'created' | 'created_asc' | 'updated';

/** What a listing is limited to, in the read model's own terms (pseudonyms, blind indexes); every field ANDed. */
export interface ListWhere {
  /** Statuses; absent: the open ones. */
  statuses?: readonly string[];
  priority?: readonly string[];
  category?: readonly string[];
  team?: readonly string[];
  tier?: readonly string[];
  /** The assignee as stored: a pseudonym (sealed tickets) or an address (tickets from before sealing). */
  assignee?: readonly string[];
  unassigned?: boolean;
  /** Held by nobody or by one of these (stored as assignee is): "escalated to me" leaves out what a colleague took. */
  unassignedOr?: readonly string[];
  /** The requester: a pseudonym, or an address of a ticket from before sealing. */
  requester?: { ref: string | null; email: string };
  /** The requesters whose account has this organisation (users.organisation). */
  organisation?: string;
  number?: string;
  /** Words, in web-search syntax, matched against ticket_search in each ticket's own language. */
  words?: string;
  escalated?: boolean;
  atRisk?: boolean;
  breached?: boolean;
  /** Conditions that can never hold (a queue the viewer has no team or tier for). */
  none?: boolean;
}

/** The sort key of the last row of a page, as the cursor carries it. */
export type ListKey = string[];

export interface ListRow {
  number: string;
  title: string;
  status: string;
  priority: string | null;
  category: string | null;
  tier: string | null;
  teamId: string | null;
  assignee: string | null;
  requesterRef: string | null;
  requesterEmail: string;
  organisation: string | null;
  vip: boolean;
  locale: string;
  rulesVersion: number | null;
  sla: TicketSla | null;
  escalated: boolean;
  personalDataErased: boolean;
  createdAt: string;
  updatedAt: string;
  key: ListKey;
}

const DUE = `COALESCE(t.next_due_at, 'infinity'::timestamptz)`;
const PRIO = `(COALESCE(t.priority, '~') COLLATE "C")`;

/** Per sort: the key's expressions (selected as text), its direction, and the casts a cursor's values take back. */
const SORTS: Readonly<Record<ListSort, { keys: string[]; casts: string[]; kinds: KeyKind[]; desc: boolean }>> = {
  due: { keys: [DUE, 't.number'], casts: ['::timestamptz', ''], kinds: ['instant', 'number'], desc: false },
  priority: { keys: [PRIO, DUE, 't.number'], casts: [' COLLATE "C"', '::timestamptz', ''], kinds: ['priority', 'instant', 'number'], desc: false },
  created: { keys: ['t.created_at', 't.number'], casts: ['::timestamptz', ''], kinds: ['instant', 'number'], desc: true },
  created_asc: { keys: ['t.created_at', 't.number'], casts: ['::timestamptz', ''], kinds: ['instant', 'number'], desc: false },
  updated: { keys: ['t.updated_at', 't.number'], casts: ['::timestamptz', ''], kinds: ['instant', 'number'], desc: true },
};

type KeyKind = 'instant' | 'number' | 'priority';

/** A key value as PostgreSQL writes it (timestamptz::text; a ticket number; a priority id or '~'). */
const KEY_PATTERNS: Readonly<Record<KeyKind, RegExp>> = {
  instant: /^(infinity|\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2}){0,2}|Z)?)$/,
  number: /^[A-Z]{1,8}-\d{4}-\d{6,}$/,
  priority: /^(~|[A-Za-z0-9][A-Za-z0-9_.-]{0,63})$/,
};

export const sortKeyLength = (sort: ListSort): number => SORTS[sort].keys.length;

/** Whether a cursor's key could have come from this sort: each value of its kind (a forged one is a 422, not a cast error). */
export function sortKeyValid(sort: ListSort, key: readonly string[]): boolean {
  const kinds = SORTS[sort].kinds;
  return key.length === kinds.length && key.every((v, i) => KEY_PATTERNS[kinds[i]!].test(v) && (kinds[i] !== 'instant' || v === 'infinity' || !Number.isNaN(Date.parse(v.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')))));
}

/** The open statuses (workflows/lifecycle.ts OPEN), as migration 0025's partial indexes have them. */
export const OPEN_SQL = `t.status IN ('new', 'assigned', 'in_progress', 'pending', 'reopened')`;

/** At risk: a warning of a clock that still runs (answered, resolved or paused: no longer), not breached; warned_clock NULL: from before 0026. The queues and the team page count the same. */
export const AT_RISK_SQL = `(t.warned_at IS NOT NULL AND NOT t.breached AND (t.warned_clock IS NULL
  OR (t.warned_clock = 'response' AND t.response_due_at IS NOT NULL) OR (t.warned_clock = 'resolution' AND t.resolution_due_at IS NOT NULL)))`;

/** The text-search configurations ticket_search uses (db/search-repo.ts), each branch able to use the GIN index. */
const TS_CONFIGS = ['english', 'german', 'simple'];

interface Sql { conds: string[]; params: Record<string, unknown> }
interface Statement { sql: string; params: Record<string, unknown> }

/**
 * The conditions of `w`. `only` keeps one side of a requester's "their pseudonym, or their address
 * on a ticket from before sealing" (the page's two branches, see page()).
 */
function whereSql(w: ListWhere, prefix = 'w', only?: 'ref' | 'email'): Sql {
  const conds: string[] = [];
  const params: Record<string, unknown> = {};
  const p = (name: string, value: unknown) => {
    params[`${prefix}_${name}`] = value;
    return `:${prefix}_${name}`;
  };
  const list = (col: string, name: string, values: readonly string[] | undefined) => {
    if (!values) return;
    conds.push(values.length === 0 ? 'false' : `${col} IN (${p(name, [...values])})`);
  };
  if (w.none) conds.push('false');
  if (w.statuses) list('t.status', 'status', w.statuses);
  else conds.push(OPEN_SQL);
  list('t.priority', 'priority', w.priority);
  list('t.category', 'category', w.category);
  list('t.team_id', 'team', w.team);
  list('t.tier', 'tier', w.tier);
  list('t.assignee', 'assignee', w.assignee);
  if (w.unassigned) conds.push('t.assignee IS NULL');
  if (w.unassignedOr) conds.push(w.unassignedOr.length ? `(t.assignee IS NULL OR t.assignee IN (${p('unassignedOr', [...w.unassignedOr])}))` : 't.assignee IS NULL');
  if (w.requester) {
    const byRef = w.requester.ref ? `t.requester_ref = ${p('requesterRef', w.requester.ref)}::uuid` : null;
    const byEmail = `(t.requester_ref IS NULL AND t.requester_email = ${p('requesterEmail', w.requester.email)})`;
    if (only === 'ref') conds.push(byRef ?? 'false');
    else if (only === 'email') conds.push(byEmail);
    else conds.push(byRef ? `(${byRef} OR ${byEmail})` : byEmail);
  }
  if (w.organisation !== undefined) conds.push(`t.requester_ref IN (SELECT o.person_id FROM users o WHERE o.organisation = ${p('organisation', w.organisation)} AND o.person_id IS NOT NULL)`);
  if (w.number !== undefined) conds.push(`t.number = ${p('number', w.number)}`);
  if (w.words !== undefined) {
    const q = p('words', w.words);
    const branches = TS_CONFIGS.map((c) => `(s.ts_config = '${c}'::regconfig AND s.tsv @@ websearch_to_tsquery('${c}', ${q}))`);
    conds.push(`t.number IN (SELECT s.ticket_number FROM ticket_search s WHERE ${branches.join(' OR ')})`);
  }
  if (w.escalated) conds.push('t.escalated_at IS NOT NULL');
  if (w.atRisk) conds.push(AT_RISK_SQL);
  if (w.breached) conds.push('t.breached');
  return { conds, params };
}

/**
 * The rows after `after` in `sort` order. `lead` (a column the listing is equal to, and its value)
 * goes first in the comparison: it changes nothing (the column equals the value), but only an index
 * that begins with that column can take the comparison as its range, so PostgreSQL reads the
 * requester's own index rather than the whole due index (page()).
 */
function keysetSql(sort: ListSort, after: ListKey | undefined, lead?: { column: string; value: string }): Sql {
  if (!after) return { conds: [], params: {} };
  const s = SORTS[sort];
  const params: Record<string, unknown> = {};
  const values = s.casts.map((cast, i) => {
    params[`k${i}`] = after[i];
    return `:k${i}${cast}`;
  });
  const columns = lead ? [lead.column, ...s.keys] : s.keys;
  return { conds: [`(${columns.join(', ')}) ${s.desc ? '<' : '>'} (${(lead ? [lead.value, ...values] : values).join(', ')})`], params };
}

/** A requester's side (whereSql's `only`) as the keyset's lead: the column and the placeholder whereSql gave its value. */
const LEADS = { ref: { column: 't.requester_ref', value: ':w_requesterRef::uuid' }, email: { column: 't.requester_email', value: ':w_requesterEmail' } } as const;

interface Row {
  number: string; title: string; status: string; priority: string | null; category: string | null; tier: string | null; team_id: string | null;
  assignee: string | null; requester_ref: string | null; requester_email: string; organisation: string | null; vip: boolean | null; locale: string;
  rules_version: number | null; sla: TicketSla | null; escalated: boolean; erased: boolean; created_at: Date; updated_at: Date; [k: `k${number}`]: string;
}

export function createTicketListRepo(sequelize: Sequelize) {
  return {
    /**
     * One page: at most `limit` rows after `after` in `sort` order, and whether more follow.
     *
     * A requester's tickets are those under their pseudonym or, from before sealing, under their
     * address: an OR that no index orders, so PostgreSQL walked the whole open part of the due index
     * looking for them (20–130 ms at 100,000 tickets). Each side is its own ordered, limited branch
     * instead (the pseudonym's over tickets_requester_due_idx, a page after the first too: keysetSql's
     * lead), merged in the sort's order: the same rows, in the same order (the sides are disjoint;
     * the sort key ends with the number). Under a millisecond at any depth.
     */
    async page(where: ListWhere, sort: ListSort, after: ListKey | undefined, limit: number): Promise<{ rows: ListRow[]; more: boolean }> {
      const s = SORTS[sort];
      const order = (exprs: string[]) => exprs.map((e) => `${e}${s.desc ? ' DESC' : ''}`).join(', ');
      /** One ordered, limited SELECT; `merged` also selects the sort key as is (o0, o1, …) for the outer ORDER BY. */
      const branch = (only?: 'ref' | 'email', merged = false): Statement => {
        const w = whereSql(where, 'w', only);
        const k = keysetSql(sort, after, only && LEADS[only]);
        return {
          sql: `SELECT t.number, t.title, t.status, t.priority, t.category, t.tier, t.team_id, t.assignee, t.requester_ref, t.requester_email,
                u.organisation, u.vip, t.locale, t.rules_version, t.sla, t.escalated_at IS NOT NULL AS escalated,
                t.personal_data_erased_at IS NOT NULL AS erased, t.created_at, t.updated_at,
                ${s.keys.map((e, i) => `${e}::text AS k${i}${merged ? `, ${e} AS o${i}` : ''}`).join(', ')}
           FROM tickets t LEFT JOIN users u ON u.person_id = t.requester_ref
          WHERE ${[...w.conds, ...k.conds].join(' AND ')}
          ORDER BY ${order(s.keys)}
          LIMIT :limit`,
          params: { ...w.params, ...k.params },
        };
      };
      let q: Statement;
      if (where.requester?.ref) {
        const [a, b] = [branch('ref', true), branch('email', true)];
        q = { sql: `SELECT * FROM ((${a.sql}) UNION ALL (${b.sql})) x ORDER BY ${order(s.keys.map((_, i) => `x.o${i}`))} LIMIT :limit`, params: { ...a.params, ...b.params } };
      } else {
        q = branch();
      }
      const rows = await sequelize.query<Row>(q.sql, { replacements: { ...q.params, limit: limit + 1 }, type: QueryTypes.SELECT });
      return { rows: rows.slice(0, limit).map((r) => toRow(r, s.keys.length)), more: rows.length > limit };
    },

    /**
     * How many open tickets each named condition holds, in one pass (count(*) FILTER …) over the
     * open tickets (the covering index tickets_open_counts_idx).
     */
    async counts<K extends string>(queues: Readonly<Record<K, ListWhere>>): Promise<Record<K, number>> {
      const names = Object.keys(queues) as K[];
      const params: Record<string, unknown> = {};
      const filters = names.map((name, i) => {
        const w = whereSql(queues[name], `q${i}`);
        Object.assign(params, w.params);
        const own = w.conds.filter((c) => c !== OPEN_SQL);
        return `count(*) FILTER (WHERE ${own.length ? own.join(' AND ') : 'true'})::int AS c${i}`;
      });
      const [row] = await sequelize.query<Record<string, number>>(
        `SELECT ${filters.join(', ')} FROM tickets t WHERE ${OPEN_SQL}`,
        { replacements: params, type: QueryTypes.SELECT },
      );
      return Object.fromEntries(names.map((name, i) => [name, row![`c${i}`] ?? 0])) as Record<K, number>;
    },
  };
}

function toRow(r: Row, keys: number): ListRow {
  return {
    number: r.number, title: r.title, status: r.status, priority: r.priority, category: r.category, tier: r.tier, teamId: r.team_id,
    assignee: r.assignee, requesterRef: r.requester_ref, requesterEmail: r.requester_email, organisation: r.organisation, vip: r.vip ?? false,
    locale: r.locale, rulesVersion: r.rules_version, sla: r.sla, escalated: r.escalated, personalDataErased: r.erased,
    createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
    key: Array.from({ length: keys }, (_, i) => r[`k${i}`]!),
  };
}

export type TicketListRepo = ReturnType<typeof createTicketListRepo>;
