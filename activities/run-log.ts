/**
 * What a long-running activity (the what-if, the apply-rules run, the period check) says in the
 * worker's log when an attempt stops with an error; and what each of them needs besides: its
 * context when there is one, and the reason a run stops when its row asks. The run's row and page get a code only; the log gets what an
 * administrator needs to find the fault — the error's class, its code (a PostgreSQL SQLSTATE, a
 * Node system error such as ECONNREFUSED) and where in the code it was thrown — and never its
 * message, which may quote a ticket's or a person's data (a PostgreSQL error quotes the values of
 * the row it refused).
 */
import { Context } from '@temporalio/activity';

const CODE = /^[A-Z0-9_]{2,40}$/;

function codeOf(e: unknown): string | undefined {
  const o = e as { code?: unknown; parent?: { code?: unknown }; original?: { code?: unknown } } | null;
  for (const c of [o?.parent?.code, o?.original?.code, o?.code]) if (typeof c === 'string' && CODE.test(c)) return c;
  return undefined;
}

/** The first stack frame of the error: a place in the code ("at fn (file:line:col)"), no data. */
function frameOf(e: Error): string | undefined {
  return e.stack?.split('\n').map((l) => l.trim()).find((l) => l.startsWith('at '));
}

/** The error's class, code and first frame (and its cause's), without its message. */
export function internalDetail(err: unknown): string {
  const one = (e: unknown): string => {
    if (!(e instanceof Error)) return `a thrown ${typeof e}`;
    const code = codeOf(e);
    const frame = frameOf(e);
    return `${e.name}${code ? ` [${code}]` : ''}${frame ? ` ${frame}` : ''}`;
  };
  const cause = err instanceof Error && err.cause !== undefined ? `; caused by ${one(err.cause)}` : '';
  return `${one(err)}${cause}`;
}

/** One line to the activity's log (the worker's), or to the console outside an activity. */
export function warn(line: string): void {
  try {
    Context.current().log.warn(line);
  } catch {
    console.warn(line);
  }
}

/** The activity's context, or undefined when called directly (a test). */
export function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** A run stopped because its row asked for it (not Temporal): the abort reason a run's loop checks for. */
export class CancelRequested extends Error {
  constructor() {
    super('The run was cancelled: its row asked for it.');
    this.name = 'CancelRequested';
  }
}
