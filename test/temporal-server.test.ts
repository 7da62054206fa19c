/**
 * The official Temporal server (go.temporal.io/server) on PostgreSQL: built once into the cache,
 * its schema set up in databases of this run, started, serving a namespace it registered itself,
 * accepting a workflow, gone after stop(), and started again with the workflow still running.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Sequelize } from 'sequelize';
import { pidAlive } from '../runtime/process-info.ts';
import { freePort } from '../runtime/temporal-dev-server.ts';
import { ensureTemporalServer, setupTemporalSchema, startTemporalServer, type TemporalServer, type TemporalServerBinaries } from '../runtime/temporal-server.ts';
import { freshDatabaseUrl, log, onCleanup } from './support/env.ts';

/** Drops the server's databases after the run (the server is stopped first: cleanups run last-registered first). */
function dropAfterwards(adminUrl: string, names: string[]): void {
  onCleanup(async () => {
    const admin = new Sequelize(adminUrl, { logging: false });
    for (const name of names) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.close();
  });
}

describe('the official Temporal server on PostgreSQL', function () {
  this.timeout(180_000);
  let binaries: TemporalServerBinaries;
  let databaseUrl: string;
  let names: { database: string; visibilityDatabase: string };
  let dataDir: string;
  const namespace = `helpdesk-test-${Date.now().toString(36)}`;
  const workflowId = `no-worker-${Date.now().toString(36)}`;

  before(async function () {
    // The first build takes many minutes on two cores; later runs find it in the cache.
    this.timeout(60 * 60_000);
    binaries = await ensureTemporalServer((l) => console.error(l));
    databaseUrl = await freshDatabaseUrl('tsrv');
    const base = new URL(databaseUrl).pathname.slice(1);
    names = { database: `${base}_t`, visibilityDatabase: `${base}_v` };
    dropAfterwards(databaseUrl, [names.database, names.visibilityDatabase]);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-tsrv-'));
    onCleanup(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  });

  it('sets up both schemas, and a second setup changes nothing', async () => {
    expect(await setupTemporalSchema(databaseUrl, { binaries, ...names, log })).to.deep.equal(names);
    const versions = async () => {
      const out: string[] = [];
      for (const name of [names.database, names.visibilityDatabase]) {
        const url = new URL(databaseUrl);
        url.pathname = `/${name}`;
        const db = new Sequelize(url.toString(), { logging: false });
        const [rows] = await db.query('SELECT curr_version FROM schema_version');
        await db.close();
        out.push((rows as Array<{ curr_version: string }>).map((r) => r.curr_version).join());
      }
      return out;
    };
    const before = await versions();
    expect(before.every((v) => /^\d+\.\d+/.test(v) && v !== '0.0'), before.join(' ')).to.equal(true);
    await setupTemporalSchema(databaseUrl, { binaries, ...names, log });
    expect(await versions()).to.deep.equal(before);
  });

  it('serves a namespace it registered, accepts a workflow no worker serves, and is gone after stop()', async () => {
    const server: TemporalServer = await startTemporalServer({ databaseUrl, port: await freePort(), dataDir, namespace, binaries, ...names, log, retentionDays: 1 });
    onCleanup(() => server.stop());
    const pid = server.pid!;
    expect(pidAlive(pid)).to.equal(true);

    const connection = await Connection.connect({ address: server.address });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).to.equal('1.32.2');
      const described = await connection.workflowService.describeNamespace({ namespace });
      expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).to.equal(86_400);

      const client = new Client({ connection, namespace });
      const handle = await client.workflow.start('nobodyServesThis', { taskQueue: 'no-worker-here', workflowId, args: [] });
      const description = await handle.describe();
      expect(description.status.name).to.equal('RUNNING');
      expect(description.type).to.equal('nobodyServesThis');
      // Visibility (the second database) lists it too, once its record is written.
      let listed: string[] = [];
      for (let i = 0; i < 50 && !listed.includes(workflowId); i++) {
        listed = [];
        for await (const w of client.workflow.list({ query: `WorkflowType = 'nobodyServesThis' AND ExecutionStatus = 'Running'` })) listed.push(w.workflowId);
        if (!listed.includes(workflowId)) await new Promise((r) => setTimeout(r, 200));
      }
      expect(listed).to.include(workflowId);
    } finally {
      await connection.close();
    }

    await server.stop();
    expect(await server.ended()).to.match(/^(code 0|signal SIGTERM)$/);
    expect(pidAlive(pid)).to.equal(false);
  });

  it('started again on the same databases, still has the namespace and the running workflow', async () => {
    const lines: string[] = [];
    const server = await startTemporalServer({ databaseUrl, port: await freePort(), dataDir, namespace, binaries, ...names, log: (l) => lines.push(l) });
    onCleanup(() => server.stop());
    expect(lines.join('\n')).to.not.include('Registered the Temporal namespace');
    const connection = await Connection.connect({ address: server.address });
    try {
      const handle = new Client({ connection, namespace }).workflow.getHandle(workflowId);
      expect((await handle.describe()).status.name).to.equal('RUNNING');
      await handle.terminate('test done');
      expect((await handle.describe()).status.name).to.equal('TERMINATED');
    } finally {
      await connection.close();
    }
    const pid = server.pid!;
    await server.stop();
    expect(pidAlive(pid)).to.equal(false);
  });
});
