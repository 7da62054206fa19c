import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../runtime/embedded-postgres.ts';
import { describeFailure } from '../runtime/failure.ts';
import { pidAlive } from '../runtime/process-info.ts';
import { freePort } from '../runtime/temporal-dev-server.ts';
import { log, onCleanup, startTestTemporal } from './support/env.ts';
import { acceptsConnections } from './support/processes.ts';


const readPid = (file: string) => (fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').split('\n')[0]) : undefined);

describe('an embedded part stopped while it restarts leaves nothing running', function () {
  this.timeout(120_000);
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-parts-'));
    // As root, the embedded PostgreSQL runs as the `postgres` user, who must be able to enter it.
    fs.chmodSync(dataDir, 0o755);
    const dir = dataDir;
    onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
  });

  it('when the dev server is stopped while a restart checks its ports, then the restart starts no server and says why', async () => {
    const dbFile = path.join(dataDir, 'temporal.sqlite');
    const devServer = await startTestTemporal(dbFile);
    // Whatever runs on this file when the test ends was started by it: stopped here.
    onCleanup(async () => {
      const pid = readPid(`${dbFile}.pid`);
      if (pid && pidAlive(pid)) process.kill(pid, 'SIGKILL');
    });
    process.kill(devServer.pid!, 'SIGKILL');
    await devServer.ended();

    const restart = devServer.restart().then(() => 'started', (err: unknown) => describeFailure(err));
    await devServer.stop();
    expect(await restart).to.equal('the dev server is being stopped');
    expect(fs.existsSync(`${dbFile}.pid`)).to.equal(false);
    expect(await acceptsConnections(Number(devServer.address.split(':')[1]))).to.equal(false);
  });

  it('when the embedded PostgreSQL is stopped while it restarts, then stop() waits for the restart and stops what it started', async () => {
    const port = await freePort();
    const pg = await startEmbeddedPostgres(dataDir, port, log);
    const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
    onCleanup(async () => {
      const pid = readPid(pidFile);
      if (pid && pidAlive(pid)) process.kill(pid, 'SIGKILL');
    });
    process.kill(pg.pid!, 'SIGKILL');
    await pg.ended();

    const restart = pg.restart().catch(() => undefined);
    await pg.stop();
    expect(pg.pid).to.equal(undefined);
    expect(fs.existsSync(pidFile)).to.equal(false);
    expect(await acceptsConnections(port)).to.equal(false);
    await restart;
    expect(await acceptsConnections(port)).to.equal(false);
  });
});
