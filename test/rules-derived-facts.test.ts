/**
 * Recorded decisions: the text is sealed out of the explanation, the derived facts are kept, and a
 * decision re-evaluated from the derived facts alone is the recorded one.
 */
import { expect } from 'chai';
import { compileRules, evaluate, ruleFacts } from '../rules/evaluate.ts';
import {
  decisionOutcome, evaluateDerived, evaluateRedacted, redactDecision, SEALED, unreproducibleConditions,
} from '../rules/derived-facts.ts';
import type { RedactedDecision } from '../rules/derived-facts.ts';
import { hashRules } from '../rules/hash.ts';
import type { Condition, Decision, Level, Rule, RulesFile, TicketFacts } from '../rules/types.ts';
import { defaultRules, SATURDAY_NOON, ticket, WEDNESDAY_MORNING } from './rules-fixtures.ts';

const compile = (file: RulesFile) => compileRules(file, { version: 1, hash: hashRules(file) });
const tag = (name: string, conditions: Condition, priority?: number): Rule =>
  ({ name, ...(priority ? { priority } : {}), conditions, event: { type: 'add-tag', params: { tag: name } } });

type Node = { fact: string; path?: string; operator: string; value: unknown; factResult?: unknown; valueResult?: unknown; result?: boolean };
function factNodes(tree: unknown): Node[] {
  if (tree === null || typeof tree !== 'object') return [];
  const t = tree as Record<string, unknown>;
  if (Array.isArray(t.all)) return t.all.flatMap(factNodes);
  if (Array.isArray(t.any)) return t.any.flatMap(factNodes);
  if (t.not) return factNodes(t.not);
  return typeof t.fact === 'string' ? [t as Node] : [];
}
const nodesOf = (d: Decision) => d.explanation.conditions.flatMap((c) => factNodes(c.conditions).map((n) => ({ rule: c.rule, ...n })));

/** Records a decision as classification will, and re-evaluates it from the record alone, as an auditor will. */
async function recordAndReplay(compiled: ReturnType<typeof compile>, input: TicketFacts, at: number) {
  const original = await evaluate(compiled, input, at);
  const recorded = JSON.parse(JSON.stringify(await evaluateRedacted(compiled, input, at))) as RedactedDecision;
  const replay = await evaluateDerived(compiled, recorded.explanation.facts, at);
  return { original, recorded, replay };
}

const DISTINCT = 'Qwertzuiop7731';
const ADDRESS = 'marta.kwiatkowska@example.com';

