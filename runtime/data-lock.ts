/**
 * One helpdesk per data folder: `helpdesk start` (and a command that starts the embedded
 * PostgreSQL for its own duration) holds `helpdesk.lock` in HELPDESK_DATA_DIR. The file is
 * created atomically, whole, and records who holds it and where its parts listen, so a second
 * start is refused and other commands find the running embedded PostgreSQL.
 *
 * A lock is stale only when its process is gone: `kill(pid, 0)` answers ESRCH, or the pid now
 * belongs to a process that started at another time (pid reuse; see runtime/process-info.ts).
 * A stale lock is replaced by one process only (under a break lock); a live one is never touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StartRefusedError } from './failure.ts';
import { canTellStartTime, pidAlive, processStartTime } from './process-info.ts';

export { pidAlive } from './process-info.ts';

export const LOCK_FILE = 'helpdesk.lock';

export type LockedPostgres = 'starting' | 'external' | { url: string; port: number };

export interface LockInfo {
  pid: number;
  /** e.g. "helpdesk start", "helpdesk token create". */
  command: string;
  /** Whether other commands may use its embedded PostgreSQL while it runs (start, worker, web). */
  shares: boolean;
  portal?: string | undefined;
  /** The embedded PostgreSQL: still starting, not used (DATABASE_URL), or where it listens. */
  postgres: LockedPostgres;
  temporal?: string | undefined;
  startedAt: string;
  /** When the process started (see processStartTime), to tell a reused pid. */
  processStart?: string | undefined;
}

export class DataFolderBusyError extends StartRefusedError {
  constructor(
    readonly dataDir: string,
    readonly holder: LockInfo,
  ) {
    super(
      holder.command === 'helpdesk start'
        ? `A helpdesk is already running from this folder (pid ${holder.pid}, portal ${holder.portal ?? 'not yet listening'}). Stop it first, or use another HELPDESK_DATA_DIR.\n(data folder: ${dataDir})`
        : `\`${holder.command}\` is running from this folder (pid ${holder.pid}) with its own embedded PostgreSQL. Wait for it to finish, or use another HELPDESK_DATA_DIR.\n(data folder: ${dataDir})`,
    );
  }
}

/**
 * Whether the process a lock (or break lock) names still runs: its pid exists and, where the
 * system can tell (Linux, other Unix through ps), it started when the lock says. A lock without
 * a start time where one can be told was not written by the process that now has its pid.
 */
function holderAlive(info: Pick<LockInfo, 'pid' | 'processStart'>): boolean {
  if (!pidAlive(info.pid)) return false;
  if (!canTellStartTime()) return true;
  const started = processStartTime(info.pid);
  return started !== undefined && started === info.processStart;
}

