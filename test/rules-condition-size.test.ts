/**
 * Shared conditions that refer to each other as a doubling chain (c0 = all[c1, c1], c1 = all[c2, c2],
 * …) are tiny as text but expand to 2^N tests when evaluated: the validator refuses them before
 * anything evaluates them, and the static checks (which also run on invalid drafts) read each
 * shared condition once. Each test here would run for minutes (blocking the process) without that,
 * so mocha's default timeout fails it.
 */
import { expect } from 'chai';
import { checkRulesFile } from '../rules/checks.ts';
import type { Condition, RulesFile } from '../rules/types.ts';
import { MAX_CONDITION_TESTS } from '../rules/validate-conditions.ts';
import { validateRulesText } from '../rules/validate.ts';
import { reviewText } from '../services/rules-admin/review.ts';
import { defaultRules, expectProblem, problemsOf } from './rules-fixtures.ts';

const impactHigh = { fact: 'ticket', path: '$.impact', operator: 'equal', value: 'high' };

/** The default rules with shared conditions chain0…chain<levels>, each referring to the next twice, the last one fact test. */
function withChain(levels: number, edit?: (f: RulesFile) => void): RulesFile {
  return defaultRules((f) => {
    for (let i = 0; i < levels; i++) f.conditions![`chain${i}`] = { all: [{ condition: `chain${i + 1}` }, { condition: `chain${i + 1}` }] } as Condition;
    f.conditions![`chain${levels}`] = { all: [impactHigh] } as Condition;
    edit?.(f);
  });
}

const chainRule = (f: RulesFile, name: string, priority: number, extra: unknown[] = []): void => {
  f.rules.push({ name, priority, conditions: { all: [{ condition: 'chain0' }, ...extra] } as Condition, event: { type: 'set-priority', params: { priority: 'P2' } } });
};

describe('rules validation: conditions too large once their shared conditions are written out', () => {
  it('refuses a 20-level chain at the rule and at each shared condition over the limit, saying how many tests and what to do', () => {
    const file = withChain(20, (f) => chainRule(f, 'Doubling', 5));
    const at = file.rules.length - 1;
    const result = validateRulesText(JSON.stringify(file, null, 2));
    expect(result.ok).to.equal(false);
    const problems = result.ok ? [] : result.problems;
    const p = expectProblem(problems, `$.rules[${at}].conditions`, 'CONDITION_TOO_LARGE',
      'The rule "Doubling" expands to 1048576 tests when its shared conditions are written out; at most 1000 are allowed: flatten the shared conditions it references.');
    expect(p.params).to.deep.equal({ rule: 'Doubling', tests: 1048576, limit: MAX_CONDITION_TESTS });
    expect(p.line).to.be.a('number');
    const shared = expectProblem(problems, '$.conditions.chain0', 'CONDITION_TOO_LARGE', 'The shared condition "chain0" expands to 1048576 tests');
    expect(shared.params).to.deep.equal({ context: 'shared', condition: 'chain0', tests: 1048576, limit: MAX_CONDITION_TESTS });
    // chain10 has 2^10 = 1024 tests (over), chain11 has 512 (under).
    const over = problems.filter((q) => q.code === 'CONDITION_TOO_LARGE' && q.path.startsWith('$.conditions.')).map((q) => q.path);
    expect(over).to.deep.equal(Array.from({ length: 11 }, (_, i) => `$.conditions.chain${i}`));
  });

  it('counts exactly: a rule of 2^9 = 512 tests passes, one referring to that chain twice (1024) is refused, at the rule only', () => {
    expect(problemsOf(withChain(9, (f) => chainRule(f, 'Doubling', 5)))).to.deep.equal([]);
    const problems = problemsOf(withChain(9, (f) => chainRule(f, 'Doubling', 5, [{ condition: 'chain0' }])));
    const p = expectProblem(problems, `$.rules[${defaultRules().rules.length}].conditions`, 'CONDITION_TOO_LARGE', 'The rule "Doubling" expands to 1024 tests');
    expect(p.params).to.deep.equal({ rule: 'Doubling', tests: 1024, limit: 1000 });
    expect(problems.map((q) => q.code)).to.deep.equal(['CONDITION_TOO_LARGE']);
  });

  it('a draft with a 40-level chain is reviewed at once: refused, and the static checks still see the shadowed rule through it', () => {
    const file = withChain(40, (f) => {
      chainRule(f, 'Chain first', 90);
      chainRule(f, 'Chain and more', 80, [{ fact: 'ticket', path: '$.urgency', operator: 'equal', value: 'high' }]);
    });
    const at = file.rules.length - 1;
    const review = reviewText(JSON.stringify(file, null, 2));
    expect(review.file).to.equal(undefined);
    const refused = review.items.find((i) => i.path === `$.rules[${at}].conditions` && i.code === 'CONDITION_TOO_LARGE');
    expect(refused?.message).to.include('expands to 1099511627777 tests');
    const shadowed = checkRulesFile(file).find((i) => i.path === `$.rules[${at}]` && i.code === 'SHADOWED_RULE');
    expect(shadowed?.message).to.equal(`The rule "Chain and more" never decides the priority: whenever it fires, "Chain first" ($.rules[${at - 1}]) fires too and, by its higher priority (90), is applied first and sets it.`);
    expect(review.items.find((i) => i.path === `$.rules[${at}]` && i.code === 'SHADOWED_RULE')?.severity).to.equal('warning');
  });
});
