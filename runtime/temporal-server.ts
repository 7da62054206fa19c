/**
 * The official Temporal server (`go.temporal.io/server`, built by runtime/temporal-server-build.ts)
 * as a child process on PostgreSQL: the production-shaped counterpart of the CLI dev server
 * (runtime/temporal-dev-server.ts). One process runs the four services; it is stopped only by the
 * handle that started it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { StartRefusedError } from './failure.ts';
import { orphanOf } from './process-info.ts';
import { ensureTemporalServer, type TemporalServerBinaries } from './temporal-server-build.ts';
import { dynamicConfigYaml, serverConfig, toYaml, type ServerPorts } from './temporal-server-config.ts';
import { databaseNames, sqlTarget, type TemporalDatabases } from './temporal-server-schema.ts';
import { freePort, refusePortInUse } from './temporal-dev-server.ts';

export { ensureTemporalServer, findTemporalServer, temporalServerDir, TemporalServerUnavailableError, TEMPORAL_SERVER_VERSION, type TemporalServerBinaries } from './temporal-server-build.ts';
export { setupTemporalSchema, TemporalSchemaError, DEFAULT_TEMPORAL_DATABASE, DEFAULT_VISIBILITY_DATABASE } from './temporal-server-schema.ts';

export const SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;

export interface TemporalServerOptions extends TemporalDatabases {
  /** The PostgreSQL server (and credentials) of both Temporal databases. */
  databaseUrl: string;
  /** The frontend's gRPC port on 127.0.0.1 (0: a free one). */
  port: number;
  /** Config file, dynamic config, log and pid file (default: a temporary folder, removed by stop()). */
  dataDir?: string;
  /** Registered with {@link retentionDays} when the server does not have it yet. */
  namespace: string;
  log?: (line: string) => void;
  binaries?: TemporalServerBinaries;
  /** How long closed workflows' histories are kept, for a namespace registered here (default 7). */
  retentionDays?: number;
  /** The setting an operator changes when the port is taken (named in the refusal). */
  portSetting?: string;
  /** The server's dynamic config values (e.g. { 'limit.historyCount.suggestContinueAsNew': 60 }). */
  dynamicConfig?: Record<string, string | number | boolean>;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** History shards, fixed when the databases are first used (default 4). */
  numHistoryShards?: number;
  /** Serve the server's own Prometheus metrics on this 127.0.0.1 port (default: none). */
  metricsPort?: number;
  startTimeoutMs?: number;
  /** SIGTERM first; SIGKILL when it has not exited after this long (default 30 s). */
  stopGraceMs?: number;
}

export interface TemporalServer {
  address: string;
  namespace: string;
  pid: number | undefined;
  dataDir: string;
  configFile: string;
  logFile: string;
  /** Resolves when the server process exits, with how ("code 0", "signal SIGKILL"). */
  ended(): Promise<string>;
  stop(): Promise<void>;
}

const IP = '127.0.0.1';

/** The command line after the binary: the config file (v1.32's --root/--config/--env are deprecated for it) and the four services. */
export function serverArgs(configFile: string): string[] {
  return ['--config-file', configFile, '--allow-no-auth', 'start', ...SERVICES.flatMap((s) => ['--service', s])];
}

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}

function exited(child: ChildProcess): string | undefined {
  return child.exitCode !== null || child.signalCode !== null ? exitText(child.exitCode, child.signalCode) : undefined;
}

/** A server an earlier, killed run left on this data folder holds its ports and databases: it is not ours to stop. */
function refuseOrphan(pidFile: string, configFile: string): void {
  const pid = orphanOf(pidFile, [`--config-file ${configFile}`]);
  if (pid !== undefined) throw new StartRefusedError(`A Temporal server (pid ${pid}, perhaps left by an earlier run) already runs on ${configFile}. Stop it (\`kill ${pid}\`), then start again.`);
}

/** True when nothing listens on 127.0.0.1:port now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, IP, () => srv.close(() => resolve(true)));
  });
}

/**
 * The services' ports. The membership ports are recorded in cluster_membership.rpc_port, a
 * SMALLINT in the PostgreSQL schema: a port above 32767 makes the server exit ("value … is out of
 * range for type smallint"), so they are picked below Linux's ephemeral range (32768…), at random.
 */
