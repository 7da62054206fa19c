/**
 * The Temporal server's config file for one box: both stores on DATABASE_URL's PostgreSQL server
 * (plugin postgres12), the four services (frontend, history, matching, worker) in one process,
 * bound to 127.0.0.1, one cluster. Written as YAML the server's loader reads (`--config-file`).
 */
import { connectAddr, SQL_PLUGIN, type SqlTarget } from './temporal-server-schema.ts';

export interface ServerPorts {
  /** The frontend's gRPC port: the address clients and workers use. */
  frontend: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

export interface ServerConfigOptions {
  target: SqlTarget;
  database: string;
  visibilityDatabase: string;
  ports: ServerPorts;
  /** The address every service binds and announces (default 127.0.0.1). */
  ip?: string;
  numHistoryShards?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Where the server serves its Prometheus metrics (host:port; default none). */
  metricsAddress?: string;
  /** The dynamic config file the server polls (optional). */
  dynamicConfigFile?: string;
}

type Yaml = string | number | boolean | { [key: string]: Yaml | undefined } | Yaml[];

/** A small YAML writer for the config's plain values: strings as JSON strings (valid YAML), maps indented. */
export function toYaml(value: Yaml, indent = ''): string {
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'object' ? `${indent}-\n${toYaml(v, `${indent}  `)}` : `${indent}- ${toYaml(v)}\n`)).join('');
  if (typeof value === 'object') {
    return Object.entries(value)
      .filter((entry): entry is [string, Yaml] => entry[1] !== undefined)
      .map(([k, v]) => (typeof v === 'object' ? `${indent}${k}:\n${toYaml(v, `${indent}  `)}` : `${indent}${k}: ${toYaml(v)}\n`))
      .join('');
  }
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function sqlStore(target: SqlTarget, databaseName: string, maxConns: number): Yaml {
  return {
    sql: {
      pluginName: SQL_PLUGIN,
      databaseName,
      connectAddr: connectAddr(target),
      connectProtocol: 'tcp',
      user: target.user,
      password: target.password,
      connectAttributes: Object.keys(target.connectAttributes).length ? target.connectAttributes : undefined,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

export function serverConfig(opts: ServerConfigOptions): Yaml {
  const ip = opts.ip ?? '127.0.0.1';
  const rpc = (grpcPort: number, membershipPort: number) => ({ rpc: { grpcPort, membershipPort, bindOnIP: ip } });
  return {
    log: { stdout: true, level: opts.logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: opts.numHistoryShards ?? 4,
      datastores: {
        default: sqlStore(opts.target, opts.database, 20),
        visibility: sqlStore(opts.target, opts.visibilityDatabase, 10),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: ip },
      metrics: opts.metricsAddress ? { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: opts.metricsAddress } } : undefined,
    },
    services: {
      frontend: rpc(opts.ports.frontend, opts.ports.frontendMembership),
      history: rpc(opts.ports.history, opts.ports.historyMembership),
      matching: rpc(opts.ports.matching, opts.ports.matchingMembership),
      worker: rpc(opts.ports.worker, opts.ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `${ip}:${opts.ports.frontend}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: opts.dynamicConfigFile ? { filepath: opts.dynamicConfigFile, pollInterval: '10s' } : undefined,
  };
}

/** The dynamic config file: each key's one value for every namespace and task queue. */
export function dynamicConfigYaml(values: Record<string, string | number | boolean>): string {
  const entries = Object.entries(values);
  if (!entries.length) return '{}\n';
  return toYaml(Object.fromEntries(entries.map(([k, v]) => [k, [{ value: v }]])));
}
