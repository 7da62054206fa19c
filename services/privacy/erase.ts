/**
 * Erasure of a person (RODO/GDPR art. 17), of a ticket's personal data, and deletion of whole
 * tickets (the last two by retention, docs/retention.md). A person's erasure finds everything
 * held about them — the tickets they reported, their account with its sessions, tokens and
 * sign-up rows, follow links, attachments, ratings, notifications, the search projection —
 * destroys their data keys (so every sealed copy, in PostgreSQL, in Temporal's histories and in
 * backups, stays unreadable), scrubs what tickets reported before sealing hold in plain text, and
 * records it: a pseudonymous line in the erasure ledger first (re-applied after a restore), then
 * the audit log entry in the same transaction as the change. Tickets, their timelines, SLA
 * figures and the rules' decisions stay; pages show ERASED where the person's words and address
 * were, and their actions stay attributable to their pseudonym.
 */
import type { Sequelize, Transaction } from 'sequelize';
import { QueryTypes } from 'sequelize';
import type { AuditRepo } from '../../db/audit-repo.ts';
import type { PersonsRepo } from '../../db/persons-repo.ts';
import { ServiceError } from '../errors.ts';
import type { ErasureLedger, LedgerEntry } from './ledger.ts';
import { ERASED } from './ticket-data.ts';
import type { Vault } from '../../db/vault.ts';

export interface ErasureDeps {
  sequelize: Sequelize;
  vault: Vault;
  persons: PersonsRepo;
  audit: AuditRepo;
  ledger: ErasureLedger;
}

