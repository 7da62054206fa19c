import { expect } from 'chai';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../runtime/temporal-dev-server.ts';
import { startHelpdesk, type Running } from '../runtime/start.ts';
import { freshDatabaseUrl, onCleanup, testConfig } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';

describe('helpdesk start gives up on a part that cannot come back', function () {
  this.timeout(90_000);

  it('when the dev server dies and its port is taken meanwhile, then each restart says why, and after the last everything stops in order', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-giveup-'));
    onCleanup(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const config = testConfig({
      HELPDESK_DATA_DIR: dataDir,
      DATABASE_URL: await freshDatabaseUrl('giveup'),
      PORT: String(await freePort()),
      TEMPORAL_DEV_PORT: String(await freePort()),
      TEMPORAL_DEV_UI_PORT: String(await freePort()),
      HELPDESK_MAIL_SINK_PORT: '0',
    });
    const lines: string[] = [];
    const running: Running = await startHelpdesk(config, (l) => lines.push(l), { policy: { firstDelayMs: 1_000, maxAttempts: 2 } });
    onCleanup(() => running.stop());
    const devServer = running.temporal.devServer!;

    // Something else takes the port the moment the dev server is gone (and hangs up on whoever calls).
    const squatter = net.createServer((socket) => socket.destroy());
    onCleanup(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
    process.kill(devServer.pid!, 'SIGKILL');
    await waitFor('the port to be free', () => new Promise<boolean>((resolve) => {
      squatter.once('error', () => resolve(false));
      squatter.listen(config.temporal.devServerPort, '127.0.0.1', () => resolve(true));
    }), 10_000, 10);

    const reason = await running.gaveUp;
    const port = config.temporal.devServerPort;
    expect(lines).to.include('Temporal dev server exited (signal SIGKILL); restarting (attempt 1)…');
    expect(lines).to.include(`Temporal dev server did not start again (Port ${port} (Temporal dev server) is already in use by another program. Stop that program, or set TEMPORAL_DEV_PORT to a free port, or TEMPORAL_ADDRESS to use a server that already runs.); restarting (attempt 2)…`);
    expect(reason).to.equal(`Temporal dev server did not start again (Port ${port} (Temporal dev server) is already in use by another program. Stop that program, or set TEMPORAL_DEV_PORT to a free port, or TEMPORAL_ADDRESS to use a server that already runs.); it could not be kept running (2 restarts within 120 s).`);

    // The web process still answers while it is told to stop, naming what is down.
    const health = await request(running.web.url, 'GET', '/healthz');
    expect(health.body).to.deep.equal({ status: 'degraded', postgres: 'ok', temporal: 'down', workers: 'unknown' });

    const from = lines.length;
    await running.stop();
    expect(lines.slice(from)).to.deep.equal(['  web stopped', '  worker stopped', '  mail server stopped', '  database closed', '  dev server stopped']);
    expect(fs.existsSync(path.join(dataDir, 'helpdesk.lock'))).to.equal(false);
  });
});
