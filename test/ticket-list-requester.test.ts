/**
 * A requester's listing (db/ticket-list-repo.ts page()): their tickets under their pseudonym and,
 * from before sealing, under their address, read as two ordered branches and merged. Whatever the
 * sort, the statuses and the page size, the pages hold exactly the requester's tickets of the
 * whole listing, in its order, none twice and none skipped — also past the tickets without a due
 * instant, where every due key is 'infinity'.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createTicketListRepo, type ListKey, type ListSort, type ListWhere } from '../db/ticket-list-repo.ts';
import { openDatabase, type Database } from '../runtime/stack.ts';
import { freshDatabaseUrl, onCleanup, testConfig } from './support/env.ts';

describe('a requester\'s tickets by pseudonym and by address, paged by keyset in every sort', function () {
  this.timeout(120_000);
  let db: Database;
  const me = randomUUID();
  const email = 'legacy.requester@example.com';
  const ALL = ['new', 'assigned', 'in_progress', 'pending', 'reopened', 'resolved', 'closed', 'cancelled'];

  const base = Date.parse('2026-05-04T08:00:00Z');
  // 120 tickets: a third the requester's by pseudonym, a sixth theirs by address (before sealing), the rest someone else's;
  // statuses, priorities (some none) and due instants (none for finished and pending ones) mixed, equal instants included.
  const tickets = Array.from({ length: 120 }, (_, i) => {
    const status = ALL[(i * 7) % ALL.length]!;
    const due = ['resolved', 'closed', 'cancelled', 'pending'].includes(status) ? null : new Date(base + ((i * 37) % 11) * 3_600_000).toISOString();
    const who = i % 3 === 0 ? { e: email, r: me } : i % 6 === 1 ? { e: email, r: null } : { e: `other${i % 5}@example.com`, r: randomUUID() };
    return {
      n: `HD-2026-${String(1000 - i).padStart(6, '0')}`, ...who, p: i % 5 === 0 ? null : `P${1 + (i % 4)}`, s: status,
      c: new Date(base - ((i * 13) % 17) * 60_000).toISOString(), u: new Date(base + ((i * 5) % 7) * 60_000).toISOString(), d: due,
    };
  });
  const byPseudonymOrAddress = new Set(tickets.filter((x) => x.e === email).map((x) => x.n));
  const byAddressOnly = new Set(tickets.filter((x) => x.e === email && x.r === null).map((x) => x.n));

  before(async () => {
    db = await openDatabase(testConfig({ DATABASE_URL: await freshDatabaseUrl('listrequester') }), () => undefined);
    onCleanup(() => db.close());
    const col = (k: keyof (typeof tickets)[number]) => tickets.map((x) => x[k]);
    await db.sequelize.query(
      `INSERT INTO tickets (number, workflow_id, title, description, requester_email, requester_ref, locale, channel, impact, urgency, priority, status,
          created_at, updated_at, last_event_seq, next_due_at)
       SELECT n, 'ticket-' || n, 't', 'd', e, r, 'en', 'api', 'medium', 'medium', p, s, c, u, 1, d
         FROM unnest(ARRAY[:n]::text[], ARRAY[:e]::text[], ARRAY[:r]::uuid[], ARRAY[:p]::text[], ARRAY[:s]::text[], ARRAY[:c]::timestamptz[],
                     ARRAY[:u]::timestamptz[], ARRAY[:d]::timestamptz[]) AS x(n, e, r, p, s, c, u, d)`,
      { replacements: { n: col('n'), e: col('e'), r: col('r'), p: col('p'), s: col('s'), c: col('c'), u: col('u'), d: col('d') } },
    );
  });

  it('lists the same tickets in the same order as the whole listing, a page at a time, in every sort and for both sides', async () => {
    const repo = createTicketListRepo(db.sequelize);
    const everything = async (where: ListWhere, sort: ListSort, limit: number): Promise<string[]> => {
      const out: string[] = [];
      let after: ListKey | undefined;
      // More pages than tickets: the cursor does not move on.
      for (let pages = 0; pages <= tickets.length; pages++) {
        const page = await repo.page(where, sort, after, limit);
        out.push(...page.rows.map((r) => r.number));
        if (!page.more) return out;
        after = page.rows[page.rows.length - 1]!.key;
      }
      throw new Error(`${sort} by ${limit}: the pages do not end`);
    };
    expect([byPseudonymOrAddress.size, byAddressOnly.size]).to.deep.equal([60, 20]);
    for (const sort of ['due', 'priority', 'created', 'created_asc', 'updated'] as const) {
      for (const statuses of [undefined, ALL, ['closed', 'pending']]) {
        const whole = await everything(statuses ? { statuses } : {}, sort, 100);
        for (const [requester, theirs] of [[{ ref: me, email }, byPseudonymOrAddress], [{ ref: null, email }, byAddressOnly]] as const) {
          const expected = whole.filter((n) => theirs.has(n));
          for (const limit of [1, 4, 25]) {
            expect(await everything({ ...(statuses ? { statuses } : {}), requester }, sort, limit), `${sort} ${statuses?.join(',') ?? 'open'} ${requester.ref ? 'both' : 'address only'} by ${limit}`).to.deep.equal(expected);
          }
        }
      }
    }
  });
});
