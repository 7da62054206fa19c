import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { openDatabase, startWeb } from '../runtime/stack.ts';
import { freshDatabaseUrl, log, onCleanup, startTestTemporal, runTestWorker, testConfig } from './support/env.ts';
import { request } from './support/http.ts';
import { apiToken } from './support/users.ts';

describe('faults: Temporal is down when a problem is reported', function () {
  this.timeout(180_000);

  it('when Temporal cannot be reached, then 503 says to try again, and the retry with the same key gets the same ticket', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-down-'));
    onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
    let server = await startTestTemporal(path.join(dir, 't.sqlite'));
    const port = Number(server.address.split(':')[1]);
    const config = testConfig({ DATABASE_URL: await freshDatabaseUrl('down'), TEMPORAL_ADDRESS: server.address, HELPDESK_TASK_QUEUE: 'down-test' });
    const db = await openDatabase(config, log);
    onCleanup(() => db.close());
    const token = await apiToken(db, 'agent@example.com', 'agent');

    const web = await startWeb(config, server.address, db, log, { host: '127.0.0.1', port: 0 });
    onCleanup(() => web.close());
    await server.stop();

    const report = { title: 'Printer on fire', description: 'Smoke from tray 2', requesterEmail: 'r@example.com' };
    const down = await request(web.url, 'POST', '/api/v1/tickets', { token, body: report, headers: { 'Idempotency-Key': 'fire-1', 'Accept-Language': 'pl' } });
    expect(down.status).to.equal(503);
    expect(down.body.error).to.deep.equal({ code: 'UNAVAILABLE', message: 'Helpdesk nie może teraz obsłużyć tego żądania. Nic nie zginęło; spróbuj ponownie za chwilę.' });
    const [reserved] = await db.sequelize.query<{ ticket_number: string }>(`SELECT ticket_number FROM intake_requests WHERE idempotency_key = 'fire-1'`, { type: QueryTypes.SELECT });
    expect(reserved!.ticket_number).to.match(/^HD-\d{4}-000001$/);

    server = await startTestTemporal(path.join(dir, 't.sqlite'), port);
    onCleanup(() => server.stop());
    await runTestWorker(config, server.address, db);

    const retry = await request(web.url, 'POST', '/api/v1/tickets', { token, body: report, headers: { 'Idempotency-Key': 'fire-1' } });
    expect(retry.status).to.equal(201);
    expect(retry.body.number).to.equal(reserved!.ticket_number);
    expect(retry.body.timeline.map((e: { type: string }) => e.type)[0]).to.equal('created');
  });
});