async function freePorts(frontend: number, portsFile: string): Promise<ServerPorts> {
  const saved = await reusablePorts(frontend, portsFile);
  if (saved) return saved;
  const taken = new Set([frontend]);
  const grpc = async () => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  const membership = async () => {
    for (let i = 0; i < 500; i++) {
      const p = 20_000 + Math.floor(Math.random() * 12_768);
      if (!taken.has(p) && (await portFree(p))) {
        taken.add(p);
        return p;
      }
    }
    throw new Error('No free port between 20000 and 32767 for the Temporal server\'s membership (its PostgreSQL schema keeps these ports as SMALLINT)');
  };
  return {
    frontend,
    frontendMembership: await membership(),
    history: await grpc(),
    historyMembership: await membership(),
    matching: await grpc(),
    matchingMembership: await membership(),
    worker: await grpc(),
    workerMembership: await membership(),
  };
}

/**
 * The ports of the last start on this data folder, when they are all free again. The membership
 * table remembers each service's address for 20 s after it stops: a restart on the same ports
 * finds itself there, while one on new ports waits for the old, dead peers' records to age out
 * before its services join (seen: matching not joined 35 s after a restart).
 */
async function reusablePorts(frontend: number, portsFile: string): Promise<ServerPorts | undefined> {
  let saved: ServerPorts;
  try {
    saved = JSON.parse(fs.readFileSync(portsFile, 'utf8')) as ServerPorts;
  } catch {
    return undefined;
  }
  const ports = { ...saved, frontend };
  const values = Object.values(ports);
  const membership = [ports.frontendMembership, ports.historyMembership, ports.matchingMembership, ports.workerMembership];
  if (!values.every((p) => Number.isInteger(p) && p > 0 && p < 65_536) || membership.some((p) => p > 32_767) || new Set(values).size !== values.length) return undefined;
  for (const p of values.filter((v) => v !== frontend)) if (!(await portFree(p))) return undefined;
  return ports;
}

function grpcCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}
type RetentionPeriod = NonNullable<Parameters<Connection['workflowService']['registerNamespace']>[0]['workflowExecutionRetentionPeriod']>;
const NOT_FOUND = 5;
/** The worker service's per-namespace task queue (schedules, batch operations…). */
const PER_NAMESPACE_QUEUE = 'temporal-sys-per-ns-tq';
/** temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, as a plain number (as in api/health.ts). */
const TASK_QUEUE_TYPE_WORKFLOW = 1;
const ALREADY_EXISTS = 6;

/**
 * Waits until the frontend answers (getSystemInfo), registers the namespace if it is missing, and
 * waits until it is described and history answers for it (a lookup of a workflow that is not there).
 * Right after registration the services' namespace caches may still answer "namespace not found"
 * for about a second (they cache a miss), so the lookup is retried until it says "workflow not found".
 * Then matching must answer and the worker service poll the namespace's system task queue.
 */