describe('rules: recorded decisions and their derived facts', () => {
  describe('privacy', () => {
    // The defaults, and rules that read the text itself in every way a condition can.
    const file = defaultRules((f) => {
      f.rules.push(
        tag('vpn in the title', { all: [{ fact: 'ticket', path: '$.title', operator: 'textContains', value: 'vpn' }] }),
        tag('no test in the description', { all: [{ fact: 'ticket', path: '$.description', operator: 'not:textContains', value: 'test' }] }),
        tag('board address', { all: [{ fact: 'requester', path: '$.email', operator: 'textContains', value: '@board.example.com' }] }),
        tag('any requester', { all: [{ fact: 'requester', operator: 'notEqual', value: null }] }),
        tag('category named in the title', { all: [{ fact: 'ticket', path: '$.category', operator: 'equal', value: { fact: 'ticket', path: '$.title' } }] }),
        tag('every word long', { all: [{ fact: 'keywords', operator: 'everyFact:textContains', value: 'o' }] }),
      );
    });
    const compiled = compile(file);
    const input = ticket({
      ticket: { title: `VPN down since ${DISTINCT}`, description: `Call ${ADDRESS} about ${DISTINCT}, wifi too`, impact: 'high', urgency: 'medium', channel: 'email', language: 'pl' },
      requester: { email: ADDRESS, vip: true, organisation: 'acme', department: 'finance' },
    });

    it('when a ticket\'s title and description hold a distinctive string and an e-mail address, then the recorded decision holds neither, anywhere', async () => {
      const original = await evaluate(compiled, input, WEDNESDAY_MORNING);
      const plain = JSON.stringify(original).toLowerCase();
      expect(plain, 'the unredacted decision leaks them (what this guards against)').to.include(DISTINCT.toLowerCase()).and.include(ADDRESS);
      const recorded = JSON.stringify(redactDecision(original, ruleFacts(compiled, input, WEDNESDAY_MORNING))).toLowerCase();
      expect(recorded).to.not.include(DISTINCT.toLowerCase());
      expect(recorded).to.not.include(ADDRESS);
      expect(recorded).to.not.include('kwiatkowska');
      expect(recorded).to.not.include('since');
      expect(recorded).to.not.include('call');
    });

    it('keeps the keywords the rules tested for, in the conditions and in the derived facts', async () => {
      const d = await evaluateRedacted(compiled, input, WEDNESDAY_MORNING);
      expect(d.explanation.facts.keywords).to.deep.equal(['down', 'vpn', 'wifi']);
      const network = nodesOf(d).find((n) => n.rule === 'Network keywords set the category')!;
      expect(network).to.include({ fact: 'keywords', operator: 'containsAny', result: true });
      expect(network.factResult).to.deep.equal(['vpn', 'wifi']);
      const outage = nodesOf(d).find((n) => n.rule === 'Major outage is P1' && n.fact === 'keywords')!;
      expect(outage.factResult).to.deep.equal(['down']);
    });

    it('marks each read of the text "[sealed]" and keeps its result', async () => {
      const d = await evaluateRedacted(compiled, input, WEDNESDAY_MORNING);
      const byRule = (rule: string) => nodesOf(d).find((n) => n.rule === rule)!;
      expect(byRule('vpn in the title')).to.include({ path: '$.title', factResult: SEALED, result: true });
      expect(byRule('no test in the description')).to.include({ path: '$.description', factResult: SEALED, result: true });
      expect(byRule('board address')).to.include({ path: '$.email', factResult: SEALED, result: false });
      expect(byRule('any requester')).to.include({ factResult: SEALED, result: true });
      expect(byRule('category named in the title')).to.include({ valueResult: SEALED, result: false }).and.not.have.property('factResult');
      expect(byRule('every word long')).to.include({ factResult: SEALED, result: false });
    });

    it('changes nothing else: outcome, fired and not fired rules, results and the other facts\' values', async () => {
      const original = await evaluate(compiled, input, WEDNESDAY_MORNING);
      const recorded = redactDecision(original, ruleFacts(compiled, input, WEDNESDAY_MORNING));
      const { conditions: _c, facts: _f, ...restRecorded } = recorded.explanation;
      const { conditions: _o, ...restOriginal } = original.explanation;
      expect({ ...recorded, explanation: restRecorded }).to.deep.equal({ ...original, explanation: restOriginal });
      expect(recorded.explanation.conditions.map((c) => [c.rule, c.result])).to.deep.equal(original.explanation.conditions.map((c) => [c.rule, c.result]));
      const before = nodesOf(original);
      const after = nodesOf(recorded);
      expect(after.map((n) => [n.rule, n.fact, n.path, n.operator, n.value, n.result])).to.deep.equal(before.map((n) => [n.rule, n.fact, n.path, n.operator, n.value, n.result]));
      after.forEach((n, i) => {
        const was = before[i]!;
        if (n.fact === 'keywords' && Array.isArray(n.factResult)) expect(was.factResult).to.include.members(n.factResult);
        else if (n.factResult !== SEALED && n.valueResult !== SEALED) expect([n.factResult, n.valueResult]).to.deep.equal([was.factResult, was.valueResult]);
      });
      expect(original.explanation.conditions[0]?.conditions, 'the decision given is not changed').to.not.equal(recorded.explanation.conditions[0]?.conditions);
      expect(JSON.stringify(original)).to.include(DISTINCT);
    });

    it('records the derived facts: everything the rules read but the text and the address', async () => {
      const d = await evaluateRedacted(compiled, input, WEDNESDAY_MORNING);
      expect(d.explanation.facts).to.deep.equal({
        ticket: { impact: 'high', urgency: 'medium', channel: 'email', language: 'pl' },
        requester: { vip: true, organisation: 'acme', department: 'finance' },
        keywords: ['down', 'vpn', 'wifi'],
        calendar: { open: true },
        time: { hour: 10, weekday: 'wed' },
        matrix: { impact: 'high', urgency: 'medium', priority: 'P2' },
      });
    });

    it('fired events\' params are the rules file\'s own, never the ticket\'s', async () => {
      const d = await evaluateRedacted(compiled, input, WEDNESDAY_MORNING);
      const params = JSON.stringify(d.explanation.fired.map((f) => f.event.params));
      const written = JSON.stringify(file.rules.map((r) => r.event.params ?? {}));
      for (const f of d.explanation.fired) expect(written).to.include(JSON.stringify(f.event.params));
      expect(params.toLowerCase()).to.not.include(DISTINCT.toLowerCase());
    });
  });

  describe('re-evaluation from the derived facts', () => {
    it('for the shipped default rules and the fixtures\' tickets, gives the recorded decision: priority, category, team, tier, policy and fired rules', async function () {
      this.timeout(60_000);
      const compiled = compile(defaultRules());
      const titles = [
        ticket().ticket.title, 'VPN down for the whole office', 'Network outage in Kraków', 'Wifi slow', 'Need access to SAP',
        'Server DOWN, outage!', 'Laptop broken',
      ];
      const levels: Level[] = ['high', 'medium', 'low'];
      const requesters: Array<TicketFacts['requester']> = [{}, { vip: true }, { serviceLevel: 'silver' }, { serviceLevel: 'platinum', vip: false }];
      let count = 0;
      const fired = new Set<string>();
      for (const title of titles) {
        for (const impact of levels) {
          for (const urgency of levels) {
            for (const requester of requesters) {
              for (const category of [undefined, 'access', 'network']) {
                for (const at of [WEDNESDAY_MORNING, SATURDAY_NOON]) {
                  const input = ticket({ ticket: { title, description: `Seen by ${ADDRESS}`, impact, urgency, ...(category ? { category } : {}) }, requester });
                  const { original, recorded, replay } = await recordAndReplay(compiled, input, at);
                  const what = `${title} ${impact}/${urgency} ${JSON.stringify(requester)} ${category} ${at}`;
                  expect(decisionOutcome(replay.decision), what).to.deep.equal(decisionOutcome(original));
                  expect(replay.decision, what).to.deep.equal(recorded);
                  expect(replay.unreproducible).to.deep.equal([]);
                  for (const f of original.explanation.fired) fired.add(f.rule);
                  count += 1;
                }
              }
            }
          }
        }
      }
      expect(count).to.equal(7 * 9 * 4 * 3 * 2);
      expect([...fired].sort(), 'every default rule fired somewhere').to.deep.equal(defaultRules().rules.map((r) => r.name).sort());
    });

    it('reproduces every kind of keyword test, shared conditions and a fact compared with the keywords', async () => {
      const compiled = compile(defaultRules((f) => {
        f.conditions = { ...f.conditions, 'is-hardware': { any: [{ fact: 'ticket', path: '$.category', operator: 'equal', value: 'hardware' }, { fact: 'keywords', operator: 'containsAny', value: ['laptop', 'printer'] }] } };
        f.rules.push(
          tag('contains', { all: [{ fact: 'keywords', operator: 'contains', value: 'printer' }] }),
          tag('does not contain', { all: [{ fact: 'keywords', operator: 'doesNotContain', value: 'printer' }] }),
          tag('contains all', { all: [{ fact: 'keywords', operator: 'containsAll', value: ['printer', 'jams'] }] }),
          tag('not any', { not: { fact: 'keywords', operator: 'containsAny', value: ['vpn', 'laptop'] } }),
          tag('some word holds', { all: [{ fact: 'keywords', operator: 'someFact:textContains', value: 'PRINT' }] }),
          tag('some word is one of', { all: [{ fact: 'keywords', operator: 'someFact:in', value: ['floor', 'roof'] }] }),
          tag('some value contained', { all: [{ fact: 'keywords', operator: 'someValue:contains', value: ['second', 'third'] }] }),
          tag('a word inside the value', { all: [{ fact: 'keywords', operator: 'someFact:swap:textContains', value: 'the second-floor printer' }] }),
          tag('category among the words', { all: [{ fact: 'ticket', path: '$.category', operator: 'in', value: { fact: 'keywords' } }] }),
          tag('words hold the category', { all: [{ fact: 'keywords', operator: 'contains', value: { fact: 'ticket', path: '$.category' } }] }),
          tag('urgent hardware', { all: [{ condition: 'is-hardware' }, { any: [{ fact: 'ticket', path: '$.urgency', operator: 'equal', value: 'high' }, { fact: 'keywords', operator: 'contains', value: 'smoke' }] }] }, 3),
        );
      }));
      const inputs = [
        ticket(), ticket({ ticket: { title: 'Laptop smoke', category: 'hardware' } }), ticket({ ticket: { title: 'VPN printer' } }),
        ticket({ ticket: { title: 'Printers jam', description: 'the roof leaks on the printer', category: 'roof' } }),
        ticket({ ticket: { title: 'Nothing relevant here', category: 'network', description: 'network again' } }),
      ];
      const tags = new Set<string>();
      for (const input of inputs) {
        const { original, recorded, replay } = await recordAndReplay(compiled, input, WEDNESDAY_MORNING);
        expect(decisionOutcome(replay.decision), input.ticket.title).to.deep.equal(decisionOutcome(original));
        expect(replay.decision, input.ticket.title).to.deep.equal(recorded);
        expect(replay.unreproducible).to.deep.equal([]);
        for (const t of original.tags) tags.add(t);
      }
      expect([...tags].sort()).to.include.members(['contains', 'does not contain', 'contains all', 'not any', 'some word holds', 'some word is one of', 'some value contained', 'a word inside the value', 'category among the words', 'words hold the category', 'urgent hardware']);
      const printer = await evaluateRedacted(compiled, ticket({ ticket: { title: 'Printers jam', description: 'the roof leaks on the printer', category: 'roof' } }), WEDNESDAY_MORNING);
      // "on" and "the" are inside "the second-floor printer", which one rule tested the words against.
      expect(printer.explanation.facts.keywords).to.deep.equal(['on', 'printer', 'printers', 'roof', 'the']);
    });

    it('cannot reproduce a rule that reads the title itself: it names each such condition and why, and the replay differs only there', async () => {
      const compiled = compile(defaultRules((f) => {
        f.rules.push(
          tag('urgent in the title', { all: [{ fact: 'ticket', path: '$.title', operator: 'textContains', value: 'urgent' }] }),
          tag('every word short', { all: [{ fact: 'keywords', operator: 'everyFact:notEqual', value: 'longword' }] }),
        );
      }));
      const input = ticket({ ticket: { title: 'URGENT: printer jams' } });
      const { original, recorded, replay } = await recordAndReplay(compiled, input, WEDNESDAY_MORNING);
      expect(original.tags).to.deep.equal(['urgent in the title', 'every word short']);
      expect(unreproducibleConditions(recorded)).to.deep.equal([
        { rule: 'urgent in the title', fact: 'ticket', path: '$.title', operator: 'textContains', value: 'urgent', reason: 'reads-sealed-text', result: true },
        { rule: 'every word short', fact: 'keywords', operator: 'everyFact:notEqual', value: 'longword', reason: 'not-a-keyword-test', result: true },
      ]);
      expect(replay.unreproducible.map((u) => [u.rule, u.reason, u.result])).to.deep.equal([
        ['urgent in the title', 'reads-sealed-text', false],
        ['every word short', 'not-a-keyword-test', true],
      ]);
      expect(replay.decision.tags).to.deep.equal(['every word short']);
      const { tags: _t, explanation: _e, ...rest } = replay.decision;
      const { tags: _u, explanation: _x, ...recordedRest } = recorded;
      expect(rest).to.deep.equal(recordedRest);
    });

    it('lists the text reads of a decision recorded before redaction existed too', async () => {
      const compiled = compile(defaultRules((f) => {
        f.rules.push(tag('board address', { all: [{ fact: 'requester', path: '$.email', operator: 'textContains', value: '@board.example.com' }] }));
      }));
      const old: Decision = await evaluate(compiled, ticket(), WEDNESDAY_MORNING);
      expect(old.explanation.facts).to.equal(undefined);
      expect(unreproducibleConditions(old)).to.deep.equal([
        { rule: 'board address', fact: 'requester', path: '$.email', operator: 'textContains', value: '@board.example.com', reason: 'reads-sealed-text', result: false },
      ]);
    });

    it('computes the time facts again from the instant, so a replay at another instant shows in the facts', async () => {
      const compiled = compile(defaultRules());
      const recorded = await evaluateRedacted(compiled, ticket(), WEDNESDAY_MORNING);
      const later = await evaluateDerived(compiled, recorded.explanation.facts, SATURDAY_NOON);
      expect(later.decision.explanation.facts.calendar).to.deep.equal({ open: false });
      expect(later.decision.explanation.facts.time).to.deep.equal({ hour: 13, weekday: 'sat' });
      expect(later.decision.tags).to.deep.equal(['out-of-hours']);
    });
  });
});
