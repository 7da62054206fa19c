import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DevServer } from '../runtime/temporal-dev-server.ts';
import { openDatabase, startWeb, startWorker, type Database, type WebServer } from '../runtime/stack.ts';
import type { Worker } from '@temporalio/worker';
import { freshDatabaseUrl, log, onCleanup, startTestTemporal, testConfig, workflowBundle } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';
import { apiToken } from './support/users.ts';

describe('durability: the Temporal dev server stops and starts again on the same SQLite file', function () {
  this.timeout(180_000);

  it('when the server comes back, then open tickets are still there and go on', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-temporal-'));
    onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const dbFile = path.join(dir, 'temporal.sqlite');
    // The first start picks a free port; the restart reuses it, as a real restart would.
    let port: number | undefined;
    const config = testConfig({ DATABASE_URL: await freshDatabaseUrl('restart'), HELPDESK_TASK_QUEUE: 'restart-test' });
    const db: Database = await openDatabase(config, log);
    onCleanup(() => db.close());
    const bundle = await workflowBundle();

    const up = async (): Promise<{ server: DevServer; worker: Worker; running: Promise<void>; web: WebServer }> => {
      const server = await startTestTemporal(dbFile, port);
      port = Number(server.address.split(':')[1]);
      const { worker, done: running } = await startWorker(config, server.address, db, bundle);
      const web = await startWeb(config, server.address, db, log, { host: '127.0.0.1', port: 0 });
      return { server, worker, running, web };
    };
    const down = async (s: Awaited<ReturnType<typeof up>>) => {
      await s.web.close();
      s.worker.shutdown();
      await s.running;
      await s.server.stop();
    };

    const token = await apiToken(db, 'lead@example.com', 'agent');
    await apiToken(db, 'l1.agent@example.com', 'agent'); // the assignee: an agent of the directory
    const first = await up();
    const created = await request(first.web.url, 'POST', '/api/v1/tickets', {
      body: { title: 'Before the restart', description: 'opened while the server ran', requesterEmail: 'restart@example.com', impact: 'medium', urgency: 'medium' },
      token,
    });
    expect(created.status).to.equal(201);
    const number: string = created.body.number;
    await down(first);

    const second = await up();
    onCleanup(() => down(second));
    const handle = second.web.client.workflow.getHandle(`ticket-${number}`);
    expect((await handle.describe()).status.name).to.equal('RUNNING');
    const got = await request(second.web.url, 'GET', `/api/v1/tickets/${number}`, { token });
    expect(got.status).to.equal(200);
    expect(got.body.status).to.equal('new');
    // Classification is its next step, whether or not it ran before the restart.
    const classified = await waitFor('classification', async () => (await db.tickets.get(number))?.priority);
    expect(classified).to.equal('P3');

    // It goes on: an agent takes it, and the workflow records that.
    const assigned = await request(second.web.url, 'POST', `/api/v1/tickets/${number}/actions/assign`, { body: { assignee: 'l1.agent@example.com' }, token });
    expect(assigned.status).to.equal(200);
    expect(assigned.body).to.include({ status: 'assigned', assignee: 'l1.agent@example.com' });
    expect(assigned.body.timeline.map((e: { type: string }) => e.type)).to.deep.equal(['created', 'classified', 'assigned']);

    // A new ticket after the restart gets the next number and is recorded too.
    const next = await request(second.web.url, 'POST', '/api/v1/tickets', {
      body: { title: 'After the restart', description: 'opened after', requesterEmail: 'restart@example.com' },
      token,
    });
    expect(next.status).to.equal(201);
    expect(Number(next.body.number.slice(-6))).to.equal(Number(number.slice(-6)) + 1);
  });
});
