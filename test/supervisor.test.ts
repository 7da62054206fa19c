import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { supervise, type Supervised } from '../runtime/supervisor.ts';

const READY = 'console.log("ready"); setInterval(() => {}, 1000)';
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A real child process as a part: `node -e <code>`; it ends when the code ends, and it has
 * started once it prints "ready" (one that ends first did not start).
 */
function processPart(name: string, codes: string[], opts: { slowStartMs?: number } = {}): Supervised & { starts: number; restarting: boolean; current(): ChildProcess; first(): Promise<void> } {
  let child: ChildProcess;
  let ended: Promise<string>;
  const launch = async () => {
    const code = codes[Math.min(part.starts, codes.length - 1)]!;
    part.starts++;
    child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
    ended = new Promise((resolve) => child.once('exit', (c, s) => resolve(`exited (${s ? `signal ${s}` : `code ${c}`})`)));
    const ready = new Promise<undefined>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(undefined)));
    const early = await Promise.race([ended, ready]);
    if (early) throw new Error(`it ${early} before it was ready`);
  };
  const part = {
    name,
    starts: 0,
    restarting: false,
    current: () => child,
    ended: () => ended,
    async restart() {
      part.restarting = true;
      try {
        if (opts.slowStartMs) await delay(opts.slowStartMs);
        await launch();
      } finally {
        part.restarting = false;
      }
    },
    first: () => launch(),
  };
  return part;
}

async function startedPart(...args: Parameters<typeof processPart>) {
  const part = processPart(...args);
  await part.first();
  return part;
}

async function until(what: string, test: () => boolean): Promise<void> {
  for (let i = 0; !test(); i++) {
    if (i > 500) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

describe('supervision of the parts helpdesk start runs', () => {
  it('when a part is killed, then it is restarted and its restart logged; when it cannot stay up, it is given up with the reason', async () => {
    const lines: string[] = [];
    // Runs until killed the first time; every later start fails at once.
    const part = await startedPart('Test server', [READY, 'process.exit(3)']);
    const reasons: string[] = [];
    const gaveUp = new Promise<void>((resolve) => {
      supervise([part], { log: (l) => lines.push(l), onGiveUp: (r) => { reasons.push(r); resolve(); }, policy: { firstDelayMs: 20, maxAttempts: 3 } });
    });
    part.current().kill('SIGKILL');
    await gaveUp;
    expect(lines).to.deep.equal([
      'Test server exited (signal SIGKILL); restarting (attempt 1)…',
      'Test server did not start again (it exited (code 3) before it was ready); restarting (attempt 2)…',
      'Test server did not start again (it exited (code 3) before it was ready); restarting (attempt 3)…',
    ]);
    expect(reasons).to.deep.equal(['Test server did not start again (it exited (code 3) before it was ready); it could not be kept running (3 restarts within 120 s).']);
    expect(part.starts).to.equal(4);
  });

  it('when a restarted part runs again, then supervision goes on for its next exit, and stop() ends it', async () => {
    const lines: string[] = [];
    const part = await startedPart('Test server', [READY]);
    const supervisor = supervise([part], { log: (l) => lines.push(l), onGiveUp: (r) => lines.push(`gave up: ${r}`), policy: { firstDelayMs: 20 } });
    for (let i = 1; i <= 2; i++) {
      part.current().kill('SIGKILL');
      await until(`restart ${i}`, () => lines.length >= 2 * i);
    }
    expect(lines).to.deep.equal([
      'Test server exited (signal SIGKILL); restarting (attempt 1)…',
      'Test server is running again.',
      'Test server exited (signal SIGKILL); restarting (attempt 2)…',
      'Test server is running again.',
    ]);
    await supervisor.stop();
    part.current().kill('SIGKILL');
    await part.ended();
    await delay(100);
    expect(lines).to.have.length(4);
  });

  it('when it is stopped while a restart is under way, then stop() waits for that restart to end, so what it started is there to be stopped; nothing is logged after', async () => {
    const lines: string[] = [];
    const part = await startedPart('Test server', [READY], { slowStartMs: 300 });
    const supervisor = supervise([part], { log: (l) => lines.push(l), onGiveUp: (r) => lines.push(`gave up: ${r}`), policy: { firstDelayMs: 1 } });
    part.current().kill('SIGKILL');
    await until('the restart to begin', () => part.restarting);
    await supervisor.stop();
    expect(part.restarting).to.equal(false);
    expect(part.starts).to.equal(2);
    // The shutdown stops the part it restarted, as it would any other.
    const restarted = part.current();
    expect(restarted.exitCode).to.equal(null);
    restarted.kill('SIGTERM');
    await part.ended();
    await delay(100);
    expect(lines).to.deep.equal(['Test server exited (signal SIGKILL); restarting (attempt 1)…']);
  });

  it('when a restart fails because it was stopped midway, then no further attempt is logged or made', async () => {
    const lines: string[] = [];
    const part = await startedPart('Test server', [READY, 'process.exit(3)'], { slowStartMs: 300 });
    const supervisor = supervise([part], { log: (l) => lines.push(l), onGiveUp: (r) => lines.push(`gave up: ${r}`), policy: { firstDelayMs: 1 } });
    part.current().kill('SIGKILL');
    await until('the restart to begin', () => part.restarting);
    await supervisor.stop();
    await until('the restart to end', () => !part.restarting);
    await delay(100);
    expect(lines).to.deep.equal(['Test server exited (signal SIGKILL); restarting (attempt 1)…']);
    expect(part.starts).to.equal(2);
  });
});
