import { expect } from 'chai';
import { openDatabase, startWeb } from '../runtime/stack.ts';
import { freshDatabaseUrl, log, onCleanup, startTestTemporal, runTestWorker, testConfig } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';
import { apiToken } from './support/users.ts';
import { fastRulesText } from './fixtures/fast-rules.ts';

describe('long-lived tickets: continue-as-new carries the whole state', function () {
  this.timeout(180_000);

  it('when a ticket’s history grows past the server’s suggestion, then it continues as new and keeps its status, people, clocks and timeline', async () => {
    // A dev server that suggests continue-as-new after 60 history events instead of thousands.
    const server = await startTestTemporal(undefined, undefined, ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=60']);
    onCleanup(() => server.stop());
    const config = testConfig({ DATABASE_URL: await freshDatabaseUrl('can'), TEMPORAL_ADDRESS: server.address, HELPDESK_TASK_QUEUE: 'can' });
    const db = await openDatabase(config, log);
    onCleanup(() => db.close());
    const published = await db.rules.publish(fastRulesText({ response: '1h', resolution: '2h', autoCloseAfter: '1h' }), { author: 'test', comment: 'hour-scale targets' });
    expect(published.ok).to.equal(true);
    await runTestWorker(config, server.address, db);
    const web = await startWeb(config, server.address, db, log, { host: '127.0.0.1', port: 0 });
    onCleanup(() => web.close());
    const token = await apiToken(db, 'agent@example.com', 'agent');
    await apiToken(db, 'l1.agent@example.com', 'agent'); // the assignee: an agent of the directory
    const call = (method: string, path: string, body?: unknown) => request(web.url, method, path, { token, ...(body ? { body } : {}) });

    const created = await call('POST', '/api/v1/tickets', { title: 'A long story', description: 'many comments', requesterEmail: 'r@example.com' });
    expect(created.status).to.equal(201);
    const number: string = created.body.number;
    await waitFor('classification', async () => (await db.tickets.get(number))?.sla);
    expect((await call('POST', `/api/v1/tickets/${number}/actions/assign`, { assignee: 'l1.agent@example.com' })).status).to.equal(200);
    expect((await call('POST', `/api/v1/tickets/${number}/actions/start`, {})).status).to.equal(200);
    const before = await db.tickets.get(number);

    const handle = web.client.workflow.getHandle(`ticket-${number}`);
    const firstRun = (await handle.describe()).runId;
    for (let i = 1; i <= 25; i++) {
      expect((await call('POST', `/api/v1/tickets/${number}/actions/comment`, { message: `note ${i}` })).status).to.equal(200);
    }
    const secondRun = await waitFor('a new run', async () => {
      const d = await handle.describe();
      return d.runId !== firstRun ? d.runId : undefined;
    }, 30_000);
    expect(secondRun).to.be.a('string');

    // The new run answers with everything the old one knew, and goes on numbering events.
    const after = await call('POST', `/api/v1/tickets/${number}/actions/set_pending`, { reason: 'waiting for a part' });
    expect(after.status).to.equal(200);
    expect(after.body).to.include({ status: 'pending', assignee: 'l1.agent@example.com', priority: before!.priority, rulesVersion: 2 });
    expect(after.body.sla.resolutionTargetMs).to.equal(before!.sla!.resolutionTargetMs);
    expect(after.body.sla.paused).to.equal(true);
    expect(after.body.lastEventSeq).to.equal(before!.lastEventSeq + 26);
    const seqs = after.body.timeline.map((e: { seq: number }) => e.seq);
    expect(seqs).to.deep.equal(seqs.map((_: number, i: number) => i + 1));
    const sla = await call('GET', `/api/v1/tickets/${number}/sla`);
    expect(sla.body.clocks.find((c: { name: string }) => c.name === 'resolution')).to.include({ paused: true, breached: false });
  });
});