type Seen = { state: 'missing' } | { state: 'live'; info: LockInfo } | { state: 'stale'; text: string };

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function parse(text: string): LockInfo | undefined {
  try {
    const info = JSON.parse(text) as LockInfo;
    return typeof info?.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** What the lock file says now: nothing, a live holder, or a stale lock (with its exact text, to replace only that). */
function inspect(file: string): Seen {
  for (let i = 0; ; i++) {
    const text = readText(file);
    if (text === undefined) return { state: 'missing' };
    const info = parse(text);
    if (info) return holderAlive(info) ? { state: 'live', info } : { state: 'stale', text };
    // A file written in place (where hard links are not supported) may be seen before its
    // content: look again for a moment; after that, a file that names nobody is stale.
    if (i >= 20) return { state: 'stale', text };
    pause(25);
  }
}

/** The live holder of the data folder's lock, if any. */
export function readLiveHolder(dataDir: string): LockInfo | undefined {
  const seen = inspect(path.join(dataDir, LOCK_FILE));
  return seen.state === 'live' ? seen.info : undefined;
}

/**
 * Creates `file` with `text` unless it exists; false if it does. The text is written beside
 * and hard-linked in, so nobody ever sees the file without its content (where the file system
 * has no hard links, it is created with 'wx' and written).
 */
function createExclusive(file: string, text: string): boolean {
  const tmp = `${file}.${process.pid}.new`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EXDEV') throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  try {
    fs.writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Removes `file` if it still says `text` (nobody replaced it since it was read). */
function removeIfUnchanged(file: string, text: string): void {
  if (readText(file) === text) fs.rmSync(file, { force: true });
}

/** A break lock is held for the moment it takes to replace a stale lock; one older than this was left by a process that stopped midway. */
export const BREAK_LOCK_STALE_MS = 10_000;

/**
 * Replaces a stale lock under a short second lock (`helpdesk.lock.break`), so that of several
 * processes that judged the same lock stale, only one removes it — and none removes the fresh
 * lock another has made meanwhile: under the break lock the lock is read again and removed only
 * if it is still the one judged stale. Returns false when another process holds the break lock
 * (the caller looks again). A break lock whose process is gone, or older than
 * {@link BREAK_LOCK_STALE_MS}, is removed in turn, so a crash there cannot wedge the folder.
 */
function replaceStale(file: string, staleText: string, me: Pick<LockInfo, 'pid' | 'startedAt' | 'processStart'>): boolean {
  const breakFile = `${file}.break`;
  const mine = JSON.stringify(me);
  if (!createExclusive(breakFile, mine)) {
    const text = readText(breakFile);
    if (text === undefined) return false;
    const breaker = parse(text);
    const age = Date.now() - (fs.statSync(breakFile, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if ((breaker && !holderAlive(breaker)) || age > BREAK_LOCK_STALE_MS) removeIfUnchanged(breakFile, text);
    return false;
  }
  try {
    removeIfUnchanged(file, staleText);
  } finally {
    removeIfUnchanged(breakFile, mine);
  }
  return true;
}

export interface DataLock {
  readonly dataDir: string;
  readonly info: LockInfo;
  /** Records more about the holder (the PostgreSQL URL once it listens, say). */
  update(fields: Partial<Omit<LockInfo, 'pid' | 'startedAt' | 'processStart'>>): void;
  release(): void;
}

/**
 * Takes the data folder's lock for this process, or throws {@link DataFolderBusyError} naming
 * the live holder. Released by {@link DataLock.release}, and at the latest when the process exits.
 */
export function acquireDataLock(dataDir: string, fields: Omit<LockInfo, 'pid' | 'startedAt' | 'processStart'>): DataLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  let info: LockInfo = { pid: process.pid, ...fields, startedAt: new Date().toISOString(), processStart: processStartTime(process.pid) };
  // Each round takes the lock, finds a live holder, or sees the lock change (a stale one replaced,
  // another process's break under way); rounds for longer than a stale break lock lasts mean trouble.
  const waitMs = BREAK_LOCK_STALE_MS + 5_000;
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (createExclusive(file, JSON.stringify(info, null, 2))) break;
    const seen = inspect(file);
    if (seen.state === 'live') throw new DataFolderBusyError(dataDir, seen.info);
    // The holder is gone (killed, say): its lock is stale and replaced; of several processes
    // doing this at once, one removes it, one creates the next, the others find that one live.
    if (seen.state === 'stale' && !replaceStale(file, seen.text, info)) pause(5);
    if (Date.now() > deadline) throw new Error(`The data folder's lock (${file}) could not be taken within ${waitMs / 1000} s: other processes kept replacing it. If no helpdesk runs from ${dataDir}, remove ${file} and ${file}.break, then start again.`);
  }
  let released = false;
  const ours = () => {
    const now = parse(readText(file) ?? '');
    return now?.pid === info.pid && now.startedAt === info.startedAt;
  };
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    if (ours()) fs.rmSync(file, { force: true });
  };
  process.once('exit', release);
  return {
    dataDir,
    get info() {
      return info;
    },
    update(more) {
      if (released) return;
      // Never over another process's lock (it cannot be: ours is live; but should it be, say so).
      if (!ours()) throw new Error(`The data folder's lock (${file}) is no longer this process's; stop whatever else runs from ${dataDir}.`);
      info = { ...info, ...more };
      // Written beside and renamed over, so a reader never sees half a file.
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(info, null, 2), { mode: 0o600 });
      fs.renameSync(tmp, file);
    },
    release,
  };
}
