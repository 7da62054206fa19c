import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { acquireDataLock, DataFolderBusyError, LOCK_FILE, readLiveHolder } from '../runtime/data-lock.ts';
import { processStartTime } from '../runtime/process-info.ts';
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

/**
 * Processes that each take the folder's lock when told to ("go <time>": all at that moment),
 * say "won" or "busy", and hold what they won until told to "release" (or killed).
 */
function racers(dataDir: string, count: number) {
  const script = `
    import readline from 'node:readline';
    import { acquireDataLock, DataFolderBusyError } from ${JSON.stringify(path.join(repoRoot, 'runtime/data-lock.ts'))};
    let lock;
    console.log('ready');
    for await (const line of readline.createInterface({ input: process.stdin })) {
      const [word, at] = line.split(' ');
      if (word === 'release') { lock?.release(); lock = undefined; console.log('released'); continue; }
      while (Date.now() < Number(at)) {}
      try {
        lock = acquireDataLock(${JSON.stringify(dataDir)}, { command: 'helpdesk start', shares: true, postgres: 'starting' });
        console.log('won');
      } catch (err) {
        console.log(err instanceof DataFolderBusyError ? 'busy' : 'failed: ' + err.message);
      }
    }`;
  const children: Array<{ child: ChildProcess; next(): Promise<string> }> = [];
  for (let i = 0; i < count; i++) {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    onCleanup(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    // Its answers, one line each, in order.
    const lines: string[] = [];
    const waiting: Array<(line: string) => void> = [];
    let buffered = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const w = waiting.shift();
        if (w) w(line);
        else lines.push(line);
      }
    });
    const next = () => {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      return new Promise<string>((resolve, reject) => {
        waiting.push(resolve);
        void exited.then(() => reject(new Error('a racer exited')));
      });
    };
    children.push({ child, next });
  }
  return {
    children,
    async ready() {
      for (const c of children) expect(await c.next()).to.equal('ready');
    },
    /** All take the lock at once; their answers. */
    async race(): Promise<string[]> {
      const at = Date.now() + 300;
      for (const c of children) c.child.stdin!.write(`go ${at}\n`);
      return Promise.all(children.map((c) => c.next()));
    },
    async releaseAll() {
      for (const c of children) c.child.stdin!.write('release\n');
      for (const c of children) expect(await c.next()).to.equal('released');
    },
  };
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

  it('when several processes find the same stale lock at once, then exactly one of them takes it', async function () {
    this.timeout(120_000);
    const group = racers(dataDir, 4);
    await group.ready();
    const file = path.join(dataDir, LOCK_FILE);
    const start = processStartTime(process.pid);
    for (let round = 0; round < 15; round++) {
      // Left by a process that is gone: this pid is alive, but started at another time.
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid, command: 'helpdesk start', shares: true, postgres: 'starting', startedAt: `round ${round}`, processStart: `${start}0` }));
      const answers = await group.race();
      expect(answers.filter((a) => a === 'won'), `round ${round}: ${answers.join(', ')}`).to.have.length(1);
      expect(answers.filter((a) => a !== 'won').every((a) => a === 'busy'), answers.join(', ')).to.equal(true);
      // The lock on disk is the winner's, whole.
      const winner = group.children[answers.indexOf('won')]!.child.pid;
      expect(readLiveHolder(dataDir)?.pid, `round ${round}`).to.equal(winner);
      await group.releaseAll();
      expect(fs.readdirSync(dataDir)).to.deep.equal([]);
    }
  });

  it('when a process stopped midway through replacing a stale lock, then its break lock does not keep the folder locked', () => {
    const file = path.join(dataDir, LOCK_FILE);
    const start = processStartTime(process.pid);
    fs.writeFileSync(file, JSON.stringify({ pid: process.pid, command: 'helpdesk start', shares: true, postgres: 'starting', startedAt: 'earlier', processStart: `${start}0` }));
    fs.writeFileSync(`${file}.break`, JSON.stringify({ pid: process.pid, startedAt: 'earlier', processStart: `${start}0` }));
    const lock = acquireDataLock(dataDir, { command: 'helpdesk start', shares: true, postgres: 'starting' });
    expect(readLiveHolder(dataDir)?.startedAt).to.equal(lock.info.startedAt);
    lock.release();
    expect(fs.readdirSync(dataDir)).to.deep.equal([]);
  });

  it('when a lock names a live pid without saying when its process started, then it is stale (that pid is another process now)', () => {
    expect(processStartTime(process.pid), 'this test needs /proc').to.be.a('string');
    fs.writeFileSync(path.join(dataDir, LOCK_FILE), JSON.stringify({ pid: process.pid, command: 'helpdesk start', shares: true, postgres: 'starting', startedAt: new Date(0).toISOString() }));
    expect(readLiveHolder(dataDir)).to.equal(undefined);
    acquireDataLock(dataDir, { command: 'helpdesk start', shares: true, postgres: 'starting' }).release();
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
