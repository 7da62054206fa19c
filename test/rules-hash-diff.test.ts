import { expect } from 'chai';
import { describeChanges } from '../rules/diff.ts';
import { canonicalJson, hashRules } from '../rules/hash.ts';
import { defaultRules, defaultRulesText } from './rules-fixtures.ts';

describe('rules hash', () => {
  it('is the same whatever the key order and whitespace', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 'x', c: null }] })).to.equal('{"a":[{"c":null,"d":"x"}],"b":1}');
    const file = defaultRules();
    const reordered = JSON.parse(JSON.stringify(file, Object.keys(file).reverse())) as unknown;
    expect(hashRules(JSON.parse(defaultRulesText()))).to.equal(hashRules(file));
    expect(hashRules(file)).to.match(/^[0-9a-f]{64}$/);
    expect(canonicalJson(reordered)).to.not.equal(undefined);
  });
  it('changes when any value changes', () => {
    expect(hashRules(defaultRules((f) => { f.autoCloseAfter = '48h'; }))).to.not.equal(hashRules(defaultRules()));
  });
});

describe('rules changes in words', () => {
  it('says nothing changed for the same file', () => {
    expect(describeChanges(defaultRules(), defaultRules())).to.deep.equal([]);
  });

  it('describes a policy target, a rule, a holiday and a ladder step, each with path, from and to', () => {
    const after = defaultRules((f) => {
      f.slaPolicies.find((p) => p.id === 'silver-p2')!.resolution = '4h';
      f.rules.unshift({ name: 'CEO first', priority: 30, conditions: { all: [{ fact: 'requester', path: '$.email', operator: 'equal', value: 'ceo@example.com' }] }, event: { type: 'set-priority', params: { priority: 'P1' } } });
      f.rules = f.rules.filter((r) => r.name !== 'Tag out-of-hours tickets');
      f.calendars['warsaw-business']!.holidays!.push('2026-12-31');
      (f.ladders.find((l) => l.id === 'standard')!.steps.find((s) => s.id === 'to-L2')!.at as { fraction: number }).fraction = 0.5;
      f.calendars['warsaw-business']!.hours!.fri = [{ from: '08:00', to: '15:00' }];
    });
    const changes = describeChanges(defaultRules(), after);
    const texts = changes.map((c) => c.text);
    expect(texts).to.include.members([
      'P2 resolution (silver) 9h → 4h',
      "rule 'CEO first' added",
      "rule 'Tag out-of-hours tickets' removed",
      "calendar 'warsaw-business' holiday 2026-12-31 added",
      "calendar 'warsaw-business' fri hours 08:00–17:00 → 08:00–15:00",
      "ladder 'standard' step 'to-L2' at 100% → 50% of response",
    ]);
    expect(changes.find((c) => c.text.startsWith('P2 resolution'))).to.deep.include({ kind: 'changed', subject: 'policy', path: '$.slaPolicies[5].resolution', from: '9h', to: '4h' });
    expect(changes.find((c) => c.text.includes('holiday'))).to.deep.include({ kind: 'added', subject: 'holiday', path: "$.calendars['warsaw-business'].holidays", from: null, to: '2026-12-31' });
  });
});

describe('rules changes: order', () => {
  it('reports a rule as moved only when its order among the shared rules changed', () => {
    const swapped = defaultRules((f) => { f.rules = [f.rules[1]!, f.rules[0]!, ...f.rules.slice(2)]; });
    const moved = describeChanges(defaultRules(), swapped).filter((c) => c.kind === 'moved').map((c) => c.text);
    expect(moved).to.deep.equal(["rule 'Major outage pages the duty manager' moved from position 2 to 1", "rule 'Major outage is P1' moved from position 1 to 2"]);
    const inserted = defaultRules((f) => { f.rules.unshift({ ...f.rules[0]!, name: 'new' }); });
    expect(describeChanges(defaultRules(), inserted).map((c) => c.kind)).to.deep.equal(['added']);
  });
});
