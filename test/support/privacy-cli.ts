/**
 * `helpdesk privacy …` in its own process, as an operator runs it, on a test stack's database
 * (test/privacy-export.test.ts, test/privacy-export-guards.test.ts).
 */
import { spawn } from 'node:child_process';
import type { TestEnv } from './env.ts';
import { repoRoot } from './processes.ts';

export interface Ran { code: number | null; stdout: string; stderr: string }

export function helpdesk(env: Pick<TestEnv, 'config'>, args: string[]): Promise<Ran> {
  return runHelpdesk(['privacy', ...args], { DATABASE_URL: env.config.databaseUrl! });
}

/** `helpdesk ARGS…` in its own process, with `env` over this process's environment. */
export function runHelpdesk(args: string[], env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/helpdesk.ts', ...args], {
      cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
