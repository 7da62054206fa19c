import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { createTicket } from '../services/tickets/intake.ts';
import { getEnv, type TestEnv } from './support/env.ts';
import { spawnHelpdesk, waitFor, type Spawned } from './support/processes.ts';

describe('durability: the worker dies in the middle of a ticket’s first step', function () {
  this.timeout(180_000);
  const taskQueue = 'crash-test-queue';
  let env: TestEnv;
  const workers: Spawned[] = [];

  const startWorkerProcess = async () => {
    const w = spawnHelpdesk(['worker'], { TEMPORAL_ADDRESS: env.temporalAddress, DATABASE_URL: env.config.databaseUrl!, HELPDESK_TASK_QUEUE: taskQueue });
    workers.push(w);
    await w.waitForOutput(/Worker polling/);
    return w;
  };

  before(async () => {
    env = await getEnv();
  });
  after(() => {
    for (const w of workers) w.child.kill('SIGKILL');
  });

  it('when the worker is killed while writing the new ticket and another starts, then the ticket is recorded exactly once and goes on', async () => {
    const first = await startWorkerProcess();

    // Hold the read model's table so the worker's first write waits in the database.
    const blocker = await env.db.sequelize.transaction();
    await env.db.sequelize.query('LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE', { transaction: blocker });

    const intake = await createTicket(
      { tickets: env.db.tickets, vault: env.db.vault, temporal: env.client, taskQueue, ticketPrefix: 'HD', intakeWaitMs: 0 },
      { title: 'Crash in the middle', description: 'worker dies during the projection write', requesterEmail: 'crash@example.com' },
      { language: 'en' },
    );
    expect(intake.kind).to.equal('accepted');
    const number = intake.kind === 'accepted' ? intake.number : '';

    // The first step is under way: the worker's projection (one statement that inserts into
    // tickets, db/tickets-repo.ts) is waiting on our lock. Whatever happens, the lock is let go.
    try {
      await waitFor('the worker’s write to be in flight', async () => {
        const rows = await env.db.sequelize.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO tickets%' AND pid <> pg_backend_pid()`,
          { type: QueryTypes.SELECT },
        );
        return Number(rows[0]!.n) > 0;
      });
      first.child.kill('SIGKILL');
      await first.exited;
    } finally {
      await blocker.commit();
    }
    expect(await env.db.tickets.get(number)).to.equal(undefined);

    await startWorkerProcess();
    const ticket = await waitFor('the ticket to be recorded by the new worker', () => env.db.tickets.get(number), 60_000);
    expect(ticket.status).to.equal('new');
    expect(ticket.timeline[0]).to.include({ seq: 1, type: 'created', actor: 'crash@example.com' });
    expect(await env.db.tickets.countEvents(number, 'created')).to.equal(1);

    // History holds exactly one completed write of the created event (a local activity's marker),
    // and the workflow went on to its next step.
    // (The marker lands when the workflow task completes, a moment after the write: wait for the next step first.)
    await waitFor('classification', async () => (await env.db.tickets.get(number))?.priority);
    const history = await env.client.workflow.getHandle(`ticket-${number}`).fetchHistory();
    const markers = history.events!.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity');
    expect(markers.length).to.be.greaterThanOrEqual(1);
    expect((await env.db.tickets.get(number))!.timeline.map((e) => e.type).slice(0, 2)).to.deep.equal(['created', 'classified']);
    expect(await env.db.tickets.countEvents(number, 'created')).to.equal(1);
    const desc = await env.client.workflow.getHandle(`ticket-${number}`).describe();
    expect(desc.status.name).to.equal('RUNNING');
  });
});
