/**
 * The rules problems in the reader's language (rules/problem-text.ts, locales/{lng}/rules.json):
 * the English text of every problem a set of bad files produces is the validator's own message,
 * every sentence is reached by some sample, and Polish and German say the same with the same values.
 */
import fs from 'node:fs';
import { expect } from 'chai';
import type { TFunction } from 'i18next';
import { createI18n } from '../api/i18n.ts';
import { problemKey, problemText, type ProblemLike } from '../rules/problem-text.ts';
import { validateRulesObject } from '../rules/validate.ts';
import { checkRulesFile } from '../rules/checks.ts';
import { defaultRules } from './rules-fixtures.ts';
import { problemSamples, type Sample } from './rules-problem-samples.ts';

/** Params that are codes of a fixed set of words, said in each language by the message (not shown as they are). */
const WORD_PARAMS = new Set(['context', 'expected', 'actual', 'comparison', 'clock', 'weekday', 'field', 'lowerBound', 'upperBound', 'error']);

const english = JSON.parse(fs.readFileSync(new URL('../locales/en/rules.json', import.meta.url), 'utf8')) as { problem: Record<string, string> };

/** The sentence key a problem is said by: its code and its variant. */
const sentenceOf = (p: ProblemLike): string => `${p.code}${typeof p.params?.context === 'string' ? `_${p.params.context}` : ''}`;

