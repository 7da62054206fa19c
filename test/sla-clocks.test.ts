/**
 * What the ticket's changes do to its SLA clocks, as plain functions and the real calendar
 * planning activity: pause and resume, the first response, resolve and reopen, a priority
 * change, and the marks that fire on them. No Temporal server.
 */
import { expect } from 'chai';
import { dueEvents } from '../workflows/transitions/actions.ts';
import { nextDue } from '../workflows/transitions/marks.ts';
import { clockOf, type TicketState } from '../workflows/ticket-state.ts';
import { countedSpan, deadlineOf, isRunning, pausedMs, pauseSpans, slaRecordOf, type ClockState } from '../workflows/sla-state.ts';
import { viewClock } from '../services/tickets/sla-view.ts';
import { act, AGENT, classifiedTicket, HOUR, OFFICE_HOURS, plan, REQUESTER, T0 } from './support/ticket-fixture.ts';

const resolutionOf = (st: TicketState): ClockState => clockOf(st, 'resolution')!;
const responseOf = (st: TicketState): ClockState => clockOf(st, 'response')!;
const iso = (ms: number) => new Date(ms).toISOString();

/** Fires what is due at `now` with the workflow's own dueEvents: each due mark, then the auto-close. */
const fire = (st: TicketState, now: number): string[] => [...dueEvents(st, now)].map((r) => r.type);

