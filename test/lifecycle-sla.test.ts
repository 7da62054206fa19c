/* eslint-disable @typescript-eslint/no-explicit-any -- API responses are inspected field by field */
import { expect } from 'chai';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { act, openTicket, sleep, timeline, waitForEvent } from './support/tickets.ts';
import { fastRulesText } from './fixtures/fast-rules.ts';
import { slaQuery } from '../workflows/messages.ts';

// Every policy: response 4 s, resolution 12 s, warnings at 50 %, 24×7; quiet period 3 s.
describe('ticket lifecycle on the real dev server, with second-scale SLA targets', function () {
  this.timeout(120_000);
  let stack: IsolatedStack;

  before(async () => {
    stack = await isolatedStack('lifecycle', fastRulesText());
    // Tickets are assigned to agents of the directory only.
    await stack.tokenFor('l1.agent@example.com', 'agent');
  });

  it('when a P1 is left unanswered, then it is warned, breaches, and moves L1 → L2 → L3 as its ladder says', async () => {
    const number = await openTicket(stack, { title: 'Production database down', impact: 'high', urgency: 'high' });
    await waitForEvent(stack, number, (e) => e.type === 'sla_breached' && e.data.clock === 'resolution', 20_000);
    await sleep(300);
    const events = await timeline(stack, number);
    const summary = events.map((e) => [e.type, e.data.clock ?? null, e.data.step ?? null, e.data.toTier ?? null]);
    expect(summary).to.deep.equal([
      ['created', null, null, null],
      ['classified', null, null, null],
      ['sla_warning', 'response', null, null],
      ['escalation_notified', 'response', 'warn-lead', 'L1'],
      ['sla_breached', 'response', null, null],
      ['escalated', 'response', 'to-L2', 'L2'],
      ['sla_warning', 'resolution', null, null],
      ['escalated', 'resolution', 'to-L3', 'L3'],
      ['sla_breached', 'resolution', null, null],
      ['escalation_notified', 'resolution', 'resolution-breach', 'L3'],
    ]);
    const classified = events[1]!;
    expect(classified.data).to.include({ priority: 'P1', tier: 'L1', ladder: 'p1-major', rulesVersion: 2 });
    const toL2 = events[5]!;
    expect(toL2.actor).to.equal('ladder');
    expect(toL2.reason).to.equal('ladder p1-major step to-L2');
    expect(toL2.data).to.include({ by: 'ladder', ladder: 'p1-major', step: 'to-L2', fromTier: 'L1', toTier: 'L2', team: 'infrastructure' });
    const ticket = await stack.db.tickets.get(number);
    expect(ticket).to.include({ tier: 'L3', teamId: 'engineering', priority: 'P1' });
    expect(ticket!.sla!.breached).to.deep.equal(['response', 'resolution']);
    // Each escalation told the roles its step names, once.
    const outbox = await stack.db.tickets.outbox(number);
    expect(outbox.filter((o) => o.kind === 'escalated').map((o) => o.role).sort()).to.deep.equal(['duty_manager', 'duty_manager', 'team', 'team', 'team_lead']);
    expect(new Set(outbox.map((o) => `${o.eventSeq}/${o.role}`)).size).to.equal(outbox.length);
  });

  it('when a ticket is pending, then its resolution clock does not run, and the requester’s reply resumes it', async () => {
    const number = await openTicket(stack, { title: 'Need a new monitor' });
    await waitForEvent(stack, number, (e) => e.type === 'classified');
    expect((await act(stack, number, 'assign', { assignee: 'l1.agent@example.com' })).status).to.equal(200);
    expect((await act(stack, number, 'start', {})).status).to.equal(200);
    expect((await act(stack, number, 'respond', { message: 'Which model do you need?' })).status).to.equal(200);
    const pending = await act(stack, number, 'set_pending', { reason: 'waiting for the requester' });
    expect(pending.status).to.equal(200);
    expect(pending.body.status).to.equal('pending');
    expect(pending.body.sla).to.include({ paused: true, resolutionDueAt: null });
    // The workflow's own query holds each clock: target, elapsed and remaining at its last plan, paused, warned, breached.
    const query = await stack.client.workflow.getHandle(`ticket-${number}`).query(slaQuery);
    const clock = query.clocks.find((c) => c.name === 'resolution')!;
    expect(clock).to.include({ targetMs: 12_000, paused: true, breached: false });
    expect(clock.remainingMs).to.equal(clock.targetMs - clock.elapsedMs);
    expect(clock.warned).to.deep.equal([]);
    expect(query.clocks.find((c) => c.name === 'response')!.stoppedAt).to.be.a('number');

    const before = (await request(stack.web.url, 'GET', `/api/v1/tickets/${number}/sla`, { token: stack.agentToken })).body;
    await sleep(13_000); // longer than the whole resolution target
    const after = (await request(stack.web.url, 'GET', `/api/v1/tickets/${number}/sla`, { token: stack.agentToken })).body;
    const resolution = (v: Record<string, any>) => (v.clocks as Array<{ name: string; elapsedMs: number; paused: boolean; breached: boolean; warned: number[] }>).find((c) => c.name === 'resolution')!;
    expect(resolution(after).paused).to.equal(true);
    expect(resolution(after).elapsedMs).to.equal(resolution(before).elapsedMs);
    expect(resolution(after).breached).to.equal(false);
    expect((await timeline(stack, number)).filter((e) => e.type.startsWith('sla_') || e.type.startsWith('escalat'))).to.deep.equal([]);

    const reply = await request(stack.web.url, 'POST', `/api/v1/tickets/${number}/replies`, { body: { message: 'A 27" one, please.' }, token: await stack.tokenFor('requester@example.com') });
    expect(reply.status).to.equal(202);
    const resumed = await waitForEvent(stack, number, (e) => e.type === 'resumed');
    expect(resumed.reason).to.equal('requester replied');
    const now = (await request(stack.web.url, 'GET', `/api/v1/tickets/${number}/sla`, { token: stack.agentToken })).body;
    expect(resolution(now).paused).to.equal(false);
    // The deadline moved by the time spent pending: it is still in the future.
    const ticket = await stack.db.tickets.get(number);
    expect(ticket!.status).to.equal('in_progress');
    expect(Date.parse(ticket!.sla!.resolutionDueAt!)).to.be.greaterThan(Date.now());
    expect(ticket!.timeline.map((e) => e.type)).to.include.members(['pending', 'requester_replied', 'resumed']);
  });

  it('when a resolved ticket stays quiet, then it closes after the quiet period; a reopened one runs again', async () => {
    const quiet = await openTicket(stack, { title: 'Password reset' });
    const reopened = await openTicket(stack, { title: 'Mail does not sync' });
    await waitForEvent(stack, quiet, (e) => e.type === 'classified');
    await waitForEvent(stack, reopened, (e) => e.type === 'classified');
    for (const n of [quiet, reopened]) {
      expect((await act(stack, n, 'respond', { message: 'Done, please check.' })).status).to.equal(200);
      const resolved = await act(stack, n, 'resolve', { code: 'solved', note: 'reset done' });
      expect(resolved.status).to.equal(200);
      expect(resolved.body.status).to.equal('resolved');
    }
    const back = await act(stack, reopened, 'reopen', { reason: 'still not syncing' }, { token: await stack.tokenFor('requester@example.com') });
    expect(back.status).to.equal(200);
    expect(back.body.status).to.equal('reopened');
    expect(back.body.sla.resolutionDueAt).to.be.a('string');

    const closed = await waitForEvent(stack, quiet, (e) => e.type === 'closed', 10_000);
    expect(closed).to.include({ actor: 'system', reason: 'quiet period after resolution elapsed' });
    await sleep(1_500);
    const r = await stack.db.tickets.get(reopened);
    expect(r!.status).to.equal('reopened');
    expect(r!.timeline.map((e) => e.type)).to.not.include('closed');
    // Its resolution clock runs again: it breaches later, as any open ticket would.
    await waitForEvent(stack, reopened, (e) => e.type === 'sla_breached' && e.data.clock === 'resolution', 20_000);
  });

  it('when an action is not allowed in the ticket’s state, then 409 says why in the user’s language and nothing changes', async () => {
    const number = await openTicket(stack, { title: 'Keyboard' });
    await waitForEvent(stack, number, (e) => e.type === 'classified');
    const before = await stack.db.tickets.get(number);

    const en = await act(stack, number, 'reopen', { reason: 'why not' });
    expect(en.status).to.equal(409);
    expect(en.body.error).to.deep.equal({ code: 'INVALID_TRANSITION', message: 'You cannot reopen a ticket that is new.' });
    const pl = await act(stack, number, 'close', {}, { lang: 'pl' });
    expect(pl.status).to.equal(409);
    expect(pl.body.error.message).to.equal('Nie można zamknąć zgłoszenia, które ma status: nowe.');
    const de = await act(stack, number, 'deescalate', { reason: 'zu hoch' }, { lang: 'de' });
    expect(de.status).to.equal(409);
    expect(de.body.error.message).to.equal('Das Ticket ist auf L1, der ersten Stufe: Es kann nicht herabgestuft werden.');

    const missing = await act(stack, number, 'set_pending', {});
    expect(missing.status).to.equal(422);
    expect(missing.body.error.fields).to.deep.equal([{ field: 'reason', message: 'reason is required' }]);
    const unknown = await act(stack, number, 'teleport', {});
    expect(unknown.status).to.equal(404);

    const after = await stack.db.tickets.get(number);
    expect(after!.lastEventSeq).to.equal(before!.lastEventSeq);
    expect(after!.status).to.equal('new');
  });

  it('when a ticket is cancelled, then its workflow finishes and a later action says the ticket is finished (409), not that it is missing', async () => {
    const number = await openTicket(stack, { title: 'Duplicate report' });
    await waitForEvent(stack, number, (e) => e.type === 'classified');
    expect((await act(stack, number, 'cancel', { reason: 'duplicate of another ticket' })).status).to.equal(200);
    await stack.client.workflow.getHandle(`ticket-${number}`).result();
    const late = await act(stack, number, 'comment', { message: 'one more thing' }, { lang: 'de' });
    expect(late.status).to.equal(409);
    expect(late.body.error).to.deep.equal({ code: 'TICKET_FINISHED', message: `Ticket ${number} ist abgeschlossen und kann nicht mehr geändert werden.` });
    const missing = await act(stack, number.replace(/\d{6}$/, '999999'), 'comment', { message: 'x' });
    expect(missing.status).to.equal(404);
  });

  it('when an agent sets a new ticket pending with a question, then that question is the first response and nothing warns while pending', async () => {
    const number = await openTicket(stack, { title: 'Which laptop model?' });
    await waitForEvent(stack, number, (e) => e.type === 'classified');
    expect((await act(stack, number, 'assign', { assignee: 'l1.agent@example.com' })).status).to.equal(200);
    const pending = await act(stack, number, 'set_pending', { reason: 'Which model is it?' });
    expect(pending.status).to.equal(200);
    expect(pending.body.sla).to.include({ responded: true, paused: true, responseDueAt: null, resolutionDueAt: null });
    expect(pending.body.timeline.at(-1).data).to.include({ firstResponse: true });
    await sleep(5_000); // past the response target
    expect((await timeline(stack, number)).filter((e) => e.type.startsWith('sla_') || e.type.startsWith('escalat'))).to.deep.equal([]);
  });

  it('when two agents resolve the same ticket at once, then it is resolved once and the other gets 409', async () => {
    const number = await openTicket(stack, { title: 'Shared drive full' });
    await waitForEvent(stack, number, (e) => e.type === 'classified');
    const [a, b] = await Promise.all([act(stack, number, 'resolve', { code: 'solved' }), act(stack, number, 'resolve', { code: 'workaround' })]);
    expect([a.status, b.status].sort()).to.deep.equal([200, 409]);
    expect([a, b].find((r) => r.status === 409)!.body.error.message).to.equal('You cannot resolve a ticket that is resolved.');
    expect((await timeline(stack, number)).filter((e) => e.type === 'resolved')).to.have.length(1);
  });

  it('when an agent escalates with a reason, then the ticket moves up a tier and the event names the agent and the reason', async () => {
    const number = await openTicket(stack, { title: 'ERP export fails' });
    await waitForEvent(stack, number, (e) => e.type === 'classified');
    const up = await act(stack, number, 'escalate', { reason: 'needs database access' }, { token: await stack.tokenFor('l1.agent@example.com', 'agent') });
    expect(up.status).to.equal(200);
    expect(up.body).to.include({ tier: 'L2', teamId: 'infrastructure' });
    const e = (await timeline(stack, number)).at(-1)!;
    expect(e).to.include({ type: 'escalated', actor: 'l1.agent@example.com', reason: 'needs database access' });
    expect(e.data).to.include({ by: 'agent', fromTier: 'L1', toTier: 'L2' });
    expect((await act(stack, number, 'escalate', { reason: 'more', tier: 'L3' })).status).to.equal(200);
    const top = await act(stack, number, 'escalate', { reason: 'even more' });
    expect(top.status).to.equal(409);
    expect(top.body.error.message).to.equal('The ticket is at L3, the highest tier: it cannot be escalated further.');
  });

  it('when the priority changes, then elapsed time carries over to the new targets', async () => {
    const number = await openTicket(stack, { title: 'Slow laptop' });
    await waitForEvent(stack, number, (e) => e.type === 'classified');
    await act(stack, number, 'respond', { message: 'Looking into it' });
    await sleep(1_500);
    const changed = await act(stack, number, 'change_priority', { priority: 'P2', reason: 'affects a whole team' });
    expect(changed.status).to.equal(200);
    const e = (await timeline(stack, number)).at(-1)!;
    expect(e.type).to.equal('priority_changed');
    expect(e.data.from).to.include({ priority: 'P4' });
    expect(e.data.to).to.include({ priority: 'P2' });
    expect((e.data.elapsedMs as Record<string, number>).resolution).to.be.at.least(1_400);
    // Same start, same elapsed: the new deadline is start + the new target (12 s here too).
    const created = Date.parse((await stack.db.tickets.get(number))!.createdAt);
    expect(Date.parse(changed.body.sla.resolutionDueAt) - created).to.be.closeTo(12_000, 50);
  });
});
