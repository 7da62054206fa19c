/**
 * The worker runtime's log, kept readable through an outage: while the Temporal server is away
 * the SDK core warns about every retried poll (measured: about two long lines a second). Lines
 * that differ only in their numbers are printed once a minute, the next one saying how many
 * like it were left out.
 */
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';

export const REPEAT_WINDOW_MS = 60_000;

/** The part of a core error worth a line: its gRPC status message, else the start of it. */
function detail(meta: LogEntry['meta']): string {
  const error = meta?.error;
  if (error === undefined) return '';
  const text = typeof error === 'string' ? error : error instanceof Error ? error.message : JSON.stringify(error);
  const status = /message: "([^"]*)"/.exec(text);
  return `: ${status ? status[1] : text.slice(0, 160)}`;
}

/** A log function that drops repeats of a line (numbers aside) within {@link REPEAT_WINDOW_MS}. */
export function quietLogFunction(write: (line: string) => void, now: () => number = Date.now): (entry: LogEntry) => void {
  const seen = new Map<string, { since: number; dropped: number }>();
  return (entry) => {
    const key = `${entry.level} ${entry.message.replace(/\d+/g, '#')}`;
    const t = now();
    const last = seen.get(key);
    if (last && t - last.since < REPEAT_WINDOW_MS) {
      last.dropped++;
      return;
    }
    const more = last?.dropped ? ` (and ${last.dropped} more like it in the last ${Math.round((t - last.since) / 1000)} s)` : '';
    seen.set(key, { since: t, dropped: 0 });
    write(`[temporal] ${entry.level} ${entry.message}${detail(entry.meta)}${more}`);
  };
}

export function quietLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): DefaultLogger {
  return new DefaultLogger(level, quietLogFunction(write));
}
