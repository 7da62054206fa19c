/**
 * CPU seconds spent by the parts of a benchmark, read from /proc (Linux): named processes the
 * benchmark started (worker, Temporal), this process, and the machine's PostgreSQL — every
 * process named `postgres`, the living backends' own time plus what the postmaster has collected
 * from backends that ended. Read-only: it never signals a process.
 */
import fs from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

/** utime+stime (and with `children`, cutime+cstime) of a process in seconds; 0 once it has gone. */
function cpuOf(pid: number, children = false): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the name: state(0) … utime(11) stime(12) cutime(13) cstime(14).
    const own = Number(f[11]) + Number(f[12]);
    return (children ? own + Number(f[13]) + Number(f[14]) : own) / TICKS;
  } catch {
    return 0;
  }
}

/** A process's own time plus that of its descendants still running (a worker's children, say). */
function treeCpu(pid: number): number {
  let total = cpuOf(pid, true);
  for (const child of childrenOf(pid)) total += treeCpu(child);
  return total;
}

function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function postgresCpu(): number {
  let total = 0;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let comm = '';
    let ppid = 0;
    try {
      comm = fs.readFileSync(`/proc/${name}/comm`, 'utf8').trim();
      if (comm !== 'postgres') continue;
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      continue;
    }
    // The postmaster (its parent is not postgres) also counts the backends it has reaped.
    const parentIsPostgres = (() => {
      try {
        return fs.readFileSync(`/proc/${ppid}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    })();
    total += cpuOf(Number(name), !parentIsPostgres);
  }
  return total;
}

export type CpuReading = Record<string, number>;

/** Reads every part's CPU seconds now; `parts` maps a name to a pid (a tree: its children count). */
export function readCpu(parts: Record<string, number | undefined>): CpuReading {
  const reading: CpuReading = {};
  for (const [name, pid] of Object.entries(parts)) if (pid !== undefined) reading[name] = treeCpu(pid);
  const self = process.cpuUsage();
  reading.bench = (self.user + self.system) / 1e6;
  reading.postgresql = postgresCpu();
  return reading;
}

/** CPU seconds between two readings, per part, rounded to 0.1 s, with the total. */
export function cpuBetween(before: CpuReading, after: CpuReading): CpuReading {
  const out: CpuReading = {};
  let total = 0;
  for (const name of Object.keys(after)) {
    const d = Math.max(0, (after[name] ?? 0) - (before[name] ?? 0));
    out[name] = Math.round(d * 10) / 10;
    total += d;
  }
  out.total = Math.round(total * 10) / 10;
  return out;
}
