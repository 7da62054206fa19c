/**
 * Bulk actions through `POST /api/v1/tickets/bulk` (real Temporal dev server, real PostgreSQL):
 * assign, change the priority with a reason, and resolve as duplicates — each merged into the
 * ticket named, with the reason in both timelines; every ticket's outcome is reported in the
 * caller's language and one refusal does not stop the rest; a bad request is a 422 naming each
 * field and changes nothing; only agents and admins may.
 */
import { expect } from 'chai';
import { fastRulesText } from './fixtures/fast-rules.ts';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { openTicket, timeline, waitForEvent } from './support/tickets.ts';

describe('bulk actions (POST /api/v1/tickets/bulk)', function () {
  this.timeout(120_000);
  let stack: IsolatedStack;

  const bulk = (body: unknown, opts: { token?: string; lang?: string } = {}) =>
    request(stack.web.url, 'POST', '/api/v1/tickets/bulk', { body, token: opts.token ?? stack.agentToken, headers: { 'Accept-Language': opts.lang ?? 'en' } });

  async function classified(over: Record<string, unknown> = {}): Promise<string> {
    const n = await openTicket(stack, over);
    await waitForEvent(stack, n, (e) => e.type === 'classified');
    return n;
  }

  before(async () => {
    stack = await isolatedStack('bulk', fastRulesText({ response: '1h', resolution: '8h', autoCloseAfter: '1h' }));
    await stack.tokenFor('l1.agent@example.com', 'agent');
  });

  it('assigns and re-prioritises each ticket, reporting each one; an unknown ticket is refused in the caller\'s language and the rest go on', async () => {
    const [a, b] = [await classified(), await classified()];
    const unknown = a.replace(/\d{6}$/, '999999');
    const assigned = await bulk({ numbers: [a, unknown, b], action: 'assign', assignee: 'l1.agent@example.com' }, { lang: 'pl' });
    expect(assigned.status, JSON.stringify(assigned.body)).to.equal(200);
    expect(assigned.body.results.map((r: { number: string; ok: boolean; status?: string }) => [r.number, r.ok, r.status ?? null])).to.deep.equal([[a, true, 'assigned'], [unknown, false, null], [b, true, 'assigned']]);
    expect(assigned.body.results[1].error.message).to.equal(`Nie ma zgłoszenia ${unknown}.`);

    const raised = await bulk({ numbers: `${a}, ${b}`, action: 'change_priority', priority: 'P1', reason: 'Whole floor affected' });
    expect(raised.body.results.every((r: { ok: boolean }) => r.ok)).to.equal(true);
    expect((await stack.db.tickets.get(a))!.priority).to.equal('P1');
    expect((await timeline(stack, b)).some((e) => e.type === 'priority_changed')).to.equal(true);
  });

  it('merges duplicates into the ticket named, with the reason in both timelines; the ticket itself among them is refused', async () => {
    const target = await classified({ title: 'Wi-Fi down in building B' });
    const [d1, d2] = [await classified({ title: 'No Wi-Fi in B' }), await classified({ title: 'Building B wireless gone' })];
    const res = await bulk({ numbers: [d1, target, d2], action: 'resolve_duplicate', duplicateOf: target, note: 'Same Wi-Fi outage' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.results.map((r: { number: string; ok: boolean; status?: string }) => [r.number, r.ok, r.status ?? null])).to.deep.equal([[d1, true, 'merged'], [target, false, null], [d2, true, 'merged']]);
    expect(res.body.results[1].error.message).to.be.a('string').and.include(target).and.not.match(/undefined|refusal\./);
    for (const d of [d1, d2]) expect((await stack.db.tickets.get(d))!.sla?.merged?.into).to.equal(target);
    await waitForEvent(stack, target, (e) => e.type === 'merge_received' && e.data.from === d2);
    const received = (await timeline(stack, target)).filter((e) => e.type === 'merge_received');
    expect(received.map((e) => e.data.from)).to.deep.equal([d1, d2]);
    // The reason as agents read it (the read model keeps it sealed).
    const shown = await request(stack.web.url, 'GET', `/api/v1/tickets/${d1}`, { token: stack.agentToken });
    expect(shown.body.timeline.find((e: { type: string }) => e.type === 'merged').reason).to.equal('Same Wi-Fi outage');
    const into = await request(stack.web.url, 'GET', `/api/v1/tickets/${target}`, { token: stack.agentToken });
    expect(into.body.timeline.filter((e: { type: string }) => e.type === 'merge_received').map((e: { reason: string }) => e.reason)).to.deep.equal(['Same Wi-Fi outage', 'Same Wi-Fi outage']);
  });

  it('refuses a bad request with 422 naming each field, and other roles with 403, changing nothing', async () => {
    const n = await classified();
    const before = (await timeline(stack, n)).length;
    const bad = await bulk({ numbers: [n, 'nope'], action: 'resolve_duplicate', duplicateOf: n }, { lang: 'de' });
    expect(bad.status).to.equal(422);
    expect((bad.body.error.fields as Array<{ field: string }>).map((f) => f.field).sort()).to.deep.equal(['note', 'numbers']);
    expect(bad.body.error.message).to.be.a('string').and.not.match(/undefined/);
    const requester = await stack.tokenFor('requester@example.com');
    const refused = await bulk({ numbers: [n], action: 'assign', assignee: 'l1.agent@example.com' }, { token: requester });
    expect(refused.status).to.equal(403);
    expect(refused.body.error.message).to.be.a('string').and.not.match(/undefined/);
    expect((await timeline(stack, n)).length).to.equal(before);
  });
});
