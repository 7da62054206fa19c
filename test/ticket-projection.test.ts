/**
 * The read model's projection of a workflow event (db/tickets-repo.ts project()): one statement
 * writes the ticket, its event, the event's outbox rows and webhook deliveries; a retry writes
 * nothing twice; a ticket reported before sealing whose person was erased gets its next event
 * scrubbed.
 */
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { openDatabase, type Database } from '../runtime/stack.ts';
import type { TicketEvent, TicketSnapshot } from '../workflows/types.ts';
import { freshDatabaseUrl, log, onCleanup, testConfig } from './support/env.ts';

describe('the read model projection of a ticket event', () => {
  let db: Database;
  let n = 0;

  before(async () => {
    db = await openDatabase(testConfig({ DATABASE_URL: await freshDatabaseUrl('projection') }), log);
    onCleanup(() => db.close());
  });

  const at = '2026-12-04T10:00:00.000Z';
  function ticket(over: Partial<TicketSnapshot> = {}): TicketSnapshot {
    const number = `HD-2026-${String(++n).padStart(6, '0')}`;
    return {
      number, workflowId: `ticket-${number}`, title: 'Printer jams', description: 'Every second page.',
      requesterEmail: 'anna@example.com', locale: 'en', channel: 'portal', impact: 'low', urgency: 'low',
      category: 'hardware', priority: 'P4', status: 'new', tier: 'L1', teamId: 'service-desk', assignee: null,
      rulesVersion: 1, filedBy: null, sla: null, createdAt: at, updatedAt: at, lastEventSeq: 1, ...over,
    };
  }
  const event = (seq: number, type: string, over: Partial<TicketEvent> = {}): TicketEvent => ({ seq, type, actor: 'system', reason: null, data: {}, occurredAt: at, ...over });
  const rows = <T extends object>(sql: string, replacements: Record<string, unknown>) => db.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });

  it('writes the ticket, the event, one outbox row per role and a delivery per webhook endpoint taking the event, and says which', async () => {
    const endpoint = await db.webhooks.create({ name: 'Ops', url: 'https://hooks.example.com/x', format: 'standard', events: ['sla_warning'], language: 'en', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', createdBy: 'admin@example.com' });
    const t = ticket();
    const created = await db.tickets.project(t, event(1, 'created'));
    expect(created).to.deep.equal({ written: true, outbox: [], webhooks: [] });

    const warned = await db.tickets.project({ ...t, lastEventSeq: 2, status: 'assigned' }, event(2, 'sla_warning', { data: { clock: 'response' } }), { kind: 'sla_warning', roles: ['agent', 'team_lead'], data: { clock: 'response' } });
    const outbox = await rows<{ id: string; role: string; payload: { title: string } }>(`SELECT id, role, payload FROM notification_outbox WHERE ticket_number = :number ORDER BY id`, { number: t.number });
    expect(outbox.map((r) => r.role)).to.deep.equal(['agent', 'team_lead']);
    expect(outbox[0]!.payload.title).to.equal('Printer jams');
    const deliveries = await rows<{ id: string; endpoint_id: string }>(`SELECT id, endpoint_id FROM webhook_deliveries WHERE ticket_number = :number`, { number: t.number });
    expect(deliveries.map((d) => Number(d.endpoint_id))).to.deep.equal([endpoint]);
    expect(warned).to.deep.equal({ written: true, outbox: outbox.map((r) => Number(r.id)), webhooks: deliveries.map((d) => Number(d.id)) });
    const [row] = await rows<{ status: string; last_event_seq: number; warned_clock: string }>(`SELECT status, last_event_seq, warned_clock FROM tickets WHERE number = :number`, { number: t.number });
    expect(row).to.deep.equal({ status: 'assigned', last_event_seq: 2, warned_clock: 'response' });
  });

  it('when the same event is written again (a retried activity), nothing is written twice and the ticket does not move back', async () => {
    const t = ticket();
    await db.tickets.project(t, event(1, 'created'));
    const first = await db.tickets.project({ ...t, lastEventSeq: 2, status: 'assigned' }, event(2, 'sla_warning'), { kind: 'sla_warning', roles: ['agent'], data: {} });
    await db.tickets.project({ ...t, lastEventSeq: 3, status: 'in_progress' }, event(3, 'assigned'));
    const again = await db.tickets.project({ ...t, lastEventSeq: 2, status: 'assigned' }, event(2, 'sla_warning'), { kind: 'sla_warning', roles: ['agent'], data: {} });
    expect(first.written).to.equal(true);
    expect(again.written).to.equal(false);
    const [counts] = await rows<{ events: string; outbox: string; status: string }>(
      `SELECT (SELECT count(*) FROM ticket_events WHERE ticket_number = :number) AS events, (SELECT count(*) FROM notification_outbox WHERE ticket_number = :number) AS outbox, (SELECT status FROM tickets WHERE number = :number) AS status`,
      { number: t.number },
    );
    expect(counts).to.deep.equal({ events: '3', outbox: '1', status: 'in_progress' });
  });

  it('when a ticket from before sealing had its person erased, then its next event is written scrubbed: no words, no address', async () => {
    const t = ticket();
    await db.tickets.project(t, event(1, 'created'));
    await db.sequelize.query(`UPDATE tickets SET title = '[erased]', description = '[erased]', personal_data_erased_at = now() WHERE number = :number`, { replacements: { number: t.number } });
    const reply = event(2, 'requester_replied', { actor: 'anna@example.com', reason: 'I tried again', data: { message: 'Still jams, call me on 555-0100' } });
    const r = await db.tickets.project({ ...t, lastEventSeq: 2, status: 'assigned' }, reply, { kind: 'requester_replied', roles: ['agent'], data: { message: 'Still jams, call me on 555-0100' } });
    expect(r.written).to.equal(true);
    const [e] = await rows<{ actor: string; reason: string; data: { message: string } }>(`SELECT actor, reason, data FROM ticket_events WHERE ticket_number = :number AND seq = 2`, { number: t.number });
    expect(e).to.deep.equal({ actor: '[erased]', reason: '[erased]', data: { message: '[erased]' } });
    const [o] = await rows<{ payload: Record<string, unknown> }>(`SELECT payload FROM notification_outbox WHERE ticket_number = :number`, { number: t.number });
    expect(o!.payload.title).to.equal('[erased]');
    expect(JSON.stringify(o!.payload)).not.to.include('555-0100');
    const [row] = await rows<{ title: string; status: string }>(`SELECT title, status FROM tickets WHERE number = :number`, { number: t.number });
    expect(row).to.deep.equal({ title: '[erased]', status: 'assigned' });
    // Assigned to themselves (a requester who is also staff): the row names no address either.
    await db.tickets.project({ ...t, lastEventSeq: 3, status: 'assigned', assignee: 'Anna@example.com' }, event(3, 'assigned', { actor: 'anna@example.com' }));
    const [self] = await rows<{ assignee: string; last_event_seq: number }>(`SELECT assignee, last_event_seq FROM tickets WHERE number = :number`, { number: t.number });
    expect(self).to.deep.equal({ assignee: '[erased]', last_event_seq: 3 });
  });
});
