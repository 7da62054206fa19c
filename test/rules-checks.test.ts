/** The static checks of a rules file (rules/checks.ts): one fixture per finding, with its exact path and code. */
import { expect } from 'chai';
import { checkRulesFile, hasCheckErrors, type CheckProblem } from '../rules/checks.ts';
import type { Condition, Rule, RulesFile } from '../rules/types.ts';
import { defaultRules, problemsOf } from './rules-fixtures.ts';

function expectFinding(found: CheckProblem[], path: string, code: string, severity: 'error' | 'warning', words: string | RegExp): CheckProblem {
  const hit = found.find((p) => p.path === path && p.code === code);
  expect(hit, `no ${code} at ${path}; got ${JSON.stringify(found, null, 1)}`).to.not.equal(undefined);
  expect(hit!.severity).to.equal(severity);
  if (typeof words === 'string') expect(hit!.message).to.include(words);
  else expect(hit!.message).to.match(words);
  return hit!;
}

/** The default rules with one more rule appended; `at` is its index. */
function withRule(rule: Partial<Rule> & { conditions: Condition }, edit?: (f: RulesFile) => void): { file: RulesFile; at: number } {
  const file = defaultRules(edit);
  const at = file.rules.push({ name: 'Under test', event: { type: 'add-tag', params: { tag: 'checked' } }, ...rule }) - 1;
  return { file, at };
}

const ticket = (path: string, operator: string, value: unknown): Condition => ({ fact: 'ticket', path, operator, value });

