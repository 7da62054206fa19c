import { expect } from 'chai';
import { compileRules, evaluate } from '../rules/evaluate.ts';
import { hashRules } from '../rules/hash.ts';
import type { Level, Priority } from '../rules/types.ts';
import { defaultRules, ticket, WEDNESDAY_MORNING } from './rules-fixtures.ts';

/** The ITIL matrix documented in rules/README.md. */
const MATRIX: Array<[Level, Level, Priority]> = [
  ['high', 'high', 'P1'],
  ['high', 'medium', 'P2'],
  ['medium', 'high', 'P2'],
  ['high', 'low', 'P3'],
  ['medium', 'medium', 'P3'],
  ['low', 'high', 'P3'],
  ['medium', 'low', 'P4'],
  ['low', 'medium', 'P4'],
  ['low', 'low', 'P4'],
];

describe('rules priority matrix (default rules)', () => {
  const file = defaultRules();
  const compiled = compileRules(file, { version: 1, hash: hashRules(file) });

  for (const [impact, urgency, priority] of MATRIX) {
    it(`classifies impact ${impact} × urgency ${urgency} as ${priority}`, async () => {
      const d = await evaluate(compiled, ticket({ ticket: { impact, urgency } }), WEDNESDAY_MORNING);
      expect(d.explanation.matrix).to.deep.equal({ impact, urgency, priority });
      expect(d.priority).to.equal(priority);
      expect(d.explanation.fired).to.deep.equal([]);
    });
  }

  it('covers all nine pairs', () => {
    expect(new Set(MATRIX.map(([i, u]) => `${i}/${u}`)).size).to.equal(9);
  });
});