describe('rules problems in the reader\'s language', () => {
  let samples: Sample[];
  let all: ProblemLike[];
  const t: Record<'en' | 'pl' | 'de', TFunction> = {} as never;
  before(async () => {
    samples = await problemSamples();
    all = samples.flatMap((s) => s.problems);
    const i18n = await createI18n();
    for (const lng of ['en', 'pl', 'de'] as const) t[lng] = i18n.getFixedT(lng);
  });

  it('every sample is refused, and every problem carries its params', () => {
    for (const s of samples) expect(s.problems, s.name).to.have.length.greaterThan(0);
    for (const p of all) expect(p.params, `${p.code}: ${p.message}`).to.be.an('object');
  });

  it('in English, every problem of every sample reads exactly as its message', () => {
    const differ = all.map((p) => ({ code: sentenceOf(p), message: p.message, en: problemText(p, t.en) })).filter((d) => d.en !== d.message);
    expect(differ).to.deep.equal([]);
  });

  it('every sentence of locales/en/rules.json is said by some sample, and every problem has its sentence', () => {
    const said = new Set(all.map(sentenceOf));
    expect(Object.keys(english.problem).filter((k) => !said.has(k)), 'sentences no sample reaches').to.deep.equal([]);
    expect([...said].filter((k) => !Object.hasOwn(english.problem, k)), 'problems without a sentence').to.deep.equal([]);
  });

  for (const lng of ['pl', 'de'] as const) {
    it(`in ${lng}, every problem is said in other words, with the same values and no English or placeholder left`, () => {
      const wrong: string[] = [];
      for (const p of all) {
        const en = problemText(p, t.en);
        const text = problemText(p, t[lng]);
        if (text === en) wrong.push(`${sentenceOf(p)}: same as English: ${text}`);
        if (/\{\{|\$t\(|rules:|problem\.|(type|actual|limit|clock|onWeekday|field|bound|syntax)\.\w/.test(text)) wrong.push(`${sentenceOf(p)}: left a placeholder: ${text}`);
        let rest = text;
        for (const [name, value] of Object.entries(p.params ?? {})) {
          if (WORD_PARAMS.has(name)) continue;
          const shown = Array.isArray(value) ? value.join(', ') : String(value);
          if (en.includes(shown) && !text.includes(shown)) wrong.push(`${sentenceOf(p)}: lost ${name}=${shown}: ${text}`);
          rest = rest.split(shown).join(' ');
        }
        const englishWord = /\b(the|is|are|must|should|clock|number|string|list of|on Monday|at least|at most|above|below|response|resolution)\b/.exec(rest);
        if (englishWord) wrong.push(`${sentenceOf(p)}: English "${englishWord[0]}" left: ${text}`);
      }
      expect(wrong).to.deep.equal([]);
    });
  }

  it('words from a fixed set are translated in the sentence: types, clocks, weekdays, fields, bounds, and a counted number of days', () => {
    const wrongType = all.find((p) => p.code === 'WRONG_TYPE' && p.params?.actual === 'number')!;
    expect(problemText(wrongType, t.pl)).to.equal('Ta wartość powinna być tekstem, a jest liczbą 7.');
    expect(problemText(wrongType, t.de)).to.equal('Hier sollte ein Text stehen, es ist aber die Zahl 7.');

    const order = all.find((p) => p.code === 'LADDER_STEP_ORDER')!;
    expect(problemText(order, t.pl)).to.include('na zegarze odpowiedzi');
    expect(problemText(order, t.de)).to.include('auf der Uhr für die Reaktionszeit');

    const overlap = all.find((p) => p.code === 'OVERLAPPING_RANGES' && p.params?.context === 'check')!;
    expect(problemText(overlap, t.en)).to.include('"warsaw-business" on Wednesday, 11:00–17:00 overlaps 08:00–12:00 (hours.wed[0])');
    expect(problemText(overlap, t.pl)).to.include('„warsaw-business” w środę 11:00–17:00 nakłada się na 08:00–12:00 (hours.wed[0])');
    expect(problemText(overlap, t.de)).to.include('überschneidet sich am Mittwoch 11:00–17:00 mit 08:00–12:00');

    const shadowed = all.find((p) => p.code === 'SHADOWED_RULE' && p.params?.field === 'priority')!;
    expect(problemText(shadowed, t.pl)).to.match(/^Reguła „Major outage is P1” nigdy nie decyduje o priorytecie: /);
    expect(problemText(shadowed, t.de)).to.match(/^Die Regel „Major outage is P1“ entscheidet nie über die Priorität: /);

    const range = all.find((p) => p.code === 'EMPTY_VALUE_RANGE' && p.params?.lowerBound === 'atLeast')!;
    expect(problemText(range, t.pl)).to.include('time $.hour musi być co najmniej 18 i mniejsze niż 9');

    // "keep it at least 3 days": 1 dzień, 2 dni, 3 dni; 1 Tag, 3 Tage.
    const rating = all.find((p) => p.code === 'PERSONAL_DATA_BEFORE_RATING_ENDS' && p.params?.context === undefined)!;
    expect(problemText(rating, t.en)).to.include('erased 1 day after closing').and.include('at least 3 days.');
    expect(problemText(rating, t.pl)).to.include('usunięte 1 dzień po zamknięciu').and.include('co najmniej 3 dni.');
    expect(problemText(rating, t.de)).to.include('würden 1 Tag nach dem Schließen gelöscht').and.include('mindestens 3 Tage auf.');
    const category = all.find((p) => p.code === 'PERSONAL_DATA_BEFORE_RATING_ENDS' && p.params?.category === 'hardware')!;
    expect(problemText(category, t.pl)).to.include('kategorii „hardware” zostałyby usunięte 2 dni po zamknięciu');
    const longer = all.find((p) => p.code === 'PERSONAL_DATA_OUTLIVES_TICKET' && p.params?.days === 3000)!;
    expect(problemText(longer, t.pl)).to.include('przez 3000 dni od zamknięcia');
  });

  it('the params are those a page needs to say a finding itself, and req.t(\'rules:problem.X\', params) says the same', () => {
    const [finding] = checkRulesFile(defaultRules((f) => { f.slaPolicies[0]!.warnAt = [1]; }));
    expect(finding!.params).to.deep.equal({ policy: 'gold-p1', fraction: 1, percent: 100 });
    expect(t.pl(problemKey(finding!), finding!.params)).to.equal(problemText(finding!, t.pl));
    expect(problemText(finding!, t.pl)).to.equal('Polityka SLA „gold-p1” ostrzega przy 100% celu, czyli w chwili przekroczenia albo po nim: ostrzeżenie musi przyjść wcześniej, np. 0.75.');
    const result = validateRulesObject(defaultRules((f) => { f.defaults.ladder = 'slow'; }));
    const problem = !result.ok ? result.problems[0]! : undefined;
    expect(problem).to.deep.include({ code: 'UNKNOWN_LADDER', params: { context: 'default', ladder: 'slow' } });
    expect(problemText(problem!, t.de)).to.equal('Die Standard-Eskalationsleiter „slow“ ist in „ladders“ nicht definiert.');
  });

  it('a code without a sentence falls back to its English message, and any function shaped like t can be given', () => {
    const unknown = { code: 'NOT_A_CODE', params: { x: 1 }, message: 'Something new went wrong.' };
    expect(problemText(unknown, t.pl)).to.equal('Something new went wrong.');
    const calls: Array<[string, Record<string, unknown>]> = [];
    const said = problemText({ code: 'IMPOSSIBLE_VALUE', params: { context: 'negated', allowed: ['a', 'b'], strict: true }, message: 'm' }, (key: string, opts: Record<string, unknown>) => {
      calls.push([key, opts]);
      return `said ${key}`;
    });
    expect(said).to.equal('said rules:problem.IMPOSSIBLE_VALUE');
    expect(calls[0]![1]).to.include({ context: 'negated', allowed: 'a, b', strict: 'true', defaultValue: 'm' });
  });
});
