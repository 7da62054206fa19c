/**
 * "Try it": a sample ticket under a draft and under the active version, side by side, with the
 * rules that fired in order and, for each rule that did not, the condition that failed with the
 * fact's value; a sample from a ticket's recorded facts shows what it cannot know as unknown.
 */
import { expect } from 'chai';
import { evaluateRedacted } from '../rules/derived-facts.ts';
import type { Rule, RulesFile } from '../rules/types.ts';
import { ValidationError } from '../services/errors.ts';
import { keywordVocabulary } from '../services/rules-admin/keyword-coverage.ts';
import { rulesUnderTest, sampleFromForm, sampleFromTicket, tryTicket, type RecordedSample } from '../services/rules-admin/try.ts';
import { defaultRules, SATURDAY_NOON, WEDNESDAY_MORNING } from './rules-fixtures.ts';

const active = rulesUnderTest(defaultRules(), 3);
const draftWith = (...rules: Rule[]) => rulesUnderTest(defaultRules((f) => f.rules.unshift(...rules)));
const vpnToApplications: Rule = {
  name: 'VPN goes to Applications', priority: 10,
  conditions: { all: [{ fact: 'keywords', operator: 'contains', value: 'vpn' }] },
  event: { type: 'route', params: { team: 'applications' } },
};
const vpnForm = sampleFromForm({ title: 'VPN drops every few minutes', description: 'Since this morning.', impact: 'medium', urgency: 'medium', channel: 'portal' });

/** A recorded sample as sampleFromTicket gives it, from a decision recorded under `file`. */
async function recorded(file: RulesFile, title: string, over: Partial<RecordedSample> = {}): Promise<RecordedSample> {
  const d = await evaluateRedacted(rulesUnderTest(file, 1).compiled, { ticket: { title, impact: 'medium', urgency: 'low' }, requester: { email: 'anna@example.com' } }, WEDNESDAY_MORNING);
  return {
    kind: 'recorded', number: 'HD-2026-000007', decision: { kind: 'classified', decidedAt: new Date(WEDNESDAY_MORNING).toISOString(), rulesVersion: 1 },
    atMs: WEDNESDAY_MORNING, facts: d.explanation.facts, vocabulary: keywordVocabulary(file), sealed: ['title', 'description'], ...over,
  };
}