describe('rules static checks', () => {
  it('the shipped default rules give no finding at all', () => {
    const found = checkRulesFile(defaultRules());
    expect(found).to.deep.equal([]);
    expect(hasCheckErrors(found)).to.equal(false);
  });

  it('a service level × priority with no SLA policy is an error naming both', () => {
    const file = defaultRules((f) => { f.slaPolicies = f.slaPolicies.filter((p) => p.id !== 'silver-p2'); });
    const hit = expectFinding(checkRulesFile(file), '$.slaPolicies', 'MISSING_SLA_POLICY', 'error', 'No SLA policy covers service level "silver" at P2');
    expect(hit.params).to.deep.equal({ context: 'check', serviceLevel: 'silver', priority: 'P2' });
  });

  it('a calendar with no working time, and overlapping ranges on a weekday, are errors', () => {
    const never = defaultRules((f) => { f.calendars['warsaw-business']!.hours = {}; });
    expectFinding(checkRulesFile(never), "$.calendars['warsaw-business'].hours", 'NEVER_OPENS', 'error', 'has no working time at all');
    const overlap = defaultRules((f) => { f.calendars['warsaw-business']!.hours!.mon = [{ from: '08:00', to: '12:00' }, { from: '11:00', to: '17:00' }]; });
    const hit = expectFinding(checkRulesFile(overlap), "$.calendars['warsaw-business'].hours.mon[1]", 'OVERLAPPING_RANGES', 'error', 'on Monday, 11:00–17:00 overlaps 08:00–12:00 (hours.mon[0])');
    expect(hit.params).to.deep.equal({ context: 'check', calendar: 'warsaw-business', weekday: 'mon', from: '11:00', to: '17:00', otherFrom: '08:00', otherTo: '12:00', otherWhere: 'hours.mon[0]' });
  });

  it('a warning at 100 % of the target is an error', () => {
    const file = defaultRules((f) => { f.slaPolicies[0]!.warnAt = [0.5, 1]; });
    expect(problemsOf(file)).to.deep.equal([]); // the validator lets it through
    const hit = expectFinding(checkRulesFile(file), '$.slaPolicies[0].warnAt[1]', 'WARNING_AT_BREACH', 'error', 'warns at 100 % of the target');
    expect(hit.params).to.deep.equal({ policy: 'gold-p1', fraction: 1, percent: 100 });
  });

  it('a ladder step after its clock\'s target is a warning naming the policies concerned', () => {
    const file = defaultRules((f) => { f.ladders[0]!.steps[0]!.at = { clock: 'response', after: '1h' }; });
    expect(problemsOf(file)).to.deep.equal([]);
    const hit = expectFinding(checkRulesFile(file), '$.ladders[0].steps[0].at.after', 'LADDER_STEP_BEYOND_TARGET', 'warning', 'beyond the response target of "gold-p1" (15m), "silver-p1" (30m)');
    expect(hit.params.policies).to.deep.equal(['gold-p1', 'silver-p1']); // standard-p1's 1h is not exceeded
    expect(hit.params).to.deep.include({ clock: 'response', at: '1h', targets: ['"gold-p1" (15m)', '"silver-p1" (30m)'] });
    const fraction = defaultRules((f) => { f.ladders[1]!.steps[3]!.at = { clock: 'resolution', fraction: 1.5 }; });
    expectFinding(checkRulesFile(fraction), '$.ladders[1].steps[3].at.fraction', 'LADDER_STEP_BEYOND_TARGET', 'warning', 'runs at 150 % of the resolution target');
  });

  it('a rule always overridden by one applied before it that sets the same field is a shadowed warning', () => {
    const always = withRule({ name: 'Everything P3', priority: 30, conditions: { all: [] }, event: { type: 'set-priority', params: { priority: 'P3' } } });
    expect(problemsOf(always.file)).to.deep.equal([]);
    const hit = expectFinding(checkRulesFile(always.file), '$.rules[0]', 'SHADOWED_RULE', 'warning', 'The rule "Major outage is P1" never decides the priority');
    expect(hit.params).to.deep.equal({ context: 'higher', rule: 'Major outage is P1', by: 'Everything P3', byPath: `$.rules[${always.at}]`, field: 'priority', byPriority: 30 });

    // Stronger conditions on the same facts, lower priority: "VIP gold service" always wins.
    const weaker = withRule({
      name: 'VIP access is silver', priority: 5,
      conditions: { all: [{ fact: 'requester', path: '$.vip', operator: 'equal', value: true }, ticket('$.category', 'equal', 'access')] },
      event: { type: 'set-service-level', params: { serviceLevel: 'silver' } },
    });
    expectFinding(checkRulesFile(weaker.file), `$.rules[${weaker.at}]`, 'SHADOWED_RULE', 'warning', 'by its higher priority (10)');

    // Different conditions or a floor (atLeast) are not claimed.
    const floor = withRule({ name: 'Floor', priority: 1, conditions: { all: [] }, event: { type: 'set-priority', params: { priority: 'P4', atLeast: true } } });
    expect(checkRulesFile(floor.file)).to.deep.equal([]);
  });

  it('an all with two different equal values, equal with notEqual, or an empty numeric range is unsatisfiable', () => {
    const twice = withRule({ conditions: { all: [ticket('$.impact', 'equal', 'high'), ticket("$['impact']", 'equal', 'low')] } });
    const hit = expectFinding(checkRulesFile(twice.file), `$.rules[${twice.at}].conditions.all[1]`, 'CONFLICTING_EQUALS', 'error', 'cannot equal both "high"');
    expect(hit.params).to.include({ fact: 'ticket', path: '$.impact', other: `$.rules[${twice.at}].conditions.all[0]` });

    const notEqual = withRule({ conditions: { all: [ticket('$.channel', 'equal', 'email'), { all: [ticket('$.channel', 'notEqual', 'email')] }] } });
    expectFinding(checkRulesFile(notEqual.file), `$.rules[${notEqual.at}].conditions.all[1].all[0]`, 'EQUAL_AND_NOT_EQUAL', 'error', 'must both equal and not equal "email"');

    const range = withRule({ conditions: { all: [{ fact: 'time', path: '$.hour', operator: 'greaterThan', value: 18 }, { fact: 'time', path: '$.hour', operator: 'lessThan', value: 9 }] } });
    expectFinding(checkRulesFile(range.file), `$.rules[${range.at}].conditions.all[1]`, 'EMPTY_VALUE_RANGE', 'error', 'must be above 18 and below 9');

    // Alternatives in an `any` are not a contradiction.
    const any = withRule({ conditions: { any: [ticket('$.impact', 'equal', 'high'), ticket('$.impact', 'equal', 'low')] } });
    expect(checkRulesFile(any.file)).to.deep.equal([]);
  });

  it('"in" an empty list is never true', () => {
    const { file, at } = withRule({ conditions: { all: [ticket('$.category', 'in', [])] } });
    expectFinding(checkRulesFile(file), `$.rules[${at}].conditions.all[0].value`, 'EMPTY_IN_LIST', 'error', '"in" an empty list is never true');
  });

  it('a fact compared with a value it can never have is an error, from the DSL\'s and the file\'s own lists', () => {
    const { file, at } = withRule({
      conditions: {
        all: [
          ticket('$.impact', 'equal', 3),
          ticket('$.channel', 'equal', 'fax'),
          ticket('$.category', 'in', ['network', 'printers']),
          { fact: 'calendar', path: '$.open', operator: 'equal', value: 'yes' },
          { fact: 'time', path: '$.hour', operator: 'equal', value: 24 },
        ],
      },
    });
    expect(problemsOf(file)).to.deep.equal([]); // none of these is a misspelt text the validator knows
    const found = checkRulesFile(file);
    const base = `$.rules[${at}].conditions.all`;
    expectFinding(found, `${base}[0].value`, 'IMPOSSIBLE_VALUE', 'error', 'ticket $.impact is never 3: its values are high, medium, low');
    expectFinding(found, `${base}[1].value`, 'IMPOSSIBLE_VALUE', 'error', 'ticket $.channel is never "fax": its values are portal, api, email, phone');
    const category = expectFinding(found, `${base}[2].value[1]`, 'IMPOSSIBLE_VALUE', 'error', 'ticket $.category is never "printers"');
    expect(category.params.allowed).to.deep.equal(['access', 'hardware', 'software', 'network', 'email', 'other']);
    expectFinding(found, `${base}[3].value`, 'IMPOSSIBLE_VALUE', 'error', 'its values are true, false');
    expectFinding(found, `${base}[4].value`, 'IMPOSSIBLE_VALUE', 'error', 'time $.hour is never 24');
    expect(found).to.have.length(5);
  });

  it('shared conditions are checked at their own path', () => {
    const file = defaultRules((f) => { (f.conditions!['major-outage']!.all as Condition[]).push(ticket('$.impact', 'equal', 'low')); });
    expectFinding(checkRulesFile(file), "$.conditions['major-outage'].all[2]", 'CONFLICTING_EQUALS', 'error', 'cannot equal both "high"');
  });
});
