/**
 * What can be told about another process from its pid, to judge whether a pid recorded in a
 * file (a lock, a pid file) still names the process that wrote it: whether it exists, when it
 * started (a reused pid started later) and its command line. Linux reads /proc; other Unix
 * systems ask `ps`; where neither answers (Windows), only whether the pid exists is known.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const hasProc = fs.existsSync('/proc/self/stat');

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

/** `ps -o <field>= -p <pid>`: the field, '' when there is no such process, undefined when ps cannot be asked. */
function ps(pid: number, field: string): string | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    return execFileSync('ps', ['-o', `${field}=`, '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch (err) {
    // ps exits 1 when the pid is gone; it is missing altogether with ENOENT.
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : '';
  }
}

/** Whether {@link processStartTime} can tell on this system (else only {@link pidAlive} can be asked). */
export function canTellStartTime(): boolean {
  tellsStartTime ??= hasProc || ps(process.pid, 'lstart') !== undefined;
  return tellsStartTime;
}
let tellsStartTime: boolean | undefined;

/**
 * When the process started, as an opaque text that differs for a later process with the same
 * pid (Linux: field 22 of /proc/<pid>/stat, in clock ticks since boot; elsewhere ps's lstart);
 * undefined when it is gone or this system cannot tell.
 */
export function processStartTime(pid: number): string | undefined {
  if (hasProc) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name (field 2) is in parentheses and may contain spaces: count after it.
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    } catch {
      return undefined;
    }
  }
  return ps(pid, 'lstart') || undefined;
}

/** The command line of a live process, its words joined by spaces; undefined when it is gone or this system cannot tell. */
export function processCommandLine(pid: number): string | undefined {
  if (hasProc) {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').replaceAll('\0', ' ') || undefined;
    } catch {
      return undefined;
    }
  }
  return ps(pid, 'command') || undefined;
}

/** Whether `words` (one or more, e.g. `--db-filename /data/temporal.sqlite`) stand in a command line as whole words. */
export function commandLineHas(commandLine: string, words: string): boolean {
  const spaced = (text: string) => ` ${text.trim().replace(/\s+/g, ' ')} `;
  return spaced(commandLine).includes(spaced(words));
}

/**
 * The pid a pid file names, when that process still runs with every one of `words` on its command
 * line (the same program on the same files: ours, left by an earlier run); otherwise the pid file is
 * stale — gone, something else now, or not to be told — and removed, and the answer is undefined.
 */
export function orphanOf(pidFile: string, words: readonly string[]): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8'));
  } catch {
    return undefined;
  }
  const cmdline = pidAlive(pid) ? processCommandLine(pid) : undefined;
  if (cmdline !== undefined && words.every((w) => commandLineHas(cmdline, w))) return pid;
  fs.rmSync(pidFile, { force: true });
  return undefined;
}
