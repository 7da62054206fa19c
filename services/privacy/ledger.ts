/**
 * The erasure ledger: one line of JSON per erasure (a person's, a ticket's personal data by
 * retention, or tickets deleted by retention), pseudonymous — the person's id, the data keys destroyed, the tickets touched, never
 * an address or a reason. It lives apart from the database (HELPDESK_ERASURE_LEDGER, default
 * <data>/erasure-ledger.jsonl) so that a database restored from a backup taken before an erasure
 * can have it applied again (`helpdesk privacy reapply-erasures`). Each line carries the hash of
 * the previous one, so a line removed or changed is noticed. Written before the database changes:
 * an erasure whose transaction then failed is completed by the next reapply, never lost.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import canonicalize from 'canonicalize';

export interface LedgerEntry {
  seq: number;
  at: string;
  /** A person's erasure; a ticket's personal data erased by retention; tickets deleted by retention. */
  kind: 'person' | 'retention' | 'deletion';
  /** The erased person's pseudonym (kind person), or null (retention and deletion name tickets only). */
  personId: string | null;
  keyIds: string[];
  tickets: string[];
  prevHash: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);
const hashOf = (e: Omit<LedgerEntry, 'hash'>): string => crypto.createHash('sha256').update(canonicalize(e) ?? '', 'utf8').digest('hex');

export class LedgerError extends Error {}

export function createLedger(file: string) {
  function read(): LedgerEntry[] {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const entries: LedgerEntry[] = [];
    let prev = GENESIS;
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let e: LedgerEntry;
      try {
        e = JSON.parse(line) as LedgerEntry;
      } catch {
        throw new LedgerError(`The erasure ledger ${file} has a line that is not JSON (line ${i + 1}); restore the ledger from its copy.`);
      }
      const { hash, ...rest } = e;
      if (e.prevHash !== prev || hashOf(rest) !== hash) throw new LedgerError(`The erasure ledger ${file} was changed at line ${i + 1} (its hash chain breaks there); restore the ledger from its copy.`);
      prev = hash;
      entries.push(e);
    });
    return entries;
  }

  return {
    file,
    read,
    /** Appends one entry and flushes it to disk before returning. */
    append(e: Omit<LedgerEntry, 'seq' | 'prevHash' | 'hash'>): LedgerEntry {
      const all = read();
      const last = all.at(-1);
      const body = { ...e, seq: (last?.seq ?? 0) + 1, prevHash: last?.hash ?? GENESIS };
      const entry: LedgerEntry = { ...body, hash: hashOf(body) };
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const fd = fs.openSync(file, 'a', 0o600);
      try {
        fs.writeSync(fd, `${JSON.stringify(entry)}\n`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      return entry;
    },
  };
}

export type ErasureLedger = ReturnType<typeof createLedger>;