describe('rules admin: try a sample ticket', () => {
  it('when a draft routes VPN tickets elsewhere, then both sides show their rules in the order they applied and the overridden one says so', async () => {
    const r = await tryTicket(draftWith(vpnToApplications), active, vpnForm, WEDNESDAY_MORNING);
    expect(r.active.explanation.fired.map((f) => [f.order, f.rule, f.priority, f.event.type, f.applied])).to.deep.equal([
      [1, 'Network problems to Infrastructure', 5, 'route', true],
      [2, 'Network keywords set the category', 5, 'set-category', true],
    ]);
    expect(r.draft.explanation.fired.map((f) => [f.order, f.rule, f.priority, f.event.type, f.applied])).to.deep.equal([
      [1, 'VPN goes to Applications', 10, 'route', true],
      [2, 'Network problems to Infrastructure', 5, 'route', false],
      [3, 'Network keywords set the category', 5, 'set-category', true],
    ]);
    expect(r.active.outcome).to.include({ team: 'infrastructure', tier: 'L2', category: 'network', priority: 'P3', serviceLevel: 'standard' });
    expect(r.draft.outcome).to.include({ team: 'applications', category: 'network' });
    expect(r.active.outcome.policy).to.deep.include({ id: 'standard-p3', response: '4h', resolution: '27h', responseMs: 4 * 3_600_000, calendar: 'warsaw-business' });
    expect(r.differences).to.include('team');
    expect(r.differences).to.not.include('priority');
    expect(r.active.rules).to.deep.include({ version: 3 });
    expect(r.sample).to.deep.equal({ kind: 'form', number: null, textSealed: false });
  });

  it('when a rule does not fire, then each failed condition is given with its fact, path, operator, value and the value the fact had', async () => {
    const r = await tryTicket(active, active, vpnForm, WEDNESDAY_MORNING);
    const outage = r.active.explanation.notFired.find((n) => n.rule === 'Major outage is P1')!;
    expect(outage).to.deep.include({ priority: 20, event: { type: 'set-priority', params: { priority: 'P1' } }, uncertain: false });
    expect(outage.failed).to.deep.equal([
      { fact: 'keywords', operator: 'containsAny', value: ['outage', 'down'], actual: ['vpn', 'drops', 'every', 'few', 'minutes', 'since', 'this', 'morning'], negated: false },
      { fact: 'ticket', path: '$.impact', operator: 'equal', value: 'high', actual: 'medium', negated: false },
    ]);
    const vip = r.active.explanation.notFired.find((n) => n.rule === 'VIP first')!;
    expect(vip.failed).to.deep.equal([{ fact: 'requester', path: '$.vip', operator: 'equal', value: true, actual: undefined, negated: false }]);
    // An `any` fails by all its conditions; the rules that did not fire come in the order they would apply.
    expect(r.active.explanation.notFired.map((n) => n.rule)).to.deep.equal(['Major outage is P1', 'Major outage pages the duty manager', 'VIP first', 'VIP gold service', 'Access requests to the Service Desk', 'Tag out-of-hours tickets']);
    const hours = r.active.explanation.notFired.find((n) => n.rule === 'Tag out-of-hours tickets')!;
    expect(hours.failed).to.deep.equal([{ fact: 'calendar', path: '$.open', operator: 'equal', value: false, actual: true, negated: false }]);
    expect(r.differences).to.deep.equal([]);
  });

  it('when a condition under `not` holds, then it is given as the reason, marked negated', async () => {
    const notByEmail: Rule = { name: 'Not by e-mail', conditions: { not: { fact: 'ticket', path: '$.channel', operator: 'equal', value: 'email' } }, event: { type: 'add-tag', params: { tag: 'x' } } };
    const email = sampleFromForm({ title: 'Printer', impact: 'low', urgency: 'low', channel: 'email' });
    const r = await tryTicket(draftWith(notByEmail), active, email, SATURDAY_NOON);
    expect(r.draft.explanation.notFired.find((n) => n.rule === 'Not by e-mail')!.failed).to.deep.equal([
      { fact: 'ticket', path: '$.channel', operator: 'equal', value: 'email', actual: 'email', negated: true },
    ]);
    expect(r.draft.outcome.tags).to.deep.equal(['out-of-hours']);
  });

  it('when the sample is a ticket\'s recorded facts, then the words it never recorded and the sealed text are unknown, not failed', async () => {
    const sample = await recorded(defaultRules(), 'VPN and printer both broken');
    expect(sample.facts.keywords).to.deep.equal(['vpn']);
    const printer: Rule = { name: 'Printers to the Service Desk', priority: 8, conditions: { all: [{ fact: 'keywords', operator: 'contains', value: 'printer' }] }, event: { type: 'route', params: { team: 'service-desk' } } };
    const byTitle: Rule = { name: 'Urgent in the title', conditions: { all: [{ fact: 'ticket', path: '$.title', operator: 'textContains', value: 'urgent' }] }, event: { type: 'set-priority', params: { priority: 'P2' } } };
    const r = await tryTicket(draftWith(printer, byTitle), active, sample, sample.atMs);
    expect(r.sample).to.deep.equal({ kind: 'recorded', number: 'HD-2026-000007', textSealed: true });
    const p = r.draft.explanation.notFired.find((n) => n.rule === 'Printers to the Service Desk')!;
    expect(p.uncertain).to.equal(true);
    expect(p.failed).to.deep.equal([{ fact: 'keywords', operator: 'contains', value: 'printer', actual: ['vpn'], negated: false, unknown: 'keyword-not-recorded' }]);
    const t = r.draft.explanation.notFired.find((n) => n.rule === 'Urgent in the title')!;
    expect(t.failed).to.deep.equal([{ fact: 'ticket', path: '$.title', operator: 'textContains', value: 'urgent', actual: undefined, negated: false, unknown: 'reads-sealed-text' }]);
    expect(r.draft.uncertain).to.equal(true);
    expect(r.draft.unknownConditions.map((c) => c.rule).sort()).to.deep.equal(['Printers to the Service Desk', 'Urgent in the title']);
    // The active version is the one that recorded the facts: it answers everything, as it did.
    expect(r.active.uncertain).to.equal(false);
    expect(r.active.outcome).to.include({ team: 'infrastructure', category: 'network', priority: 'P4' });
    expect(r.active.facts.ticket).to.not.have.property('title');
  });

  it('when a rule is decided whatever the unknown condition says, then it is not uncertain', async () => {
    const sample = await recorded(defaultRules(), 'VPN broken');
    const both: Rule = { name: 'High impact printers', conditions: { all: [{ fact: 'keywords', operator: 'contains', value: 'printer' }, { fact: 'ticket', path: '$.impact', operator: 'equal', value: 'high' }] }, event: { type: 'add-tag', params: { tag: 'hp' } } };
    const r = await tryTicket(draftWith(both), active, sample, sample.atMs);
    const n = r.draft.explanation.notFired.find((x) => x.rule === 'High impact printers')!;
    expect(n.uncertain).to.equal(false);
    expect(n.failed.map((f) => [f.path ?? f.fact, f.unknown ?? 'failed'])).to.deep.equal([['keywords', 'keyword-not-recorded'], ['$.impact', 'failed']]);
    expect(r.draft.uncertain).to.equal(false);
  });

  it('when the form lacks the impact or has a wrong field, then it is refused naming each field', () => {
    try {
      sampleFromForm({ title: 'x', urgency: 'soon', colour: 'red' });
      expect.fail('accepted');
    } catch (err) {
      expect(err).to.be.instanceOf(ValidationError);
      expect((err as ValidationError).fields.map((f) => [f.field, f.key])).to.have.deep.members([['impact', 'required'], ['urgency', 'oneOf'], ['colour', 'unknownField']]);
    }
  });

  it('when a ticket number is typed, then its latest recorded facts are the sample, and an unknown or unrecorded ticket is refused', async () => {
    const file = defaultRules();
    const facts = (await recorded(file, 'VPN down')).facts;
    const deps = (decisions: Array<Record<string, unknown>>, exists = true) => ({
      decisions: { forTicket: async () => ({ exists, decisions: decisions as never }) },
      rules: { get: async (v: number) => (v === 2 ? ({ file } as never) : undefined) },
    });
    const one = { ticketNumber: 'HD-2026-000007', rulesVersion: 2, rulesHash: 'h', facts, outcome: {} };
    const s = await sampleFromTicket(deps([{ ...one, kind: 'classified', decidedAt: '2026-03-04T09:00:00.000Z' }, { ...one, kind: 'reclassified', decidedAt: '2026-03-05T09:00:00.000Z' }]), ' hd-2026-000007 ');
    expect(s).to.deep.include({ kind: 'recorded', number: 'HD-2026-000007', atMs: Date.parse('2026-03-05T09:00:00.000Z'), sealed: ['title', 'description'] });
    expect(s.decision).to.deep.equal({ kind: 'reclassified', decidedAt: '2026-03-05T09:00:00.000Z', rulesVersion: 2 });
    expect(s.vocabulary.exact).to.deep.equal(['down', 'network', 'outage', 'vpn', 'wifi']);
    const refused = async (p: Promise<unknown>) => p.then(() => expect.fail('accepted'), (e: { status: number; code: string; messageKey: string }) => [e.status, e.code, e.messageKey]);
    expect(await refused(sampleFromTicket(deps([], false), 'HD-2026-000008'))).to.deep.equal([404, 'NOT_FOUND', 'errors.ticketNotFound']);
    expect(await refused(sampleFromTicket(deps([]), 'HD-2026-000008'))).to.deep.equal([409, 'NO_RECORDED_FACTS', 'admin:errors.noRecordedFacts']);
    expect(await refused(sampleFromTicket(deps([]), 'ticket 8'))).to.deep.equal([400, 'BAD_TICKET_NUMBER', 'errors.badTicketNumber']);
  });
});
