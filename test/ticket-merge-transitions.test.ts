/**
 * Merging as plain functions (workflows/transitions/merge.ts), no server: what the source's
 * `merge` is refused for, what it records and does to the clocks (stopped and frozen, reported
 * as merged), and what the target records on `mergeReceived` (nothing once it is final).
 */
import { expect } from 'chai';
import { refusalFor } from '../workflows/transitions/actions.ts';
import { mergeInto, mergeReceived, mergeRefusal, type MergeAction } from '../workflows/transitions/merge.ts';
import { FINAL } from '../workflows/lifecycle.ts';
import { slaRecordOf } from '../workflows/sla-state.ts';
import { TicketStatus as S } from '../workflows/types.ts';
import { act, AGENT, classifiedTicket, HOUR, REQUESTER, T0 } from './support/ticket-fixture.ts';

const MERGE: MergeAction = { action: 'merge', actor: AGENT, into: 'HD-2026-000042', reason: 'the same outage' };

describe('merge transitions (pure, no server)', () => {
  it('is a terminal outcome', () => {
    expect(FINAL.has(S.merged)).to.equal(true);
  });

  it('refuses merging into the ticket itself as an InvalidTransition, and a missing target or reason as an InvalidArgument naming the field', () => {
    const st = classifiedTicket();
    expect(mergeRefusal(st, { ...MERGE, into: 'HD-2026-000001' })).to.deep.equal({ type: 'InvalidTransition', key: 'mergeIntoSelf', params: { number: 'HD-2026-000001' } });
    expect(refusalFor(st, { ...MERGE, into: ' HD-2026-000001 ' })).to.deep.include({ key: 'mergeIntoSelf' });
    expect(refusalFor(st, { ...MERGE, into: '' })).to.deep.equal({ type: 'InvalidArgument', key: 'fieldRequired', params: { field: 'into' } });
    expect(refusalFor(st, { ...MERGE, into: undefined as unknown as string })).to.deep.include({ key: 'fieldRequired', params: { field: 'into' } });
    expect(refusalFor(st, { ...MERGE, reason: '  ' })).to.deep.equal({ type: 'InvalidArgument', key: 'fieldRequired', params: { field: 'reason' } });
    expect(refusalFor(st, MERGE)).to.equal(null);
  });

  it('refuses merging a ticket that is no longer open (resolved, closed, cancelled, merged)', () => {
    const resolved = classifiedTicket();
    act(resolved, { action: 'resolve', actor: AGENT, code: 'solved' }, T0 + HOUR);
    expect(refusalFor(resolved, MERGE)).to.deep.equal({ type: 'InvalidTransition', key: 'notAllowed', params: { action: 'merge', status: 'resolved' } });
    const merged = classifiedTicket();
    act(merged, MERGE, T0 + HOUR);
    expect(refusalFor(merged, { ...MERGE, into: 'HD-2026-000043' })).to.deep.equal({ type: 'InvalidTransition', key: 'notAllowed', params: { action: 'merge', status: 'merged' } });
  });

  it('ends the source as merged: the event names the target, the requester is told, the clocks stop and stay frozen, the SLA says merged', () => {
    const st = classifiedTicket();
    act(st, { action: 'assign', actor: AGENT, assignee: AGENT }, T0 + HOUR);
    act(st, { action: 'set_pending', actor: AGENT, reason: 'waiting for the log' }, T0 + 2 * HOUR);
    const at = T0 + 3 * HOUR;
    const recorded = act(st, MERGE, at);
    expect(st.ticket.status).to.equal(S.merged);
    expect(recorded).to.deep.equal({
      type: 'merged', actor: AGENT, reason: 'the same outage', data: { into: 'HD-2026-000042', from: 'pending' },
      notify: { kind: 'merged', roles: ['requester'], data: { into: 'HD-2026-000042' } },
    });
    // The reason for pending was the first response (it stopped that clock); the merge stops the resolution clock and ends its pause.
    const [response, resolution] = [st.clocks.find((c) => c.name === 'response')!, st.clocks.find((c) => c.name === 'resolution')!];
    expect(response.stoppedAt).to.equal(T0 + 2 * HOUR);
    expect(resolution.stoppedAt).to.equal(at);
    expect(resolution.pausedSince, 'the pause ends with the merge').to.equal(null);
    expect(resolution.pauses).to.deep.equal([{ start: T0 + 2 * HOUR, end: at }]);
    expect(st.ticket.sla).to.deep.include({ responseDueAt: null, resolutionDueAt: null, paused: false, merged: { into: 'HD-2026-000042', at: new Date(at).toISOString() } });
    const record = slaRecordOf(st.plan, st.clocks, st.marks, at + 5 * HOUR, st.merged);
    expect(record.merged).to.deep.equal({ into: 'HD-2026-000042', at });
    // Frozen: hours later the clocks still stand where the merge stopped them.
    expect(record.clocks.map((c) => c.stoppedAt)).to.deep.equal([T0 + 2 * HOUR, at]);
    expect(st.autoCloseAt).to.equal(null);
  });

  it('on the target, records merge_received from the source with who merged it and why', () => {
    const st = classifiedTicket();
    expect(mergeReceived(st, { from: 'HD-2026-000007', actor: AGENT, reason: 'same outage' })).to.deep.equal({ type: 'merge_received', actor: AGENT, reason: 'same outage', data: { from: 'HD-2026-000007' } });
    expect(mergeReceived(st, { from: 'HD-2026-000007', actor: AGENT, reason: 'same outage' }), 'a second time').to.equal(null);
    expect(mergeReceived(st, { from: 'HD-2026-000008', actor: AGENT, reason: '' })).to.deep.include({ reason: null, data: { from: 'HD-2026-000008' } });
    expect(st.mergedFrom).to.deep.equal(['HD-2026-000007', 'HD-2026-000008']);
    expect(mergeReceived(st, { from: ' ', actor: AGENT, reason: 'x' }), 'no source').to.equal(null);
    expect(mergeReceived(st, { from: 'HD-2026-000001', actor: AGENT, reason: 'x' }), 'itself').to.equal(null);
  });

  it('ignores a merge received once the target is final (closed, cancelled or merged itself)', () => {
    const cancelled = classifiedTicket();
    act(cancelled, { action: 'cancel', actor: AGENT, reason: 'no longer needed' }, T0 + HOUR);
    expect(mergeReceived(cancelled, { from: 'HD-2026-000007', actor: AGENT, reason: 'x' })).to.equal(null);
    const closed = classifiedTicket();
    act(closed, { action: 'resolve', actor: AGENT, code: 'solved' }, T0 + HOUR);
    act(closed, { action: 'close', actor: REQUESTER }, T0 + 2 * HOUR);
    expect(mergeReceived(closed, { from: 'HD-2026-000007', actor: AGENT, reason: 'x' })).to.equal(null);
    const merged = classifiedTicket();
    mergeInto(merged, MERGE, T0 + HOUR);
    expect(mergeReceived(merged, { from: 'HD-2026-000007', actor: AGENT, reason: 'x' })).to.equal(null);
  });
});
