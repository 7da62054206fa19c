/**
 * Which Temporal the shared test environment (getEnv in ./env.ts) runs on: the CLI dev server
 * (default) or, with TEST_TEMPORAL=server, the official Temporal server on PostgreSQL
 * (runtime/temporal-server.ts), on two fresh databases of this run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Sequelize } from 'sequelize';
import { freePort } from '../../runtime/temporal-dev-server.ts';
import { ensureTemporalServer, setupTemporalSchema, startTemporalServer, type TemporalServerOptions } from '../../runtime/temporal-server.ts';

export type TestTemporalKind = 'dev-server' | 'server';

/** TEST_TEMPORAL: unset, empty or `dev-server` → the dev server; `server` → the official server. */
export function testTemporalKind(value = process.env.TEST_TEMPORAL): TestTemporalKind {
  if (value === undefined || value === '' || value === 'dev-server') return 'dev-server';
  if (value === 'server') return 'server';
  throw new Error(`TEST_TEMPORAL=${value}: use "server" (the official Temporal server on PostgreSQL) or leave it unset (the dev server)`);
}

export interface SharedTemporal {
  address: string;
  pid: number | undefined;
}

interface Deps {
  onCleanup(fn: () => Promise<void>): void;
  log(line: string): void;
  /** For benchmarks: the server's tuning (dynamic config, shards) and its own metrics port. */
  tuning?: Pick<TemporalServerOptions, 'dynamicConfig' | 'numHistoryShards' | 'metricsPort'>;
}

/**
 * The official Temporal server, namespace `default`, on a free port, with its schema in two fresh
 * databases on TEST_DATABASE_URL's PostgreSQL server (default: the machine's). Cleanups stop the
 * server, then remove its data folder and drop both databases (cleanups run last-registered first).
 */
export async function startSharedTemporalServer({ onCleanup, log, tuning }: Deps): Promise<SharedTemporal> {
  const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const base = `helpdesk_test_temporal_${process.pid}_${Date.now().toString(36)}`;
  const names = { database: `${base}_t`, visibilityDatabase: `${base}_v` };
  onCleanup(async () => {
    const admin = new Sequelize(adminUrl, { logging: false });
    try {
      for (const name of [names.database, names.visibilityDatabase]) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await admin.close();
    }
  });
  // A first build takes many minutes: say so whatever TEST_VERBOSE is.
  const binaries = await ensureTemporalServer((l) => console.error(l));
  await setupTemporalSchema(adminUrl, { binaries, ...names, log });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-test-temporal-server-'));
  onCleanup(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const server = await startTemporalServer({ databaseUrl: adminUrl, port: await freePort(), dataDir, namespace: 'default', binaries, ...names, log, ...tuning });
  onCleanup(() => server.stop());
  log(`Tests run on the official Temporal server at ${server.address} (log ${server.logFile})`);
  return { address: server.address, pid: server.pid };
}
