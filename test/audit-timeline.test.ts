/**
 * The auditors' timeline of a ticket a real worker ran (real Temporal dev server, real PostgreSQL):
 * classification, an SLA warning, a breach and an escalation by the ladder, pending with a reason and
 * resume, a re-classification under a newer rules version (on a business-hours calendar) and the
 * resolution — each step in words in en, pl and de, with rules version, hash, rules fired and
 * calendar, from the history fetched from Temporal (the archive's HistorySource is another module's).
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { i18n } from 'i18next';
import { createI18n } from '../api/i18n.ts';
import { payloadCodec } from '../runtime/payload-codec.ts';
import { buildTimeline, timelineLines, type Timeline, type TimelineDeps } from '../services/audit/timeline.ts';
import type { HistoryJson, TicketHistories } from '../services/audit/types.ts';
import { workflowIdFor } from '../workflows/types.ts';
import { fastRulesText } from './fixtures/fast-rules.ts';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { act, openTicket, waitForEvent } from './support/tickets.ts';

async function historiesOf(stack: IsolatedStack, number: string): Promise<TicketHistories> {
  const workflowId = workflowIdFor(number);
  const handle = stack.client.workflow.getHandle(workflowId);
  const runId = (await handle.describe()).runId;
  const text = historyToJSON(await handle.fetchHistory());
  const history = JSON.parse(text) as HistoryJson;
  return { number, workflowId, missing: [], runs: [{ workflowId, runId, status: 'running', origin: 'temporal', eventCount: history.events.length, sha256: createHash('sha256').update(text).digest('hex'), text, history, startedAt: null, closedAt: null }] };
}

/** A sentence with a key or a placeholder left in it was not translated. */
function untranslated(t: Timeline): string[] {
  const texts: string[] = [];
  const walk = (v: unknown, key = ''): void => {
    if (typeof v === 'string' && (key === 'text' || key === 'title' || key === 'note' || key === 'when' || key === 'statusText' || key === 'actorText' || key === 'sentences' || key === 'details' || key === 'notes' || key === 'conditions' || key === 'dayText')) texts.push(v);
    else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(t);
  return texts.filter((s) => /\{\{|\b(decision|ladder|mark|pause|deadline|due|detail|notification|calendar|history|gap|condition|priority|role|autoClose|ticket)\.[a-zA-Z]+/.test(s));
}

describe('audit timeline of a ticket a real worker ran, in en, pl and de', function () {
  this.timeout(180_000);
  let stack: IsolatedStack;
  let number: string;
  let deps: TimelineDeps;
  let i18next: i18n;
  let histories: TicketHistories;
  const by: Record<string, Timeline> = {};

  before(async () => {
    // Response 3 s (24×7): the warning at 50 %, the ladder's warn-lead at 75 %, the breach and the move to L2 come within seconds.
    stack = await isolatedStack('audit-timeline', fastRulesText({ response: '3s', resolution: '60s', autoCloseAfter: '1h' }));
    number = await openTicket(stack, { impact: 'high', urgency: 'high', title: 'Mail server down', description: 'Nobody can send mail.' });
    expect((await act(stack, number, 'start', {})).status).to.equal(200);
    await waitForEvent(stack, number, (e) => e.type === 'escalated' && e.data.step === 'to-L2', 30_000);
    expect((await act(stack, number, 'set_pending', { reason: 'Waiting for the server logs' })).status).to.equal(200);
    expect((await act(stack, number, 'resume', { reason: 'Logs received' })).status).to.equal(200);
    // A newer version on the business-hours calendar, applied to the ticket by a process owner.
    const newer = JSON.parse(fastRulesText({ response: '3s', resolution: '90s', autoCloseAfter: '1h' })) as { name: string; slaPolicies: Array<{ calendar: string }> };
    newer.name = 'Second-scale rules on office hours';
    for (const p of newer.slaPolicies) p.calendar = 'warsaw-business';
    expect((await stack.db.rules.publish(JSON.stringify(newer, null, 2), { author: 'test', comment: 'office hours' })).ok).to.equal(true);
    const owner = await stack.tokenFor('owner@example.com', 'process_owner');
    expect((await request(stack.web.url, 'POST', `/api/v1/tickets/${number}/reclassify`, { token: owner, body: { reason: 'rules reviewed' } })).status).to.be.oneOf([200, 202]);
    await waitForEvent(stack, number, (e) => e.type === 'reclassified');
    expect((await act(stack, number, 'resolve', { code: 'solved', note: 'Restarted the mail queue' })).status).to.equal(200);
    await waitForEvent(stack, number, (e) => e.type === 'resolved');

    i18next = await createI18n();
    deps = {
      ticket: (n) => stack.db.tickets.get(n),
      notifications: (n) => stack.db.tickets.outbox(n),
      rulesVersion: (v) => stack.db.rules.get(v),
      codec: payloadCodec(stack.config),
      i18n: i18next,
    };
    histories = await historiesOf(stack, number);
    for (const lng of ['en', 'pl', 'de']) by[lng] = await buildTimeline(deps, number, histories, lng, { timeZone: 'Europe/Warsaw' });
    if (process.env.DUMP_TIMELINE) for (const lng of ['en', 'pl', 'de']) console.log(timelineLines(by[lng]!).join('\n'));
  });

  it('lists every event of the read model, each with a sentence, its actor, time and reason', async () => {
    const t = by.en!;
    const events = (await stack.db.tickets.get(number))!.timeline;
    expect(t.entries.map((e) => e.seq)).to.deep.equal(events.map((e) => e.seq));
    const types = t.entries.map((e) => e.type);
    for (const type of ['created', 'classified', 'started', 'sla_warning', 'escalation_notified', 'sla_breached', 'escalated', 'pending', 'resumed', 'reclassified', 'resolved']) expect(types, type).to.include(type);
    expect(t.history).to.include({ complete: true });
    expect(t.history.notes.join(' ')).to.match(/read from Temporal \(1 run\)/);
    const pending = t.entries.find((e) => e.type === 'pending')!;
    expect(pending).to.include({ reason: 'Waiting for the server logs', automated: false, actorText: 'agent@example.com' });
    expect(pending.text).to.match(/^Set to pending/);
    expect(t.entries.find((e) => e.type === 'classified')!).to.include({ automated: true, actorText: 'Rules engine' });
    for (const lng of ['en', 'pl', 'de']) expect(untranslated(by[lng]!), lng).to.deep.equal([]);
    // The CLI's lines: each entry, then its why.
    const lines = timelineLines(t);
    expect(lines.find((l) => l.startsWith(`#${pending.seq} `))).to.include('Set to pending').and.include('Waiting for the server logs');
    expect(lines).to.include('    Why the clocks stopped counting:');
  });

  it('gives each classification its rules version, hash, the rules that fired in order and why the others did not, from history', async () => {
    const [first, second] = by.en!.decisions;
    const v2 = (await stack.db.rules.get(2))!;
    const v3 = (await stack.db.rules.get(3))!;
    expect(first).to.include({ kind: 'classified', recorded: true, rulesVersion: 2, rulesHash: v2.hash, calendar: '24x7', note: null });
    expect(first!.fired.map((f) => f.rule)).to.include.members(['Major outage is P1', 'Major outage pages the duty manager']);
    expect(first!.fired.map((f) => f.order)).to.deep.equal(first!.fired.map((_, i) => i + 1));
    const vip = first!.notFired.find((n) => n.rule === 'VIP first')!;
    expect(vip.conditions.join(' ')).to.match(/requester \$\.vip equal true did not hold/);
    expect(first!.sentences.join('\n')).to.include(`Rules version 2 (“Second-scale test rules”), hash ${v2.hash}.`);
    expect(first!.ladder!.id).to.equal('p1-major');
    expect(second).to.include({ kind: 'reclassified', recorded: true, rulesVersion: 3, rulesHash: v3.hash, calendar: 'warsaw-business' });
    expect(second!.before).to.deep.include({ rulesVersion: 2 });
    expect(second!.policy!.resolutionMs).to.equal(90_000);
    const classified = by.en!.entries.find((e) => e.type === 'classified')!;
    expect(classified.why).to.include({ kind: 'decision', decision: 0, anchor: `why-${classified.seq}`, calendar: '24x7' });
    expect(classified.details.join(' ')).to.include(`Rules version 2, hash ${v2.hash}; rules fired: `);
    expect(classified.deadlines.map((d) => d.state)).to.deep.equal(['running', 'running']);
    expect(classified.due.map((d) => d.id)).to.include('response:breach');
  });

  it('names the calendars that produced the deadlines: 24×7, and office hours with holidays', () => {
    const cals = Object.fromEntries(by.en!.calendars.map((c) => [c.id, c]));
    expect(cals['24x7']).to.include({ alwaysOpen: true, timeZone: 'UTC', source: 'decision' });
    expect(cals['24x7']!.text).to.match(/open around the clock \(24×7\), time zone UTC/);
    const office = cals['warsaw-business']!;
    expect(office).to.include({ alwaysOpen: false, timeZone: 'Europe/Warsaw', source: 'decision' });
    expect(office.hours[0]).to.deep.equal({ day: 'mon', dayText: 'Monday', ranges: [{ from: '08:00', to: '17:00' }] });
    expect(office.hours[6]!.ranges).to.deep.equal([]);
    expect(office.text).to.match(/Monday 08:00–17:00/).and.match(/Closed on Saturday and Sunday/).and.match(/holidays, closed all day/);
    expect(by.pl!.calendars.find((c) => c.id === 'warsaw-business')!.text).to.match(/poniedziałek 08:00–17:00/).and.match(/Nieczynny: sobota i niedziela/);
    expect(by.de!.calendars.find((c) => c.id === 'warsaw-business')!.text).to.match(/Montag 08:00–17:00/).and.match(/Feiertage, ganztägig geschlossen/);
  });

  it('explains the warning, the breach and the ladder step that escalated, with the step as its rules version has it', () => {
    const t = by.en!;
    const breach = t.entries.find((e) => e.type === 'sla_breached')!;
    expect(breach.automated).to.equal(true);
    expect(breach.why).to.include({ kind: 'breach', calendar: '24x7' });
    expect(breach.why!.sentences.join(' ')).to.match(/The response target of SLA policy \S+ \(rules version 2\) is 3 seconds of business time, counted in calendar 24x7/);
    expect(breach.notifications.map((n) => n.kind)).to.deep.equal(['sla_breached']);
    expect(breach.notifications[0]!.roles).to.include('team_lead');
    expect(breach.notifications[0]).to.include({ status: 'queued', deliveredAt: null });
    expect(breach.notifications[0]!.text).to.match(/queued at .*not sent yet/);
    expect(breach.deadlines.find((d) => d.clock === 'response')).to.include({ breached: true });
    const warning = t.entries.find((e) => e.type === 'sla_warning')!;
    expect(warning.why!.sentences[0]).to.match(/warns at 50% of the response target of 3 seconds/);
    const up = t.entries.find((e) => e.type === 'escalated')!;
    expect(up.why).to.deep.include({ kind: 'ladder', ladder: { id: 'p1-major', name: 'Major incident (P1)' } });
    expect(up.why!.step).to.deep.include({ id: 'to-L2', clock: 'response', fraction: 1, afterMs: 3_000, moveTo: { tier: 'L2' }, notify: ['team_lead', 'duty_manager'] });
    expect(up.why!.sentences.join(' ')).to.match(/Escalation ladder p1-major \(Major incident \(P1\)\) of rules version 2, step to-L2/).and.match(/moved the ticket from tier L1 to L2, team infrastructure/);
    expect(up.notifications[0]!.roles).to.include.members(['team_lead', 'duty_manager', 'team']);
    const lead = t.entries.find((e) => e.type === 'escalation_notified' && e.why?.step?.id === 'warn-lead')!;
    expect(lead.why!.sentences.join(' ')).to.match(/It moves nothing: it tells the roles it names/);
  });

  it('shows the pause with its reason and duration, and the deadline it moved', () => {
    const [pause] = by.en!.pauses;
    expect(pause).to.include({ reason: 'Waiting for the server logs', endType: 'resumed' });
    expect(pause!.clocks).to.deep.equal(['resolution']);
    expect(pause!.pausedMs).to.be.a('number').and.be.greaterThan(0);
    expect(pause!.deadlineAfter).to.be.a('string');
    expect(pause!.text).to.match(/^Pending from .* \([\d.]+ seconds?\): Waiting for the server logs\. Paused meanwhile: the resolution clock\. Work resumed\. The resolution deadline moved from/);
    const resumed = by.en!.entries.find((e) => e.type === 'resumed')!;
    expect(resumed).to.include({ reason: 'Logs received' });
    expect(resumed.why).to.include({ kind: 'pause', pause: 0 });
    expect(resumed.deadlines.find((d) => d.clock === 'resolution')).to.include({ state: 'running' });
    const pending = by.en!.entries.find((e) => e.type === 'pending')!;
    expect(pending.deadlines.find((d) => d.clock === 'resolution')).to.include({ state: 'paused', dueAt: null });
    const resolved = by.en!.entries.find((e) => e.type === 'resolved')!;
    expect(resolved.deadlines.map((d) => d.state)).to.deep.equal(['stopped', 'stopped']);
  });

  it('says each step in Polish and German too', async () => {
    const v2 = (await stack.db.rules.get(2))!;
    const pl = by.pl!;
    const de = by.de!;
    expect(pl.entries.find((e) => e.type === 'classified')!.text).to.match(/^Sklasyfikowano według reguł/);
    expect(pl.decisions[0]!.sentences.join('\n')).to.include(`Wersja reguł 2 („Second-scale test rules”), skrót ${v2.hash}.`).and.match(/Zadziałał[oy]? \d+ regu/);
    expect(pl.entries.find((e) => e.type === 'sla_breached')!.why!.title).to.equal('Dlaczego to przekroczenie SLA');
    expect(pl.entries.find((e) => e.type === 'escalated')!.why!.sentences.join(' ')).to.match(/Przeniósł zgłoszenie z linii L1 na L2/);
    expect(pl.pauses[0]!.text).to.match(/^Wstrzymane od .*Waiting for the server logs/);
    expect(pl.history.notes[0]).to.equal('Historię odczytano z Temporala (1 przebieg).');
    expect(de.entries.find((e) => e.type === 'classified')!.text).to.match(/Regelwerk|eingestuft|Klassifiziert/i);
    expect(de.decisions[1]!.sentences.join('\n')).to.match(/Regelversion 3 \(„Second-scale rules on office hours“\)/);
    expect(de.entries.find((e) => e.type === 'escalated')!.why!.title).to.equal('Warum dieser Eskalationsschritt');
    expect(de.entries.find((e) => e.type === 'sla_breached')!.notifications[0]!.text).to.match(/^Benachrichtigung „SLA-Verletzung“ an .* eingereiht/);
  });

  it('without the history, still lists every event and says what each decision lacks', async () => {
    const t = await buildTimeline(deps, number, null, 'en');
    expect(t.entries).to.have.length(by.en!.entries.length);
    expect(t.history).to.include({ complete: false });
    expect(t.history.notes[0]).to.match(/^No history of this ticket is kept/);
    const [first, second] = t.decisions;
    expect(first).to.include({ recorded: false, rulesVersion: 2, calendar: '24x7' });
    expect(first!.note).to.match(/^The recorded explanation is not available \(no history of the ticket is kept\)/);
    expect(first!.fired.map((f) => f.rule)).to.include('Major outage is P1');
    expect(first!.notFired).to.deep.equal([]);
    expect(second).to.include({ recorded: false, rulesVersion: 3, calendar: 'warsaw-business' });
    expect(t.calendars.find((c) => c.id === 'warsaw-business')).to.include({ source: 'rules' });
    expect(t.entries.find((e) => e.type === 'escalated')!.why!.step).to.deep.include({ id: 'to-L2', afterMs: 3_000 });
    expect(untranslated(t)).to.deep.equal([]);
  });
});
