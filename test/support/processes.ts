/** Runs `helpdesk` commands as real child processes, as an operator would. */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface Spawned {
  child: ChildProcess;
  output: () => string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/** `helpdesk ARGS` in a child process; `nodeArgs` go to node itself (a benchmark's `--cpu-prof`, say). */
export function spawnHelpdesk(args: string[], env: Record<string, string>, nodeArgs: string[] = []): Spawned {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'bin/helpdesk.ts', ...args], {
    cwd: repoRoot,
    // Text logs, as the tests read them (a test of the JSON logs asks for them).
    env: { ...process.env, HELPDESK_LOG_FORMAT: 'text', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    waitForOutput(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(out)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern} in:\n${out}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then((code) => {
          if (!pattern.test(out)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`process exited (${code}) before ${pattern}:\n${out}`));
          }
        });
        check();
      });
    },
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Whether something accepts a TCP connection on 127.0.0.1:port (a server a test started, or stopped). */
export function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
