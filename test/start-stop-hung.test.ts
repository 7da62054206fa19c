import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startHelpdesk } from '../runtime/start.ts';
import { freePort } from '../runtime/temporal-dev-server.ts';
import { freshDatabaseUrl, onCleanup, startTestTemporal, testConfig } from './support/env.ts';

describe('helpdesk start stops in bounded time while the Temporal server hangs', function () {
  this.timeout(120_000);

  it('when the Temporal server hangs, then stopping waits for the worker only for its grace, says so, and goes on in order', async () => {
    const temporal = await startTestTemporal();
    onCleanup(() => temporal.stop());
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-hung-'));
    onCleanup(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    // The local mail server on a free port, keeping its mail in a folder of the test's own.
    const config = testConfig({ DATABASE_URL: await freshDatabaseUrl('hung'), TEMPORAL_ADDRESS: temporal.address, PORT: String(await freePort()), HELPDESK_DATA_DIR: dataDir, HELPDESK_MAIL_SINK_PORT: '0' });
    const lines: string[] = [];
    const running = await startHelpdesk(config, (l) => lines.push(l), { workerStopGraceMs: 2_000 });
    onCleanup(() => running.stop());

    process.kill(temporal.pid!, 'SIGSTOP');
    try {
      const from = lines.length;
      const t0 = Date.now();
      await running.stop();
      // The SDK alone would wait 30 s for the hung server.
      expect(Date.now() - t0).to.be.below(10_000);
      expect(lines.slice(from)).to.deep.equal([
        '  web stopped',
        '  worker still stopping after 2 s (the Temporal server does not answer); going on without it',
        '  mail server stopped',
        '  database closed',
      ]);
    } finally {
      process.kill(temporal.pid!, 'SIGCONT');
    }
  });
});
