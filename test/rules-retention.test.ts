import { expect } from 'chai';
import { describeChanges } from '../rules/diff.ts';
import { DEFAULT_RETENTION, personalDataDays, retentionOf } from '../rules/retention.ts';
import type { Retention, RulesFile } from '../rules/types.ts';
import { validateRulesText } from '../rules/validate.ts';
import { defaultRules, defaultRulesText, expectProblem, problemsOf } from './rules-fixtures.ts';

type Loose = Record<string, unknown>;
const withRetention = (retention: unknown, edit?: (f: RulesFile) => void): RulesFile => defaultRules((f) => {
  (f as unknown as Loose).retention = retention;
  edit?.(f);
});

describe('rules file: retention', () => {
  it('the shipped default keeps personal data 730 days after closing (access requests 365) and a closed ticket 2555 days', () => {
    const file = defaultRules();
    expect(file.retention).to.deep.equal({ personalData: { defaultDays: 730, byCategory: { access: 365 } }, closedTicketDays: 2555 });
    expect(personalDataDays(retentionOf(file), 'access')).to.equal(365);
    expect(personalDataDays(retentionOf(file), 'network')).to.equal(730);
    expect(personalDataDays(retentionOf(file), null)).to.equal(730);
  });

  it('when a rules file has no retention section (every version published before it), it stays valid and gets the documented defaults', () => {
    const older = defaultRules((f) => { delete f.retention; });
    expect(problemsOf(older)).to.deep.equal([]);
    expect(retentionOf(older)).to.deep.equal({ personalData: { defaultDays: 730 }, closedTicketDays: 2555 });
    expect(retentionOf(older)).to.equal(DEFAULT_RETENTION);
  });

  describe('refused, each problem at its JSON path', () => {
    it('a period that is not a whole number of days from 1 to 36500', () => {
      const problems = problemsOf(withRetention({ personalData: { defaultDays: 0, byCategory: { access: 30.5 } }, closedTicketDays: 40000 }));
      expectProblem(problems, '$.retention.personalData.defaultDays', 'OUT_OF_RANGE', '0 is out of range; it must be at least 1.');
      expectProblem(problems, '$.retention.personalData.byCategory.access', 'WRONG_TYPE', 'This should be a whole number, but it is the number 30.5.');
      expectProblem(problems, '$.retention.closedTicketDays', 'OUT_OF_RANGE', 'it must be at most 36500');
    });

    it('a period written as a duration text: days are whole numbers here', () => {
      expectProblem(problemsOf(withRetention({ personalData: { defaultDays: '2y' }, closedTicketDays: 2555 })), '$.retention.personalData.defaultDays', 'WRONG_TYPE', 'This should be a whole number, but it is a text string.');
    });

    it('a missing or misspelt setting', () => {
      const problems = problemsOf(withRetention({ personalData: { days: 730 } }));
      expectProblem(problems, '$.retention.closedTicketDays', 'MISSING_PROPERTY', '"closedTicketDays" is missing at $.retention');
      expectProblem(problems, '$.retention.personalData.defaultDays', 'MISSING_PROPERTY', '"defaultDays" is missing at $.retention.personalData');
      expectProblem(problems, '$.retention.personalData.days', 'UNKNOWN_PROPERTY', 'check its spelling');
    });

    it('a category that is not listed in "categories", or not an identifier', () => {
      const problems = problemsOf(withRetention({ personalData: { defaultDays: 730, byCategory: { printers: 90, 'bad key': 90 } }, closedTicketDays: 2555 }));
      expectProblem(problems, '$.retention.personalData.byCategory.printers', 'UNKNOWN_CATEGORY', 'Personal data retention is set for the category "printers", which is not listed in "categories".');
      expectProblem(problems, "$.retention.personalData.byCategory['bad key']", 'INVALID_ID', '"bad key" is not a valid identifier');
      expect(problems, 'each key named once, by the telling problem').to.have.length(2);
    });

    it('any category, when the file lists none', () => {
      const file = withRetention({ personalData: { defaultDays: 730, byCategory: { printers: 90 } }, closedTicketDays: 2555 }, (f) => { delete f.categories; });
      expect(problemsOf(file)).to.deep.equal([]);
    });

    it('personal data kept longer than the ticket itself', () => {
      const problems = problemsOf(withRetention({ personalData: { defaultDays: 3000, byCategory: { access: 2600 } }, closedTicketDays: 2555 }));
      expectProblem(problems, '$.retention.personalData.defaultDays', 'PERSONAL_DATA_OUTLIVES_TICKET', 'Personal data would be kept 3000 days after closing, longer than the ticket itself (2555 days, "closedTicketDays")');
      expectProblem(problems, '$.retention.personalData.byCategory.access', 'PERSONAL_DATA_OUTLIVES_TICKET', 'Personal data of category "access" would be kept 2600 days');
    });

    it('personal data erased while the closed ticket still takes a rating and comments (the auto-close quiet period)', () => {
      const problems = problemsOf(withRetention({ personalData: { defaultDays: 2, byCategory: { access: 1 } }, closedTicketDays: 2 }, (f) => { f.autoCloseAfter = '50h'; }));
      expectProblem(problems, '$.retention.personalData.defaultDays', 'PERSONAL_DATA_BEFORE_RATING_ENDS', 'would be erased 2 days after closing, while the closed ticket still takes a rating and comments (for "autoCloseAfter", 50h); keep it at least 3 days.');
      expectProblem(problems, '$.retention.personalData.byCategory.access', 'PERSONAL_DATA_BEFORE_RATING_ENDS', 'keep it at least 3 days.');
      const short = withRetention({ personalData: { defaultDays: 1 }, closedTicketDays: 1 }, (f) => { f.autoCloseAfter = '20h'; });
      expect(problemsOf(short), 'one day covers a quiet period under a day').to.deep.equal([]);
    });

    it('from text, the problem carries its line and column', () => {
      const text = defaultRulesText().replace('"closedTicketDays": 2555', '"closedTicketDays": 500');
      const result = validateRulesText(text);
      expect(result.ok).to.equal(false);
      const problem = !result.ok ? result.problems.find((p) => p.path === '$.retention.personalData.defaultDays') : undefined;
      expect(problem).to.include({ code: 'PERSONAL_DATA_OUTLIVES_TICKET' });
      const line = text.split('\n').findIndex((l) => l.includes('"defaultDays"')) + 1;
      expect(problem).to.include({ line, column: 7 });
    });
  });

  describe('changes, in words', () => {
    const retention = (r: Retention) => withRetention(r);
    it('names each period that changes, from → to', () => {
      const before = defaultRules();
      const after = retention({ personalData: { defaultDays: 365, byCategory: { access: 180, hardware: 90 } }, closedTicketDays: 3650 });
      expect(describeChanges(before, after).map((c) => [c.kind, c.path, c.text])).to.deep.equal([
        ['changed', '$.retention.personalData.defaultDays', 'personal data kept after closing 730 days → 365 days'],
        ['changed', "$.retention.personalData.byCategory.access", "personal data of category 'access' kept after closing 365 days → 180 days"],
        ['added', "$.retention.personalData.byCategory.hardware", "personal data of category 'hardware' kept after closing 90 days (was the default, 730 days)"],
        ['changed', '$.retention.closedTicketDays', 'closed tickets kept 2555 days → 3650 days'],
      ]);
    });

    it('compares retention as it applies: writing the defaults into a file without it is no change; dropping an override is', () => {
      const older = defaultRules((f) => { delete f.retention; });
      expect(describeChanges(older, retention({ personalData: { defaultDays: 730 }, closedTicketDays: 2555 }))).to.deep.equal([]);
      expect(describeChanges(defaultRules(), older).map((c) => c.text)).to.deep.equal([
        "personal data of category 'access' kept after closing 365 days removed (now the default, 730 days)",
      ]);
    });
  });
});
