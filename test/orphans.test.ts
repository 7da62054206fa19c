import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { refuseOrphanPostgres } from '../runtime/embedded-postgres.ts';
import { StartRefusedError } from '../runtime/failure.ts';
import { refuseOrphanDevServer } from '../runtime/temporal-dev-server.ts';
import { onCleanup } from './support/env.ts';

/** A live process whose command line ends with `args` (as a dev server's or a postmaster's would), stopped after the test. */
async function processWith(args: string[]): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', ...args], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  onCleanup(async () => {
    child.kill('SIGKILL');
    await exited;
  });
  await new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject));
  return child.pid!;
}

function refusal(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    expect(err).to.be.instanceOf(StartRefusedError);
    return (err as Error).message;
  }
}

describe('orphans of an earlier run are known by what they run on', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-orphans-'));
    const dir = dataDir;
    onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
  });

  it('when the pid file names a dev server of another folder, then it is not taken for this folder\'s (the pid file is stale); on this folder\'s SQLite file, it is', async () => {
    const dbFile = path.join(dataDir, 'temporal.sqlite');
    const other = await processWith(['server', 'start-dev', '--db-filename', path.join(dataDir, 'elsewhere', 'temporal.sqlite')]);
    fs.writeFileSync(`${dbFile}.pid`, String(other));
    expect(refusal(() => refuseOrphanDevServer(dbFile))).to.equal(undefined);
    expect(fs.existsSync(`${dbFile}.pid`)).to.equal(false);

    const ours = await processWith(['server', 'start-dev', '--ip', '127.0.0.1', '--db-filename', dbFile, '--headless']);
    fs.writeFileSync(`${dbFile}.pid`, String(ours));
    expect(refusal(() => refuseOrphanDevServer(dbFile))).to.equal(`A Temporal dev server from an earlier run (pid ${ours}) still runs on ${dbFile}. Stop it (\`kill ${ours}\`), then start again.`);
    expect(fs.existsSync(`${dbFile}.pid`)).to.equal(true);
  });

  it('when postmaster.pid names a PostgreSQL of another folder, then it is not taken for this folder\'s; on this folder, it is', async () => {
    const dir = path.join(dataDir, 'postgres');
    fs.mkdirSync(dir);
    const other = await processWith(['postgres', '-D', `${dir}-copy`, '-p', '5999']);
    fs.writeFileSync(path.join(dir, 'postmaster.pid'), `${other}\n${dir}\n`);
    expect(refusal(() => refuseOrphanPostgres(dataDir))).to.equal(undefined);

    const ours = await processWith(['postgres', '-D', dir, '-p', '5999']);
    fs.writeFileSync(path.join(dir, 'postmaster.pid'), `${ours}\n${dir}\n`);
    expect(refusal(() => refuseOrphanPostgres(dataDir))).to.equal(`An embedded PostgreSQL from an earlier run (pid ${ours}) still runs on ${dir}. Stop it (\`kill ${ours}\`), then start again.`);
  });
});
