/* eslint-disable @typescript-eslint/no-explicit-any -- rows and timelines are inspected field by field */
/**
 * The what-if over past tickets on real tickets (real Temporal dev server, real PostgreSQL): each
 * classification records its derived facts in ticket_decisions, and the what-if's figures — per
 * ticket and in aggregate — equal a direct evaluation of the same tickets (their full text, the
 * candidate compiled on its own, deadlines from their recorded responses); a candidate identical
 * to the active version changes nothing; conditions the recorded facts cannot answer are counted.
 */
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { compileRules, evaluate } from '../rules/evaluate.ts';
import { decisionOutcome, evaluateRedacted } from '../rules/derived-facts.ts';
import { hashRules } from '../rules/hash.ts';
import type { RulesFile, TicketFacts } from '../rules/types.ts';
import { erasePerson } from '../services/privacy/erase.ts';
import { runWhatIf, type SideOutcome, type WhatIfSummary } from '../services/rules-admin/what-if.ts';
import { CHANGED_FIELDS, type ChangedField } from '../services/rules-admin/what-if-summary.ts';
import { erasureDeps } from '../runtime/compose.ts';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { act, openTicket, sleep, timeline, waitForEvent } from './support/tickets.ts';
import { fastRulesText } from './fixtures/fast-rules.ts';

const VIP = 'vip.requester@example.com';

/** The candidate: low impact with high urgency is P2, VPN goes to Applications, standard P3 gets 1 h for both clocks, standard P4 1 s. */
function changedCandidate(active: RulesFile): RulesFile {
  const c = structuredClone(active);
  c.name = 'What-if candidate';
  c.priorityMatrix.low.high = 'P2';
  for (const p of c.slaPolicies) {
    if (p.id === 'standard-p3') Object.assign(p, { response: '1h', resolution: '1h' });
    if (p.id === 'standard-p4') Object.assign(p, { response: '1s', resolution: '1s' });
  }
  c.rules.unshift({ name: 'VPN goes to Applications', priority: 10, conditions: { all: [{ fact: 'keywords', operator: 'contains', value: 'vpn' }] }, event: { type: 'route', params: { team: 'applications' } } });
  return c;
}

