/**
 * bench/ticket-queue.ts's fill: `tickets` tickets for `requesters` requesters straight into the read
 * model, in batches of multi-row INSERTs. Titles (and the requesters' addresses) are sealed by the
 * real vault (db/vault.ts: AES-256-GCM under a data key per ticket, each key wrapped by the master
 * key), as intake does; only the vault's key store is batched here: a new key is INSERTed with the
 * others of its batch instead of one transaction each, and a key is looked up among the keys this
 * fill made (the database is new: no other key exists). Opening them afterwards is the ordinary
 * vault's business (db.vault), reading data_keys as the helpdesk does.
 *
 * The spread: about a fifth open (the rest closed, resolved, cancelled); five teams over three
 * tiers; priorities P1..P4 (mostly P3/P4); six categories; requesters drawn unevenly, each with an
 * organisation (six), one in 97 VIP; three agents a team; due instants over the next 40 hours, some
 * past (breached), some within 2 hours (warned); some escalated in L2/L3.
 */
import { randomUUID } from 'node:crypto';
import type { Sequelize } from 'sequelize';
import { AccountContext } from '../db/account-sealing.ts';
import type { DataKeyRecord } from '../db/persons-repo.ts';
import type { UserRecord } from '../db/users-repo.ts';
import { createVault } from '../db/vault.ts';
import { loadMasterKeyRing } from '../runtime/master-key.ts';
import type { Config } from '../runtime/config.ts';
import type { Database } from '../runtime/stack.ts';

export const TEAMS = [['service-desk', 'L1'], ['field-support', 'L1'], ['infrastructure', 'L2'], ['applications', 'L2'], ['engineering', 'L3']] as const;
export const ORGS = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark'];
const WORDS = ['VPN drops every few minutes', 'Printer jams on the third floor', 'Outlook mailbox full', 'Laptop does not boot', 'Access to the finance share', 'Wifi slow in the meeting room', 'Password reset needed', 'Payroll report fails'];
export const ALL_STATUSES = 'new,assigned,in_progress,pending,reopened,resolved,closed,cancelled';

const pick = <T>(xs: readonly T[], i: number): T => xs[i % xs.length]!;

/** The vault's key store with new keys INSERTed a batch at a time (flush()), and lookups among the keys made here. */
function batchingKeys(db: Database, sql: Sequelize) {
  const made = new Map<string, DataKeyRecord>();
  let pending: Array<{ rec: DataKeyRecord; done: (r: DataKeyRecord) => void; fail: (e: unknown) => void }> = [];
  let waiting: Array<() => void> = [];
  const persons = {
    ...db.persons,
    keyFor: (personId: string, scope: string) => Promise.resolve(made.get(`${personId}|${scope}`)),
    addKey: (k: { id: string; personId: string; scope: string; masterKeyId: string; wrapped: Buffer }) =>
      new Promise<DataKeyRecord>((done, fail) => {
        pending.push({ rec: { ...k, destroyedAt: null }, done, fail });
        const w = waiting;
        waiting = [];
        for (const f of w) f();
      }),
  };
  return {
    persons,
    /** Waits until `n` keys are pending, then INSERTs them in one statement and lets their sealing go on. */
    async flush(n: number): Promise<void> {
      while (pending.length < n) await new Promise<void>((r) => waiting.push(r));
      const batch = pending;
      pending = [];
      try {
        await sql.query(
          `INSERT INTO data_keys (id, person_id, scope, master_key_id, wrapped)
           SELECT id, p, s, m, decode(w, 'hex') FROM unnest(ARRAY[:id]::uuid[], ARRAY[:p]::uuid[], ARRAY[:s]::text[], ARRAY[:m]::text[], ARRAY[:w]::text[]) AS x(id, p, s, m, w)`,
          { replacements: { id: batch.map((b) => b.rec.id), p: batch.map((b) => b.rec.personId), s: batch.map((b) => b.rec.scope), m: batch.map((b) => b.rec.masterKeyId), w: batch.map((b) => b.rec.wrapped!.toString('hex')) } },
        );
      } catch (err) {
        for (const b of batch) b.fail(err);
        throw err;
      }
      for (const b of batch) {
        made.set(`${b.rec.personId}|${b.rec.scope}`, b.rec);
        b.done(b.rec);
      }
    },
  };
}

