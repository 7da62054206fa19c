/**
 * Signed checkpoints of the audit log (migration 0023): append-only rows numbered 1, 2, 3…
 * without gaps (max + 1 under an advisory lock). The signing is done above (services/audit/
 * checkpoints.ts); here are only the rows, and the audit-log entry a checkpoint covers.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { AuditEntry } from './audit-repo.ts';

/** Advisory lock serialising checkpoint writes (id allocation, "has the log grown?"). */
export const AUDIT_CHECKPOINT_LOCK = 7_233_023;

export type CheckpointReason = 'periodic' | 'export' | 'manual';

export interface AuditCheckpoint {
  id: number;
  /** The last audit-log entry covered. */
  seq: number;
  /** That entry's hash when signed. */
  hash: string;
  /** ISO 8601, millisecond precision, exactly as signed. */
  signedAt: string;
  keyId: string;
  publicKey: string;
  signature: string;
  reason: CheckpointReason;
}

/** What is signed (RFC 8785 canonical JSON of exactly these fields). */
export interface CheckpointBody {
  seq: number;
  hash: string;
  signedAt: string;
  keyId: string;
}

interface Row { id: string; seq: string; hash: string; signed_at: Date; key_id: string; public_key: string; signature: string; reason: CheckpointReason }
interface EntryRow { seq: string; occurred_at: Date; actor: string; action: string; subject: string; details: AuditEntry['details']; prev_hash: string; hash: string }

const toCheckpoint = (r: Row): AuditCheckpoint => ({
  id: Number(r.id), seq: Number(r.seq), hash: r.hash, signedAt: r.signed_at.toISOString(), keyId: r.key_id,
  publicKey: r.public_key, signature: r.signature, reason: r.reason,
});

const toEntry = (r: EntryRow): AuditEntry => ({
  seq: Number(r.seq), occurredAt: r.occurred_at.toISOString(), actor: r.actor, action: r.action, subject: r.subject,
  details: r.details, prevHash: r.prev_hash, hash: r.hash,
});

const SELECT = `SELECT id::text AS id, seq::text AS seq, hash, signed_at, key_id, public_key, signature, reason FROM audit_checkpoints`;
const ENTRY = `SELECT seq::text AS seq, occurred_at, actor, action, subject, details, prev_hash, hash FROM audit_log`;

export function createAuditCheckpointsRepo(sequelize: Sequelize) {
  const q = <T extends object>(sql: string, replacements: Record<string, unknown> = {}, transaction?: Transaction) =>
    sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT, ...(transaction ? { transaction } : {}) });
  return {
    /**
     * Runs `work` in one transaction holding the checkpoint lock, with the newest audit-log entry
     * and the newest checkpoint as they are then; `work` calls `append` (or not).
     */
    async writing<T>(work: (now: { lastEntry: AuditEntry | undefined; lastCheckpoint: AuditCheckpoint | undefined; append: (c: Omit<AuditCheckpoint, 'id'>) => Promise<AuditCheckpoint> }) => Promise<T>): Promise<T> {
      return sequelize.transaction(async (t) => {
        await sequelize.query('SELECT pg_advisory_xact_lock(:lock)', { replacements: { lock: AUDIT_CHECKPOINT_LOCK }, transaction: t });
        const [entry] = await q<EntryRow>(`${ENTRY} ORDER BY audit_log.seq DESC LIMIT 1`, {}, t);
        const [last] = await q<Row>(`${SELECT} ORDER BY audit_checkpoints.id DESC LIMIT 1`, {}, t);
        const append = async (c: Omit<AuditCheckpoint, 'id'>): Promise<AuditCheckpoint> => {
          const [row] = await q<{ id: string }>(`SELECT coalesce(max(id), 0) + 1 AS id FROM audit_checkpoints`, {}, t);
          const id = Number(row!.id);
          await sequelize.query(
            `INSERT INTO audit_checkpoints (id, seq, hash, signed_at, key_id, public_key, signature, reason)
             VALUES (:id, :seq, :hash, :signedAt, :keyId, :publicKey, :signature, :reason)`,
            { replacements: { ...c, id }, transaction: t },
          );
          return { ...c, id };
        };
        return work({ lastEntry: entry && toEntry(entry), lastCheckpoint: last && toCheckpoint(last), append });
      });
    },

    /** Every checkpoint, oldest first. */
    async list(): Promise<AuditCheckpoint[]> {
      return (await q<Row>(`${SELECT} ORDER BY audit_checkpoints.id`)).map(toCheckpoint);
    },

    async latest(): Promise<AuditCheckpoint | undefined> {
      const [row] = await q<Row>(`${SELECT} ORDER BY audit_checkpoints.id DESC LIMIT 1`);
      return row && toCheckpoint(row);
    },

    /** The audit-log entries with these numbers, as stored (hash not recomputed). */
    async entries(seqs: number[]): Promise<Map<number, AuditEntry>> {
      if (!seqs.length) return new Map();
      const rows = await q<EntryRow>(`${ENTRY} WHERE seq IN (:seqs) ORDER BY audit_log.seq`, { seqs: [...new Set(seqs)] });
      return new Map(rows.map((r) => [Number(r.seq), toEntry(r)]));
    },
  };
}

export type AuditCheckpointsRepo = ReturnType<typeof createAuditCheckpointsRepo>;
