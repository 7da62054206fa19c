/**
 * A target that collected many duplicates (plain functions, no server): its page reads, records
 * and shows the MERGED_SHOWN newest merged tickets in full, and lists the older ones by number,
 * so opening it costs the same whether 3 or 300 tickets were merged into it.
 */
import { expect } from 'chai';
import { MERGED_SHOWN, mergedBeyond, mergedOf } from '../agent-ui/ticket/merge.ts';
import type { StaffDeps } from '../api/staff/types.ts';
import type { TicketRecord } from '../db/tickets-repo.ts';
import type { UserRecord } from '../db/users-repo.ts';

const num = (i: number) => `HD-2026-${String(i).padStart(6, '0')}`;

function targetWith(merges: number): TicketRecord {
  const timeline = Array.from({ length: merges }, (_, i) => ({ type: 'merge_received', at: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(), data: { from: num(i + 2) } }));
  // A source merged twice (a retried signal) is one source.
  if (merges > 0) timeline.push({ ...timeline[0]!, data: { from: num(2) } });
  return { number: num(1), requester: 'a@example.test', timeline } as unknown as TicketRecord;
}

function depsCounting(reads: string[], entries: string[]): StaffDeps {
  return {
    tickets: { get: async (n: string) => (reads.push(n), { number: n, requester: 'b@example.test', timeline: [] }) },
    personalData: { accessLog: { record: async (e: { ticketNumber: string }) => void entries.push(e.ticketNumber) } },
    attachments: undefined,
  } as unknown as StaffDeps;
}

const agent = { id: 7, role: 'agent', email: 'agent@example.test' } as unknown as UserRecord;

describe('merged tickets on a target\'s page', () => {
  it('reads and records every merged ticket when there are few, and lists none by number', async () => {
    const reads: string[] = [];
    const entries: string[] = [];
    const t = targetWith(3);
    const shown = await mergedOf(depsCounting(reads, entries), agent, t, { attachments: false });
    expect(shown.map((m) => m.ticket.number)).to.deep.equal([num(2), num(3), num(4)]);
    expect(entries).to.deep.equal([num(2), num(3), num(4)]);
    expect(mergedBeyond(t)).to.deep.equal([]);
  });

  it(`reads only the ${MERGED_SHOWN} newest of 300 merged tickets, and lists the other 280 by number, oldest first`, async () => {
    const reads: string[] = [];
    const entries: string[] = [];
    const t = targetWith(300);
    const shown = await mergedOf(depsCounting(reads, entries), agent, t, { attachments: false });
    expect(reads).to.have.length(MERGED_SHOWN);
    expect(entries).to.have.length(MERGED_SHOWN);
    expect(shown[0]!.ticket.number).to.equal(num(302 - MERGED_SHOWN));
    expect(shown.at(-1)!.ticket.number).to.equal(num(301));
    const beyond = mergedBeyond(t);
    expect(beyond).to.have.length(300 - MERGED_SHOWN);
    expect(beyond[0]).to.equal(num(2));
    expect(beyond.at(-1)).to.equal(num(301 - MERGED_SHOWN));
    expect(new Set([...beyond, ...shown.map((m) => m.ticket.number)]).size).to.equal(300);
  });
});