async function waitUntilServing(address: string, opts: TemporalServerOptions, child: ChildProcess, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + (opts.startTimeoutMs ?? 120_000);
  let last: unknown;
  let registered = false;
  while (Date.now() < deadline) {
    const how = exited(child);
    if (how) throw new Error(`The Temporal server exited (${how}) while starting`);
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      const service = connection.workflowService;
      await service.getSystemInfo({});
      const described = await service.describeNamespace({ namespace: opts.namespace }).catch((err: unknown) => {
        if (grpcCode(err) !== NOT_FOUND) throw err;
        return undefined;
      });
      if (!described) {
        if (!registered) {
          const days = opts.retentionDays ?? 7;
          // protobufjs encodes a number into the int64 field, where its types say Long (not a dependency of ours).
          const retention = { seconds: days * 86_400 } as unknown as RetentionPeriod;
          await service.registerNamespace({ namespace: opts.namespace, workflowExecutionRetentionPeriod: retention }).catch((err: unknown) => {
            if (grpcCode(err) !== ALREADY_EXISTS) throw err;
          });
          registered = true;
          log(`Registered the Temporal namespace ${opts.namespace} (retention ${days} days)`);
        }
        throw new Error(`namespace ${opts.namespace} not described yet`);
      }
      // History answers for the namespace: a workflow that is not there is "not found", while a
      // namespace the services' caches do not know yet is NamespaceNotFoundError (also NOT_FOUND).
      const probe = new Client({ connection, namespace: opts.namespace }).workflow.getHandle('helpdesk-readiness-probe-not-a-workflow');
      await probe.describe().then(
        () => undefined,
        (err: unknown) => {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        },
      );
      // Matching answers, and the worker service (which runs schedules) polls for the namespace.
      const queue = await service.describeTaskQueue({ namespace: opts.namespace, taskQueue: { name: PER_NAMESPACE_QUEUE }, taskQueueType: TASK_QUEUE_TYPE_WORKFLOW });
      if (!queue.pollers?.length) throw new Error(`the worker service does not poll ${PER_NAMESPACE_QUEUE} for ${opts.namespace} yet`);
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
  throw new Error(`The Temporal server at ${address} did not serve namespace "${opts.namespace}" within ${opts.startTimeoutMs ?? 120_000} ms: ${String(last)}`);
}

function logTail(logFile: string, lines = 8): string {
  try {
    return fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Writes the config, starts `temporal-server … start` with the four services, waits until the
 * frontend serves the namespace (registering it when missing) and returns its handle. The
 * databases must be set up first ({@link setupTemporalSchema}). A start that fails stops the
 * process it started and says what the server's log said.
 */
export async function startTemporalServer(opts: TemporalServerOptions): Promise<TemporalServer> {
  const log = opts.log ?? console.error;
  const target = sqlTarget(opts.databaseUrl);
  const names = databaseNames(opts);
  const binaries = opts.binaries ?? (await ensureTemporalServer(log));
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ? path.resolve(opts.dataDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-temporal-server-'));
  fs.mkdirSync(dataDir, { recursive: true });
  const configFile = path.join(dataDir, 'temporal-server.yaml');
  const dynamicConfigFile = path.join(dataDir, 'dynamic-config.yaml');
  const logFile = path.join(dataDir, 'temporal-server.log');
  const pidFile = path.join(dataDir, 'temporal-server.pid');
  refuseOrphan(pidFile, configFile);
  await refusePortInUse(IP, opts.port, opts.portSetting ?? '--port', 'Temporal server frontend');
  const portsFile = path.join(dataDir, 'ports.json');
  const ports = await freePorts(opts.port || (await freePort()), portsFile);
  fs.writeFileSync(portsFile, `${JSON.stringify(ports, null, 2)}\n`);
  const config = serverConfig({ target, ...names, ports, ip: IP, logLevel: opts.logLevel, dynamicConfigFile, numHistoryShards: opts.numHistoryShards, metricsAddress: opts.metricsPort ? `${IP}:${opts.metricsPort}` : undefined });
  // The file holds the database password: readable by this user only.
  fs.writeFileSync(configFile, `# Written by the helpdesk (runtime/temporal-server.ts) at each start.\n${toYaml(config)}`, { mode: 0o600 });
  fs.chmodSync(configFile, 0o600);
  fs.writeFileSync(dynamicConfigFile, dynamicConfigYaml(opts.dynamicConfig ?? {}));

  const out = fs.openSync(logFile, 'a');
  // Its own process group: a Ctrl-C reaches only us, and we stop the server when we are ready to.
  const child = spawn(binaries.serverPath, serverArgs(configFile), { cwd: dataDir, stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  if (child.pid) fs.writeFileSync(pidFile, String(child.pid));
  const ended = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(exitText(code, signal))));
  child.on('error', () => undefined);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (!exited(child) && child.pid) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), opts.stopGraceMs ?? 30_000);
        await ended;
        clearTimeout(timer);
      }
      fs.rmSync(pidFile, { force: true });
      if (ownDir) fs.rmSync(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const address = `${IP}:${ports.frontend}`;
  log(`Starting the Temporal server ${binaries.serverPath} on ${address} (config ${configFile}, log ${logFile})…`);
  const started = Date.now();
  try {
    if (!child.pid) throw new Error(`Could not start ${binaries.serverPath}`);
    await waitUntilServing(address, opts, child, log);
  } catch (err) {
    const tail = logTail(logFile);
    await stop();
    throw new Error(`${(err as Error).message}${tail ? `\nIts log${ownDir ? '' : ` (${logFile})`} said:\n${tail}` : ''}`);
  }
  log(`Temporal server serving namespace ${opts.namespace} on ${address} (${Math.round((Date.now() - started) / 1000)} s)`);
  return { address, namespace: opts.namespace, pid: child.pid, dataDir, configFile, logFile, ended: () => ended, stop };
}
