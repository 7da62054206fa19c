/**
 * Which PostgreSQL a process uses: DATABASE_URL when set; else the embedded PostgreSQL that a
 * running helpdesk of the same data folder has (found through its lock file); else an embedded
 * one started for this process, which then holds the data folder's lock while it runs.
 */
import { acquireDataLock, DataFolderBusyError, readLiveHolder, type DataLock, type LockInfo } from './data-lock.ts';
import type { Config } from './config.ts';
import { refuseOrphanPostgres, startEmbeddedPostgres, type EmbeddedPg } from './embedded-postgres.ts';
import { StartRefusedError } from './failure.ts';
import { refusePortInUse } from './temporal-dev-server.ts';

export interface DatabaseTarget {
  url: string;
  /** The embedded PostgreSQL this process started (and stops), if it did. */
  embedded: EmbeddedPg | undefined;
  release(): Promise<void>;
}

export interface DatabaseTargetOptions {
  /** The lock this process already holds (`helpdesk start`): its embedded PostgreSQL is recorded there. */
  lock?: DataLock | undefined;
  /** How the lock names this process when it takes one (default: the words of the command line). */
  command?: string | undefined;
  /** Whether other commands may use an embedded PostgreSQL this process starts (long-running processes). */
  shares?: boolean | undefined;
  /** How long to wait for a helpdesk that is starting, or a one-off command that holds the folder. */
  waitMs?: number | undefined;
}

/** "helpdesk token create": the command's words, none of its arguments (they may be personal data). */
export function commandWords(argv: string[] = process.argv.slice(2)): string {
  const words: string[] = [];
  for (const a of argv) {
    if (a.startsWith('-') || words.length === 2) break;
    words.push(a);
  }
  return ['helpdesk', ...words].join(' ');
}

async function startOwn(config: Config, log: (line: string) => void, lock: DataLock): Promise<EmbeddedPg> {
  refuseOrphanPostgres(config.dataDir);
  await refusePortInUse('127.0.0.1', config.embeddedPgPort, 'EMBEDDED_PG_PORT', 'embedded PostgreSQL');
  const pg = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, log);
  lock.update({ postgres: { url: pg.url, port: pg.port } });
  return pg;
}

const describeHolder = (h: LockInfo) => `${h.command === 'helpdesk start' ? 'the helpdesk' : `\`${h.command}\``} running from this folder (pid ${h.pid})`;

export async function openDatabaseTarget(config: Config, log: (line: string) => void, opts: DatabaseTargetOptions = {}): Promise<DatabaseTarget> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: undefined, release: async () => undefined };
  if (opts.lock) {
    const pg = await startOwn(config, log, opts.lock);
    return { url: pg.url, embedded: pg, release: () => pg.stop() };
  }
  const deadline = Date.now() + (opts.waitMs ?? 60_000);
  let said = false;
  for (;;) {
    const holder = readLiveHolder(config.dataDir);
    if (!holder) {
      let lock: DataLock;
      try {
        lock = acquireDataLock(config.dataDir, { command: opts.command ?? commandWords(), shares: opts.shares ?? false, postgres: 'starting' });
      } catch (err) {
        if (err instanceof DataFolderBusyError) continue; // another command took it just now
        throw err;
      }
      try {
        const pg = await startOwn(config, log, lock);
        return {
          url: pg.url,
          embedded: pg,
          async release() {
            try {
              await pg.stop();
            } finally {
              lock.release();
            }
          },
        };
      } catch (err) {
        lock.release();
        throw err;
      }
    }
    if (holder.postgres === 'external') {
      throw new StartRefusedError(`${describeHolder(holder)} uses DATABASE_URL, not the embedded PostgreSQL: set the same DATABASE_URL for this command.`);
    }
    if (typeof holder.postgres === 'object' && holder.shares) {
      log(`Using the embedded PostgreSQL of ${describeHolder(holder)} on port ${holder.postgres.port}.`);
      return { url: holder.postgres.url, embedded: undefined, release: async () => undefined };
    }
    // A helpdesk still starting, or a one-off command with the folder for a moment: wait.
    if (Date.now() > deadline) {
      if (holder.postgres === 'starting' && holder.shares) throw new StartRefusedError(`${describeHolder(holder)} has not started its PostgreSQL yet; try again when it says it is running.`);
      throw new DataFolderBusyError(config.dataDir, holder);
    }
    if (!said) log(`Waiting for ${describeHolder(holder)}…`);
    said = true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
