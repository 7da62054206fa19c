/**
 * The audit log (migration 0011): append-only, hash-chained. An entry is appended in the same
 * transaction as the change it records, so either both are kept or neither. There is deliberately
 * no update or delete here (and a trigger refuses both in PostgreSQL).
 *
 * Each entry's hash is the sha256 of the RFC 8785 canonical JSON (the `canonicalize` package, by
 * an author of the RFC) of its fields and the previous entry's hash. The time goes in as its
 * ISO 8601 text at millisecond precision, exactly as stored, so a re-read entry hashes the same.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import os from 'node:os';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

/** Advisory lock serialising appends, so concurrent ones cannot fork the chain. */
export const AUDIT_APPEND_LOCK = 7_233_011;
/** The previous hash of entry 1. */
export const GENESIS_HASH = '0'.repeat(64);

/** A JSON value an entry's details may hold (no Date, no undefined: the hash must survive a round trip). */
export type AuditJson = string | number | boolean | null | AuditJson[] | { [key: string]: AuditJson };

export interface AuditEntryInput {
  /** Who acted: `cli:<os user>`, `user:<id>`, `system:<part>`. Never a secret. */
  actor: string;
  /** What was done, dotted: `token.issued`, `token.revoked`, `user.created`, `user.role_changed`, `rules.published` … */
  action: string;
  /** What it was done to, by id: `user:<id>`, `token:<id>`, `rules:<version>`. No e-mail addresses. */
  subject: string;
  /** Facts about the action; never a secret, never personal data. */
  details?: { [key: string]: AuditJson };
}

export interface AuditEntry extends Required<AuditEntryInput> {
  seq: number;
  occurredAt: string;
  prevHash: string;
  hash: string;
}

/** What an auditor filters the log by (AuditRepo.search). */
export interface AuditFilter {
  actor?: string;
  action?: string;
  subject?: string;
  fromMs?: number;
  toMs?: number;
  before?: number;
  limit?: number;
}

export type ChainCheck =
  | { ok: true; entries: number }
  | { ok: false; entries: number; seq: number; field: 'hash' | 'prev_hash' | 'seq'; expected: string; found: string };

interface Row { seq: string; occurred_at: Date; actor: string; action: string; subject: string; details: AuditEntry['details']; prev_hash: string; hash: string }

const toEntry = (r: Row): AuditEntry => ({
  seq: Number(r.seq), occurredAt: r.occurred_at.toISOString(), actor: r.actor, action: r.action, subject: r.subject,
  details: r.details, prevHash: r.prev_hash, hash: r.hash,
});

/** The hash an entry must carry: sha256 (hex) of the canonical JSON of everything but the hash. */
export function entryHash(e: Omit<AuditEntry, 'hash'>): string {
  const { seq, occurredAt, actor, action, subject, details, prevHash } = e;
  return createHash('sha256').update(canonicalize({ seq, occurredAt, actor, action, subject, details, prevHash })!, 'utf8').digest('hex');
}

/** The operator running a CLI command, as an audit actor. */
export function cliActor(): string {
  let name = process.env.USER ?? 'unknown';
  try {
    name = os.userInfo().username || name;
  } catch { /* no passwd entry: keep $USER */ }
  return `cli:${name}`;
}

const SELECT = `SELECT seq::text AS seq, occurred_at, actor, action, subject, details, prev_hash, hash FROM audit_log`;
const PAGE = 1000;
// ORDER BY audit_log.seq, qualified: a bare `seq` would be the text alias above and sort 10 before 9.

