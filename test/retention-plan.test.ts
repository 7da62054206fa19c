import { expect } from 'chai';
import { DAY_MS, planRetention, RetentionAction, retentionEntry, type ClosedTicket } from '../rules/retention.ts';
import type { Retention } from '../rules/types.ts';

/** Personal data 30 days (access: 10), tickets 90 days. */
const RETENTION: Retention = { personalData: { defaultDays: 30, byCategory: { access: 10 } }, closedTicketDays: 90 };
const NOW = Date.parse('2026-06-30T12:00:00.000Z');
const daysAgo = (d: number, extraMs = 0): string => new Date(NOW - d * DAY_MS + extraMs).toISOString();

let n = 0;
const closed = (category: string | null, closedAt: string, rulesVersion: number | null = 1): ClosedTicket => ({
  number: `HD-2026-${String(++n).padStart(6, '0')}`, category, closedAt, rulesVersion,
});

const plan = (tickets: ClosedTicket[], extra: { alreadyErased?: Set<string>; now?: number; retention?: Retention } = {}) =>
  planRetention({ tickets, policy: { version: 7, retention: extra.retention ?? RETENTION }, now: extra.now ?? NOW, ...(extra.alreadyErased ? { alreadyErased: extra.alreadyErased } : {}) });

describe('retention plan', () => {
  it('gives every closed ticket its due dates: personal data after its category\'s period (or the default), the ticket after the ticket period', () => {
    const entry = retentionEntry(closed('access', '2026-01-01T10:00:00.000Z'), RETENTION);
    expect(entry).to.include({ personalDataDays: 10, personalDataDueAt: '2026-01-11T10:00:00.000Z', ticketDueAt: '2026-04-01T10:00:00.000Z' });
    const other = retentionEntry(closed('network', '2026-01-01T10:00:00.000Z'), RETENTION);
    expect(other).to.include({ personalDataDays: 30, personalDataDueAt: '2026-01-31T10:00:00.000Z' });
    expect(retentionEntry(closed(null, '2026-01-01T10:00:00.000Z'), RETENTION).personalDataDays, 'no category: the default').to.equal(30);
  });

  it('counts days of 24 hours in UTC, across a daylight-saving change', () => {
    // Europe switches to summer time on 29 March 2026; retention counts elapsed time, not wall clocks.
    expect(retentionEntry(closed('access', '2026-03-25T23:30:00.000Z'), RETENTION).personalDataDueAt).to.equal('2026-04-04T23:30:00.000Z');
  });

  it('when tickets closed at different times, then only those whose period ended are due, each once, in the order they fell due', () => {
    const recent = closed('network', daysAgo(5)); // nothing due yet
    const dataDue = closed('network', daysAgo(45)); // personal data due 15 days ago
    const accessDue = closed('access', daysAgo(12)); // access: 10 days, due 2 days ago
    const old = closed('network', daysAgo(100)); // the ticket itself due 10 days ago
    const justNow = closed('network', daysAgo(30)); // due exactly now: a period ends at its instant
    const notQuite = closed('network', daysAgo(30, 1)); // one millisecond short
    const result = plan([recent, dataDue, accessDue, old, justNow, notQuite]);

    expect(result.due.map((d) => [d.number, d.action, d.dueAt])).to.deep.equal([
      [dataDue.number, RetentionAction.erasePersonalData, daysAgo(15)],
      [old.number, RetentionAction.deleteTicket, daysAgo(10)],
      [accessDue.number, RetentionAction.erasePersonalData, daysAgo(2)],
      [justNow.number, RetentionAction.erasePersonalData, daysAgo(0)],
    ]);
    expect(result.counts).to.deep.equal({ erasePersonalData: 3, deleteTicket: 1 });
    expect(result).to.include({ at: new Date(NOW).toISOString(), rulesVersion: 7, nextDueAt: daysAgo(0, 1) });
    const deletion = result.due.find((d) => d.number === old.number)!;
    expect(deletion, 'a deletion shows both due dates').to.include({ personalDataDueAt: daysAgo(70), ticketDueAt: daysAgo(10), closedAt: daysAgo(100) });
  });

  it('when a ticket\'s personal data was already erased, then it is not listed again, but it is still deleted when its time comes', () => {
    const erased = closed('network', daysAgo(45));
    const erasedLongAgo = closed('network', daysAgo(95));
    const result = plan([erased, erasedLongAgo], { alreadyErased: new Set([erased.number, erasedLongAgo.number]) });
    expect(result.due.map((d) => [d.number, d.action])).to.deep.equal([[erasedLongAgo.number, RetentionAction.deleteTicket]]);
    expect(result.nextDueAt, 'the next thing due is the erased ticket\'s deletion').to.equal(daysAgo(-45));
  });

  it('keeps the ticket\'s own rules version for the record; the policy given (the active version\'s) decides', () => {
    const underOld = closed('access', daysAgo(12), 2);
    const result = plan([underOld]);
    expect(result.due[0]).to.include({ rulesVersion: 2, personalDataDays: 10 });
    expect(result.rulesVersion).to.equal(7);
  });

  it('when the active version shortens a period, then tickets closed long ago fall due at once; lengthening it holds them back', () => {
    const t = closed('network', daysAgo(20));
    expect(plan([t]).due).to.have.length(0);
    const shorter = { ...RETENTION, personalData: { defaultDays: 14 } };
    expect(plan([t], { retention: shorter }).due.map((d) => d.dueAt)).to.deep.equal([daysAgo(6)]);
    const old = closed('network', daysAgo(100));
    const hold = { personalData: { defaultDays: 30 }, closedTicketDays: 3650 };
    expect(plan([old], { retention: hold }).due.map((d) => d.action), 'kept, its personal data still erased').to.deep.equal([RetentionAction.erasePersonalData]);
  });

  it('with no closed ticket, nothing is due and nothing will be', () => {
    const result = plan([]);
    expect(result).to.deep.include({ due: [], counts: { erasePersonalData: 0, deleteTicket: 0 }, nextDueAt: null });
  });

  it('refuses a ticket without a valid closing instant rather than guessing', () => {
    expect(() => plan([closed('network', 'yesterday')])).to.throw(RangeError, /has no valid closing instant/);
  });
});
