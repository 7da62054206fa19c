import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPg } from '../runtime/embedded-postgres.ts';
import { openDatabase, startWeb, type WebServer } from '../runtime/stack.ts';
import { freePort } from '../runtime/temporal-dev-server.ts';
import { log, onCleanup, runTestWorker, startTestTemporal, testConfig } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';

/** The postmaster and every process it started (its backends): a hung server is all of them stopped. */
function serverProcesses(postmaster: number): number[] {
  const children = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
    } catch {
      return false;
    }
  });
  return [postmaster, ...children.map(Number)];
}

/** Open TCP connections to this port on 127.0.0.1, as `ss` would count them (client ends, state ESTABLISHED). */
function connectionsTo(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1).filter((line) => {
    const [, , remote, state] = line.trim().split(/\s+/);
    return remote === `0100007F:${hex}` && state === '01';
  }).length;
}

describe('/healthz while PostgreSQL hangs', function () {
  this.timeout(120_000);
  let pg: EmbeddedPg;
  let web: WebServer;
  let startWorker: () => Promise<unknown>;

  before(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-healthz-'));
    // As root, the embedded PostgreSQL runs as the `postgres` user, who must be able to enter it.
    fs.chmodSync(dataDir, 0o755);
    onCleanup(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    pg = await startEmbeddedPostgres(dataDir, await freePort(), log);
    onCleanup(() => pg.stop());
    const temporal = await startTestTemporal();
    onCleanup(() => temporal.stop());
    const config = testConfig({ DATABASE_URL: pg.url, TEMPORAL_ADDRESS: temporal.address, HELPDESK_DATA_DIR: dataDir });
    const db = await openDatabase(config, log);
    onCleanup(() => db.close());
    web = await startWeb(config, temporal.address, db, log, { host: '127.0.0.1', port: 0 });
    onCleanup(() => web.close());
    startWorker = () => runTestWorker(config, temporal.address, db);
  });

  it('when every PostgreSQL process hangs, then each /healthz answers within a second that postgres is down, and none leaves a connection behind', async () => {
    // A web process with no worker polling takes tickets, and says no SLA timer is acted on.
    const alone = await request(web.url, 'GET', '/healthz');
    expect(alone.status).to.equal(200);
    expect(alone.body).to.deep.equal({ status: 'degraded', postgres: 'ok', temporal: 'ok', workers: 'none' });
    const before = connectionsTo(pg.port);
    const hung = serverProcesses(pg.pid!);
    for (const pid of hung) process.kill(pid, 'SIGSTOP');
    try {
      for (let i = 0; i < 8; i++) {
        const t0 = Date.now();
        const res = await request(web.url, 'GET', '/healthz');
        expect(Date.now() - t0).to.be.below(1_000);
        expect(res.status).to.equal(503);
        expect(res.body).to.deep.equal({ status: 'degraded', postgres: 'down', temporal: 'ok', workers: 'none' });
      }
      // Each check dropped its own connection at its deadline; none holds one of the app's.
      await waitFor('the checks\' connections to close', async () => connectionsTo(pg.port) <= before, 2_000, 50).catch(() => undefined);
      expect(connectionsTo(pg.port)).to.be.at.most(before);
    } finally {
      for (const pid of hung) process.kill(pid, 'SIGCONT');
    }
    await waitFor('healthy again', async () => (await request(web.url, 'GET', '/healthz')).status === 200, 10_000);
  });

  it('when a worker starts polling the ticket queue, then /healthz says the workers are there', async () => {
    await startWorker();
    await waitFor('the worker to be seen', async () => (await request(web.url, 'GET', '/healthz')).body.workers === 'ok', 10_000);
    expect((await request(web.url, 'GET', '/healthz')).body).to.deep.equal({ status: 'ok', postgres: 'ok', temporal: 'ok', workers: 'ok' });
  });
});
