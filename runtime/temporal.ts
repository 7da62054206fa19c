/**
 * Connections to Temporal for the client (web process) and the worker.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { Config } from './config.ts';
import { quietLogger } from './temporal-log.ts';
import { createActivities, type ActivityDeps } from '../activities/index.ts';

export interface TemporalTarget {
  address: string;
  namespace: string;
  apiKey?: string | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
}

export function targetFromConfig(config: Config, address: string): TemporalTarget {
  return { address, namespace: config.temporal.namespace, apiKey: config.temporal.apiKey, tlsCert: config.temporal.tlsCert, tlsKey: config.temporal.tlsKey };
}

function tlsOptions(t: TemporalTarget) {
  if (t.tlsCert && t.tlsKey) return { clientCertPair: { crt: fs.readFileSync(t.tlsCert), key: fs.readFileSync(t.tlsKey) } };
  return t.apiKey ? true : undefined;
}

export async function connectClient(t: TemporalTarget): Promise<Client> {
  const connection = await Connection.connect({ address: t.address, tls: tlsOptions(t), apiKey: t.apiKey });
  return new Client({ connection, namespace: t.namespace });
}

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Bundles the workflow code once (webpack; a few seconds) so several workers can share it. */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } });
}

export interface WorkerOptions {
  target: TemporalTarget;
  taskQueue: string;
  deps: ActivityDeps;
  bundle?: WorkflowBundle;
}

let runtimeInstalled = false;

/**
 * Installs the worker runtime once per process: warnings and errors only, the SDK core's
 * among them (forwarded, so repeats during an outage are thinned out), and no signal
 * handlers of its own — the entry point decides how to shut down.
 */
export function installRuntime(level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' = 'WARN'): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: quietLogger(level),
    telemetryOptions: { logging: { filter: { core: level, other: 'ERROR' }, forward: {} } },
    shutdownSignals: [],
  });
  runtimeInstalled = true;
}

export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  installRuntime();
  const connection = await NativeConnection.connect({ address: opts.target.address, tls: tlsOptions(opts.target), apiKey: opts.target.apiKey });
  return Worker.create({
    connection,
    namespace: opts.target.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.deps),
    // A worker that dies holds its workflows' sticky queue; after this long the server gives
    // their next task (a due SLA timer, say) to any worker, so a restart delays it no longer.
    stickyQueueScheduleToStartTimeout: '2s',
    ...(opts.bundle ? { workflowBundle: opts.bundle } : { workflowsPath }),
  });
}