describe('rules admin: what-if over past tickets', function () {
  this.timeout(180_000);
  let stack: IsolatedStack;
  let active: RulesFile;
  let fromMs: number;
  const tickets: Record<string, string> = {};
  const emails: Record<string, string> = {};

  before(async () => {
    stack = await isolatedStack('what-if', fastRulesText());
    active = (await stack.db.rules.active()).file;
    await stack.tokenFor(VIP, 'requester');
    await stack.db.sequelize.query(`UPDATE users SET vip = true, organisation = 'ACME', department = 'Finance' WHERE email_bidx = :bidx`, { replacements: { bidx: await stack.db.vault.blindIndex(VIP) } });
    await stack.tokenFor('l1.agent@example.com', 'agent');
    fromMs = Date.now() - 1_000;
    const open = async (key: string, over: Record<string, unknown>) => {
      tickets[key] = await openTicket(stack, over);
      emails[key] = (over.requesterEmail as string | undefined) ?? 'requester@example.com';
      await waitForEvent(stack, tickets[key]!, (e) => e.type === 'classified');
    };
    await open('vpn', { title: 'VPN drops every few minutes at Kowalski desk', description: 'Since this morning.', impact: 'medium', urgency: 'medium' });
    await open('printer', { title: 'Printer jams', description: 'Second floor.', impact: 'low', urgency: 'high' });
    await open('mouse', { title: 'Mouse broken', description: 'Left button.', impact: 'low', urgency: 'low' });
    await open('vip', { title: 'Laptop slow', description: 'Very slow.', impact: 'medium', urgency: 'low', requesterEmail: VIP });
    await open('outage', { title: 'Network outage in building B', description: 'All floors.', impact: 'high', urgency: 'medium' });
    await open('access', { title: 'Need access to ERP', description: 'For the audit.', impact: 'low', urgency: 'low', category: 'access' });
    expect((await act(stack, tickets.printer!, 'respond', { message: 'Looking at it.' })).status).to.equal(200);
    await sleep(1_500);
    expect((await act(stack, tickets.mouse!, 'resolve', { code: 'solved' })).status).to.equal(200);
    expect((await act(stack, tickets.access!, 'assign', { assignee: 'l1.agent@example.com' })).status).to.equal(200);
    expect((await act(stack, tickets.access!, 'set_pending', { reason: 'waiting for the manager' })).status).to.equal(200);
  });

  const period = () => ({ fromMs, toMs: Date.now() + 1_000 });
  const all = async (candidate: RulesFile, asOfMs: number, opts: Record<string, unknown> = {}): Promise<WhatIfSummary> =>
    runWhatIf({ decisions: stack.db.decisions, rules: stack.db.rules }, candidate, period(), { list: 'all', asOfMs, ...opts });

  /** The ticket's full facts, as its classification read them (text opened, the directory's requester facts). */
  async function factsOf(key: string): Promise<{ facts: TicketFacts; createdMs: number; events: any[] }> {
    const t = (await stack.db.tickets.get(tickets[key]!))!;
    const facts: TicketFacts = {
      ticket: { title: t.title, description: t.description, ...(t.category && key === 'access' ? { category: t.category } : {}), impact: t.impact, urgency: t.urgency, channel: t.channel, language: t.locale },
      requester: await stack.db.directory.requesterFacts(emails[key]!),
    };
    return { facts, createdMs: Date.parse(t.createdAt), events: t.timeline };
  }

  /** One side evaluated directly: the rules on the full text, deadlines on the 24×7 calendar (no pause was ever resumed here). */
  async function direct(file: RulesFile, key: string, asOfMs: number): Promise<SideOutcome> {
    const { facts, createdMs, events } = await factsOf(key);
    const d = await evaluate(compileRules(file, { version: 9, hash: hashRules(file) }), facts, createdMs);
    expect(d.policy.calendar.alwaysOpen, 'this test computes 24×7 deadlines').to.equal(true);
    const at = (type: string, pred: (e: any) => boolean = () => true) => events.filter((e) => e.type === type && pred(e)).map((e) => Date.parse(e.occurredAt))[0];
    const firstWord = Math.min(...[at('responded', (e) => e.data.firstResponse), at('pending', (e) => e.data.firstResponse), at('resolved')].filter((x): x is number => x !== undefined));
    const resolved = at('resolved');
    const pausedAt = at('pending');
    const clock = (targetMs: number, stop: number | undefined, paused?: number) => {
      const deadline = createdMs + targetMs;
      const breached = stop !== undefined ? deadline < stop : paused !== undefined ? deadline <= paused : deadline <= asOfMs;
      return { deadlineAt: paused !== undefined && stop === undefined ? null : new Date(deadline).toISOString(), breached, open: stop === undefined && !breached };
    };
    return {
      priority: d.priority, category: d.category, team: d.team, tier: d.tier, serviceLevel: d.serviceLevel, policy: d.policy.id, calendar: d.policy.calendar.id,
      responseMs: d.policy.responseMs, resolutionMs: d.policy.resolutionMs,
      response: clock(d.policy.responseMs, Number.isFinite(firstWord) ? firstWord : undefined),
      resolution: clock(d.policy.resolutionMs, resolved, resolved === undefined ? pausedAt : undefined),
    };
  }

  it('when tickets are classified, then each classification is recorded once with its derived facts and outcome, and nothing of the text or the address', async () => {
    const rows = await stack.db.sequelize.query<any>(`SELECT d.*, t.created_at FROM ticket_decisions d JOIN tickets t ON t.number = d.ticket_number ORDER BY d.ticket_number`, { type: QueryTypes.SELECT });
    expect(rows.map((r) => r.ticket_number)).to.deep.equal(Object.values(tickets).sort());
    const compiled = (await stack.db.rules.active()).compiled;
    for (const [key, number] of Object.entries(tickets)) {
      const row = rows.find((r) => r.ticket_number === number);
      expect(row).to.include({ kind: 'classified', rules_version: 2, rules_hash: compiled.hash });
      expect(row.decided_at.getTime()).to.equal(row.created_at.getTime());
      const { facts, createdMs } = await factsOf(key);
      const recorded = await evaluateRedacted(compiled, facts, createdMs);
      expect(row.facts, key).to.deep.equal(recorded.explanation.facts);
      expect(row.outcome).to.deep.equal({ ...decisionOutcome(recorded), responseMs: recorded.policy.responseMs, resolutionMs: recorded.policy.resolutionMs, calendar: recorded.policy.calendar.id });
      const classified = (await timeline(stack, number)).find((e) => e.type === 'classified')!;
      expect(row.outcome).to.include({ priority: classified.data.priority, policy: (classified.data.policy as any).id, team: classified.data.team });
    }
    const text = JSON.stringify(rows.map((r) => [r.facts, r.outcome]));
    for (const word of ['Kowalski', 'kowalski', 'drops', 'jams', '@example.com', 'Laptop', 'slow']) expect(text).to.not.include(word);
    expect(rows.find((r) => r.ticket_number === tickets.vpn).facts.keywords).to.deep.equal(['vpn']);
    expect(rows.find((r) => r.ticket_number === tickets.vip).facts.requester).to.deep.equal({ vip: true, organisation: 'ACME', department: 'Finance' });
    // A retried activity writes nothing twice.
    const first = rows[0];
    const again = await stack.db.decisions.record({ ticketNumber: first.ticket_number, atMs: first.decided_at.getTime(), rulesVersion: first.rules_version, rulesHash: first.rules_hash, facts: first.facts, outcome: first.outcome });
    expect(again).to.equal(null);
    expect((await stack.db.decisions.forTicket(first.ticket_number)).decisions).to.have.length(1);
  });

  it('when the candidate is the active version itself, then nothing changes', async () => {
    const s = await all(active, Date.now() + 60_000);
    expect(s).to.deep.include({ seen: 6, evaluated: 6, skipped: 0, failed: 0, unlisted: 0 });
    expect(s.changed).to.deep.equal(Object.fromEntries([...CHANGED_FIELDS, 'any'].map((f) => [f, 0])));
    expect(s.breaches.response).to.include({ avoided: 0, added: 0 });
    expect(s.breaches.resolution).to.include({ avoided: 0, added: 0 });
    expect(s.uncertain).to.deep.equal({ tickets: 0, conditions: [] });
    for (const t of s.tickets) expect(t.candidate, t.number).to.deep.equal(t.then);
    expect(s.versions).to.deep.equal([{ version: 2, tickets: 6 }]);
  });

  it('when the candidate changes priorities, routing and targets, then the figures equal a direct evaluation of the same tickets', async () => {
    const candidate = changedCandidate(active);
    const asOfMs = Date.now() + 60_000;
    const s = await all(candidate, asOfMs);
    expect(s.evaluated).to.equal(6);
    const expected = new Map<string, { then: SideOutcome; candidate: SideOutcome; changed: ChangedField[] }>();
    for (const key of Object.keys(tickets)) {
      const then = await direct(active, key, asOfMs);
      const cand = await direct(candidate, key, asOfMs);
      const changed = (['priority', 'category', 'team', 'tier', 'serviceLevel', 'policy'] as const).filter((f) => then[f] !== cand[f]) as ChangedField[];
      if (then.response.deadlineAt !== cand.response.deadlineAt) changed.push('responseDeadline');
      if (then.resolution.deadlineAt !== cand.resolution.deadlineAt) changed.push('resolutionDeadline');
      if (then.response.breached !== cand.response.breached) changed.push('responseBreach');
      if (then.resolution.breached !== cand.resolution.breached) changed.push('resolutionBreach');
      expected.set(tickets[key]!, { then, candidate: cand, changed });
    }
    for (const t of s.tickets) {
      expect({ then: t.then, candidate: t.candidate, changed: t.changed }, t.number).to.deep.equal(expected.get(t.number));
      expect(t.uncertain).to.equal(false);
    }
    const list = [...expected.values()];
    const count = (f: ChangedField) => list.filter((e) => e.changed.includes(f)).length;
    expect(s.changed).to.deep.equal({ ...Object.fromEntries(CHANGED_FIELDS.map((f) => [f, count(f)])), any: list.filter((e) => e.changed.length).length });
    for (const clock of ['response', 'resolution'] as const) {
      const b = (side: 'then' | 'candidate') => list.filter((e) => e[side][clock].breached).length;
      const avoided = list.filter((e) => e.then[clock].breached && !e.candidate[clock].breached).length;
      const added = list.filter((e) => !e.then[clock].breached && e.candidate[clock].breached).length;
      expect(s.breaches[clock], clock).to.deep.equal({ then: b('then'), candidate: b('candidate'), avoided, added });
    }
    // What the candidate was made to change did change: the figures are not all zero.
    expect(s.changed.priority).to.be.greaterThan(0);
    expect(s.changed.team).to.be.greaterThan(0);
    expect(s.breaches.response.avoided + s.breaches.resolution.avoided).to.be.greaterThan(0);
    expect(s.breaches.resolution.added).to.be.greaterThan(0);
    // The service level × priority table: each side's tickets and breaches in its own cell.
    for (const cell of s.cells) {
      for (const side of ['then', 'candidate'] as const) {
        const inCell = list.filter((e) => e[side].serviceLevel === cell.serviceLevel && e[side].priority === cell.priority);
        expect(cell[side], `${cell.serviceLevel} ${cell.priority} ${side}`).to.deep.equal({
          tickets: inCell.length, responseBreaches: inCell.filter((e) => e[side].response.breached).length, resolutionBreaches: inCell.filter((e) => e[side].resolution.breached).length,
        });
      }
    }
    expect(s.cells.reduce((n, c) => n + c.then.tickets, 0)).to.equal(6);
    expect(s.cells.map((c) => `${c.serviceLevel}/${c.priority}`)).to.include.members(['gold/P2', 'standard/P1', 'standard/P2', 'standard/P3', 'standard/P4']);
  });

  it('when the candidate tests for a word the active version never looked for, or reads the title, then those tickets are uncertain and the conditions counted', async () => {
    const c = structuredClone(active);
    c.rules.push(
      { name: 'Printers to L2', conditions: { all: [{ fact: 'keywords', operator: 'contains', value: 'printer' }] }, event: { type: 'route', params: { team: 'applications' } } },
      { name: 'Urgent titles', conditions: { all: [{ fact: 'ticket', path: '$.title', operator: 'textContains', value: 'urgent' }, { fact: 'ticket', path: '$.impact', operator: 'equal', value: 'high' }] }, event: { type: 'add-tag', params: { tag: 'urgent' } } },
    );
    const s = await all(c, Date.now());
    expect(s.uncertain.tickets).to.equal(6);
    expect(s.uncertain.conditions.map((x) => [x.rule, x.reason, x.tickets])).to.deep.equal([
      ['Printers to L2', 'keyword-not-recorded', 6],
      ['Urgent titles', 'reads-sealed-text', 1],
    ]);
    expect(s.tickets.find((t) => t.number === tickets.outage)!.uncertainRules).to.deep.equal(['Printers to L2', 'Urgent titles']);
    expect(s.tickets.find((t) => t.number === tickets.mouse)!.uncertainRules).to.deep.equal(['Printers to L2']);
  });

  it('reads the tickets a page at a time, tells its progress, stops when aborted, and lists only what changes by default', async () => {
    const progress: Array<[number, number]> = [];
    const s = await all(changedCandidate(active), Date.now() + 60_000, { pageSize: 2, list: 'changed', onProgress: (d: number, t: number) => { progress.push([d, t]); } });
    expect(progress).to.deep.equal([[0, 6], [2, 6], [4, 6], [6, 6]]);
    expect(s.tickets.length + s.unlisted).to.equal(6);
    expect(s.tickets.every((t) => t.changed.length > 0)).to.equal(true);
    const stop = new AbortController();
    const aborted = await all(active, Date.now(), { pageSize: 2, signal: stop.signal, onProgress: (d: number) => { if (d === 2) stop.abort(new Error('stopped by the test')); } }).then(() => null, (e: Error) => e.message);
    expect(aborted).to.equal('stopped by the test');
    const none = await runWhatIf({ decisions: stack.db.decisions, rules: stack.db.rules }, active, { fromMs: fromMs - 86_400_000, toMs: fromMs });
    expect(none).to.deep.include({ seen: 0, evaluated: 0, tickets: [] });
  });

  it('when a ticket is re-classified, then that decision is recorded as such and the what-if keeps comparing with the classification', async () => {
    const owner = await stack.tokenFor('owner@example.com', 'process_owner');
    const res = await request(stack.web.url, 'POST', `/api/v1/tickets/${tickets.outage}/reclassify`, { token: owner, body: { reason: 'rules reviewed' } });
    expect(res.status).to.equal(202);
    await waitForEvent(stack, tickets.outage!, (e) => e.type === 'reclassified');
    const { decisions } = await stack.db.decisions.forTicket(tickets.outage!);
    expect(decisions.map((d) => d.kind)).to.deep.equal(['classified', 'reclassified']);
    expect(Date.parse(decisions[1]!.decidedAt)).to.be.greaterThan(Date.parse(decisions[0]!.decidedAt));
    const s = await all(active, Date.now());
    expect(s.tickets.find((t) => t.number === tickets.outage)).to.deep.include({ decidedAt: decisions[0]!.decidedAt, retargetedLater: true });
    expect(s.retargetedLater).to.equal(1);
  });

  it('when a ticket has no recorded facts, then it is skipped and counted; when its requester is erased, then its recorded facts stay and hold nothing of theirs', async () => {
    await stack.db.sequelize.query(`DELETE FROM ticket_decisions WHERE ticket_number = :n`, { replacements: { n: tickets.printer } });
    const s = await all(active, Date.now());
    expect(s).to.deep.include({ seen: 6, evaluated: 5, skipped: 1 });
    const before = (await stack.db.decisions.forTicket(tickets.vip!)).decisions;
    const report = await erasePerson(erasureDeps(stack.config, stack.db), { email: VIP, reason: 'Art. 17 GDPR request, case T-1', actor: 'admin:test' });
    expect(report.tickets).to.deep.equal([tickets.vip]);
    const after = (await stack.db.decisions.forTicket(tickets.vip!)).decisions;
    expect(after).to.deep.equal(before);
    expect(JSON.stringify(after)).to.not.include(VIP);
    expect((await all(active, Date.now())).evaluated).to.equal(5);
  });
});