export interface ErasureReport {
  /** The erased person's pseudonym (their actions stay attributed to it). */
  person: string | null;
  tickets: string[];
  keysDestroyed: number;
  accountDeleted: boolean;
  /** Tickets reported before sealing: scrubbed in the read model; their Temporal history keeps plain text until Temporal's retention removes it (docs/privacy.md). */
  legacyTickets: string[];
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const MAX_REASON = 500;

/** Tables an erasure may change; vacuumed after it, so no dead row version is left for longer than needed. */
const TOUCHED = ['tickets', 'ticket_events', 'ticket_search', 'notification_outbox', 'intake_requests', 'requester_tokens', 'ticket_attachments', 'ticket_ratings', 'ticket_submitters', 'users', 'portal_sessions', 'api_tokens', 'pending_sign_ups', 'account_mail_outbox', 'notification_deliveries', 'inbound_mail', 'notification_profiles', 'notification_preferences', 'webhook_deliveries', 'persons', 'data_keys'];

function checkInput(email: unknown, reason: unknown): { email: string; reason: string } {
  if (typeof email !== 'string' || !EMAIL.test(email.trim())) throw new ServiceError(422, 'BAD_ADDRESS', 'privacy.badAddress');
  const r = typeof reason === 'string' ? reason.trim() : '';
  if (r === '') throw new ServiceError(422, 'REASON_REQUIRED', 'privacy.reasonRequired');
  if (r.length > MAX_REASON) throw new ServiceError(422, 'REASON_TOO_LONG', 'privacy.reasonTooLong', { max: MAX_REASON });
  // The reason is kept for good in the audit log, which is never erased: no address may be in it.
  if (/[^\s@]+@[^\s@]+/.test(r)) throw new ServiceError(422, 'REASON_HOLDS_ADDRESS', 'privacy.reasonHoldsAddress');
  return { email: email.trim().toLowerCase(), reason: r };
}

const q = <T extends object>(db: Sequelize, sql: string, replacements: Record<string, unknown>, t?: Transaction) =>
  db.query<T>(sql, { replacements, type: QueryTypes.SELECT, ...(t ? { transaction: t } : {}) });

/**
 * Scrubs what the read model holds about these tickets outside their sealed values: the search
 * projection, follow links, attachments, idempotency records, rating comments, notifications to
 * the requester, and — for tickets reported before sealing — the plain title, description, address,
 * words and the person's address as an actor. Idempotent (a reapply runs it again).
 */
export async function scrubTickets(db: Sequelize, tickets: string[], person: { id: string | null; address?: string }, t: Transaction): Promise<void> {
  if (tickets.length === 0) return;
  const r = { tickets, erased: ERASED, person: person.id, address: person.address ?? null };
  const run = (sql: string) => db.query(sql, { replacements: r, transaction: t });
  await run(`DELETE FROM requester_tokens WHERE ticket_number IN (:tickets)`);
  await run(`DELETE FROM ticket_attachments WHERE ticket_number IN (:tickets)`);
  await run(`DELETE FROM intake_requests WHERE ticket_number IN (:tickets)`);
  await run(`UPDATE ticket_ratings SET comment = NULL, rated_by = coalesce(:person, :erased) WHERE ticket_number IN (:tickets)`);
  await run(`DELETE FROM notification_outbox WHERE ticket_number IN (:tickets) AND (role = 'requester' OR delivered_at IS NULL AND kind = 'follow_link')`);
  // Plain text from before sealing (a sealed value is left: its key is gone, so it is noise).
  await run(`UPDATE notification_outbox SET payload = payload - 'message' - 'note' - 'reason' || jsonb_build_object('title', :erased)
              WHERE ticket_number IN (:tickets) AND coalesce(payload->>'title', '') NOT LIKE 'sealed:v1:%'`);
  await run(`UPDATE tickets SET
               title = CASE WHEN title LIKE 'sealed:v1:%' THEN title ELSE :erased END,
               description = CASE WHEN description LIKE 'sealed:v1:%' THEN description ELSE :erased END,
               requester_email = CASE WHEN requester_email LIKE 'sealed:v1:%' THEN requester_email ELSE :erased END,
               filed_by = CASE WHEN filed_by = :address THEN coalesce(:person::text, :erased) ELSE filed_by END,
               assignee = CASE WHEN assignee = :address THEN coalesce(:person::text, :erased) ELSE assignee END,
               personal_data_erased_at = coalesce(personal_data_erased_at, now())
             WHERE number IN (:tickets)`);
  // After the tickets are locked and marked above: a search write under way waits for them, then writes nothing (db/search-repo.ts).
  await run(`DELETE FROM ticket_search WHERE ticket_number IN (:tickets)`);
  for (const key of ['message', 'comment', 'requester', 'note']) {
    await db.query(
      `UPDATE ticket_events SET data = jsonb_set(data, ARRAY[:key], to_jsonb(:erased::text))
        WHERE ticket_number IN (:tickets) AND jsonb_typeof(data->:key) = 'string' AND data->>:key NOT LIKE 'sealed:v1:%'`,
      { replacements: { ...r, key }, transaction: t },
    );
  }
  if (person.address) {
    await run(`UPDATE ticket_events SET reason = CASE WHEN reason IS NULL OR reason LIKE 'sealed:v1:%' THEN reason ELSE :erased END, actor = coalesce(:person::text, :erased)
                WHERE ticket_number IN (:tickets) AND actor = :address`);
  }
}

/**
 * Deletes the person's account — found by blind index or by pseudonym (a restored backup's) — with
 * its sessions (tokens and second factors go by cascade), their pending sign-ups and account mail
 * (its deliveries by cascade), and the link of the mail they sent in to them (inbound_mail).
 */
async function deleteAccount(db: Sequelize, who: { bidx: string | null; personId: string | null }, t: Transaction): Promise<boolean> {
  const r = { bidx: who.bidx, personId: who.personId };
  const users = await q<{ id: string }>(db, `SELECT id FROM users WHERE email_bidx = :bidx OR person_id = :personId::uuid`, r, t);
  if (who.bidx) await db.query(`DELETE FROM pending_sign_ups WHERE email_bidx = :bidx`, { replacements: r, transaction: t });
  // The mail they sent is no longer theirs (its Message-ID's hash stays, so a copy still arriving is not taken in again).
  if (who.bidx) await db.query(`UPDATE inbound_mail SET sender_bidx = NULL WHERE sender_bidx = :bidx`, { replacements: r, transaction: t });
  if (who.personId) await db.query(`DELETE FROM account_mail_outbox WHERE recipient_ref = :personId::uuid`, { replacements: r, transaction: t });
  for (const { id } of users) {
    await db.query(`DELETE FROM portal_sessions WHERE (sess::jsonb->>'userId') = :id`, { replacements: { id }, transaction: t });
    await db.query(`DELETE FROM users WHERE id = :id`, { replacements: { id }, transaction: t });
  }
  return users.length > 0;
}

/**
 * An agent who filtered a queue by the person's address keeps it in plain: in a saved view
 * (agent_saved_views.query) and as the session's last queue (portal_sessions, agentQueue). Views
 * naming the address are deleted, and the last queue dropped from every session that holds it.
 */
async function forgetQueueFilters(db: Sequelize, email: string, t: Transaction): Promise<void> {
  const address = email.trim().toLowerCase();
  // As URLSearchParams writes it in the session's query string (`requester=ola%40example.com`).
  const encoded = new URLSearchParams({ requester: address }).toString();
  await db.query(`DELETE FROM agent_saved_views WHERE lower(query->'filters'->>'requester') = :address`, { replacements: { address }, transaction: t });
  await db.query(
    `UPDATE portal_sessions SET sess = (sess::jsonb - 'agentQueue')::json
      WHERE position(:encoded IN lower(sess::jsonb->>'agentQueue')) > 0`,
    { replacements: { encoded }, transaction: t },
  );
}

/** The database's clock, which tickets' created_at is stamped with (a ledger line's instant is compared with it). */
async function dbNow(deps: ErasureDeps): Promise<string> {
  return (await q<{ now: Date }>(deps.sequelize, `SELECT now() AS now`, {}))[0]!.now.toISOString();
}

/** Appends to the erasure ledger one writer at a time (the CLI, the web process and the worker share the database's lock). */
const LEDGER_LOCK = 7_233_012;
async function appendLedger(deps: ErasureDeps, e: Parameters<ErasureDeps['ledger']['append']>[0]): Promise<LedgerEntry> {
  return deps.sequelize.transaction(async (t) => {
    await deps.sequelize.query(`SELECT pg_advisory_xact_lock(:k)`, { replacements: { k: LEDGER_LOCK }, transaction: t });
    return deps.ledger.append(e);
  });
}

async function vacuum(db: Sequelize): Promise<void> {
  // Outside any transaction; a failure here leaves dead row versions to autovacuum, nothing unerased.
  await db.query(`VACUUM (ANALYZE) ${TOUCHED.join(', ')}`).catch(() => undefined);
}

/** Erases the person with this address. Unknown address: 404 and nothing changes. */
export async function erasePerson(deps: ErasureDeps, input: { email: unknown; reason: unknown; actor: string }): Promise<ErasureReport> {
  const { email, reason } = checkInput(input.email, input.reason);
  const bidx = await deps.vault.blindIndex(email);
  const person = await deps.persons.byBlindIndex(bidx);
  const legacyTickets = (await q<{ number: string }>(deps.sequelize, `SELECT number FROM tickets WHERE requester_ref IS NULL AND requester_email = :email ORDER BY number`, { email })).map((r) => r.number);
  const account = (await q<{ id: string }>(deps.sequelize, `SELECT id FROM users WHERE email_bidx = :bidx UNION ALL SELECT id FROM pending_sign_ups WHERE email_bidx = :bidx AND used_at IS NULL`, { bidx }))[0];
  if (!person && legacyTickets.length === 0 && !account) throw new ServiceError(404, 'NOTHING_HELD', 'privacy.nothingHeld');

  const listTickets = async (t?: Transaction) => [
    ...(person ? (await q<{ number: string }>(deps.sequelize, `SELECT number FROM tickets WHERE requester_ref = :id ORDER BY number`, { id: person.id }, t)).map((r) => r.number) : []),
    ...legacyTickets,
  ];
  const liveKeys = async (t?: Transaction) => (person ? (await deps.persons.keysOf(person.id, t)).filter((k) => k.wrapped !== null).map((k) => k.id) : []);
  // The ledger first: if the transaction below fails, the next reapply completes the erasure (it also
  // destroys keys the person got after this line and deletes their account by pseudonym).
  const entry = await appendLedger(deps, { at: await dbNow(deps), kind: 'person', personId: person?.id ?? null, keyIds: await liveKeys(), tickets: await listTickets() });

  const report = await deps.sequelize.transaction(async (t) => {
    // The person is locked: a key being made for them waits and is then refused (db/persons-repo.ts addKey),
    // and their keys and tickets are listed again under the lock, so nothing made meanwhile is missed.
    if (person && !(await deps.persons.lockForErasure(person.id, t))) throw new ServiceError(404, 'NOTHING_HELD', 'privacy.nothingHeld');
    const keys = await liveKeys(t);
    const tickets = await listTickets(t);
    const destroyed = await deps.persons.destroyKeys(keys, 'erasure', t);
    if (person) await deps.persons.markErased(person.id, t);
    await scrubTickets(deps.sequelize, tickets, { id: person?.id ?? null, address: email }, t);
    const accountDeleted = await deleteAccount(deps.sequelize, { bidx, personId: person?.id ?? null }, t);
    await forgetQueueFilters(deps.sequelize, email, t);
    await deps.audit.append({
      actor: input.actor,
      action: 'privacy.erased',
      subject: person ? `person:${person.id}` : 'person:unsealed',
      details: { reason, tickets: tickets.length, legacyTickets: legacyTickets.length, keysDestroyed: destroyed.length, accountDeleted, ledgerSeq: entry.seq, ledgerHash: entry.hash },
    }, t);
    return { person: person?.id ?? null, tickets, keysDestroyed: destroyed.length, accountDeleted, legacyTickets, keys };
  });
  deps.vault.forget(report.keys);
  await vacuum(deps.sequelize);
  const { keys: _keys, ...out } = report;
  return out;
}

/**
 * Erases the personal data of closed tickets whose retention period has ended (the retention
 * workflow's activity): their data keys are destroyed and the read model scrubbed; the tickets stay.
 */
export async function eraseTicketData(deps: ErasureDeps, tickets: string[], actor: string): Promise<{ tickets: string[]; keysDestroyed: number }> {
  if (tickets.length === 0) return { tickets: [], keysDestroyed: 0 };
  const rows = await q<{ number: string; requester_ref: string | null; key_id: string | null }>(deps.sequelize,
    `SELECT t.number, t.requester_ref, k.id AS key_id FROM tickets t
       LEFT JOIN data_keys k ON k.person_id = t.requester_ref AND k.scope = 'ticket:' || t.number AND k.wrapped IS NOT NULL
      WHERE t.number IN (:tickets) AND t.personal_data_erased_at IS NULL`, { tickets });
  const numbers = rows.map((r) => r.number);
  if (numbers.length === 0) return { tickets: [], keysDestroyed: 0 };
  const keys = rows.flatMap((r) => (r.key_id ? [r.key_id] : []));
  const entry = await appendLedger(deps, { at: await dbNow(deps), kind: 'retention', personId: null, keyIds: keys, tickets: numbers });
  const destroyed = await deps.sequelize.transaction(async (t) => {
    const d = await deps.persons.destroyKeys(keys, 'retention', t);
    for (const r of rows) {
      const legacy = r.requester_ref === null ? (await q<{ requester_email: string }>(deps.sequelize, `SELECT requester_email FROM tickets WHERE number = :n`, { n: r.number }, t))[0]?.requester_email : undefined;
      await scrubTickets(deps.sequelize, [r.number], { id: r.requester_ref, ...(legacy && legacy !== ERASED ? { address: legacy } : {}) }, t);
    }
    await deps.audit.append({ actor, action: 'privacy.retention_erased', subject: `tickets:${numbers.length}`, details: { tickets: numbers, keysDestroyed: d.length, ledgerSeq: entry.seq, ledgerHash: entry.hash } }, t);
    return d;
  });
  deps.vault.forget(keys);
  await vacuum(deps.sequelize);
  return { tickets: numbers, keysDestroyed: destroyed.length };
}

/** Tables that name a ticket by number without a foreign key (ticket_events and ticket_search go with the ticket by cascade). */
const BY_TICKET_NUMBER = ['notification_outbox', 'webhook_deliveries', 'ticket_ratings', 'ticket_submitters', 'intake_requests', 'ticket_attachments', 'requester_tokens'];

async function deleteTicketRows(db: Sequelize, tickets: string[], t: Transaction): Promise<void> {
  if (tickets.length === 0) return;
  for (const table of BY_TICKET_NUMBER) await db.query(`DELETE FROM ${table} WHERE ticket_number IN (:tickets)`, { replacements: { tickets }, transaction: t });
  await db.query(`DELETE FROM tickets WHERE number IN (:tickets)`, { replacements: { tickets }, transaction: t });
}

/**
 * Deletes closed tickets whose retention period has ended (the retention workflow's activity):
 * every data key of the ticket is destroyed (so its sealed copies in Temporal's histories and in
 * backups stay unreadable), the read model scrubbed and then its rows deleted — the ticket, its
 * timeline, search projection, notifications, rating, submitter, idempotency record, attachments
 * and follow links. The audit log keeps its entries (this deletion's among them: ticket numbers
 * only), and Temporal keeps the workflow's history until its own retention removes it. Tickets
 * not closed, or already gone, are left alone.
 */
export async function deleteTickets(deps: ErasureDeps, tickets: string[], actor: string): Promise<{ tickets: string[]; keysDestroyed: number }> {
  const none = { tickets: [] as string[], keysDestroyed: 0 };
  if (tickets.length === 0) return none;
  const numbers = (await q<{ number: string }>(deps.sequelize, `SELECT number FROM tickets WHERE number IN (:tickets) AND status = 'closed' ORDER BY number`, { tickets })).map((r) => r.number);
  if (numbers.length === 0) return none;
  const scopes = numbers.map((n) => `ticket:${n}`);
  const keys = (await q<{ id: string }>(deps.sequelize, `SELECT id FROM data_keys WHERE scope IN (:scopes) AND wrapped IS NOT NULL`, { scopes })).map((r) => r.id);
  // The ledger first: a restore from an older backup deletes them again (reapplyErasures).
  const entry = await appendLedger(deps, { at: await dbNow(deps), kind: 'deletion', personId: null, keyIds: keys, tickets: numbers });
  const report = await deps.sequelize.transaction(async (t) => {
    // Locked and read again: a run alongside this one waits, then finds them gone.
    const still = (await q<{ number: string }>(deps.sequelize, `SELECT number FROM tickets WHERE number IN (:numbers) AND status = 'closed' ORDER BY number FOR UPDATE`, { numbers }, t)).map((r) => r.number);
    if (still.length === 0) return none;
    const d = await deps.persons.destroyKeys(keys, 'retention', t);
    await scrubTickets(deps.sequelize, still, { id: null }, t);
    await deleteTicketRows(deps.sequelize, still, t);
    await deps.audit.append({ actor, action: 'privacy.retention_deleted', subject: `tickets:${still.length}`, details: { tickets: still, keysDestroyed: d.length, ledgerSeq: entry.seq, ledgerHash: entry.hash } }, t);
    return { tickets: still, keysDestroyed: d.length };
  });
  deps.vault.forget(keys);
  await vacuum(deps.sequelize);
  return report;
}

/** Applies the ledger again (after a restore from a backup older than some erasures). Idempotent. */
export async function reapplyErasures(deps: ErasureDeps, actor: string): Promise<{ entries: number; keysDestroyed: number }> {
  const entries: LedgerEntry[] = deps.ledger.read();
  // The audit log (restored with the database) names the ledger lines it recorded: a ledger missing one was cut short.
  const known = new Set(entries.map((e) => `${e.seq}:${e.hash}`));
  const recorded = await q<{ seq: string; hash: string }>(deps.sequelize,
    `SELECT details->>'ledgerSeq' AS seq, details->>'ledgerHash' AS hash FROM audit_log WHERE details ? 'ledgerSeq' ORDER BY seq`, {});
  const missing = recorded.filter((r) => !known.has(`${r.seq}:${r.hash}`));
  if (missing.length) throw new ServiceError(409, 'LEDGER_INCOMPLETE', 'privacy.ledgerIncomplete', { seq: missing[0]!.seq, file: deps.ledger.file });
  let keysDestroyed = 0;
  await deps.sequelize.transaction(async (t) => {
    for (const e of entries) {
      keysDestroyed += (await deps.persons.destroyKeys(e.keyIds, e.kind === 'person' ? 'erasure' : 'retention', t)).length;
      if (e.kind === 'person' && e.personId) {
        // Keys made for the person after the backup's erasure line (none should exist) go too.
        const later = (await deps.persons.keysOf(e.personId, t)).filter((k) => k.wrapped !== null).map((k) => k.id);
        keysDestroyed += (await deps.persons.destroyKeys(later, 'erasure', t)).length;
        await deps.persons.markErased(e.personId, t);
        await deleteAccount(deps.sequelize, { bidx: null, personId: e.personId }, t);
      }
      // Only the tickets the line was about: created before it (a number reused since is another ticket).
      // The tickets the line was about, created before it (a number reused since is another ticket) — and,
      // for a person, every ticket still under their pseudonym (one made between the line and the erasure's lock).
      const existing = (await q<{ number: string }>(deps.sequelize,
        `SELECT number FROM tickets WHERE (number IN (:tickets) AND created_at <= :at) OR (requester_ref = :person::uuid)`,
        { tickets: e.tickets.length ? e.tickets : [''], at: e.at, person: e.kind === 'person' ? e.personId : null }, t)).map((r) => r.number);
      await scrubTickets(deps.sequelize, existing, { id: e.personId }, t);
      if (e.kind === 'deletion') await deleteTicketRows(deps.sequelize, existing, t);
    }
    await deps.audit.append({ actor, action: 'privacy.erasures_reapplied', subject: `ledger:${entries.length}`, details: { entries: entries.length, keysDestroyed } }, t);
  });
  deps.vault.forget();
  await vacuum(deps.sequelize);
  return { entries: entries.length, keysDestroyed };
}

