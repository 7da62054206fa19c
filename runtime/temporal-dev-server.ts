/**
 * Runs the Temporal CLI dev server (`temporal server start-dev`) as a child process
 * on a SQLite file, so tickets and their timers survive a restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { orphanOf } from './process-info.ts';
import { PortInUseError, StartRefusedError } from './failure.ts';

export interface DevServerOptions {
  cliPath: string;
  /** SQLite file; omitted means in-memory (tests that need no restart). */
  dbFile?: string;
  port: number;
  uiPort?: number;
  /** No Web UI (tests). */
  headless?: boolean;
  /** The Web UI's remote codec endpoint (`--ui-codec-endpoint`): the web process's /api/codec, so it shows payloads decoded. */
  uiCodecEndpoint?: string;
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
  /** The running server's pid (a new one after each restart). */
  readonly pid: number | undefined;
  /** Resolves when the current server process exits, with how ("signal SIGKILL", "code 1"). */
  ended(): Promise<string>;
  /** Starts the server again on the same port and SQLite file, after it has exited. */
  restart(): Promise<void>;
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
    const how = child && exitedEarly(child);
    if (how) throw new Error(`Temporal dev server exited (${how}) before listening on ${host}:${port}`);
    if (await portOpen(host, port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Temporal dev server did not listen on ${host}:${port} within ${timeoutMs} ms`);
}

/**
 * A dev server left running by an earlier start that was killed still holds the SQLite file and
 * the port. It is not ours to stop: say which process it is and what to do. It is known by its
 * command line: `start-dev` on this very SQLite file (a dev server of another folder is not this
 * one's). A pid file whose process is gone, or is something else now, is stale and removed — so
 * is one whose process cannot be told (no command lines to read, as on Windows): a server that
 * still runs there is refused by the port check instead.
 */
export function refuseOrphanDevServer(dbFile: string): void {
  const pid = orphanOf(`${dbFile}.pid`, ['start-dev', `--db-filename ${dbFile}`]);
  if (pid !== undefined) throw new StartRefusedError(`A Temporal dev server from an earlier run (pid ${pid}) still runs on ${dbFile}. Stop it (\`kill ${pid}\`), then start again.`);
}

/** Refuses when something already listens on a port this process means to use, naming the setting that moves it. */
export async function refusePortInUse(host: string, port: number, setting: string, what: string, hint = ''): Promise<void> {
  if (port === 0) return;
  const free = await new Promise<boolean>((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
  if (!free || (await portOpen(host, port))) throw new PortInUseError(port, setting, what, hint);
}

/** The port opens before the frontend is healthy and the namespace registered: wait for both. */
async function waitForNamespace(address: string, namespace: string, timeoutMs: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const how = exitedEarly(child);
    if (how) throw new Error(`Temporal dev server exited (${how}) while starting`);
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

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}

function exitedEarly(child: ChildProcess): string | undefined {
  return child.exitCode !== null || child.signalCode !== null ? exitText(child.exitCode, child.signalCode) : undefined;
}

/** The arguments of `temporal server start-dev` for these options. */
export function devServerArgs(opts: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', opts.ip ?? '127.0.0.1', '--port', String(opts.port), '--namespace', opts.namespace ?? 'default', '--log-level', 'warn'];
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);
  if (opts.extraArgs) args.push(...opts.extraArgs);
  if (opts.headless) return [...args, '--headless'];
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort));
  if (opts.uiCodecEndpoint) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  return args;
}

/** The origins a browser shows the dev server's Web UI under: its address, and localhost for 127.0.0.1. */
export function devUiOrigins(uiUrl: string): string[] {
  const url = new URL(uiUrl);
  const origins = [url.origin];
  if (url.hostname === '127.0.0.1') origins.push(`${url.protocol}//localhost${url.port ? `:${url.port}` : ''}`);
  return origins;
}

/**
 * Starts the dev server and waits until it serves the namespace. The handle stays the same
 * across {@link DevServer.restart}s: the same port, the same SQLite file.
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const pidFile = opts.dbFile ? `${opts.dbFile}.pid` : undefined;
  if (opts.dbFile) fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  const args = devServerArgs(opts);
  const logFile = opts.logFile ?? (opts.dbFile ? `${opts.dbFile}.log` : undefined);

  let child!: ChildProcess;
  let exited!: Promise<string>;
  let stopping = false;
  // A launch under way (the first, or a restart), for stop() to wait for.
  let launching: Promise<void> | undefined;
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const launch = async () => {
    if (opts.dbFile) refuseOrphanDevServer(opts.dbFile);
    const hint = ', or TEMPORAL_ADDRESS to use a server that already runs';
    await refusePortInUse(ip, opts.port, 'TEMPORAL_DEV_PORT', 'Temporal dev server', hint);
    if (!opts.headless && opts.uiPort) await refusePortInUse(ip, opts.uiPort, 'TEMPORAL_DEV_UI_PORT', 'Temporal Web UI');
    // Stopped while the ports were checked: no new server (stop() has already looked for one).
    if (stopping) throw new Error('the dev server is being stopped');
    const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
    // Its own process group, so a Ctrl-C reaches only us and we stop the server last, after the
    // worker has drained; the pid file lets the next start name a server a killed run left behind.
    child = spawn(opts.cliPath, args, { stdio: ['ignore', out, out], detached: true });
    if (typeof out === 'number') fs.closeSync(out);
    if (pidFile && child.pid) fs.writeFileSync(pidFile, String(child.pid));
    const current = child;
    exited = new Promise<string>((resolve) => current.once('exit', (code, signal) => resolve(exitText(code, signal))));
    try {
      await waitForPort(ip, opts.port, 60_000, child);
      await waitForNamespace(`${ip}:${opts.port}`, opts.namespace ?? 'default', 60_000, child);
    } catch (err) {
      child.kill('SIGKILL');
      await exited;
      if (pidFile) fs.rmSync(pidFile, { force: true });
      const tail = logFile && fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
      throw new Error(`${(err as Error).message}${tail ? `\nIts log (${logFile}) says:\n${tail}` : ''}`);
    }
  };
  const launchOnce = () => {
    launching = launch().finally(() => {
      launching = undefined;
    });
    return launching;
  };
  try {
    await launchOnce();
  } catch (err) {
    process.removeListener('exit', killOnExit);
    throw err;
  }

  return {
    address: `${ip}:${opts.port}`,
    uiUrl: opts.headless ? undefined : `http://${ip}:${opts.uiPort ?? opts.port + 1000}`,
    get pid() {
      return child.pid;
    },
    ended: () => exited,
    async restart() {
      if (stopping) throw new Error('the dev server is being stopped');
      if (launching || !exitedEarly(child)) throw new Error(`the dev server still runs (pid ${child.pid})`);
      await launchOnce();
    },
    async stop() {
      stopping = true;
      // A restart under way ends first: before it spawns, it sees `stopping`; after, the server it
      // spawned is told to stop here, and the restart fails on its exit.
      if (launching) {
        if (!exitedEarly(child)) child.kill('SIGTERM');
        await launching.catch(() => undefined);
      }
      process.removeListener('exit', killOnExit);
      if (!exitedEarly(child)) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (pidFile) fs.rmSync(pidFile, { force: true });
    },
  };
}
