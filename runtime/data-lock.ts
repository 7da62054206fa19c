/**
 * One helpdesk per data folder: `helpdesk start` (and a command that starts the embedded
 * PostgreSQL for its own duration) holds `helpdesk.lock` in HELPDESK_DATA_DIR. The file is
 * created atomically (`wx`) and records who holds it and where its parts listen, so a second
 * start is refused and other commands find the running embedded PostgreSQL.
 *
 * A lock is stale only when its process is gone: `kill(pid, 0)` answers ESRCH, or (Linux) the
 * pid now belongs to a process that started at another time (pid reuse). A stale lock is
 * replaced; a live one is never touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StartRefusedError } from './failure.ts';

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
  /** The process's start time in clock ticks since boot (Linux), to tell a reused pid. */
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

/** Field 22 of /proc/<pid>/stat (start time), or undefined where there is no /proc. */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (EPERM: it does, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a live process (Linux), or undefined. */
export function processCommandLine(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return undefined;
  }
}

function holderAlive(info: LockInfo): boolean {
  if (!pidAlive(info.pid)) return false;
  const started = processStartTime(info.pid);
  return !(started && info.processStart && started !== info.processStart);
}

function readLock(file: string): LockInfo | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    return typeof info.pid === 'number' ? info : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** The live holder of the data folder's lock, if any. */
export function readLiveHolder(dataDir: string): LockInfo | undefined {
  const file = path.join(dataDir, LOCK_FILE);
  for (let i = 0; i < 20; i++) {
    const info = readLock(file);
    if (info === 'missing') return undefined;
    // Created but not written yet (between open and write): look again in a moment.
    if (info === 'unreadable') {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
      continue;
    }
    return holderAlive(info) ? info : undefined;
  }
  return undefined;
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
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o600);
      try {
        fs.writeSync(fd, JSON.stringify(info, null, 2));
      } finally {
        fs.closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw err;
    }
    const holder = readLiveHolder(dataDir);
    if (holder) throw new DataFolderBusyError(dataDir, holder);
    // The holder is gone (killed, say): its lock is stale. Remove it and create ours; of two
    // processes doing this at once, one creates the file and the other finds it held.
    fs.rmSync(file, { force: true });
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    const now = readLock(file);
    if (typeof now === 'object' && now.pid === info.pid && now.startedAt === info.startedAt) fs.rmSync(file, { force: true });
  };
  process.once('exit', release);
  return {
    dataDir,
    get info() {
      return info;
    },
    update(more) {
      if (released) return;
      info = { ...info, ...more };
      // Written beside and renamed over, so a reader never sees half a file.
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(info, null, 2), { mode: 0o600 });
      fs.renameSync(tmp, file);
    },
    release,
  };
}
