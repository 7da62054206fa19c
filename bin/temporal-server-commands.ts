/**
 * `helpdesk temporal-server build|start`: the official Temporal server (go.temporal.io/server) on
 * PostgreSQL, for a box that runs its own Temporal instead of the CLI dev server or a cluster.
 *
 * `build` builds the server and its SQL schema tool from their Go module, once, into
 * ~/.cache/helpdesk/temporal-server-<version>/ (many minutes the first time) and prints where.
 *
 * `start` needs DATABASE_URL: on that PostgreSQL server it creates the databases `temporal` and
 * `temporal_visibility` when missing (the URL's user needs CREATEDB for that, or create them
 * first), brings their schema to the server's version, starts the server in the foreground with
 * its frontend on 127.0.0.1:<--port>, registers the namespace when missing, and stops the server
 * on Ctrl-C or SIGTERM. Workers and web processes then use TEMPORAL_ADDRESS=127.0.0.1:<port>.
 *
 * Exit codes: 0 stopped on a signal; 1 failed (the schema, the start, or the server exited by
 * itself); 2 refused (no DATABASE_URL, the server cannot be built, the port is taken).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../runtime/config.ts';
import { describeFailure } from '../runtime/failure.ts';
import { ensureTemporalServer, setupTemporalSchema, startTemporalServer, type TemporalServer } from '../runtime/temporal-server.ts';
import { ExitCode, setExitCode } from './exit-code.ts';

const log = (line: string): void => console.log(line);

function positiveInt(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new ConfigError(`${name} must be a whole number from 1 to ${max}; got "${value}".`);
    return n;
  };
}

interface StartOptions {
  port: number;
  namespace?: string;
  dataDir?: string;
  database: string;
  visibilityDatabase: string;
  retentionDays: number;
}

async function start(opts: StartOptions): Promise<void> {
  const config = loadConfig();
  if (!config.databaseUrl) {
    throw new ConfigError('`helpdesk temporal-server start` needs DATABASE_URL: the Temporal server keeps its data in PostgreSQL, in the databases temporal and temporal_visibility on that server. Set DATABASE_URL (e.g. postgres://helpdesk:secret@db.internal:5432/helpdesk) and run again.');
  }
  const databaseUrl = config.databaseUrl;
  const namespace = opts.namespace ?? config.temporal.namespace;
  const dataDir = opts.dataDir ? path.resolve(opts.dataDir) : path.join(config.dataDir, 'temporal-server');

  // A signal while it starts stops the server once it is up (a failed start stops itself).
  const run: { starting?: Promise<TemporalServer> } = {};
  let signalled = false;
  const onSignal = (signal: string) => {
    if (signalled) return;
    signalled = true;
    log(`\n${signal} received — stopping the Temporal server…`);
    void (async () => {
      const server = await run.starting?.catch(() => undefined);
      try {
        await server?.stop();
        log('Stopped.');
        process.exit(ExitCode.ok);
      } catch (err) {
        console.error(`Stopping failed: ${describeFailure(err)}`);
        process.exit(ExitCode.refused);
      }
    })();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const binaries = await ensureTemporalServer(log);
  const names = await setupTemporalSchema(databaseUrl, { binaries, database: opts.database, visibilityDatabase: opts.visibilityDatabase, log });
  if (signalled) return;
  run.starting = startTemporalServer({ databaseUrl, port: opts.port, dataDir, namespace, binaries, retentionDays: opts.retentionDays, ...names, log });
  const server = await run.starting;
  if (signalled) return;
  log('');
  log('The Temporal server is running:');
  log(`  Address     ${server.address}   (TEMPORAL_ADDRESS=${server.address} TEMPORAL_NAMESPACE=${namespace})`);
  log(`  Databases   ${names.database}, ${names.visibilityDatabase} on DATABASE_URL's server`);
  log(`  Config      ${server.configFile}`);
  log(`  Log         ${server.logFile}`);
  log('Press Ctrl-C to stop.');
  const how = await server.ended();
  if (signalled) return;
  console.error(`The Temporal server exited by itself (${how}). Its log is ${server.logFile}.`);
  await server.stop();
  setExitCode(ExitCode.refused);
}

export function registerTemporalServerCommands(program: Command): void {
  const cmd = program.command('temporal-server').description('The official Temporal server on PostgreSQL (DATABASE_URL), built from its Go module');
  cmd
    .command('build')
    .description('Build the Temporal server and its SQL schema tool into the cache (once; many minutes the first time)')
    .action(async () => {
      const built = await ensureTemporalServer(log);
      log(`temporal-server    ${built.serverPath}`);
      log(`temporal-sql-tool  ${built.sqlToolPath}`);
      log(`schema             ${built.schemaDir}`);
    });
  cmd
    .command('start')
    .description('Set up its databases on DATABASE_URL\'s server and run the Temporal server in the foreground until Ctrl-C')
    .option('--port <port>', 'frontend gRPC port on 127.0.0.1', positiveInt('--port', 65535), 7233)
    .option('--namespace <namespace>', 'namespace to register when missing (default: TEMPORAL_NAMESPACE)')
    .option('--data-dir <dir>', 'folder for its config file and log (default: <HELPDESK_DATA_DIR>/temporal-server)')
    .option('--database <name>', 'database for history and executions', 'temporal')
    .option('--visibility-database <name>', 'database for workflow listing and search', 'temporal_visibility')
    .option('--retention-days <days>', 'retention of closed workflows in a namespace registered here', positiveInt('--retention-days', 3650), 7)
    .action((opts: StartOptions) => start(opts));
}
