/**
 * The what-if's clocks: rebuilt from a ticket's recorded events, they are the workflow's own clocks
 * (same starts, pauses and stops), and measured against a target in a calendar they breach exactly
 * when the workflow's breach mark fires. No server: the workflow's transitions and the real
 * planning activity (test/support/ticket-fixture.ts).
 */
import { expect } from 'chai';
import { dueEvents } from '../workflows/transitions/actions.ts';
import { clockOf, type Recording, type TicketState } from '../workflows/ticket-state.ts';
import type { TicketAction } from '../workflows/types.ts';
import { clockOutcome, replayClocks, type ClockEventLike } from '../services/rules-admin/clock-replay.ts';
import { act, AGENT, ALWAYS_OPEN, classifiedTicket, HOUR, OFFICE_HOURS, T0, type Targets } from './support/ticket-fixture.ts';

type Step = [at: number, action: Omit<TicketAction, 'actor'>];

/** Runs the steps through the workflow's transitions, firing due marks before each; returns the event record and the breaches fired. */
function drive(targets: Targets, steps: Step[], until: number): { st: TicketState; events: ClockEventLike[]; breached: string[] } {
  const st = classifiedTicket(targets);
  const events: ClockEventLike[] = [];
  const breached: string[] = [];
  const fire = (now: number) => {
    for (const r of dueEvents(st, now)) if (r.type === 'sla_breached') breached.push(r.data.clock as string);
  };
  const record = (r: Recording, at: number) => events.push({ type: r.type, atMs: at, firstResponse: r.data.firstResponse === true });
  for (const [at, a] of steps) {
    fire(at);
    record(act(st, { ...a, actor: AGENT } as TicketAction, at), at);
  }
  fire(until);
  return { st, events, breached };
}

const respond = { action: 'respond', message: 'On it' } as const;
const pending = { action: 'set_pending', reason: 'waiting for the log' } as const;
const resume = { action: 'resume', reason: 'log received' } as const;
const resolve = { action: 'resolve', code: 'solved' } as const;
const reopen = { action: 'reopen', reason: 'it came back' } as const;
const close = { action: 'close' } as const;

const SCENARIOS: Array<{ name: string; targets: Targets; steps: Step[]; until: number }> = [
  {
    name: 'answered, pending and resumed, resolved, reopened, resolved and closed, 24×7',
    targets: { responseMs: HOUR, resolutionMs: 8 * HOUR, calendar: ALWAYS_OPEN },
    steps: [[T0 + 0.5 * HOUR, respond], [T0 + HOUR, pending], [T0 + 3 * HOUR, resume], [T0 + 6 * HOUR, resolve], [T0 + 7 * HOUR, reopen], [T0 + 12 * HOUR, resolve], [T0 + 13 * HOUR, close]],
    until: T0 + 14 * HOUR,
  },
  {
    name: 'pending before any answer (the first response), closed while pending, office hours',
    targets: { responseMs: HOUR, resolutionMs: 4 * HOUR, calendar: OFFICE_HOURS },
    steps: [[T0 + 3 * HOUR, pending], [T0 + 30 * HOUR, close]],
    until: T0 + 40 * HOUR,
  },
  {
    name: 'answered late, still open, office hours',
    targets: { responseMs: HOUR, resolutionMs: 4 * HOUR, calendar: OFFICE_HOURS },
    steps: [[T0 + 2.5 * HOUR, respond]],
    until: T0 + 10 * HOUR,
  },
  {
    name: 'pending now, neither clock due yet',
    targets: { responseMs: 2 * HOUR, resolutionMs: 9 * HOUR, calendar: OFFICE_HOURS },
    steps: [[T0 + 1.5 * HOUR, respond], [T0 + 2 * HOUR, pending]],
    until: T0 + 50 * HOUR,
  },
];

describe('rules admin: SLA clocks rebuilt from recorded events', () => {
  for (const s of SCENARIOS) {
    it(`when ${s.name}, then the clocks are the workflow's and breach when its marks fire`, () => {
      const { st, events, breached } = drive(s.targets, s.steps, s.until);
      const replayed = replayClocks(T0, events);
      for (const name of ['response', 'resolution'] as const) {
        const real = clockOf(st, name)!;
        const mine = replayed[name];
        expect({ startedAt: mine.startedAt, pauses: mine.pauses, pausedSince: mine.pausedSince, stoppedAt: mine.stoppedAt }, name)
          .to.deep.equal({ startedAt: real.startedAt, pauses: real.pauses, pausedSince: real.pausedSince, stoppedAt: real.stoppedAt });
        const outcome = clockOutcome(mine, real.targetMs, s.targets.calendar!, s.until);
        expect(outcome.breached, `${name} breached`).to.equal(breached.includes(name));
        if (real.deadlineAt !== null && real.stoppedAt === null && real.pausedSince === null) expect(outcome.deadlineAt, `${name} deadline`).to.equal(new Date(real.deadlineAt).toISOString());
      }
      expect(replayed.retargetedLater).to.equal(false);
    });
  }

  it('when the office is closed, then a 1 h response target from Monday 08:00 falls due at 10:00 and an answer at 10:30 breaches it, one at 10:00 does not', () => {
    const late = replayClocks(T0, [{ type: 'responded', atMs: T0 + 2.5 * HOUR, firstResponse: true }]);
    expect(clockOutcome(late.response, HOUR, OFFICE_HOURS, T0 + 5 * HOUR)).to.deep.equal({ deadlineAt: new Date(T0 + 2 * HOUR).toISOString(), breached: true, open: false });
    const onTime = replayClocks(T0, [{ type: 'responded', atMs: T0 + 2 * HOUR, firstResponse: true }]);
    expect(clockOutcome(onTime.response, HOUR, OFFICE_HOURS, T0 + 5 * HOUR)).to.deep.equal({ deadlineAt: new Date(T0 + 2 * HOUR).toISOString(), breached: false, open: false });
    const open = replayClocks(T0, []);
    expect(clockOutcome(open.resolution, 8 * HOUR, OFFICE_HOURS, T0 + 5 * HOUR)).to.deep.include({ breached: false, open: true });
    expect(replayClocks(T0, [{ type: 'priority_changed', atMs: T0 + HOUR, firstResponse: false }]).retargetedLater).to.equal(true);
  });
});
