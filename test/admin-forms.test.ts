/**
 * The admin form sections (matrix, tiers and teams, ladders, general settings, retention) keep
 * what they do not show: each page rendered as its route renders it and posted back unchanged, the
 * way a browser posts it, leaves the rules file canonical-identical — for the shipped default, the
 * test fixture and files with every optional part left out, odd values and outright mistakes.
 */
import { expect } from 'chai';
import { canonicalJson } from '../rules/hash.ts';
import { validateRulesObject } from '../rules/validate.ts';
import { fastRulesText } from './fixtures/fast-rules.ts';
import { renderPage, type FormPage } from './support/admin-forms.ts';
import { defaultRules } from './rules-fixtures.ts';

type Obj = Record<string, unknown>;
const FIXED_PAGES: FormPage[] = ['matrix', 'tiers', 'ladders', 'general', 'retention'];

function pagesOf(file: Obj): FormPage[] {
  const ladders = (Array.isArray(file.ladders) ? file.ladders : []) as Obj[];
  return [...FIXED_PAGES, ...ladders.filter((l) => typeof l?.id === 'string').map((l) => `ladder:${String(l.id)}` as FormPage)];
}

const variants: Array<[string, () => Obj, boolean]> = [
  ['the shipped default rules', () => defaultRules() as unknown as Obj, true],
  ['the second-scale test rules (test/fixtures/fast-rules.ts)', () => JSON.parse(fastRulesText()) as Obj, true],
  ['a file with every optional part left out', () => {
    const f = defaultRules() as unknown as Obj;
    for (const k of ['$schema', 'description', 'facts', 'categories', 'retention', 'conditions']) delete f[k];
    for (const t of f.tiers as Obj[]) delete t.name;
    for (const l of f.ladders as Obj[]) {
      delete l.name;
      delete l.appliesTo;
      for (const s of l.steps as Obj[]) delete s.notify;
    }
    f.rules = (f.rules as Obj[]).filter((r) => !JSON.stringify(r).includes('"condition"'));
    return f;
  }, true],
  ['a file with empty lists and odd but valid values', () => {
    const f = defaultRules() as unknown as Obj;
    f.facts = {};
    f.description = '\nTwo lines,\r\nand a leading line break ';
    const [major, standard] = f.ladders as Obj[];
    major!.appliesTo = {};
    standard!.appliesTo = { serviceLevels: ['silver', 'gold'], priorities: ['P4', 'P3'] };
    (standard!.steps as Obj[]).push({ id: 'after-hours', at: { clock: 'resolution', after: '1h 30m' }, moveTo: { tier: 'L3', team: 'engineering' } });
    ((major!.steps as Obj[])[0]!.at as Obj).fraction = 1 / 3;
    (f.retention as Obj).personalData = { defaultDays: 400, byCategory: {} };
    return f;
  }, true],
  ['a file with mistakes the validator names', () => {
    const f = defaultRules() as unknown as Obj;
    f.name = 5;
    ((f.priorityMatrix as Obj).medium as Obj).high = 'P5';
    delete ((f.priorityMatrix as Obj).low as Obj).low;
    (f.teams as Obj[])[0]!.tier = 'L9';
    (f.tiers as Obj[])[1]!.teams = 'infrastructure';
    const step = ((f.ladders as Obj[])[0]!.steps as Obj[])[1]!;
    step.at = { clock: 'reaction', fraction: 0.5, after: '2h' };
    step.moveTo = { team: 'nobody' };
    step.notify = 'duty_manager';
    (f.ladders as Obj[])[1]!.appliesTo = { priorities: ['P7', 'P1', 'P1'] };
    (f.defaults as Obj).team = 'ghosts';
    f.categories = ['access', 'other'];
    f.serviceLevels = ['gold', 'silver', 'standard', 7];
    f.retention = { personalData: { defaultDays: 'two years', byCategory: { hardware: 0, other: 10 } }, closedTicketDays: 2555.5 };
    f.autoCloseAfter = 'soon';
    return f;
  }, false],
];

describe('admin form sections: a form posted back unchanged leaves the file canonical-identical', () => {
  for (const [name, make, valid] of variants) {
    describe(name, () => {
      it(valid ? 'is valid to begin with' : 'is invalid to begin with', () => {
        expect(validateRulesObject(make()).ok).to.equal(valid);
      });
      for (const page of pagesOf(make())) {
        it(`the ${page} page`, async () => {
          const file = make();
          const before = canonicalJson(file);
          const rendered = await renderPage(page, file);
          const after = rendered.apply(rendered.post());
          expect(canonicalJson(after)).to.equal(before);
          expect(canonicalJson(file), 'the form does not change the file it was given').to.equal(before);
        });
      }
    });
  }

  it('a file with no retention section stays without one (the defaults are shown, not written)', async () => {
    const file = defaultRules() as unknown as Obj;
    delete file.retention;
    const page = await renderPage('retention', file);
    expect(page.html).to.match(/id="ret-mode-defaults"[^>]*checked/);
    expect(page.html).to.match(/name="defaultDays" value="730"/);
    expect(page.apply(page.post())).to.not.have.property('retention');
  });

  it('the mistakes are shown beside the fields that hold them, in the viewer\'s language', async () => {
    const file = variants[4]![1]();
    const matrix = await renderPage('matrix', file, 'de');
    expect(matrix.html).to.match(/<select id="matrix-medium-high"[^>]*aria-invalid="true"/);
    expect(matrix.html).to.include('id="matrix-medium-high-problem-0"');
    expect(matrix.html, 'the wrong value is kept as an option of its own').to.match(/<option value="P5" selected>/);
    const tiers = await renderPage('tiers', file, 'de');
    const unknownTier = tiers.problems.find((p) => p.code === 'UNKNOWN_TIER');
    expect(unknownTier?.fieldId).to.equal('team-0-tier');
    expect(unknownTier?.text).to.include('L9').and.include('Stufe');
    const retention = await renderPage('retention', file, 'pl');
    expect(retention.problems.map((p) => p.fieldId)).to.include.members(['ret-defaultDays', 'ret-closedTicketDays']);
  });
});