describe('SLA clocks (pure, no server)', () => {
  it('classification starts both clocks at creation, with the deadlines the calendar gives', () => {
    const st = classifiedTicket();
    expect(responseOf(st)).to.include({ startedAt: T0, targetMs: HOUR, deadlineAt: T0 + HOUR, stoppedAt: null, pausedSince: null });
    expect(resolutionOf(st)).to.include({ startedAt: T0, targetMs: 8 * HOUR, deadlineAt: T0 + 8 * HOUR });
    expect(st.ticket.sla).to.deep.include({ responseDueAt: iso(T0 + HOUR), resolutionDueAt: iso(T0 + 8 * HOUR), paused: false, responded: false, breached: [] });
    expect(nextDue(st.clocks, st.marks, st.autoCloseAt), 'the response warning at 75 %').to.equal(T0 + 0.75 * HOUR);
  });

  it('the first public response stops the response clock once; later ones change nothing', () => {
    const st = classifiedTicket();
    const first = act(st, { action: 'respond', actor: AGENT, message: 'On it' }, T0 + 20 * 60_000);
    expect(first.data).to.include({ firstResponse: true });
    expect(responseOf(st)).to.include({ stoppedAt: T0 + 20 * 60_000, elapsedMs: 20 * 60_000, deadlineAt: null });
    expect(st.ticket.sla).to.include({ responded: true, responseDueAt: null });
    const second = act(st, { action: 'respond', actor: AGENT, message: 'Still on it' }, T0 + 2 * HOUR);
    expect(second.data).to.include({ firstResponse: false });
    expect(responseOf(st).stoppedAt).to.equal(T0 + 20 * 60_000);
  });

  it('pending pauses the running clocks (and is the first response); resuming moves the deadline later by the pause', () => {
    const st = classifiedTicket();
    act(st, { action: 'start', actor: AGENT }, T0 + 10 * 60_000);
    const pending = act(st, { action: 'set_pending', actor: AGENT, reason: 'waiting for the log' }, T0 + HOUR / 2);
    expect(pending.data).to.include({ firstResponse: true });
    expect(pending.data.clocksPaused).to.deep.equal(['resolution']);
    expect(responseOf(st).stoppedAt, 'the reason went to the requester').to.equal(T0 + HOUR / 2);
    expect(resolutionOf(st)).to.include({ pausedSince: T0 + HOUR / 2, pauseReason: 'waiting for the log', deadlineAt: null, elapsedMs: HOUR / 2 });
    expect(st.ticket.sla).to.include({ paused: true, resolutionDueAt: null });
    expect(nextDue(st.clocks, st.marks, st.autoCloseAt), 'nothing fires while pending').to.equal(null);

    plan(st, T0 + 5 * HOUR);
    expect(resolutionOf(st).elapsedMs, 'pending time does not count').to.equal(HOUR / 2);

    act(st, { action: 'resume', actor: AGENT, reason: 'log received' }, T0 + 3 * HOUR);
    expect(resolutionOf(st)).to.deep.include({ pausedSince: null, pauseReason: null, pauses: [{ start: T0 + HOUR / 2, end: T0 + 3 * HOUR }] });
    expect(resolutionOf(st).deadlineAt, '8 h target + 2.5 h pending').to.equal(T0 + 10.5 * HOUR);
    expect(st.ticket.sla).to.include({ paused: false, resolutionDueAt: iso(T0 + 10.5 * HOUR) });
    plan(st, T0 + 4 * HOUR);
    expect(resolutionOf(st).elapsedMs).to.equal(1.5 * HOUR);
  });

  it('resolving a pending ticket stops its clocks: the pause under way ends there, and its reason with it', () => {
    const st = classifiedTicket();
    act(st, { action: 'set_pending', actor: AGENT, reason: 'waiting for the log' }, T0 + HOUR / 2);
    act(st, { action: 'resolve', actor: AGENT, code: 'workaround' }, T0 + 2 * HOUR);
    expect(resolutionOf(st)).to.deep.include({ stoppedAt: T0 + 2 * HOUR, pausedSince: null, pauseReason: null, pauses: [{ start: T0 + HOUR / 2, end: T0 + 2 * HOUR }] });
    expect(isRunning(resolutionOf(st))).to.equal(false);
    expect(pausedMs(resolutionOf(st), T0 + 5 * HOUR), 'the pause ended with the clock').to.equal(1.5 * HOUR);
    expect(st.ticket.sla).to.include({ paused: false, resolutionDueAt: null });
  });

  it('cancelling stops every clock (a pause under way ends with it); nothing fires afterwards', () => {
    for (const pending of [false, true]) {
      const st = classifiedTicket();
      if (pending) act(st, { action: 'set_pending', actor: AGENT, reason: 'waiting' }, T0 + HOUR / 2);
      act(st, { action: 'cancel', actor: AGENT, reason: 'duplicate' }, T0 + 2 * HOUR);
      expect(st.clocks.map((c) => [c.name, isRunning(c), c.pausedSince]), pending ? 'pending' : 'running').to.deep.equal([['response', false, null], ['resolution', false, null]]);
      expect(resolutionOf(st).stoppedAt).to.equal(T0 + 2 * HOUR);
      expect(responseOf(st).stoppedAt, 'the pending reason was the first response').to.equal(pending ? T0 + HOUR / 2 : T0 + 2 * HOUR);
      expect(st.ticket.sla).to.include({ paused: false, responseDueAt: null, resolutionDueAt: null });
      expect(nextDue(st.clocks, st.marks, st.autoCloseAt)).to.equal(null);
      expect(fire(st, T0 + 100 * HOUR), 'no warning, breach or ladder step after the cancel').to.deep.equal([]);
    }
  });

  it('closing leaves the clocks stopped where the resolution stopped them; nothing fires afterwards', () => {
    const st = classifiedTicket();
    act(st, { action: 'resolve', actor: AGENT, code: 'workaround' }, T0 + 2 * HOUR);
    act(st, { action: 'close', actor: REQUESTER }, T0 + 3 * HOUR);
    expect(st.clocks.map((c) => [c.name, isRunning(c), c.stoppedAt])).to.deep.equal([['response', false, T0 + 2 * HOUR], ['resolution', false, T0 + 2 * HOUR]]);
    expect(st.ticket.sla).to.include({ responseDueAt: null, resolutionDueAt: null });
    expect([st.autoCloseAt, nextDue(st.clocks, st.marks, st.autoCloseAt)]).to.deep.equal([null, null]);
    expect(fire(st, T0 + 100 * HOUR)).to.deep.equal([]);
  });

  it('a pause counts only business time: pending over a night moves the deadline by the office hours it covered', () => {
    // Monday 09:00 in an office open 09–17: the 8 h resolution target falls due at 17:00.
    const st = classifiedTicket({ calendar: OFFICE_HOURS });
    expect(resolutionOf(st).deadlineAt).to.equal(Date.parse('2026-03-02T17:00:00Z'));
    act(st, { action: 'set_pending', actor: AGENT, reason: 'waiting' }, Date.parse('2026-03-02T16:00:00Z'));
    act(st, { action: 'resume', actor: AGENT, reason: 'back' }, Date.parse('2026-03-03T10:00:00Z'));
    // Paused 16:00 → 10:00 next day covers 2 office hours (16–17, 09–10): due Tuesday 11:00.
    expect(resolutionOf(st).deadlineAt).to.equal(Date.parse('2026-03-03T11:00:00Z'));
  });

  it('resolving stops the clocks and starts the quiet period; reopening turns the time resolved into a pause', () => {
    const st = classifiedTicket();
    act(st, { action: 'respond', actor: AGENT, message: 'Try this' }, T0 + HOUR / 2);
    const resolved = act(st, { action: 'resolve', actor: AGENT, code: 'workaround' }, T0 + 2 * HOUR);
    expect(resolutionOf(st)).to.include({ stoppedAt: T0 + 2 * HOUR, elapsedMs: 2 * HOUR, deadlineAt: null });
    expect(resolved.data).to.include({ autoCloseAt: iso(T0 + 74 * HOUR) });
    expect(nextDue(st.clocks, st.marks, st.autoCloseAt), 'only the auto-close is due').to.equal(T0 + 74 * HOUR);

    const reopened = act(st, { action: 'reopen', actor: REQUESTER, reason: 'fails again' }, T0 + 5 * HOUR);
    expect(resolutionOf(st)).to.deep.include({ stoppedAt: null, pauses: [{ start: T0 + 2 * HOUR, end: T0 + 5 * HOUR }], elapsedMs: 2 * HOUR });
    expect(resolutionOf(st).deadlineAt, 'runs on from where it stopped: 6 h left').to.equal(T0 + 11 * HOUR);
    expect(reopened.data).to.include({ resolutionDueAt: iso(T0 + 11 * HOUR) });
    expect(responseOf(st).stoppedAt, 'the response clock is not restarted').to.equal(T0 + HOUR / 2);
    expect(st.autoCloseAt).to.equal(null);
  });

  it('a priority change keeps start and pauses: elapsed time carries over to the new target', () => {
    const st = classifiedTicket();
    act(st, { action: 'respond', actor: AGENT, message: 'On it' }, T0 + HOUR / 4);
    act(st, { action: 'set_pending', actor: AGENT, reason: 'waiting' }, T0 + HOUR);
    act(st, { action: 'resume', actor: AGENT, reason: 'back' }, T0 + 2 * HOUR);
    const changed = act(st, { action: 'change_priority', actor: AGENT, priority: 'P1', reason: 'finance closing' }, T0 + 3 * HOUR);
    expect(resolutionOf(st)).to.deep.include({ startedAt: T0, targetMs: 4 * HOUR, pauses: [{ start: T0 + HOUR, end: T0 + 2 * HOUR }], elapsedMs: 2 * HOUR });
    expect(resolutionOf(st).deadlineAt, '4 h target + 1 h paused').to.equal(T0 + 5 * HOUR);
    expect(changed.data).to.deep.include({
      from: { priority: 'P3', policy: 'standard-P3', responseDueAt: null, resolutionDueAt: iso(T0 + 9 * HOUR) },
      to: { priority: 'P1', policy: 'standard-P1', responseDueAt: null, resolutionDueAt: iso(T0 + 5 * HOUR) },
      elapsedMs: { response: HOUR / 4, resolution: 2 * HOUR },
    });
  });

  it('warnings, the breach and ladder steps fire once each, in the order they fell due, and never again after new targets', () => {
    const st = classifiedTicket();
    act(st, { action: 'assign', actor: AGENT, assignee: AGENT }, T0 + 60_000);
    // Nobody answers: at 3 h the response warning (45 min), breach (1 h) and the duty manager step (2 h) are due.
    expect(fire(st, T0 + 3 * HOUR)).to.deep.equal(['sla_warning', 'sla_breached', 'escalation_notified']);
    expect(responseOf(st)).to.deep.include({ warned: [0.75], breachedAt: T0 + HOUR });
    expect(st.ticket.sla!.breached).to.deep.equal(['response']);
    expect(fire(st, T0 + 3 * HOUR), 'each fires once').to.deep.equal([]);
    // At half the resolution target the ladder moves the ticket to L3: another team, unassigned.
    expect(fire(st, T0 + 4 * HOUR)).to.deep.equal(['escalated']);
    expect(st.ticket).to.include({ tier: 'L3', teamId: 'development', assignee: null });
    act(st, { action: 'change_priority', actor: AGENT, priority: 'P1', reason: 'worse' }, T0 + 4.5 * HOUR);
    // P1's 4 h target: its 75 % warning (3 h) and breach (4 h) are past; the breach stays recorded, the step stays done.
    expect(fire(st, T0 + 4.5 * HOUR)).to.deep.equal(['sla_warning', 'sla_breached']);
    expect(fire(st, T0 + 9 * HOUR)).to.deep.equal([]);
    expect(st.ticket.sla!.breached).to.deep.equal(['response', 'resolution']);
  });

  it('a ladder step never moves a ticket down, and a resolved ticket closes itself after the quiet period', () => {
    const st = classifiedTicket();
    act(st, { action: 'escalate', actor: AGENT, reason: 'developer needed', tier: 'L3' }, T0 + HOUR / 2);
    act(st, { action: 'assign', actor: AGENT, assignee: 'dev@example.com' }, T0 + HOUR / 2);
    const steps = fire(st, T0 + 4 * HOUR);
    expect(steps).to.include('escalation_notified');
    expect(st.ticket).to.include({ tier: 'L3', assignee: 'dev@example.com' });
    act(st, { action: 'resolve', actor: AGENT, code: 'solved' }, T0 + 5 * HOUR);
    expect(fire(st, T0 + 76 * HOUR)).to.deep.equal([]);
    expect(fire(st, T0 + 77 * HOUR)).to.deep.equal(['closed']);
    expect(st.ticket.status).to.equal('closed');
  });

  it('one model answers for workflow, activity and view: running, the pause under way, what is counted, the view at an instant', () => {
    const st = classifiedTicket({ calendar: OFFICE_HOURS });
    const monday = (h: number) => Date.parse(`2026-03-02T${String(h).padStart(2, '0')}:00:00Z`);
    act(st, { action: 'set_pending', actor: AGENT, reason: 'waiting' }, monday(11));
    const c = resolutionOf(st);
    expect(isRunning(c)).to.equal(false);
    expect(deadlineOf(c)).to.equal(null);
    expect(pauseSpans(c, monday(15)), 'the pause under way, as if it ended now').to.deep.equal([{ start: monday(11), end: monday(15) }]);
    expect(countedSpan(c, monday(15))).to.deep.equal({ from: T0, to: monday(15), paused: [{ start: monday(11), end: monday(15) }] });
    expect(pausedMs(c, monday(15))).to.equal(4 * HOUR);

    // At 15:00 the service's view counts office time 09–11 only; the query's answer is as of the last plan (11:00).
    expect(viewClock(c, OFFICE_HOURS, monday(15))).to.deep.equal({
      name: 'resolution', targetMs: 8 * HOUR, elapsedMs: 2 * HOUR, remainingMs: 6 * HOUR, deadlineAt: null,
      startedAt: iso(T0), stoppedAt: null, paused: true, pausedMs: 4 * HOUR, warned: [], breached: false, breachedAt: null,
    });
    const recorded = slaRecordOf(st.plan, st.clocks, st.marks, monday(15)).clocks.find((x) => x.name === 'resolution')!;
    expect(recorded).to.include({ elapsedMs: 2 * HOUR, remainingMs: 6 * HOUR, paused: true, breached: false, plannedAt: monday(11) });

    // Resumed at 15:00 with 6 h to go: 15–17 today, 09–13 tomorrow.
    act(st, { action: 'resume', actor: AGENT, reason: 'back' }, monday(15));
    expect(viewClock(resolutionOf(st), OFFICE_HOURS, monday(16))).to.deep.include({ elapsedMs: 3 * HOUR, paused: false, pausedMs: 4 * HOUR, deadlineAt: iso(Date.parse('2026-03-03T13:00:00Z')) });
  });
});
