import { expect } from 'chai';
import { Engine } from 'json-rules-engine';
import { compileRules, evaluate, keywordsOf, TicketFactsError } from '../rules/evaluate.ts';
import { hashRules } from '../rules/hash.ts';
import { RulesValidationError, validateRulesObject } from '../rules/validate.ts';
import type { Rule, RulesFile, TicketFacts } from '../rules/types.ts';
import { defaultRules, problemsOf, SATURDAY_NOON, ticket, WEDNESDAY_MORNING } from './rules-fixtures.ts';

const compile = (file: RulesFile, version = 1) => compileRules(file, { version, hash: hashRules(file) });

describe('rules evaluation', () => {
  const file = defaultRules();
  const compiled = compile(file);

  it('when a VIP reports a high-impact outage, then the explanation lists the fired rules in the order they were applied', async () => {
    const d = await evaluate(compiled, ticket({ ticket: { title: 'VPN down for the whole office', impact: 'high', urgency: 'medium' }, requester: { vip: true } }), WEDNESDAY_MORNING);
    expect(d.explanation.fired.map((f) => [f.order, f.rule, f.priority])).to.deep.equal([
      [1, 'Major outage is P1', 20],
      [2, 'Major outage pages the duty manager', 20],
      [3, 'VIP first', 10],
      [4, 'VIP gold service', 10],
      [5, 'Network problems to Infrastructure', 5],
      [6, 'Network keywords set the category', 5],
    ]);
    expect(d.explanation.notFired).to.deep.equal(['Access requests to the Service Desk', 'Tag out-of-hours tickets']);
    expect(d).to.include({ priority: 'P1', serviceLevel: 'gold', team: 'infrastructure', tier: 'L2', category: 'network' });
    expect(d.policy).to.include({ id: 'gold-p1', responseMs: 15 * 60_000, resolutionMs: 4 * 3_600_000 });
    expect(d.policy.calendar).to.deep.equal({ id: '24x7', timeZone: 'UTC', alwaysOpen: true });
    expect(d.notify).to.deep.equal(['duty_manager']);
    expect(d.ladder.id).to.equal('p1-major');
    expect(d.ladder.steps.find((s) => s.id === 'to-L3')).to.deep.equal({
      id: 'to-L3', clock: 'resolution', fraction: 0.5, afterMs: 2 * 3_600_000, moveTo: { tier: 'L3' }, notify: ['duty_manager'],
    });
    expect(d.explanation.conditions.map((c) => [c.rule, c.result])).to.have.length(file.rules.length);
  });

  it('gives json-rules-engine\'s condition tree with fact results for each rule', async () => {
    const d = await evaluate(compiled, ticket({ requester: { vip: true } }), WEDNESDAY_MORNING);
    const vip = d.explanation.conditions.find((c) => c.rule === 'VIP first')!;
    expect(vip.result).to.equal(true);
    expect(vip.conditions).to.deep.include({ all: [{ fact: 'requester', path: '$.vip', operator: 'equal', value: true, factResult: true, valueResult: true, result: true }] });
  });

  it('when a VIP reports a minor problem, then the priority is raised to P2 but a P1 is never lowered', async () => {
    const minor = await evaluate(compiled, ticket({ ticket: { impact: 'low', urgency: 'low' }, requester: { vip: true } }), WEDNESDAY_MORNING);
    expect(minor.priority).to.equal('P2');
    expect(minor.policy.id).to.equal('gold-p2');
    const major = await evaluate(compiled, ticket({ ticket: { impact: 'high', urgency: 'high' }, requester: { vip: true } }), WEDNESDAY_MORNING);
    expect(major.priority).to.equal('P1');
  });

  it('chooses the policy by service level × priority, with the requester\'s level or the default', async () => {
    const silver = await evaluate(compiled, ticket({ requester: { serviceLevel: 'silver' } }), WEDNESDAY_MORNING);
    expect([silver.serviceLevel, silver.priority, silver.policy.id]).to.deep.equal(['silver', 'P3', 'silver-p3']);
    const unknown = await evaluate(compiled, ticket({ requester: { serviceLevel: 'platinum' } }), WEDNESDAY_MORNING);
    expect([unknown.serviceLevel, unknown.policy.id]).to.deep.equal(['standard', 'standard-p3']);
    expect(unknown.policy.calendar.id).to.equal('warsaw-business');
    expect(unknown.policy.calendar.holidays).to.include('2026-12-24');
    expect(unknown.ladder.id).to.equal('standard');
    expect(unknown.autoCloseAfterMs).to.equal(72 * 3_600_000);
  });

  it('reads the decision instant: out-of-hours tickets are tagged, and time facts are in the default calendar\'s zone', async () => {
    expect((await evaluate(compiled, ticket(), SATURDAY_NOON)).tags).to.deep.equal(['out-of-hours']);
    expect((await evaluate(compiled, ticket(), WEDNESDAY_MORNING)).tags).to.deep.equal([]);
    const timed = compile(defaultRules((f) => {
      f.rules = [{ name: 'Wednesday ten o\'clock', conditions: { all: [
        { fact: 'time', path: '$.hour', operator: 'equal', value: 10 },
        { fact: 'time', path: '$.weekday', operator: 'equal', value: 'wed' },
      ] }, event: { type: 'add-tag', params: { tag: 'wed-10' } } }];
    }));
    expect((await evaluate(timed, ticket(), WEDNESDAY_MORNING)).tags).to.deep.equal(['wed-10']);
  });

  describe('conflicts', () => {
    const routes = (a: Partial<Rule>, b: Partial<Rule>) => compile(defaultRules((f) => {
      const always = { all: [{ fact: 'ticket', path: '$.impact', operator: 'in', value: ['high', 'medium', 'low'] }] };
      f.rules = [
        { name: 'to applications', conditions: always, event: { type: 'route', params: { team: 'applications' } }, ...a },
        { name: 'to engineering', conditions: always, event: { type: 'route', params: { team: 'engineering' } }, ...b },
      ];
    }));
    it('at equal priority the rule written first wins, and the other is listed as not applied', async () => {
      const d = await evaluate(routes({}, {}), ticket(), WEDNESDAY_MORNING);
      expect([d.team, d.tier]).to.deep.equal(['applications', 'L2']);
      expect(d.explanation.fired.map((f) => [f.rule, f.applied])).to.deep.equal([['to applications', true], ['to engineering', false]]);
    });
    it('a higher-priority rule wins wherever it is written', async () => {
      const d = await evaluate(routes({}, { priority: 5 }), ticket(), WEDNESDAY_MORNING);
      expect([d.team, d.tier]).to.deep.equal(['engineering', 'L3']);
      expect(d.explanation.fired.map((f) => f.rule)).to.deep.equal(['to engineering', 'to applications']);
    });
    it('an escalate event raises the tier and picks a team of that tier', async () => {
      const c = compile(defaultRules((f) => {
        f.rules.push({ name: 'security goes to L3', conditions: { all: [{ fact: 'keywords', operator: 'contains', value: 'phishing' }] }, event: { type: 'escalate', params: { tier: 'L3', reason: 'security incident' } } });
      }));
      const d = await evaluate(c, ticket({ ticket: { title: 'Phishing mail received' } }), WEDNESDAY_MORNING);
      expect([d.team, d.tier]).to.deep.equal(['engineering', 'L3']);
      expect(d.escalation).to.deep.equal({ tier: 'L3', reason: 'security incident', rule: 'security goes to L3' });
    });
    it('a set-sla-policy event overrides the policy the pair would give', async () => {
      const c = compile(defaultRules((f) => {
        f.rules.push({ name: 'board members', conditions: { all: [{ fact: 'requester', path: '$.department', operator: 'equal', value: 'board' }] }, event: { type: 'set-sla-policy', params: { policy: 'gold-p1' } } });
      }));
      const d = await evaluate(c, ticket({ requester: { department: 'board' } }), WEDNESDAY_MORNING);
      expect([d.priority, d.serviceLevel, d.policy.id]).to.deep.equal(['P3', 'standard', 'gold-p1']);
    });
  });

  describe('determinism', () => {
    const inputs: TicketFacts[] = [
      ticket({ ticket: { title: 'VPN down', impact: 'high', urgency: 'high' }, requester: { vip: true } }),
      ticket({ ticket: { category: 'access', title: 'Need access to SAP' } }),
      ticket({ ticket: { impact: 'low', urgency: 'low' } }),
    ];
    it('gives the same decision for the same input, across two compiles, and it survives JSON', async () => {
      const other = compile(defaultRules());
      for (const input of inputs) {
        for (const at of [WEDNESDAY_MORNING, SATURDAY_NOON]) {
          const a = await evaluate(compiled, input, at);
          const b = await evaluate(other, structuredClone(input), at);
          const again = await evaluate(compiled, input, at);
          expect(b).to.deep.equal(a);
          expect(again).to.deep.equal(a);
          expect(JSON.parse(JSON.stringify(a))).to.deep.equal(a);
        }
      }
    });
    it('gives the same decisions when evaluations run concurrently on one compiled version', async () => {
      const sequential = [];
      for (const input of inputs) sequential.push(await evaluate(compiled, input, WEDNESDAY_MORNING));
      const concurrent = await Promise.all([...inputs, ...inputs].map((input) => evaluate(compiled, input, WEDNESDAY_MORNING)));
      expect(concurrent).to.deep.equal([...sequential, ...sequential]);
    });
    it('records the rules version and hash', async () => {
      const d = await evaluate(compileRules(file, { version: 7, hash: 'abc' }), inputs[0]!, WEDNESDAY_MORNING);
      expect([d.rulesVersion, d.rulesHash]).to.deep.equal([7, 'abc']);
    });
  });

  describe('refusals', () => {
    it('refuses to compile an invalid file', () => {
      const bad = defaultRules((f) => { f.defaults.ladder = 'slow'; });
      expect(() => compile(bad)).to.throw(RulesValidationError).with.property('problems').that.deep.includes({ path: '$.defaults.ladder', code: 'UNKNOWN_LADDER', params: { context: 'default', ladder: 'slow' }, message: 'The default ladder "slow" is not defined in "ladders".' });
    });
    it('refuses a ticket without impact', async () => {
      const input = ticket();
      delete (input.ticket as Partial<TicketFacts['ticket']>).impact;
      let caught: unknown;
      try { await evaluate(compiled, input, WEDNESDAY_MORNING); } catch (err) { caught = err; }
      expect(caught).to.be.instanceOf(TicketFactsError).with.property('code', 'BAD_TICKET_FACTS');
    });
  });

  it('finds keywords as lowercase words of title and description', () => {
    expect(keywordsOf('VPN nie działa!', 'Sieć/VPN: down')).to.deep.equal(['vpn', 'nie', 'działa', 'sieć', 'down']);
  });

  describe('a rule written for plain json-rules-engine', () => {
    // all/any/not nesting, a condition reference, path facts, a fact-to-fact comparison, priority.
    const plainRule = {
      name: 'Urgent hardware outside the board',
      priority: 3,
      conditions: {
        all: [
          { condition: 'is-hardware' },
          { any: [
            { fact: 'ticket', path: '$.urgency', operator: 'equal', value: 'high' },
            { fact: 'keywords', operator: 'contains', value: 'smoke' },
          ] },
          { not: { fact: 'requester', path: '$.department', operator: 'equal', value: 'board' } },
          { fact: 'ticket', path: '$.urgency', operator: 'equal', value: { fact: 'matrix', path: '$.urgency' } },
        ],
      },
      event: { type: 'add-tag', params: { tag: 'urgent-hardware' } },
    };
    const isHardware = { any: [{ fact: 'ticket', path: '$.category', operator: 'equal', value: 'hardware' }, { fact: 'keywords', operator: 'containsAny', value: ['laptop', 'printer'] }] };
    const withPlain = defaultRules((f) => {
      f.conditions = { ...f.conditions, 'is-hardware': isHardware };
      f.rules.push(plainRule as Rule);
    });
    const cases: Array<[TicketFacts, boolean]> = [
      [ticket({ ticket: { title: 'Laptop smoking', urgency: 'high' } }), true],
      [ticket({ ticket: { title: 'Printer smoke!', urgency: 'low' } }), true],
      [ticket({ ticket: { title: 'Printer slow', urgency: 'low' } }), false],
      [ticket({ ticket: { title: 'Laptop broken', urgency: 'high' }, requester: { department: 'board' } }), false],
      [ticket({ ticket: { title: 'Mail broken', urgency: 'high' } }), false],
    ];

    it('is accepted by the validator', () => {
      expect(problemsOf(withPlain)).to.deep.equal([]);
      expect(validateRulesObject(withPlain).ok).to.equal(true);
    });

    it('fires exactly when plain json-rules-engine fires it', async () => {
      const ours = compile(withPlain);
      const engine = new Engine([plainRule as never]);
      engine.setCondition('is-hardware', isHardware as never);
      engine.addOperator('containsAny', (a: unknown, b: unknown) => Array.isArray(a) && Array.isArray(b) && b.some((x) => a.includes(x)));
      for (const [input, expected] of cases) {
        const d = await evaluate(ours, input, WEDNESDAY_MORNING);
        const words = keywordsOf(input.ticket.title, input.ticket.description);
        const plain = await engine.run({ ticket: input.ticket, requester: input.requester, keywords: words, matrix: { impact: input.ticket.impact, urgency: input.ticket.urgency } });
        expect(plain.events.length > 0, `plain engine on ${input.ticket.title}`).to.equal(expected);
        expect(d.tags.includes('urgent-hardware'), input.ticket.title).to.equal(expected);
        if (expected) expect(d.explanation.fired.find((f) => f.rule === plainRule.name)?.priority).to.equal(3);
      }
    });
  });
});
