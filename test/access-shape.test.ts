import { expect } from 'chai';
import { ticketFor } from '../api/access.ts';
import type { TicketRecord } from '../db/tickets-repo.ts';
import type { TicketEvent } from '../workflows/types.ts';

const at = '2026-12-01T10:00:00.000Z';
const event = (seq: number, type: string, actor: string, data: Record<string, unknown> = {}, reason: string | null = null): TicketEvent => ({ seq, type, actor, reason, data, occurredAt: at });

function record(timeline: TicketEvent[]): TicketRecord {
  return {
    number: 'HD-2026-000001', workflowId: 'ticket-HD-2026-000001', title: 'VPN drops', description: 'Every 5 minutes.', requesterEmail: 'anna@example.com',
    filedBy: 'l1.agent@example.com', locale: 'pl', channel: 'api', impact: 'low', urgency: 'high', category: 'network', priority: 'P2', status: 'in_progress',
    tier: 'L1', teamId: 'service-desk', assignee: 'l1.agent@example.com', rulesVersion: 1, sla: null, createdAt: at, updatedAt: at, lastEventSeq: timeline.length, timeline,
  } as TicketRecord;
}

describe('what a requester reads of a ticket (api/access.ts), as plain data', () => {
  const timeline = [
    event(1, 'created', 'l1.agent@example.com', { channel: 'api', impact: 'low', urgency: 'high', category: 'network', requester: 'anna@example.com' }),
    event(2, 'classified', 'rules', { rulesVersion: 1, fired: ['VPN'], explanation: { matrix: {} } }),
    event(3, 'commented', 'l1.agent@example.com', { message: 'Internal: probably the ISP.', public: false }),
    event(4, 'responded', 'l1.agent@example.com', { message: 'We are on it.', public: true, firstResponse: true }),
    event(5, 'requester_replied', 'colleague@example.com', { message: 'Same here on floor 2.' }),
    event(6, 'pending', 'l1.agent@example.com', { from: 'in_progress', to: 'pending', clocksPaused: ['resolution'] }, 'Waiting for your logs'),
  ];

  it('when a requester reads it, then internal notes, rules and staff addresses are gone, and replies from their side are theirs', () => {
    const shown = ticketFor({ role: 'requester' }, record(timeline));
    expect(JSON.stringify(shown)).to.not.include('Internal: probably the ISP.');
    expect(JSON.stringify(shown)).to.not.include('l1.agent@example.com');
    expect(shown.timeline.map((e) => `${e.seq} ${e.type} ${e.actor}`)).to.deep.equal([
      '1 created support', '4 responded support', '5 requester_replied requester', '6 pending support',
    ]);
    expect(shown.timeline[3]).to.deep.include({ reason: 'Waiting for your logs', data: { from: 'in_progress', to: 'pending' } });
    expect(shown).to.not.have.any.keys('workflowId', 'assignee', 'teamId', 'tier', 'priority', 'rulesVersion', 'filedBy');
  });

  it('when staff read it, then everything is there as recorded', () => {
    const shown = ticketFor({ role: 'auditor' }, record(timeline));
    expect(shown.timeline).to.deep.equal(timeline);
    expect(shown).to.include({ filedBy: 'l1.agent@example.com', assignee: 'l1.agent@example.com' });
  });
});
