import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { supervise, type Supervised } from '../runtime/supervisor.ts';

/** A real child process as a part: `node -e <code>`; it ends when the code ends. */
function processPart(name: string, codes: string[]): Supervised & { starts: number; current(): ChildProcess } {
  let child: ChildProcess;
  let ended: Promise<string>;
  const launch = () => {
    const code = codes[Math.min(part.starts, codes.length - 1)]!;
    part.starts++;
    child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
    ended = new Promise((resolve) => child.once('exit', (c, s) => resolve(`exited (${s ? `signal ${s}` : `code ${c}`})`)));
  };
  const part = {
    name,
    starts: 0,
    current: () => child,
    ended: () => ended,
    async restart() {
      launch();
      // "Started" once it has run for a moment without ending.
      const early = await Promise.race([ended, new Promise<undefined>((r) => setTimeout(() => r(undefined), 150))]);
      if (early) throw new Error(`it ${early} at once`);
    },
  };
  launch();
  return part;
}

describe('supervision of the parts helpdesk start runs', () => {
  it('when a part is killed, then it is restarted and its restart logged; when it cannot stay up, it is given up with the reason', async () => {
    const lines: string[] = [];
    // Runs until killed the first time; every later start fails at once.
    const part = processPart('Test server', ['setInterval(() => {}, 1000)', 'process.exit(3)']);
    const reasons: string[] = [];
    const gaveUp = new Promise<void>((resolve) => {
      supervise([part], { log: (l) => lines.push(l), onGiveUp: (r) => { reasons.push(r); resolve(); }, policy: { firstDelayMs: 20, maxAttempts: 3 } });
    });
    part.current().kill('SIGKILL');
    await gaveUp;
    expect(lines).to.deep.equal([
      'Test server exited (signal SIGKILL); restarting (attempt 1)…',
      'Test server did not start again (it exited (code 3) at once); restarting (attempt 2)…',
      'Test server did not start again (it exited (code 3) at once); restarting (attempt 3)…',
    ]);
    expect(reasons).to.deep.equal(['Test server did not start again (it exited (code 3) at once); it could not be kept running (3 restarts within 120 s).']);
    expect(part.starts).to.equal(4);
  });

  it('when a restarted part runs again, then supervision goes on for its next exit, and stop() ends it', async () => {
    const lines: string[] = [];
    const part = processPart('Test server', ['setInterval(() => {}, 1000)']);
    const supervisor = supervise([part], { log: (l) => lines.push(l), onGiveUp: (r) => lines.push(`gave up: ${r}`), policy: { firstDelayMs: 20 } });
    for (let i = 1; i <= 2; i++) {
      part.current().kill('SIGKILL');
      while (lines.length < 2 * i) await new Promise((r) => setTimeout(r, 20));
    }
    expect(lines).to.deep.equal([
      'Test server exited (signal SIGKILL); restarting (attempt 1)…',
      'Test server is running again.',
      'Test server exited (signal SIGKILL); restarting (attempt 2)…',
      'Test server is running again.',
    ]);
    supervisor.stop();
    part.current().kill('SIGKILL');
    await part.ended();
    await new Promise((r) => setTimeout(r, 100));
    expect(lines).to.have.length(4);
  });
});