export function createAuditRepo(sequelize: Sequelize) {
  return {
    /** Appends one entry inside `transaction` (the one making the change it records). */
    async append(input: AuditEntryInput, transaction: Transaction): Promise<AuditEntry> {
      await sequelize.query('SELECT pg_advisory_xact_lock(:lock)', { replacements: { lock: AUDIT_APPEND_LOCK }, transaction });
      const last = await sequelize.query<{ seq: string; hash: string }>(`SELECT seq::text AS seq, hash FROM audit_log ORDER BY audit_log.seq DESC LIMIT 1`, { type: QueryTypes.SELECT, transaction });
      const body: Omit<AuditEntry, 'hash'> = {
        seq: last[0] ? Number(last[0].seq) + 1 : 1,
        occurredAt: new Date().toISOString(),
        actor: input.actor, action: input.action, subject: input.subject, details: input.details ?? {},
        prevHash: last[0]?.hash ?? GENESIS_HASH,
      };
      const entry = { ...body, hash: entryHash(body) };
      await sequelize.query(
        `INSERT INTO audit_log (seq, occurred_at, actor, action, subject, details, prev_hash, hash)
         VALUES (:seq, :occurredAt, :actor, :action, :subject, CAST(:details AS jsonb), :prevHash, :hash)`,
        { replacements: { ...entry, details: JSON.stringify(entry.details) }, transaction },
      );
      return entry;
    },

    /** The newest entries first. */
    async list(limit = 50): Promise<AuditEntry[]> {
      const rows = await sequelize.query<Row>(`${SELECT} ORDER BY audit_log.seq DESC LIMIT :limit`, { replacements: { limit }, type: QueryTypes.SELECT });
      return rows.map(toEntry);
    },

    /**
     * Entries matching every filter given, newest first, a page at a time (`before`: entries with a
     * lower seq than this). `actor` and `action` match exactly, or by prefix when they end in `*`
     * (`rules.*`); `subject` exactly; the period by occurred_at, from inclusive, to exclusive.
     */
    async search(f: AuditFilter): Promise<AuditEntry[]> {
      const where: string[] = [];
      const replacements: Record<string, unknown> = { limit: Math.min(Math.max(f.limit ?? 50, 1), 1000) };
      const text = (column: string, name: string, value: string | undefined) => {
        if (value === undefined || value === '') return;
        if (value.endsWith('*')) {
          where.push(`starts_with(${column}, :${name})`);
          replacements[name] = value.slice(0, -1);
        } else {
          where.push(`${column} = :${name}`);
          replacements[name] = value;
        }
      };
      text('actor', 'actor', f.actor);
      text('action', 'action', f.action);
      if (f.subject) {
        where.push('subject = :subject');
        replacements.subject = f.subject;
      }
      if (f.fromMs !== undefined) {
        where.push('occurred_at >= :from');
        replacements.from = new Date(f.fromMs);
      }
      if (f.toMs !== undefined) {
        where.push('occurred_at < :to');
        replacements.to = new Date(f.toMs);
      }
      if (f.before !== undefined) {
        where.push('audit_log.seq < :before');
        replacements.before = f.before;
      }
      const rows = await sequelize.query<Row>(`${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY audit_log.seq DESC LIMIT :limit`, { replacements, type: QueryTypes.SELECT });
      return rows.map(toEntry);
    },

    /** Recomputes every hash in order; the first broken link, precisely, or how many entries are intact. */
    async verify(): Promise<ChainCheck> {
      let expectedSeq = 1;
      let prevHash = GENESIS_HASH;
      for (;;) {
        const rows = await sequelize.query<Row>(`${SELECT} WHERE seq >= :from ORDER BY audit_log.seq LIMIT ${PAGE}`, { replacements: { from: expectedSeq }, type: QueryTypes.SELECT });
        for (const e of rows.map(toEntry)) {
          const at = { entries: expectedSeq - 1, seq: expectedSeq };
          if (e.seq !== expectedSeq) return { ok: false, ...at, field: 'seq', expected: String(expectedSeq), found: String(e.seq) };
          if (e.prevHash !== prevHash) return { ok: false, ...at, field: 'prev_hash', expected: prevHash, found: e.prevHash };
          const hash = entryHash(e);
          if (e.hash !== hash) return { ok: false, ...at, field: 'hash', expected: hash, found: e.hash };
          prevHash = e.hash;
          expectedSeq += 1;
        }
        if (rows.length < PAGE) return { ok: true, entries: expectedSeq - 1 };
      }
    },
  };
}

export type AuditRepo = ReturnType<typeof createAuditRepo>;

/** Checks the whole chain of the database behind `sequelize`. */
export const verifyAuditChain = (sequelize: Sequelize): Promise<ChainCheck> => createAuditRepo(sequelize).verify();