export interface Filled {
  agents: Array<{ user: UserRecord; ref: string }>;
  requesters: Array<{ ref: string; email: string }>;
}

export async function fill(db: Database, config: Config, tickets: number, requesterCount: number, progress: (line: string) => void): Promise<Filled> {
  const sql = db.sequelize;
  const keys = batchingKeys(db, sql);
  const vault = createVault({ persons: keys.persons, master: loadMasterKeyRing(config) });
  for (const [id, tier] of TEAMS) await sql.query(`INSERT INTO teams (id, name, tier) VALUES (:id, :id, :tier) ON CONFLICT (id) DO NOTHING`, { replacements: { id, tier } });

  // Requesters: persons (pseudonym, blind index), then their sealed address, then their accounts with an organisation each.
  const requesters: Filled['requesters'] = [];
  for (let i = 0; i < requesterCount; i += 1000) {
    const rows = await Promise.all(Array.from({ length: Math.min(1000, requesterCount - i) }, async (_, j) => {
      const email = `requester${i + j}@example.com`;
      return { email, ref: randomUUID(), bidx: await vault.blindIndex(email), org: pick(ORGS, i + j), vip: (i + j) % 97 === 0 };
    }));
    await sql.query(`INSERT INTO persons (id, email_bidx) SELECT * FROM unnest(ARRAY[:id]::uuid[], ARRAY[:bidx]::text[])`, { replacements: { id: rows.map((r) => r.ref), bidx: rows.map((r) => r.bidx) } });
    const [sealed] = await Promise.all([Promise.all(rows.map((r) => vault.seal(r.ref, 'person', 'email', '', r.email))), keys.flush(rows.length)]);
    // The account's copies, bound to the accounts table (db/account-sealing.ts).
    const accountEmails = await Promise.all(rows.map((r) => vault.seal(r.ref, 'person', 'email', AccountContext.user, r.email)));
    const names = await Promise.all(rows.map((r) => vault.seal(r.ref, 'person', 'name', AccountContext.user, r.email)));
    await sql.query(`UPDATE persons p SET email_sealed = x.s FROM unnest(ARRAY[:id]::uuid[], ARRAY[:s]::text[]) AS x(id, s) WHERE p.id = x.id`, { replacements: { id: rows.map((r) => r.ref), s: sealed } });
    await sql.query(
      `INSERT INTO users (email_bidx, email_sealed, display_name_sealed, person_id, role, locale, organisation, vip)
       SELECT b, s, n, p, 'requester', 'en', o, v FROM unnest(ARRAY[:b]::text[], ARRAY[:s]::text[], ARRAY[:n]::text[], ARRAY[:p]::uuid[], ARRAY[:o]::text[], ARRAY[:v]::boolean[]) AS x(b, s, n, p, o, v)`,
      { replacements: { b: rows.map((r) => r.bidx), s: accountEmails, n: names, p: rows.map((r) => r.ref), o: rows.map((r) => r.org), v: rows.map((r) => r.vip) } },
    );
    requesters.push(...rows.map((r) => ({ email: r.email, ref: r.ref })));
  }
  // Agents through the ordinary repositories (fifteen of them).
  const agents = await Promise.all(TEAMS.flatMap(([team], ti) => [0, 1, 2].map(async (k) => {
    const email = `agent${ti}${k}@example.com`;
    const user = await db.users.upsert({ email, displayName: email, role: 'agent', teamId: team, locale: 'en' });
    return { user, ref: await db.vault.personRef(email) };
  })));

  const now = Date.now();
  const BATCH = 2000;
  for (let start = 0; start < tickets; start += BATCH) {
    const size = Math.min(BATCH, tickets - start);
    const [batch] = await Promise.all([Promise.all(Array.from({ length: size }, async (_, j) => {
      const i = start + j;
      const number = `HD-2026-${String(i + 1).padStart(6, '0')}`;
      // Requesters drawn unevenly: a few report a lot.
      const req = pick(requesters, i % 3 === 0 ? (i * 7919) % Math.max(1, Math.floor(requesters.length / 20)) : (i * 7919) % requesters.length);
      const open = i % 5 === 0 || i >= tickets - 2000;
      const status = open ? pick(['new', 'assigned', 'in_progress', 'pending', 'reopened', 'assigned', 'in_progress'], i >> 3) : pick(['closed', 'closed', 'closed', 'resolved', 'cancelled'], i >> 2);
      const [team, tier] = pick(TEAMS, (i >> 1) * 3);
      const agent = agents.find((a) => a.user.teamId === team && a.user.email.endsWith(`${i % 3}@example.com`))!;
      const created = now - (tickets - i) * 60_000;
      const due = open && status !== 'pending' ? created + (4 + (i % 40)) * 3_600_000 : null;
      const breached = open && due !== null && due < now;
      const title = pick(WORDS, i * 13);
      // The title sealed under the ticket's own key, as intake does; the description and address (not read by
      // the list) carry the same sealed value, so the fill makes one key per ticket.
      const sealed = await vault.sealTicket(number, req.ref, 'title', `${title} (${i})`);
      const priority = pick(['P1', 'P2', 'P3', 'P3', 'P4', 'P4'], i * 5);
      return {
        number, sealed, ref: req.ref, status, team, tier, assignee: status === 'new' ? null : agent.ref, priority,
        category: pick(['access', 'hardware', 'software', 'network', 'email', 'other'], i * 11), created: new Date(created).toISOString(), updated: new Date(created + (i % 50) * 600_000).toISOString(),
        due: due === null ? null : new Date(due).toISOString(), breached, warned: open && !breached && due !== null && due - now < 2 * 3_600_000 ? new Date(now - 60_000).toISOString() : null,
        escalated: open && tier !== 'L1' && i % 7 === 0 ? new Date(created + 600_000).toISOString() : null, body: `${title} (${i}) ${title}: details`,
      };
    })), keys.flush(size)]);
    const col = <K extends keyof (typeof batch)[number]>(k: K) => batch.map((b) => b[k]);
    await sql.query(
      `INSERT INTO tickets (number, workflow_id, title, description, requester_email, requester_ref, locale, channel, impact, urgency, category, priority, status, tier, team_id,
          assignee, rules_version, sla, created_at, updated_at, last_event_seq, response_due_at, next_due_at, breached, warned_at, escalated_at, escalated_by)
       SELECT n, 'ticket-' || n, ti, ti, ti, rf, 'en', 'api', 'medium', 'medium', ca, pr, st, tr, tm, asg, 1,
          jsonb_build_object('policyId', 'standard-' || lower(pr), 'calendarId', 'warsaw', 'businessHours', true, 'responseTargetMs', 14400000, 'resolutionTargetMs', 86400000,
            'responseDueAt', du, 'resolutionDueAt', NULL, 'responded', false, 'paused', st = 'pending', 'breached', CASE WHEN br THEN '["response"]'::jsonb ELSE '[]'::jsonb END),
          cr, up, 3, du, du, br, wa, es, CASE WHEN es IS NOT NULL THEN 'ladder' END
       FROM unnest(ARRAY[:n]::text[], ARRAY[:ti]::text[], ARRAY[:rf]::uuid[], ARRAY[:ca]::text[], ARRAY[:pr]::text[], ARRAY[:st]::text[],
          ARRAY[:tr]::text[], ARRAY[:tm]::text[], ARRAY[:asg]::text[], ARRAY[:cr]::timestamptz[], ARRAY[:up]::timestamptz[], ARRAY[:du]::timestamptz[], ARRAY[:br]::boolean[],
          ARRAY[:wa]::timestamptz[], ARRAY[:es]::timestamptz[]) AS x(n, ti, rf, ca, pr, st, tr, tm, asg, cr, up, du, br, wa, es)`,
      { replacements: { n: col('number'), ti: col('sealed'), rf: col('ref'), ca: col('category'), pr: col('priority'), st: col('status'), tr: col('tier'), tm: col('team'),
        asg: col('assignee'), cr: col('created'), up: col('updated'), du: col('due'), br: col('breached'), wa: col('warned'), es: col('escalated') } },
    );
    await sql.query(`INSERT INTO ticket_search (ticket_number, ts_config, body) SELECT n, 'english'::regconfig, b FROM unnest(ARRAY[:n]::text[], ARRAY[:b]::text[]) AS x(n, b)`,
      { replacements: { n: col('number'), b: col('body') } });
    if ((start / BATCH) % 5 === 4) progress(`  ${start + size} tickets…`);
  }
  for (const t of ['tickets', 'ticket_search', 'users', 'persons', 'data_keys']) await sql.query(`VACUUM ANALYZE ${t}`);
  return { agents, requesters };
}
