/**
 * Failures an operator sees, as sentences: what refused to start and what to do about it
 * ({@link StartRefusedError}, exit code 2), and {@link describeFailure} for anything else a
 * library may throw — including values that are not Errors, or Errors without a message.
 */

/** Something the operator must change before the command can run (a held folder, a busy port). Exit code 2. */
export class StartRefusedError extends Error {
  readonly exitCode = 2;
}

/** A port that another program holds, named with the setting that moves it. */
export class PortInUseError extends StartRefusedError {
  constructor(
    readonly port: number,
    readonly setting: string,
    what: string,
    hint = '',
  ) {
    super(`Port ${port} (${what}) is already in use by another program. Stop that program, or set ${setting} to a free port${hint}.`);
  }
}

function errorText(err: Error): string {
  if (err.message) return err.message;
  if (err instanceof AggregateError && err.errors.length) return [...new Set(err.errors.map(describeFailure))].join('; ');
  const code = (err as { code?: unknown }).code;
  if (err.cause !== undefined) return describeFailure(err.cause);
  return `${err.name}${typeof code === 'string' ? ` (${code})` : ''} without a message`;
}

/** One line about any thrown value: an Error's message (or its inner errors'), else the value itself. */
export function describeFailure(err: unknown): string {
  if (err instanceof Error) return errorText(err);
  if (err === undefined || err === null) return 'an unexplained failure (no error was given)';
  if (typeof err === 'string') return err || 'an unexplained failure (an empty message)';
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}

/** True when listen() failed because the port is taken. */
export function isAddressInUse(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EADDRINUSE';
}
