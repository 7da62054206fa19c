import { expect } from 'chai';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { spawnHelpdesk, type Spawned } from './support/processes.ts';
import { openTicket, sleep, timeline, waitForEvent } from './support/tickets.ts';
import { fastRulesText } from './fixtures/fast-rules.ts';

describe('durability: the worker dies while a ticket waits on its breach timer', function () {
  this.timeout(180_000);
  let stack: IsolatedStack;
  const workers: Spawned[] = [];

  const startWorkerProcess = async () => {
    const w = spawnHelpdesk(['worker'], { TEMPORAL_ADDRESS: stack.temporalAddress, DATABASE_URL: stack.config.databaseUrl!, HELPDESK_TASK_QUEUE: stack.taskQueue });
    workers.push(w);
    await w.waitForOutput(/Worker polling/);
    return w;
  };

  before(async () => {
    // Response target 3 s; no in-process worker: only the worker processes below run tickets.
    stack = await isolatedStack('breach-crash', fastRulesText({ response: '3s', resolution: '60s', autoCloseAfter: '1h' }), { worker: false });
  });
  after(() => {
    for (const w of workers) w.child.kill('SIGKILL');
  });

  it('when a new worker starts after the deadline has passed, then the breach is handled exactly once, late by no more than the restart took', async () => {
    const first = await startWorkerProcess();
    const number = await openTicket(stack, { title: 'Breach across a crash' });
    const classified = await waitForEvent(stack, number, (e) => e.type === 'classified');
    const dueAt = Date.parse(classified.data.responseDueAt as string);

    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    expect(killedAt).to.be.lessThan(dueAt);
    // Stay down until well past the deadline.
    await sleep(dueAt - Date.now() + 2_000);
    expect((await timeline(stack, number)).map((e) => e.type)).to.not.include('sla_breached');

    await startWorkerProcess();
    const readyAt = Date.now();
    const breach = await waitForEvent(stack, number, (e) => e.type === 'sla_breached' && e.data.clock === 'response', 30_000);
    expect(breach.data.dueAt).to.equal(new Date(dueAt).toISOString());
    // Late by the time no worker ran (deadline → the new worker was ready), plus a task's handling.
    expect(breach.data.lateByMs as number).to.be.at.most(readyAt - dueAt + 2_500);

    await sleep(2_000);
    const events = await timeline(stack, number);
    expect(events.filter((e) => e.type === 'sla_breached' && e.data.clock === 'response')).to.have.length(1);
    expect(events.filter((e) => e.type === 'escalated' && e.data.step === 'to-L2')).to.have.length(1);
    const outbox = await stack.db.tickets.outbox(number);
    expect(outbox.filter((o) => o.kind === 'sla_breached')).to.have.length(2); // team + team_lead, once each
  });
});
