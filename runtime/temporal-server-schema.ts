/**
 * The Temporal server's two PostgreSQL databases (history and visibility) on DATABASE_URL's server:
 * created when missing, and their schema brought to the built version with the server's own SQL
 * tool (`setup-schema -v 0.0`, then `update-schema -d <versioned dir>`). Both steps are idempotent:
 * run on every start, they change nothing once the schema is current.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { describeFailure } from './failure.ts';
import { ensureTemporalServer, type TemporalServerBinaries } from './temporal-server-build.ts';

export const DEFAULT_TEMPORAL_DATABASE = 'temporal';
export const DEFAULT_VISIBILITY_DATABASE = 'temporal_visibility';
export const SQL_PLUGIN = 'postgres12';

/** Where and as whom the server and its tool connect: DATABASE_URL's server, user and password. */
export interface SqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The URL's query (sslmode=require, …), passed on as the plugin's connect attributes. */
  connectAttributes: Record<string, string>;
}

export interface TemporalDatabases {
  /** History, executions, namespaces… (default `temporal`). */
  database?: string;
  /** Workflow listing and search (default `temporal_visibility`). */
  visibilityDatabase?: string;
}

export interface SchemaOptions extends TemporalDatabases {
  binaries?: TemporalServerBinaries;
  log?: (line: string) => void;
}

export class TemporalSchemaError extends Error {
  readonly code = 'TEMPORAL_SCHEMA_FAILED';
}

export function sqlTarget(databaseUrl: string): SqlTarget {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new TemporalSchemaError('DATABASE_URL is not a URL: it must look like postgres://user:password@host:5432/database');
  }
  if (!/^postgres(ql)?:$/.test(url.protocol)) throw new TemporalSchemaError(`DATABASE_URL must be a postgres:// URL for the Temporal server's databases, not ${url.protocol}//…`);
  if (!url.hostname) throw new TemporalSchemaError('DATABASE_URL names no host: the Temporal server connects over TCP (postgres://user@host:5432/database); a Unix socket is not supported.');
  const connectAttributes: Record<string, string> = {};
  for (const [k, v] of url.searchParams) connectAttributes[k] = v;
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username) || 'postgres',
    password: decodeURIComponent(url.password),
    connectAttributes,
  };
}

/** host:port as the server's `connectAddr` wants it (IPv6 in brackets). */
export function connectAddr(target: SqlTarget): string {
  return `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
}

export function databaseNames(opts: TemporalDatabases): { database: string; visibilityDatabase: string } {
  const database = opts.database ?? DEFAULT_TEMPORAL_DATABASE;
  const visibilityDatabase = opts.visibilityDatabase ?? DEFAULT_VISIBILITY_DATABASE;
  for (const name of [database, visibilityDatabase]) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) throw new TemporalSchemaError(`"${name}" cannot name a Temporal database: use letters, digits and _ (at most 63), not starting with a digit.`);
  }
  if (database === visibilityDatabase) throw new TemporalSchemaError(`The Temporal server needs two databases, not one: "${database}" was named for both.`);
  return { database, visibilityDatabase };
}

/** Creates each database that is not there yet (one that appears meanwhile is fine too). */
async function createMissing(databaseUrl: string, names: string[], log: (line: string) => void): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
  } catch (err) {
    throw new TemporalSchemaError(`Could not connect to DATABASE_URL's server to create the Temporal databases: ${describeFailure(err)}`);
  }
  try {
    for (const name of names) {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount) continue;
      try {
        await client.query(`CREATE DATABASE "${name}"`);
        log(`Created the database ${name} for the Temporal server`);
      } catch (err) {
        if ((err as { code?: string }).code === '42P04') continue; // created meanwhile by another start
        const user = client.user ?? 'this user';
        throw new TemporalSchemaError(`Could not create the database ${name} for the Temporal server: ${describeFailure(err)}. Create it yourself (CREATE DATABASE "${name}" OWNER "${user}";) or give ${user} the CREATEDB privilege, then run again.`);
      }
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs the SQL tool against one database; its password goes in the environment, not on the command line. */
function runSqlTool(binaries: TemporalServerBinaries, target: SqlTarget, database: string, args: string[]): Promise<void> {
  const attributes = new URLSearchParams(target.connectAttributes).toString();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SQL_HOST: target.host,
    SQL_PORT: String(target.port),
    SQL_USER: target.user,
    SQL_PASSWORD: target.password,
    SQL_DATABASE: database,
    SQL_PLUGIN: SQL_PLUGIN,
    SQL_CONNECT_ATTRIBUTES: attributes,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(binaries.sqlToolPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.on('error', (err) => reject(new TemporalSchemaError(`Could not run ${binaries.sqlToolPath}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const last = output.trim().split('\n').slice(-6).map((l) => `    ${l}`).join('\n');
      reject(new TemporalSchemaError(`temporal-sql-tool ${args[0]} on the database ${database} (${connectAddr(target)}, user ${target.user}) failed with ${signal ? `signal ${signal}` : `exit code ${code}`}:\n${last}`));
    });
  });
}

/**
 * Creates the server's databases on DATABASE_URL's server when missing and brings both schemas to
 * the version this build ships (plugin postgres12). Safe to run on every start.
 */
export async function setupTemporalSchema(databaseUrl: string, opts: SchemaOptions = {}): Promise<{ database: string; visibilityDatabase: string }> {
  const log = opts.log ?? console.error;
  const target = sqlTarget(databaseUrl);
  const names = databaseNames(opts);
  const binaries = opts.binaries ?? (await ensureTemporalServer(log));
  await createMissing(databaseUrl, [names.database, names.visibilityDatabase], log);
  const steps = [
    { database: names.database, versioned: path.join(binaries.schemaDir, 'v12', 'temporal', 'versioned') },
    { database: names.visibilityDatabase, versioned: path.join(binaries.schemaDir, 'v12', 'visibility', 'versioned') },
  ];
  for (const step of steps) {
    await runSqlTool(binaries, target, step.database, ['setup-schema', '-v', '0.0']);
    await runSqlTool(binaries, target, step.database, ['update-schema', '-d', step.versioned]);
  }
  log(`Temporal schema current in ${names.database} and ${names.visibilityDatabase} on ${connectAddr(target)}`);
  return names;
}
