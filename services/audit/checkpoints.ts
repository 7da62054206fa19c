/**
 * Signed checkpoints of the audit log, and the proof that the log is what was recorded
 * (issue 12, "The audit log, proven"; docs/audit-proof.md).
 *
 * A checkpoint signs "entry `seq` had hash `hash`" (RFC 8785 canonical JSON of {seq, hash,
 * signedAt, keyId}) with the Ed25519 key kept outside the database. `verify` recomputes the whole
 * chain from entry 1 (db/audit-repo.ts) and checks every checkpoint: its signature under its own
 * public key, its key id, the hash its entry has now, and that no checkpoint is missing. Someone
 * who rewrites an entry and recomputes the chain after it passes the chain check, but not the
 * checkpoints after that entry.
 */
import type { AuditEntry, AuditRepo, ChainCheck } from '../../db/audit-repo.ts';
import { entryHash } from '../../db/audit-repo.ts';
import type { AuditCheckpoint, AuditCheckpointsRepo, CheckpointBody, CheckpointReason } from '../../db/audit-checkpoints-repo.ts';
import { canonicalJson, keyIdOf, publicKeyFrom, shortKeyId, verifySignature, type Signer } from './signature.ts';

export type { AuditCheckpoint, CheckpointReason } from '../../db/audit-checkpoints-repo.ts';

/** A checkpoint with the audit-log entry it covers (what a bundle carries). */
export interface CheckpointWithEntry extends AuditCheckpoint {
  entry: AuditEntry;
}

/** The text a checkpoint's signature is over. */
export const checkpointText = (c: CheckpointBody): string =>
  canonicalJson({ seq: c.seq, hash: c.hash, signedAt: c.signedAt, keyId: c.keyId });

/**
 * What is wrong with a checkpoint on its own (no database): its public key, its key id, its
 * signature. Each a sentence naming `label` (e.g. "Checkpoint #4"); empty when it is sound.
 */
export function checkpointSignatureProblems(c: Pick<AuditCheckpoint, 'seq' | 'hash' | 'signedAt' | 'keyId' | 'publicKey' | 'signature'>, label: string): string[] {
  const key = publicKeyFrom(String(c.publicKey));
  if (typeof key === 'string') return [`${label}'s public key cannot be read: ${key}.`];
  const problems: string[] = [];
  const id = keyIdOf(key);
  if (id !== c.keyId) problems.push(`${label}'s key id ${shortKeyId(String(c.keyId))} is not the fingerprint of its public key (${shortKeyId(id)}): one of them was changed.`);
  if (!verifySignature(key, checkpointText(c), c.signature)) {
    problems.push(`${label}'s signature does not verify under its public key: its entry number, hash, time or key id was changed after signing (or the signature itself).`);
  }
  return problems;
}

export interface CheckpointDeps {
  checkpoints: AuditCheckpointsRepo;
  audit: Pick<AuditRepo, 'verify'>;
}

export class EmptyAuditLogError extends Error {
  readonly code = 'AUDIT_LOG_EMPTY';
  constructor() {
    super('The audit log is empty: there is no entry to checkpoint yet. A checkpoint is written once the first administrative action has been recorded.');
    this.name = 'EmptyAuditLogError';
  }
}

/**
 * Signs and appends a checkpoint of the newest audit-log entry. With `onlyIfGrown`, writes
 * nothing (null) when the newest checkpoint already covers the newest entry, or the log is
 * empty; otherwise an empty log is refused (EmptyAuditLogError).
 */
export async function writeCheckpoint(deps: Pick<CheckpointDeps, 'checkpoints'>, signer: () => Signer, reason: CheckpointReason, opts: { onlyIfGrown?: boolean } = {}): Promise<CheckpointWithEntry | null> {
  return deps.checkpoints.writing(async ({ lastEntry, lastCheckpoint, append }) => {
    if (!lastEntry) {
      if (opts.onlyIfGrown) return null;
      throw new EmptyAuditLogError();
    }
    if (opts.onlyIfGrown && lastCheckpoint && lastCheckpoint.seq >= lastEntry.seq) return null;
    const s = signer();
    const body: CheckpointBody = { seq: lastEntry.seq, hash: lastEntry.hash, signedAt: new Date().toISOString(), keyId: s.keyId };
    const written = await append({ ...body, publicKey: s.publicKeyPem, signature: s.sign(checkpointText(body)), reason });
    return { ...written, entry: lastEntry };
  });
}

export type CheckpointProblemKind = 'signature' | 'hash' | 'missing_entry' | 'missing_checkpoint';

export interface CheckpointProblem {
  kind: CheckpointProblemKind;
  /** The checkpoint's id (for missing_checkpoint: the missing id). */
  checkpoint: number;
  /** The entry it covers (null for a missing checkpoint). */
  seq: number | null;
  sentence: string;
}

