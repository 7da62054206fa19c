/**
 * Merging duplicates end to end (real Temporal dev server, real PostgreSQL, the web app over
 * HTTP): POST /api/v1/tickets/{number}/merge ends the source as merged with its SLA frozen, both
 * timelines record it, the requester is told (outbox) and sees "merged into …" in their view; the
 * refusals (into itself, into a merged, closed, cancelled or unknown ticket, a source no longer
 * open, the wrong role, missing input) answer their status with a sentence and change nothing; the
 * auditors' replay check calls a merged ticket reproducible.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { createAuditPopulationRepo } from '../db/audit-population-repo.ts';
import { createAuditTicketsRepo } from '../db/audit-tickets-repo.ts';
import { payloadCodec } from '../runtime/payload-codec.ts';
import { createAudit } from '../services/audit/index.ts';
import type { HistoryJson, TicketHistories } from '../services/audit/types.ts';
import { workflowIdFor } from '../workflows/types.ts';
import { fastRulesText } from './fixtures/fast-rules.ts';
import { isolatedStack, workflowBundle, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { decode, PortalClient } from './portal-client.ts';
import { act, openTicket, sleep, timeline, waitForEvent } from './support/tickets.ts';

describe('merging a duplicate (POST /api/v1/tickets/{number}/merge)', function () {
  this.timeout(120_000);
  let stack: IsolatedStack;
  let requester: string;

  const merge = (number: string, body: unknown, opts: { token?: string; lang?: string } = {}) =>
    request(stack.web.url, 'POST', `/api/v1/tickets/${number}/merge`, { body, token: opts.token ?? stack.agentToken, headers: { 'Accept-Language': opts.lang ?? 'en' } });

  async function classified(over: Record<string, unknown> = {}): Promise<string> {
    const n = await openTicket(stack, over);
    await waitForEvent(stack, n, (e) => e.type === 'classified');
    return n;
  }

  /** What a refusal must leave as it was: the ticket's status, its events and its outbox. */
  async function state(number: string) {
    const t = await stack.db.tickets.get(number);
    return { status: t?.status, events: (await timeline(stack, number)).length, outbox: (await stack.db.tickets.outbox(number)).length };
  }

  before(async () => {
    stack = await isolatedStack('merge', fastRulesText({ response: '1h', resolution: '8h', autoCloseAfter: '1h' }));
    requester = await stack.tokenFor('requester@example.com');
    await stack.tokenFor('l1.agent@example.com', 'agent');
  });

  it('ends the source as merged with its SLA frozen, records it on both, tells the requester, and answers both tickets', async () => {
    const source = await classified({ title: 'Printer on floor 2 jams' });
    const target = await classified({ title: 'Floor 2 printer jams all the time' });
    expect((await act(stack, source, 'assign', { assignee: 'l1.agent@example.com' })).status).to.equal(200);

    const res = await merge(source, { into: target, reason: 'Same printer, reported twice' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.source).to.deep.include({ number: source, status: 'merged' });
    expect(res.body.source.sla.merged.into).to.equal(target);
    expect(res.body.source.sla).to.deep.include({ responseDueAt: null, resolutionDueAt: null });
    expect(res.body.target).to.deep.include({ number: target, status: 'new' });
    expect(res.body.target.timeline.filter((e: { type: string }) => e.type === 'merge_received').map((e: { data: unknown; reason: unknown; actor: unknown }) => [e.data, e.reason, e.actor]))
      .to.deep.equal([[{ from: source }, 'Same printer, reported twice', 'agent@example.com']]);

    const merged = (await timeline(stack, source)).filter((e) => e.type === 'merged');
    expect(merged.map((e) => [e.data.into, e.reason, e.actor])).to.deep.equal([[target, 'Same printer, reported twice', 'agent@example.com']]);

    // The SLA: frozen where the merge stopped it, and said to be merged.
    const sla1 = await request(stack.web.url, 'GET', `/api/v1/tickets/${source}/sla`, { token: stack.agentToken });
    expect(sla1.status).to.equal(200);
    expect(sla1.body.merged).to.deep.equal({ into: target, at: merged[0]!.occurredAt });
    for (const c of sla1.body.clocks as Array<{ stoppedAt: string | null }>) expect(c.stoppedAt).to.be.a('string');
    await sleep(1_100);
    const sla2 = await request(stack.web.url, 'GET', `/api/v1/tickets/${source}/sla`, { token: stack.agentToken });
    expect(sla2.body.clocks.map((c: { elapsedMs: number }) => c.elapsedMs), 'frozen').to.deep.equal(sla1.body.clocks.map((c: { elapsedMs: number }) => c.elapsedMs));
    expect((await request(stack.web.url, 'GET', `/api/v1/tickets/${target}/sla`, { token: stack.agentToken })).body.merged).to.equal(null);

    // The requester is told, once.
    const outbox = (await stack.db.tickets.outbox(source)).filter((o) => o.kind === 'merged');
    expect(outbox.map((o) => [o.role, o.payload.into ?? (o.payload.data as Record<string, unknown> | undefined)?.into])).to.deep.equal([['requester', target]]);

    // The requester's view: merged into the target, not why.
    const mine = await request(stack.web.url, 'GET', `/api/v1/tickets/${source}`, { token: requester });
    expect(mine.status).to.equal(200);
    expect(mine.body.status).to.equal('merged');
    const seen = (mine.body.timeline as Array<{ type: string; data: unknown; reason: unknown; actor: string }>).filter((e) => e.type === 'merged');
    expect(seen).to.have.length(1);
    expect(seen[0]).to.deep.include({ data: { into: target }, reason: null, actor: 'support' });
    expect(JSON.stringify(mine.body)).not.to.include('reported twice');
    expect((mine.body.timeline as Array<{ type: string }>).some((e) => e.type === 'merge_received')).to.equal(false);

    // The source's workflow has finished; a repeated merge into the same target tells it again, recorded once.
    await stack.client.workflow.getHandle(workflowIdFor(source)).result();
    const again = await merge(source, { into: target, reason: 'Same printer, reported twice' });
    expect(again.status, JSON.stringify(again.body)).to.equal(200);
    await sleep(500);
    expect((await timeline(stack, target)).filter((e) => e.type === 'merge_received')).to.have.length(1);

    // The auditors' replay check: a merged ticket is reproducible.
    const audit = createAudit({
      histories: { forTicket: (n) => historiesOf(stack, n) },
      rules: stack.db.rules,
      tickets: createAuditTicketsRepo(stack.db.sequelize),
      bundle: workflowBundle,
      codec: payloadCodec(stack.config)!,
      open: (sealed, field, ticket) => stack.db.vault.open(sealed, field, ticket),
    });
    const verdict = await audit.checkTicket(source);
    expect(verdict.differences, JSON.stringify(verdict.differences)).to.deep.equal([]);
    expect(verdict.reproducible).to.equal(true);
    // A merge ends a lifecycle: the period's replay check and its population include the source.
    const day = { fromMs: Date.now() - 86_400_000, toMs: Date.now() + 60_000 };
    expect(await createAuditTicketsRepo(stack.db.sequelize).endedBetween(day)).to.include(source);
    const rows = await createAuditPopulationRepo(stack.db.sequelize).rows(day);
    expect(rows.find((r) => r.number === source)).to.deep.include({ status: 'merged', response: 'merged', resolution: 'merged' });
  });

  it('refuses merging into itself, into a merged ticket, into a closed or cancelled one, or an unknown one, changing nothing', async () => {
    const source = await classified();
    const open = await classified();
    const absorbed = await classified();
    expect((await merge(absorbed, { into: open, reason: 'duplicate' })).status).to.equal(200);
    const cancelled = await classified();
    expect((await act(stack, cancelled, 'cancel', { reason: 'no longer needed' })).status).to.equal(200);
    const closed = await classified();
    expect((await act(stack, closed, 'resolve', { code: 'solved' })).status).to.equal(200);
    expect((await act(stack, closed, 'close', { reason: 'confirmed' }, { token: requester })).status).to.equal(200);
    await waitForEvent(stack, closed, (e) => e.type === 'closed');

    const before = await state(source);
    const cases: Array<[string, unknown, number, string, RegExp, string?]> = [
      ['itself', { into: source, reason: 'x' }, 409, 'MERGE_INTO_SELF', new RegExp(`Ticket ${source} cannot be merged into itself`)],
      ['a merged ticket', { into: absorbed, reason: 'x' }, 409, 'MERGE_INTO_MERGED', new RegExp(`Ticket ${absorbed} was itself merged into ${open}: merge into ${open} instead\\.`)],
      ['a closed ticket', { into: closed, reason: 'x' }, 409, 'MERGE_TARGET_FINISHED', new RegExp(`Ticket ${closed} is closed: a ticket can only be merged into one that is still open or resolved\\.`)],
      ['a cancelled ticket (in Polish)', { into: cancelled, reason: 'x' }, 409, 'MERGE_TARGET_FINISHED', new RegExp(`Zgłoszenie ${cancelled} ma status: anulowane\\.`), 'pl'],
      ['an unknown ticket (in German)', { into: 'TZZ-2026-999999', reason: 'x' }, 404, 'NOT_FOUND', /Es gibt kein Ticket TZZ-2026-999999\./, 'de'],
      ['without a reason', { into: open }, 422, 'VALIDATION_FAILED', /reason/],
      ['without a target', { reason: 'x' }, 422, 'VALIDATION_FAILED', /into/],
    ];
    for (const [what, body, status, code, message, lang] of cases) {
      const res = await merge(source, body, { lang });
      expect(res.status, `${what}: ${JSON.stringify(res.body)}`).to.equal(status);
      expect(res.body.error?.code, what).to.equal(code);
      expect(res.body.error?.message, what).to.match(message);
    }
    expect(await state(source)).to.deep.equal(before);
    expect((await timeline(stack, open)).filter((e) => e.type === 'merge_received').map((e) => e.data.from)).to.deep.equal([absorbed]);
    for (const t of [closed, cancelled, absorbed]) expect((await timeline(stack, t)).some((e) => e.type === 'merge_received'), t).to.equal(false);

    // A source that is no longer open (merged: its workflow has finished) cannot be merged elsewhere; nothing is sent to the target.
    const again = await merge(absorbed, { into: source, reason: 'x' });
    expect(again.status).to.equal(409);
    expect(again.body.error).to.deep.equal({ code: 'TICKET_FINISHED', message: `Ticket ${absorbed} is finished and can no longer be changed.` });
    const resolved = await classified();
    expect((await act(stack, resolved, 'resolve', { code: 'solved' })).status).to.equal(200);
    const notOpen = await merge(resolved, { into: source, reason: 'x' });
    expect(notOpen.body.error).to.deep.equal({ code: 'INVALID_TRANSITION', message: 'You cannot merge a ticket that is resolved.' });
    expect(await state(source)).to.deep.equal(before);
  });

  it('merges one of two tickets asked at once to merge into each other, and refuses the other with a sentence', async () => {
    const a = await classified({ title: 'VPN drops every hour' });
    const b = await classified({ title: 'VPN disconnects hourly' });
    const [ab, ba] = await Promise.all([merge(a, { into: b, reason: 'Same VPN fault' }), merge(b, { into: a, reason: 'Same VPN fault' })]);
    const statuses = [ab.status, ba.status].sort();
    expect(statuses, JSON.stringify([ab.body, ba.body])).to.deep.equal([200, 409]);
    const [won, lost] = ab.status === 200 ? [a, b] : [b, a];
    const refusal = ab.status === 409 ? ab.body : ba.body;
    expect(refusal.error.code).to.equal('MERGE_INTO_MERGED');
    expect(refusal.error.message).to.be.a('string').and.include(won);
    expect((await stack.db.tickets.get(won))?.status).to.equal('merged');
    expect((await stack.db.tickets.get(lost))?.status).to.equal('new');
  });

  it('tells a requester whose ticket went into another person\'s ticket so, in their language, on their portal page', async () => {
    const mine = `merge.src.${Date.now().toString(36)}@example.com`;
    const source = await classified({ requesterEmail: mine, title: 'Projector in room 4 is dead' });
    const target = await classified({ requesterEmail: 'colleague@example.com', title: 'Room 4 projector broken' });
    expect((await merge(source, { into: target, reason: 'Same projector' })).status).to.equal(200);
    const c = new PortalClient(stack.web.url, 'de');
    await c.signUp(stack.db, mine, 'a long enough password', 'de');
    const page = await c.get(`/tickets/${source}`);
    expect(page.status).to.equal(200);
    expect(decode(page.text)).to.include(`mit Ticket ${target} zusammengeführt, das jemand anderes zum selben Problem gemeldet hat`);
  });

  it('is for agents and admins only: requesters and other staff get 403 with a sentence, and nothing changes', async () => {
    const source = await classified();
    const target = await classified();
    const before = await state(source);
    const owner = await stack.tokenFor('owner@example.com', 'process_owner');
    const auditor = await stack.tokenFor('auditor@example.com', 'auditor');
    for (const token of [requester, owner, auditor]) {
      const res = await merge(source, { into: target, reason: 'duplicate' }, { token });
      expect(res.status).to.equal(403);
      expect(res.body.error?.message).to.match(/^Only agents and administrators merge tickets; your role \((requester|process_owner|auditor)\) may not\.$/);
    }
    expect(await state(source)).to.deep.equal(before);
    const admin = await stack.tokenFor('admin@example.com', 'admin');
    expect((await merge(source, { into: target, reason: 'duplicate' }, { token: admin })).status).to.equal(200);
  });

  it('is not one of the generic actions', async () => {
    const source = await classified();
    const res = await act(stack, source, 'merge', { into: source, reason: 'x' });
    expect(res.status).to.equal(404);
    expect(res.body.error?.code).to.equal('UNKNOWN_ACTION');
    const doc = await request(stack.web.url, 'GET', '/api/v1/openapi.json', {});
    expect(doc.body.paths['/api/v1/tickets/{number}/merge'].post.operationId).to.equal('mergeTicket');
    const actions = doc.body.paths['/api/v1/tickets/{number}/actions/{action}'].post.parameters.find((p: { name: string }) => p.name === 'action').schema.enum;
    expect(actions).not.to.include('merge');
  });
});

async function historiesOf(stack: IsolatedStack, number: string): Promise<TicketHistories> {
  const workflowId = workflowIdFor(number);
  const handle = stack.client.workflow.getHandle(workflowId);
  const d = await handle.describe();
  const text = historyToJSON(await handle.fetchHistory());
  const history = JSON.parse(text) as HistoryJson;
  return { number, workflowId, missing: [], runs: [{ workflowId, runId: d.runId, status: d.status.name === 'RUNNING' ? 'running' : 'completed', origin: 'temporal', eventCount: history.events.length, sha256: createHash('sha256').update(text).digest('hex'), text, history, startedAt: null, closedAt: null }] };
}
