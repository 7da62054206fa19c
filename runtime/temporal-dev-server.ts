/**
 * Runs the Temporal CLI dev server (`temporal server start-dev`) as a child process
 * on a SQLite file, so tickets and their timers survive a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';

export interface DevServerOptions {
  cliPath: string;
  /** SQLite file; omitted means in-memory (tests that need no restart). */
  dbFile?: string;
  port: number;
  uiPort?: number;
  /** No Web UI (tests). */
  headless?: boolean;
  namespace?: string;
  ip?: string;
  /** Where the server's own log lines go (default: a file beside the SQLite file, or ignored). */
  logFile?: string;
  /** More arguments for `temporal server start-dev` (e.g. --dynamic-config-value in tests). */
  extraArgs?: string[];
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  pid: number | undefined;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitForPort(host: string, port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`Temporal dev server exited with code ${child.exitCode} before listening on ${host}:${port}`);
    if (await portOpen(host, port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Temporal dev server did not listen on ${host}:${port} within ${timeoutMs} ms`);
}

/** A dev server left running by a start that was killed holds the SQLite file and the port: stop it. */
function killStale(pidFile: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8'));
  } catch {
    return false;
  }
  let killed = false;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmdline.includes('start-dev')) {
      process.kill(pid, 'SIGKILL');
      killed = true;
    }
  } catch {
    // not running any more
  }
  fs.rmSync(pidFile, { force: true });
  return killed;
}

/** The port opens before the frontend is healthy and the namespace registered: wait for both. */
async function waitForNamespace(address: string, namespace: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Temporal dev server exited with code ${child.exitCode} while starting`);
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
  throw new Error(`Temporal dev server at ${address} did not serve namespace "${namespace}" within ${timeoutMs} ms: ${String(last)}`);
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const pidFile = opts.dbFile ? `${opts.dbFile}.pid` : undefined;
  if (pidFile && killStale(pidFile)) {
    for (let i = 0; i < 50 && (await portOpen(ip, opts.port)); i++) await new Promise((r) => setTimeout(r, 100));
  }
  if (await portOpen(ip, opts.port)) {
    throw new Error(`Port ${ip}:${opts.port} is already in use. Stop what listens there, set TEMPORAL_DEV_PORT, or set TEMPORAL_ADDRESS to use that server.`);
  }
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(opts.port), '--namespace', opts.namespace ?? 'default', '--log-level', 'warn'];
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (opts.extraArgs) args.push(...opts.extraArgs);
  if (opts.headless) args.push('--headless');
  else if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  const logFile = opts.logFile ?? (opts.dbFile ? `${opts.dbFile}.log` : undefined);
  const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
  // Its own process group, so a Ctrl-C reaches only us and we stop the server last,
  // after the worker has drained; a pid file lets the next start clean up after a crash.
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', out, out], detached: true });
  if (typeof out === 'number') fs.closeSync(out);
  if (pidFile && child.pid) fs.writeFileSync(pidFile, String(child.pid));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(ip, opts.port, 60_000, child);
    await waitForNamespace(`${ip}:${opts.port}`, opts.namespace ?? 'default', 60_000, child);
  } catch (err) {
    child.kill('SIGKILL');
    const tail = logFile && fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    throw new Error(`${(err as Error).message}${tail ? `\nIts log (${logFile}) says:\n${tail}` : ''}`);
  }
  return {
    address: `${ip}:${opts.port}`,
    uiUrl: opts.headless ? undefined : `http://${ip}:${opts.uiPort ?? opts.port + 1000}`,
    pid: child.pid,
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (pidFile) fs.rmSync(pidFile, { force: true });
    },
  };
}
