/**
 * The integration test environment: a real Temporal dev server (built from its Go
 * module, as `helpdesk start` does), a real PostgreSQL database made fresh for this
 * run, a worker and the web app on port 0. Started lazily, once, by the first test
 * that asks; stopped by the root hook. With TEST_TEMPORAL=server the shared Temporal is
 * the official server on PostgreSQL (./temporal-target.ts); startTestTemporal always
 * starts a dev server, for the tests that need one.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import type { Client } from '@temporalio/client';
import type { ActionDeps } from '../../services/tickets/index.ts';
import type { Worker, WorkflowBundle } from '@temporalio/worker';
import { Sequelize } from 'sequelize';
import { loadConfig, type Config } from '../../runtime/config.ts';
import { ensureTemporalCli } from '../../runtime/temporal-cli.ts';
import { freePort, startDevServer, type DevServer } from '../../runtime/temporal-dev-server.ts';
import { bundleWorkflows } from '../../runtime/temporal.ts';
import { openDatabase, startWeb, startWorker, type Database, type WebServer } from '../../runtime/stack.ts';
import { startEmbeddedPostgres } from '../../runtime/embedded-postgres.ts';
import { apiToken, type TestRole } from './users.ts';
import { newKeyEntry } from '../../runtime/payload-codec.ts';
import { newSigningKeyPem } from '../../runtime/audit-signing-key.ts';
import { startSharedTemporalServer, testTemporalKind, type SharedTemporal } from './temporal-target.ts';

// One service key for the run, in the environment too, so a `helpdesk worker` the tests
// spawn encrypts and decrypts Temporal payloads as the in-process stack does.
process.env.HELPDESK_SERVICE_KEYS ||= newKeyEntry('test');
// And one master key (it wraps each person's data keys), for the same reason.
process.env.HELPDESK_MASTER_KEY ||= newKeyEntry('test-master');
// And one audit signing key (PEM), so checkpoints and bundles never generate a key in the checkout's .data/.
process.env.HELPDESK_AUDIT_SIGNING_KEY ||= newSigningKeyPem();
// The in-process web logs as text (request lines are JSON only with HELPDESK_LOG_FORMAT=json, test/observability.test.ts).
process.env.HELPDESK_LOG_FORMAT ||= 'text';
// Erasures in tests go to a ledger of the run's own, never to the checkout's .data/.
const testLedger = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-ledger-')), 'erasure-ledger.jsonl');

export interface TestEnv {
  config: Config;
  temporalAddress: string;
  db: Database;
  web: WebServer;
  client: Client;
  worker: Worker;
  bundle: WorkflowBundle;
  cliPath: string;
  /** Admin URL of the PostgreSQL server, for creating more databases. */
  databaseUrl: string;
  /** An API token of agent@example.com (role agent). */
  agentToken: string;
  tokenFor(email: string, role?: TestRole): Promise<string>;
}

const cleanups: Array<() => Promise<void>> = [];
let envPromise: Promise<TestEnv> | undefined;
let bundlePromise: Promise<WorkflowBundle> | undefined;

export function onCleanup(fn: () => Promise<void>): void {
  cleanups.unshift(fn);
}

export async function runCleanups(): Promise<void> {
  while (cleanups.length) {
    const fn = cleanups.shift()!;
    await fn().catch((err: unknown) => console.error('cleanup failed:', err));
  }
}

export const log = (line: string) => {
  if (process.env.TEST_VERBOSE) console.error(line);
};

/** What the ticket service's actions need, as the product composes it (personal data sealed on the way in). */
export function actionDeps(env: { client: Client; db: Database }): ActionDeps {
  return { temporal: env.client, privacy: env.db.ticketPrivacy };
}

/** The workflow bundle, built once per test run (webpack takes seconds). */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundlePromise ??= bundleWorkflows();
  return bundlePromise;
}

/** A fresh, empty PostgreSQL database; TEST_DATABASE_URL (default: the machine's server) or an embedded one. */
export async function freshDatabaseUrl(label: string): Promise<string> {
  const admin = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `helpdesk_test_${label}_${process.pid}_${Date.now().toString(36)}`;
  let adminUrl = admin;
  const probe = new Sequelize(admin, { logging: false });
  try {
    await probe.authenticate();
  } catch {
    await probe.close();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-pg-'));
    const pg = await startEmbeddedPostgres(dir, await freePort(), log);
    onCleanup(async () => {
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    adminUrl = pg.url;
    return freshDatabaseUrlOn(adminUrl, name);
  }
  await probe.close();
  return freshDatabaseUrlOn(adminUrl, name);
}

async function freshDatabaseUrlOn(adminUrl: string, name: string): Promise<string> {
  const admin = new Sequelize(adminUrl, { logging: false });
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.close();
  onCleanup(async () => {
    const a = new Sequelize(adminUrl, { logging: false });
    await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await a.close();
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A Temporal dev server of our own (in memory unless a SQLite file is given). */
export async function startTestTemporal(dbFile?: string, port?: number, extraArgs?: string[]): Promise<DevServer> {
  const cliPath = await ensureTemporalCli(process.env.TEMPORAL_CLI_PATH, (l) => console.error(l));
  const tries = port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      // The dev server also listens on ports derived from its own; a free port can still collide.
      return await startDevServer({ cliPath, port: port ?? (await freePort()), headless: true, ...(dbFile ? { dbFile } : {}), ...(extraArgs ? { extraArgs } : {}) });
    } catch (err) {
      if (attempt >= tries) throw err;
      console.error(`dev server did not start (${(err as Error).message.split('\n')[0]}); trying another port`);
    }
  }
}

/** A worker for tests: the product's startWorker with the shared bundle, stopped by the root hook. */
export async function runTestWorker(config: Config, address: string, db: Database): Promise<Worker> {
  const { worker, done } = await startWorker(config, address, db, await workflowBundle());
  onCleanup(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await done.catch(() => undefined);
  });
  return worker;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ HELPDESK_SEED_DEMO: 'false', HELPDESK_INTAKE_WAIT_MS: '10000', HELPDESK_SERVICE_KEYS: process.env.HELPDESK_SERVICE_KEYS!, HELPDESK_MASTER_KEY: process.env.HELPDESK_MASTER_KEY!, HELPDESK_AUDIT_SIGNING_KEY: process.env.HELPDESK_AUDIT_SIGNING_KEY!, HELPDESK_ERASURE_LEDGER: testLedger, ...overrides });
}