export interface ProofCheck {
  /** The chain is intact and every checkpoint checks out (checkpoints by another key do not count against it). */
  ok: boolean;
  chain: ChainCheck;
  checkpoints: { total: number; valid: number; latest: AuditCheckpoint | null };
  problems: CheckpointProblem[];
  /** The configured signing key's id, or null when none is configured (nothing signed here yet). */
  configuredKeyId: string | null;
  /** Keys other than the configured one that signed valid checkpoints (a rotated key, or a stranger's). */
  otherKeys: Array<{ keyId: string; checkpoints: number; first: number; last: number }>;
  /** The first entry that does not match, and why, in a sentence; null when ok. */
  firstBad: { seq: number; sentence: string } | null;
}

const PAGE = 1000;

/** The chain from entry 1, then every checkpoint; the first entry that does not match, named. */
export async function verifyAuditProof(deps: CheckpointDeps, configuredKeyId: string | null): Promise<ProofCheck> {
  const chain = await deps.audit.verify();
  const all = await deps.checkpoints.list();
  const problems: CheckpointProblem[] = [];
  const others = new Map<string, { keyId: string; checkpoints: number; first: number; last: number }>();
  let valid = 0;
  let expectedId = 1;
  /** The highest entry a sound checkpoint vouches for, below each unsound one. */
  let vouched = 0;
  let firstBad: ProofCheck['firstBad'] = chain.ok ? null : {
    seq: chain.seq,
    sentence: `The audit log's chain is broken at entry #${chain.seq}: its ${chain.field} should be ${chain.expected} but is ${chain.found}. `
      + `The ${chain.entries} entries before it are intact; entry #${chain.seq} was changed or removed outside the helpdesk.`,
  };
  const mismatch = (seq: number, sentence: string) => {
    if (!firstBad || seq < firstBad.seq) firstBad = { seq, sentence };
  };
  for (let i = 0; i < all.length; i += PAGE) {
    const page = all.slice(i, i + PAGE);
    const entries = await deps.checkpoints.entries(page.map((c) => c.seq));
    for (const c of page) {
      const label = `Checkpoint #${c.id} (entry #${c.seq}, signed ${c.signedAt})`;
      for (; expectedId < c.id; expectedId++) {
        problems.push({ kind: 'missing_checkpoint', checkpoint: expectedId, seq: null, sentence: `Checkpoint #${expectedId} is missing: the checkpoints go from #${expectedId - 1} to #${c.id}, so one was deleted outside the helpdesk.` });
      }
      expectedId = c.id + 1;
      const signature = checkpointSignatureProblems(c, label);
      if (signature.length) {
        for (const sentence of signature) problems.push({ kind: 'signature', checkpoint: c.id, seq: c.seq, sentence });
        continue;
      }
      const entry = entries.get(c.seq);
      if (!entry) {
        const sentence = `${label} vouches for entry #${c.seq}, which the audit log no longer has: entries were removed outside the helpdesk after #${vouched}.`;
        problems.push({ kind: 'missing_entry', checkpoint: c.id, seq: c.seq, sentence });
        mismatch(c.seq, sentence);
        continue;
      }
      if (entry.hash !== c.hash || entryHash(entry) !== c.hash) {
        const sentence = `Entry #${c.seq} does not match ${label}: it had hash ${c.hash} when signed and ${entry.hash === c.hash ? `recomputes to ${entryHash(entry)}` : `has ${entry.hash}`} now. `
          + `The audit log was rewritten at or before entry #${c.seq}${vouched ? `, after entry #${vouched} (the last one a sound checkpoint vouches for)` : ''}.`;
        problems.push({ kind: 'hash', checkpoint: c.id, seq: c.seq, sentence });
        mismatch(c.seq, sentence);
        continue;
      }
      valid += 1;
      vouched = Math.max(vouched, c.seq);
      if (configuredKeyId !== null && c.keyId !== configuredKeyId) {
        const o = others.get(c.keyId) ?? { keyId: c.keyId, checkpoints: 0, first: c.id, last: c.id };
        o.checkpoints += 1;
        o.last = c.id;
        others.set(c.keyId, o);
      }
    }
  }
  return {
    ok: chain.ok && problems.length === 0,
    chain,
    checkpoints: { total: all.length, valid, latest: all.at(-1) ?? null },
    problems,
    configuredKeyId,
    otherKeys: [...others.values()],
    firstBad,
  };
}

/** The checkpoint service over its repositories and the (lazily loaded) signing key. */
export function createAuditCheckpoints(deps: CheckpointDeps & { signer: () => Signer; configuredKeyId: () => string | null }) {
  return {
    /** A checkpoint of the newest entry, always (manual, export). */
    write: (reason: CheckpointReason) => writeCheckpoint(deps, deps.signer, reason) as Promise<CheckpointWithEntry>,
    /** A checkpoint only when the log has grown since the last one (periodic); null otherwise. */
    writeIfGrown: (reason: CheckpointReason = 'periodic') => writeCheckpoint(deps, deps.signer, reason, { onlyIfGrown: true }),
    verify: () => verifyAuditProof(deps, deps.configuredKeyId()),
    list: () => deps.checkpoints.list(),
    latest: () => deps.checkpoints.latest(),
  };
}

export type AuditCheckpoints = ReturnType<typeof createAuditCheckpoints>;
