/**
 * Connections to Temporal for the client (web process) and the worker.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { PayloadCodec } from '@temporalio/common';
import type { Config } from './config.ts';
import { payloadCodec } from './payload-codec.ts';
import { quietLogger } from './temporal-log.ts';
import { createActivities, type ActivityDeps } from '../activities/index.ts';

export interface TemporalTarget {
  address: string;
  namespace: string;
  apiKey?: string | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  /** Encrypts every payload sent to Temporal and decrypts what comes back (runtime/payload-codec.ts). */
  codec?: PayloadCodec | undefined;
}

export function targetFromConfig(config: Config, address: string): TemporalTarget {
  return { address, namespace: config.temporal.namespace, apiKey: config.temporal.apiKey, tlsCert: config.temporal.tlsCert, tlsKey: config.temporal.tlsKey, codec: payloadCodec(config) };
}

function tlsOptions(t: TemporalTarget) {
  if (t.tlsCert && t.tlsKey) return { clientCertPair: { crt: fs.readFileSync(t.tlsCert), key: fs.readFileSync(t.tlsKey) } };
  return t.apiKey ? true : undefined;
}

/** Per client: whether it is closing, and until when a retry the SDK has already scheduled may still fire. */
const retries = new WeakMap<Client, { closing: boolean; lastRetryAt: number }>();

export async function connectClient(t: TemporalTarget): Promise<Client> {
  const state = { closing: false, lastRetryAt: 0 };
  const defaults = defaultGrpcRetryOptions();
  // The SDK's retry of an unavailable call, except once the client is closing: a retry that fires
  // after the connection is closed throws from a timer ("Channel has been shut down") and would
  // end the process midway through an orderly stop.
  const retry = makeGrpcRetryInterceptor({
    retryableDecider: (attempt, status) => !state.closing && defaults.retryableDecider(attempt, status),
    delayFunction: (attempt, status) => {
      const delay = defaults.delayFunction(attempt, status);
      state.lastRetryAt = Math.max(state.lastRetryAt, Date.now() + delay);
      return delay;
    },
  });
  const connection = await Connection.connect({ address: t.address, tls: tlsOptions(t), apiKey: t.apiKey, interceptors: [retry] });
  const client = new Client({ connection, namespace: t.namespace, ...(t.codec ? { dataConverter: { payloadCodecs: [t.codec] } } : {}) });
  retries.set(client, state);
  return client;
}

/** Closes a client's connection once no retry scheduled before the close can fire any more (at most a few seconds). */
export async function closeClient(client: Client): Promise<void> {
  const state = retries.get(client);
  if (state) {
    state.closing = true;
    const wait = state.lastRetryAt + 50 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  await client.connection.close();
}

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));
/**
 * The production workflows' interceptors: the auditors' capture (workflows/audit-capture.ts),
 * which reports activity calls through the `audit` sink while replaying. The production worker's
 * sink does nothing; the replay check (services/audit/replay.ts) replays with this same bundle.
 */
export const workflowInterceptorModules = [fileURLToPath(new URL('../workflows/audit-capture.ts', import.meta.url))];

/** The `audit` sink of a worker that runs tickets: the capture's reports are not needed there. */
export const idleAuditSinks = { audit: { call: { fn() {}, callDuringReplay: false }, task: { fn() {}, callDuringReplay: false } } };

/** Bundles the workflow code once (webpack; a few seconds) so several workers can share it. */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } });
}

export interface WorkerOptions {
  target: TemporalTarget;
  taskQueue: string;
  deps: ActivityDeps;
  bundle?: WorkflowBundle;
  /** Where the SDK serves its Prometheus metrics (HELPDESK_TEMPORAL_METRICS_ADDRESS); none when absent. */
  temporalMetricsAddress?: string | null;
  /** How many workflows stay cached and how many tasks run at once (null: the SDK's default). */
  tuning?: { cachedWorkflows: number | null; workflowTaskSlots: number | null };
}

let runtimeInstalled = false;

/**
 * Installs the worker runtime once per process: warnings and errors only, the SDK core's
 * among them (forwarded, so repeats during an outage are thinned out), and no signal
 * handlers of its own — the entry point decides how to shut down.
 */
export function installRuntime(level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' = 'WARN', metricsAddress: string | null = null): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: quietLogger(level),
    telemetryOptions: {
      logging: { filter: { core: level, other: 'ERROR' }, forward: {} },
      // The SDK's own metrics (task slots, sticky cache, poll and schedule-to-start latencies), HELPDESK_TEMPORAL_METRICS_ADDRESS.
      ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress, countersTotalSuffix: true, unitSuffix: true } } } : {}),
    },
    shutdownSignals: [],
  });
  runtimeInstalled = true;
}

export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  installRuntime('WARN', opts.temporalMetricsAddress ?? null);
  const connection = await NativeConnection.connect({ address: opts.target.address, tls: tlsOptions(opts.target), apiKey: opts.target.apiKey });
  return Worker.create({
    connection,
    namespace: opts.target.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    ...(opts.target.codec ? { dataConverter: { payloadCodecs: [opts.target.codec] } } : {}),
    // A worker that dies holds its workflows' sticky queue; after this long the server gives
    // their next task (a due SLA timer, say) to any worker, so a restart delays it no longer.
    stickyQueueScheduleToStartTimeout: '2s',
    // Heartbeats reach the server at least every second whatever an activity's heartbeat timeout,
    // so a cancellation reaches a long activity within about a second, while the timeout itself
    // can stay long enough that a busy machine is not mistaken for a dead worker.
    maxHeartbeatThrottleInterval: '1 second',
    // HELPDESK_WORKFLOW_CACHE and HELPDESK_WORKFLOW_TASK_SLOTS; the SDK's defaults when unset.
    ...(opts.tuning?.cachedWorkflows != null ? { maxCachedWorkflows: opts.tuning.cachedWorkflows } : {}),
    ...(opts.tuning?.workflowTaskSlots != null ? { maxConcurrentWorkflowTaskExecutions: opts.tuning.workflowTaskSlots } : {}),
    sinks: idleAuditSinks,
    ...(opts.bundle ? { workflowBundle: opts.bundle } : { workflowsPath, interceptors: { workflowModules: workflowInterceptorModules } }),
  });
}