/** The Temporal every getEnv() and isolatedStack() test shares: the dev server, or with TEST_TEMPORAL=server the official server on PostgreSQL. */
async function sharedTemporal(): Promise<SharedTemporal> {
  if (testTemporalKind() === 'server') return startSharedTemporalServer({ onCleanup, log });
  const devServer = await startTestTemporal();
  onCleanup(() => devServer.stop());
  return { address: devServer.address, pid: devServer.pid };
}

export function getEnv(): Promise<TestEnv> {
  envPromise ??= (async () => {
    const cliPath = await ensureTemporalCli(process.env.TEMPORAL_CLI_PATH, (l) => console.error(l));
    const temporal = await sharedTemporal();
    const databaseUrl = await freshDatabaseUrl('main');
    const config = testConfig({ DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporal.address });
    const db = await openDatabase(config, log);
    onCleanup(() => db.close());
    const bundle = await workflowBundle();
    const worker = await runTestWorker(config, temporal.address, db);
    const web = await startWeb(config, temporal.address, db, log, { host: '127.0.0.1', port: 0 });
    onCleanup(() => web.close());
    const agentToken = await apiToken(db, 'agent@example.com', 'agent');
    const tokenFor = (email: string, role: TestRole = 'requester') => apiToken(db, email, role);
    return { config, temporalAddress: temporal.address, db, web, client: web.client, worker, bundle, cliPath, databaseUrl, agentToken, tokenFor };
  })();
  return envPromise;
}

export interface IsolatedStack {
  config: Config;
  db: Database;
  web: WebServer;
  client: Client;
  worker: Worker;
  taskQueue: string;
  temporalAddress: string;
  stopWorker(): Promise<void>;
  startWorker(): Promise<Worker>;
  /** An API token of agent@example.com (role agent). */
  agentToken: string;
  tokenFor(email: string, role?: TestRole): Promise<string>;
}

/**
 * A database, task queue, worker and web app of its own on the shared Temporal (the dev
 * server, or the official server with TEST_TEMPORAL=server), with `rulesText` published as the active rules version.
 */
let stacks = 0;

export async function isolatedStack(label: string, rulesText?: string, opts: { worker?: boolean; env?: Record<string, string> } = {}): Promise<IsolatedStack> {
  const shared = await getEnv();
  const taskQueue = `${label}-${Date.now().toString(36)}`;
  // Ticket numbers name workflows, and every stack here shares one Temporal namespace: a
  // prefix of its own keeps this stack's HD-…-000001 from being another stack's workflow.
  const n = stacks++;
  const prefix = `T${String.fromCharCode(65 + Math.floor(n / 26) % 26)}${String.fromCharCode(65 + (n % 26))}`;
  const config = testConfig({ DATABASE_URL: await freshDatabaseUrl(label), TEMPORAL_ADDRESS: shared.temporalAddress, HELPDESK_TASK_QUEUE: taskQueue, TICKET_PREFIX: prefix, ...opts.env });
  const db = await openDatabase(config, log);
  onCleanup(() => db.close());
  if (rulesText) {
    const published = await db.rules.publish(rulesText, { author: 'test', comment: `rules for ${label}` });
    if (!published.ok) throw new Error(`test rules invalid: ${JSON.stringify(published.problems)}`);
  }
  let worker!: Worker;
  let running: Promise<void> = Promise.resolve();
  const startStackWorker = async () => {
    ({ worker, done: running } = await startWorker(config, shared.temporalAddress, db, shared.bundle));
    stack.worker = worker;
    return worker;
  };
  const stopWorker = async () => {
    if (!worker) return;
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  };
  const web = await startWeb(config, shared.temporalAddress, db, log, { host: '127.0.0.1', port: 0 });
  onCleanup(() => web.close());
  const agentToken = await apiToken(db, 'agent@example.com', 'agent');
  const tokenFor = (email: string, role: TestRole = 'requester') => apiToken(db, email, role);
  const stack: IsolatedStack = { config, db, web, client: web.client, worker, taskQueue, temporalAddress: shared.temporalAddress, stopWorker, startWorker: startStackWorker, agentToken, tokenFor };
  if (opts.worker !== false) {
    await startStackWorker();
    onCleanup(stopWorker);
  }
  return stack;
}
