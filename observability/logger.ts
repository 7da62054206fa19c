/**
 * The servers' logs (pino): one JSON object per line with `time`, `level`, `component` (web,
 * worker, temporal, postgres, …), `msg`, and where known `req` (the request id, also sent back as
 * X-Request-Id), `ticket` and `workflowId`. Never personal data: no addresses, names, titles,
 * descriptions, query strings or bodies; a request is logged by its route pattern, not its URL.
 *
 * HELPDESK_LOG_FORMAT chooses `json` or `text` (the lines as a person reads them); by default JSON
 * unless the output is a terminal. LOG_LEVEL (debug, info, warn, error) as before.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

function format(): 'json' | 'text' {
  const f = process.env.HELPDESK_LOG_FORMAT;
  if (f === 'json' || f === 'text') return f;
  return process.stdout.isTTY ? 'text' : 'json';
}

let root: Logger | undefined;

/** The process's logger (created on first use, writing to stdout). */
export function rootLogger(): Logger {
  root ??= pino({
    level: ['debug', 'info', 'warn', 'error'].includes(process.env.LOG_LEVEL ?? '') ? process.env.LOG_LEVEL! : 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
  return root;
}

const PREFIX = /^\[([a-z][\w-]*)\]\s*/;

/**
 * A line logger (the `(line) => void` the servers are given) that writes JSON: a leading
 * `[component]` becomes the `component` field; lines that say something failed are warnings.
 */
export function lineLogger(defaultComponent: string): (line: string) => void {
  if (format() === 'text') return (line) => console.log(line);
  const logger = rootLogger();
  return (line) => {
    const m = PREFIX.exec(line);
    const component = m ? m[1] : defaultComponent;
    const msg = m ? line.slice(m[0].length) : line;
    const level = /\b(fail|failed|could not|cannot|refused|error|down|lost)\b/i.test(msg) ? 'warn' : 'info';
    logger[level]({ component }, msg.trim());
  };
}

/** A structured logger for a component, or null when the logs are text. */
export function componentLogger(component: string): Logger | null {
  return format() === 'json' ? rootLogger().child({ component }) : null;
}
