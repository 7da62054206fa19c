/**
 * `helpdesk start` as a child process, as an operator runs it: a data folder of its own, free
 * ports for everything it listens on, the embedded PostgreSQL (no DATABASE_URL). Stopped with
 * SIGTERM; should that not end it, it and the dev server and PostgreSQL it started are killed,
 * so a failing test leaves nothing running.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../runtime/temporal-dev-server.ts';
import { pidAlive } from '../../runtime/data-lock.ts';
import { spawnHelpdesk, waitFor, type Spawned } from './processes.ts';

export interface StartedHelpdesk {
  proc: Spawned;
  /** The portal's base URL, without a trailing slash. */
  url: string;
  dataDir: string;
  /** The environment it runs with, for commands beside it (same folder). */
  env: Record<string, string>;
  /** The demo L1 agent's API token (when started with the demo seed). */
  demoToken: string | undefined;
  devServerPid(): number;
  postmasterPid(): number;
  /** Stops it (SIGTERM) and, if need be, kills what it started; the data folder stays. */
  stop(): Promise<void>;
  /** Stops it and removes the data folder. */
  dispose(): Promise<void>;
}

/** The environment of a `helpdesk start` on a fresh folder with free ports; no DATABASE_URL, no TEMPORAL_ADDRESS. */
export async function helpdeskEnv(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-start-'));
  // As root, the embedded PostgreSQL runs as the `postgres` user, who must be able to enter it.
  fs.chmodSync(dataDir, 0o755);
  return {
    HELPDESK_DATA_DIR: dataDir,
    PORT: String(await freePort()),
    TEMPORAL_DEV_PORT: String(await freePort()),
    TEMPORAL_DEV_UI_PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    HELPDESK_MAIL_SINK_PORT: String(await freePort()),
    DATABASE_URL: '',
    TEMPORAL_ADDRESS: '',
    HELPDESK_SEED_DEMO: 'false',
    ...extra,
  };
}

const readPid = (file: string): number => Number(fs.readFileSync(file, 'utf8').split('\n')[0]);

export async function startHelpdeskProcess(extra: Record<string, string> = {}): Promise<StartedHelpdesk> {
  const env = await helpdeskEnv(extra);
  const dataDir = env.HELPDESK_DATA_DIR!;
  const proc = spawnHelpdesk(['start'], env);
  const devServerPid = () => readPid(path.join(dataDir, 'temporal.sqlite.pid'));
  const postmasterPid = () => readPid(path.join(dataDir, 'postgres', 'postmaster.pid'));
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      const children: number[] = [];
      for (const pid of [devServerPid, postmasterPid]) {
        try {
          children.push(pid());
        } catch {
          // not started
        }
      }
      if (proc.child.exitCode === null && proc.child.signalCode === null) {
        proc.child.kill('SIGTERM');
        const timer = setTimeout(() => proc.child.kill('SIGKILL'), 30_000);
        await proc.exited;
        clearTimeout(timer);
      }
      // What it started and did not stop (it was killed, say) is stopped here: this test started it.
      for (const pid of children) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
      await waitFor('its processes to end', async () => children.every((pid) => !pidAlive(pid)), 10_000).catch(() => undefined);
    })();
    return stopped;
  };
  const dispose = async () => {
    await stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await proc.waitForOutput(/Press Ctrl-C to stop\./, 120_000);
  } catch (err) {
    await dispose();
    throw err;
  }
  const demoToken = /API token of the demo L1 agent \(shown once\): (hd_\S+)/.exec(proc.output())?.[1];
  return { proc, url: `http://127.0.0.1:${env.PORT}`, dataDir, env, demoToken, devServerPid, postmasterPid, stop, dispose };
}
