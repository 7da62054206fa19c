import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireDataLock, DataFolderBusyError, LOCK_FILE, processStartTime, readLiveHolder } from '../runtime/data-lock.ts';
import { onCleanup } from './support/env.ts';
import { repoRoot } from './support/processes.ts';

/** Another process that takes the folder's lock as `helpdesk start` would, and holds it until killed. */
function holdInChild(dataDir: string) {
  const script = `
    import { acquireDataLock } from ${JSON.stringify(path.join(repoRoot, 'runtime/data-lock.ts'))};
    acquireDataLock(${JSON.stringify(dataDir)}, { command: 'helpdesk start', shares: true, portal: 'http://127.0.0.1:3999/', postgres: 'starting' });
    console.log('held');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const held = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
    void exited.then(() => reject(new Error('the lock holder exited')));
  });
  return { child, held, exited };
}

describe('the data folder lock', function () {
  this.timeout(30_000);
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-lock-'));
    const dir = dataDir;
    onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
  });

  it('when another live process holds it, then taking it is refused naming that pid and portal; once that process is killed, the lock is stale and taken', async () => {
    const holder = holdInChild(dataDir);
    await holder.held;
    let refused: unknown;
    try {
      acquireDataLock(dataDir, { command: 'helpdesk start', shares: true, postgres: 'starting' });
    } catch (err) {
      refused = err;
    }
    expect(refused).to.be.instanceOf(DataFolderBusyError);
    expect((refused as Error).message).to.equal(`A helpdesk is already running from this folder (pid ${holder.child.pid}, portal http://127.0.0.1:3999/). Stop it first, or use another HELPDESK_DATA_DIR.\n(data folder: ${dataDir})`);
    expect((refused as DataFolderBusyError).exitCode).to.equal(2);

    holder.child.kill('SIGKILL');
    await holder.exited;
    // Killed, it could not remove its lock file: the file is there, but nobody holds it.
    expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).to.equal(true);
    expect(readLiveHolder(dataDir)).to.equal(undefined);
    const lock = acquireDataLock(dataDir, { command: 'helpdesk token create', shares: false, postgres: 'starting' });
    expect(readLiveHolder(dataDir)).to.include({ pid: process.pid, command: 'helpdesk token create' });
    lock.update({ postgres: { url: 'postgres://x@127.0.0.1:5/x', port: 5 } });
    expect(readLiveHolder(dataDir)?.postgres).to.deep.equal({ url: 'postgres://x@127.0.0.1:5/x', port: 5 });
    lock.release();
    expect(fs.existsSync(path.join(dataDir, LOCK_FILE))).to.equal(false);
  });

  it('when the pid in a lock now belongs to another process (pid reuse), then the lock is stale', () => {
    const start = processStartTime(process.pid);
    expect(start, 'this test needs /proc').to.be.a('string');
    const info = { pid: process.pid, command: 'helpdesk start', shares: true, postgres: 'starting', startedAt: new Date(0).toISOString(), processStart: String(Number(start) - 1) };
    fs.writeFileSync(path.join(dataDir, LOCK_FILE), JSON.stringify(info));
    expect(readLiveHolder(dataDir)).to.equal(undefined);
    acquireDataLock(dataDir, { command: 'helpdesk start', shares: true, postgres: 'starting' }).release();
  });
});
