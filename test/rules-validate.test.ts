import { expect } from 'chai';
import { validateRulesText } from '../rules/validate.ts';
import type { Problem, RulesFile } from '../rules/types.ts';
import { defaultRules, defaultRulesText, expectProblem, problemsOf } from './rules-fixtures.ts';

const textProblems = (text: string): Problem[] => {
  const r = validateRulesText(text);
  return r.ok ? [] : r.problems;
};
const rule0 = (file: RulesFile) => file.rules[0]!;
const firstFact = (file: RulesFile) => (file.rules.find((r) => r.name === 'Access requests to the Service Desk')!.conditions.all as Array<Record<string, unknown>>)[0]!;

describe('rules validation', () => {
  it('accepts the shipped default rules file', () => {
    const r = validateRulesText(defaultRulesText());
    expect(r.ok, JSON.stringify(r.ok ? [] : r.problems, null, 1)).to.equal(true);
  });

  describe('invalid JSON', () => {
    it('reports the line and column of a syntax error', () => {
      const problems = textProblems('{\n  "name": "x",\n  "rules": [1,, 2]\n}');
      const p = expectProblem(problems, '$', 'INVALID_JSON', 'at line 3, column 15');
      expect(p).to.include({ line: 3, column: 15 });
    });
    it('refuses comments and trailing commas (the file is plain JSON)', () => {
      expectProblem(textProblems('{ "name": "x", // note\n }'), '$', 'INVALID_JSON', 'comments are not allowed');
      const trailing = textProblems('{ "name": "x", }');
      expect(trailing.map((p) => p.code)).to.include('INVALID_JSON');
    });
    it('refuses an empty file', () => {
      expect(textProblems('   ').map((p) => p.code)).to.deep.equal(['INVALID_JSON']);
    });
  });

  describe('schema violations', () => {
    it('names a missing property', () => {
      expectProblem(problemsOf(defaultRules((f) => { delete (f as Partial<RulesFile>).autoCloseAfter; })), '$.autoCloseAfter', 'MISSING_PROPERTY', '"autoCloseAfter" is missing');
    });
    it('names a misspelt property', () => {
      expectProblem(problemsOf(defaultRules((f) => { (f as unknown as Record<string, unknown>).slaPolicy = []; })), '$.slaPolicy', 'UNKNOWN_PROPERTY', 'check its spelling');
    });
    it('names a value of the wrong type', () => {
      expectProblem(problemsOf(defaultRules((f) => { (f.teams[0] as unknown as Record<string, unknown>).name = 7; })), '$.teams[0].name', 'WRONG_TYPE', 'should be a text string, but it is the number 7');
    });
    it('refuses a priority that does not exist in the matrix', () => {
      expectProblem(problemsOf(defaultRules((f) => { (f.priorityMatrix.high as Record<string, string>).low = 'P5'; })), '$.priorityMatrix.high.low', 'UNKNOWN_PRIORITY', '"P5" is not allowed here; use one of: P1, P2, P3, P4.');
    });
    it('refuses a ladder step with both a fraction and an "after"', () => {
      expectProblem(problemsOf(defaultRules((f) => { (f.ladders[0]!.steps[0]!.at as Record<string, unknown>).after = '1h'; })), '$.ladders[0].steps[0].at', 'LADDER_AT_INVALID', 'exactly one of "fraction"');
    });
  });

  describe('rules and conditions', () => {
    it('refuses an event type the helpdesk does not act on', () => {
      expectProblem(problemsOf(defaultRules((f) => { (rule0(f).event as { type: string }).type = 'send-sms'; })), '$.rules[0].event.type', 'UNKNOWN_EVENT_TYPE', '"send-sms" is not an event the helpdesk acts on');
    });
    it('refuses an unknown fact', () => {
      expectProblem(problemsOf(defaultRules((f) => { firstFact(f).fact = 'tickets'; })), '$.rules[6].conditions.all[0].fact', 'UNKNOWN_FACT', 'There is no fact named "tickets"');
    });
    it('refuses a path to a property a fact does not have', () => {
      expectProblem(problemsOf(defaultRules((f) => { firstFact(f).path = '$.categry'; })), '$.rules[6].conditions.all[0].path', 'UNKNOWN_FACT', 'The fact "ticket" has no property "categry"');
    });
    it('refuses JSONPath filters and wildcards (nothing in the file is executed)', () => {
      expectProblem(problemsOf(defaultRules((f) => { firstFact(f).path = '$..[?(@.x)]'; })), '$.rules[6].conditions.all[0].path', 'UNSUPPORTED_PATH', 'is not supported');
    });
    it('refuses an unknown operator, with or without a decorator', () => {
      expectProblem(problemsOf(defaultRules((f) => { firstFact(f).operator = 'equals'; })), '$.rules[6].conditions.all[0].operator', 'UNKNOWN_OPERATOR', '"equals" is not an operator');
      expectProblem(problemsOf(defaultRules((f) => { firstFact(f).operator = 'never:equal'; })), '$.rules[6].conditions.all[0].operator', 'UNKNOWN_OPERATOR', '"never:equal" is not an operator');
      expect(problemsOf(defaultRules((f) => { firstFact(f).operator = 'not:equal'; }))).to.deep.equal([]);
    });
    it('refuses a value that can never match a closed list', () => {
      expectProblem(problemsOf(defaultRules((f) => { ((f.conditions!['major-outage']!.all as Array<Record<string, unknown>>)[1]!).value = 'hgih'; })), "$.conditions['major-outage'].all[1].value", 'UNKNOWN_VALUE', '"hgih" can never match');
    });
    it('refuses a reference to a shared condition that does not exist', () => {
      expectProblem(problemsOf(defaultRules((f) => { rule0(f).conditions = { all: [{ condition: 'major-outages' }] }; })), '$.rules[0].conditions.all[0].condition', 'UNKNOWN_CONDITION', 'No shared condition is named "major-outages"');
    });
    it('refuses shared conditions that refer to each other in a circle', () => {
      const problems = problemsOf(defaultRules((f) => {
        f.conditions = { a: { all: [{ condition: 'b' }] }, b: { any: [{ condition: 'a' }] } };
      }));
      expectProblem(problems, '$.conditions.a', 'CONDITION_CYCLE', 'a → b → a');
    });
    it('refuses a condition that mixes "all" and "fact"', () => {
      expectProblem(problemsOf(defaultRules((f) => { rule0(f).conditions = { all: [], fact: 'ticket' }; })), '$.rules[0].conditions', 'BAD_CONDITION', 'only one of');
    });
    it('refuses two rules with the same name', () => {
      expectProblem(problemsOf(defaultRules((f) => { f.rules[3]!.name = f.rules[2]!.name; })), '$.rules[3].name', 'DUPLICATE_RULE_NAME', 'Another rule (at $.rules[2]) is already named "VIP first"');
    });
    it('refuses a missing or misspelt event parameter', () => {
      const problems = problemsOf(defaultRules((f) => { rule0(f).event.params = { prio: 'P1' }; }));
      expectProblem(problems, '$.rules[0].event.params.priority', 'MISSING_EVENT_PARAM', 'needs the parameter "priority"');
      expectProblem(problems, '$.rules[0].event.params.prio', 'UNKNOWN_EVENT_PARAM', 'has no parameter "prio"');
    });
  });

  describe('references', () => {
    it('refuses an SLA policy in an undefined calendar', () => {
      expectProblem(problemsOf(defaultRules((f) => { f.slaPolicies[1]!.calendar = 'krakow'; })), '$.slaPolicies[1].calendar', 'UNKNOWN_CALENDAR', 'names the calendar "krakow", which is not defined');
    });
    it('refuses routing to an undefined team or tier, and a team outside the tier named', () => {
      const find = (f: RulesFile) => f.rules.find((r) => r.event.type === 'route')!;
      expectProblem(problemsOf(defaultRules((f) => { find(f).event.params = { team: 'networks' }; })), '$.rules[4].event.params.team', 'UNKNOWN_TEAM', 'The team "networks" is not defined');
      expectProblem(problemsOf(defaultRules((f) => { find(f).event.params = { team: 'infrastructure', tier: 'L4' }; })), '$.rules[4].event.params.tier', 'UNKNOWN_TIER', 'The tier "L4" is not defined');
      expectProblem(problemsOf(defaultRules((f) => { find(f).event.params = { team: 'infrastructure', tier: 'L1' }; })), '$.rules[4].event.params.team', 'TEAM_TIER_MISMATCH', 'belongs to tier "L2", not "L1"');
    });
    it('refuses an undefined SLA policy, ladder or service level named by an event', () => {
      const withEvent = (event: RulesFile['rules'][number]['event']) => problemsOf(defaultRules((f) => { rule0(f).event = event; }));
      expectProblem(withEvent({ type: 'set-sla-policy', params: { policy: 'platinum-p1' } }), '$.rules[0].event.params.policy', 'UNKNOWN_SLA_POLICY', 'No SLA policy has the id "platinum-p1"');
      expectProblem(withEvent({ type: 'set-ladder', params: { ladder: 'fast' } }), '$.rules[0].event.params.ladder', 'UNKNOWN_LADDER', 'No escalation ladder has the id "fast"');
      expectProblem(withEvent({ type: 'set-service-level', params: { serviceLevel: 'platinum' } }), '$.rules[0].event.params.serviceLevel', 'UNKNOWN_SERVICE_LEVEL', 'The service level "platinum" is not listed');
      expectProblem(withEvent({ type: 'set-category', params: { category: 'printers' } }), '$.rules[0].event.params.category', 'UNKNOWN_CATEGORY', 'The category "printers" is not listed');
      expectProblem(withEvent({ type: 'escalate', params: { tier: 'L9', reason: 'x' } }), '$.rules[0].event.params.tier', 'UNKNOWN_TIER', 'The tier "L9" is not defined');
    });
    it('refuses an undefined default ladder and a team listed in the wrong tier', () => {
      expectProblem(problemsOf(defaultRules((f) => { f.defaults.ladder = 'slow'; })), '$.defaults.ladder', 'UNKNOWN_LADDER', 'The default ladder "slow" is not defined');
      expectProblem(problemsOf(defaultRules((f) => { f.tiers[0]!.teams.push('engineering'); })), '$.tiers[0].teams[1]', 'TEAM_TIER_MISMATCH', 'that team says it belongs to tier "L3"');
    });
  });

  describe('durations, calendars, ladders, policies', () => {
    it('refuses a duration that does not parse', () => {
      expectProblem(problemsOf(defaultRules((f) => { f.slaPolicies[2]!.response = '15x'; })), '$.slaPolicies[2].response', 'BAD_DURATION', 'The response time "15x" is not a duration; write it like 30s, 15m, 4h, 2d or 1h30m.');
      expectProblem(problemsOf(defaultRules((f) => { f.ladders[1]!.steps[0]!.at = { clock: 'response', after: 'soon' }; })), '$.ladders[1].steps[0].at.after', 'BAD_DURATION', '"soon" is not a duration');
    });
    it('reports calendar problems under the calendar\'s path', () => {
      const problems = problemsOf(defaultRules((f) => {
        f.calendars['warsaw-business']!.hours!.mon = [{ from: '08:00', to: '12:00' }, { from: '13:00', to: '12:30' }];
        f.calendars['24x7']!.timeZone = 'Europe/Warszawa';
      }));
      expectProblem(problems, "$.calendars['warsaw-business'].hours.mon[1].to", 'EMPTY_RANGE', /ends at or before its start/);
      expectProblem(problems, "$.calendars['24x7'].timeZone", 'BAD_TIME_ZONE', '"Europe/Warszawa" is not an IANA time zone');
    });
    it('refuses ladder steps out of order on one clock', () => {
      expectProblem(problemsOf(defaultRules((f) => { (f.ladders[1]!.steps[1]!.at as { fraction: number }).fraction = 0.5; })), '$.ladders[1].steps[1].at.fraction', 'LADDER_STEP_ORDER', 'The step "to-L2" of ladder "standard" comes at or before the earlier step "warn-lead" on the response clock');
    });
    it('refuses duplicate ids', () => {
      expectProblem(problemsOf(defaultRules((f) => { f.teams[1]!.id = 'service-desk'; })), '$.teams[1].id', 'DUPLICATE_ID', 'Another team already has the id "service-desk"');
      expectProblem(problemsOf(defaultRules((f) => { f.ladders[0]!.steps[1]!.id = 'warn-lead'; })), '$.ladders[0].steps[1].id', 'DUPLICATE_ID', 'two steps with the id "warn-lead"');
    });
    it('refuses a missing SLA policy for a service level × priority pair', () => {
      const problems = problemsOf(defaultRules((f) => { f.slaPolicies = f.slaPolicies.filter((p) => p.id !== 'silver-p3'); }));
      expectProblem(problems, '$.slaPolicies', 'MISSING_SLA_POLICY', 'No SLA policy covers service level "silver" at P3');
    });
    it('refuses two SLA policies for the same pair', () => {
      expectProblem(problemsOf(defaultRules((f) => { f.slaPolicies[1]!.priority = 'P1'; })), '$.slaPolicies[1].priority', 'DUPLICATE_SLA_POLICY', 'Two SLA policies cover service level "gold" at P1');
    });
  });

  describe('keys that reach prototypes', () => {
    it('finds "__proto__" in the text, with its line', () => {
      const text = defaultRulesText().replace('"autoCloseAfter": "72h"', '"autoCloseAfter": "72h",\n  "__proto__": { "polluted": true }');
      const p = expectProblem(textProblems(text), '$.__proto__', 'FORBIDDEN_KEY', 'The key "__proto__" is not allowed anywhere');
      expect(p.line).to.be.a('number');
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    });
    it('finds "constructor" and "prototype" deep in the file', () => {
      const problems = problemsOf(defaultRules((f) => {
        Object.defineProperty(rule0(f).event.params, 'constructor', { value: { prototype: 1 }, enumerable: true });
        (f.calendars as Record<string, unknown>).prototype = { timeZone: 'UTC', alwaysOpen: true };
      }));
      expectProblem(problems, '$.rules[0].event.params.constructor', 'FORBIDDEN_KEY', '"constructor"');
      expectProblem(problems, '$.calendars.prototype', 'FORBIDDEN_KEY', '"prototype"');
    });
    it('finds a key written twice in one object', () => {
      const text = defaultRulesText().replace('"autoCloseAfter": "72h"', '"autoCloseAfter": "72h",\n  "autoCloseAfter": "1h"');
      expectProblem(textProblems(text), '$.autoCloseAfter', 'DUPLICATE_KEY', 'appears more than once');
    });
    it('names each bad key once, by its most telling problem', () => {
      const text = defaultRulesText().replace('"autoCloseAfter": "72h"', '"autoCloseAfter": "72h",\n  "__proto__": 1,\n  "constructor": 2,\n  "bogus": 3,\n  "bogus": 4');
      const problems = textProblems(text);
      expect(problems.map((p) => `${p.path} ${p.code}`)).to.deep.equal(['$.__proto__ FORBIDDEN_KEY', '$.constructor FORBIDDEN_KEY', '$.bogus UNKNOWN_PROPERTY']);
    });
  });

  it('reports every problem at once, each with its line and column when read from text', () => {
    const file = defaultRules((f) => {
      f.slaPolicies[2]!.response = '15x';
      (rule0(f).event as { type: string }).type = 'send-sms';
      f.defaults.ladder = 'slow';
    });
    const problems = textProblems(JSON.stringify(file, null, 2));
    expect(problems.map((p) => p.code)).to.have.members(['BAD_DURATION', 'UNKNOWN_EVENT_TYPE', 'UNKNOWN_LADDER']);
    const text = JSON.stringify(file, null, 2);
    const duration = problems.find((p) => p.code === 'BAD_DURATION')!;
    const lines = text.split('\n');
    expect(lines[duration.line! - 1]!.slice(duration.column! - 1)).to.match(/^"response": "15x"/);
  });
});
