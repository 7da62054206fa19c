/**
 * What the admin form sections make of what a process owner types and presses: each page rendered
 * as its route renders it, its form posted as a browser posts it with a change or a button, and the
 * file that results — with the validator's and the checks' findings shown beside the right field.
 */
import { expect } from 'chai';
import { parseWhen } from '../admin-ui/forms/ladder.ts';
import { formSectionOf } from '../admin-ui/forms/sections.ts';
import { sectionOf } from '../admin-ui/routes/sections.ts';
import { validateRulesObject } from '../rules/validate.ts';
import { checkRulesFile } from '../rules/checks.ts';
import type { RulesFile } from '../rules/types.ts';
import { renderPage, testI18n } from './support/admin-forms.ts';
import { defaultRules } from './rules-fixtures.ts';

type Obj = Record<string, unknown>;
const file = (): Obj => defaultRules() as unknown as Obj;
const valid = (f: Obj): RulesFile => {
  const r = validateRulesObject(f);
  if (!r.ok) throw new Error(JSON.stringify(r.problems, null, 1));
  return r.file;
};

describe('admin forms: the priority matrix', () => {
  it('a cell changed to P1 is saved, the other cells stay', async () => {
    const page = await renderPage('matrix', file());
    const next = page.apply(page.post({ change: { 'cell:medium:high': 'P1' } }));
    expect(valid(next).priorityMatrix).to.deep.equal({ ...defaultRules().priorityMatrix, medium: { high: 'P1', medium: 'P3', low: 'P4' } });
  });

  it('is a table with its headers, one labelled select per cell', async () => {
    const { html } = await renderPage('matrix', file(), 'pl');
    const t = (await testI18n()).getFixedT('pl', 'admin-forms');
    expect(html).to.include(`<th scope="colgroup" colspan="3">${t('matrix.urgency')}</th>`);
    expect(html.match(/<th scope="row">/g)).to.have.length(3);
    expect(html).to.include(`<label for="matrix-medium-high" class="visually-hidden">${t('matrix.cell', { impact: t('level.medium'), urgency: t('level.high') })}</label>`);
  });
});

describe('admin forms: tiers and teams', () => {
  it('adds a team to a tier: the team names the tier and the tier lists the team', async () => {
    const page = await renderPage('tiers', file());
    const next = valid(page.apply(page.post({ button: 'add-team', change: { 'newTeam:id': 'network-ops', 'newTeam:name': 'Network operations', 'newTeam:tier': 'L2' } })));
    expect(next.teams.at(-1)).to.deep.equal({ id: 'network-ops', name: 'Network operations', tier: 'L2' });
    expect(next.tiers[1]!.teams).to.deep.equal(['infrastructure', 'applications', 'network-ops']);
  });

  it('a team moved to another tier leaves the old tier\'s list for the new one\'s; names are edited in place', async () => {
    const page = await renderPage('tiers', file());
    const next = valid(page.apply(page.post({ change: { 'team:2:tier': 'L3', 'tier:0:name': 'Service desk line' } })));
    expect(next.teams[2]).to.deep.equal({ id: 'applications', name: 'Applications', tier: 'L3' });
    expect(next.tiers.map((t) => t.teams)).to.deep.equal([['service-desk'], ['infrastructure'], ['engineering', 'applications']]);
    expect(next.tiers[0]!.name).to.equal('Service desk line');
  });

  it('adds a tier at the end and moves it up', async () => {
    const page = await renderPage('tiers', file());
    const added = page.apply(page.post({ button: 'add-tier', change: { 'newTier:id': 'L4', 'newTier:name': 'Vendors' } }));
    expect((added.tiers as Obj[]).at(-1)).to.deep.equal({ id: 'L4', name: 'Vendors', teams: [] });
    const again = await renderPage('tiers', added);
    const moved = again.apply(again.post({ button: 'up-tier:3' }));
    expect((moved.tiers as Obj[]).map((t) => t.id)).to.deep.equal(['L1', 'L2', 'L4', 'L3']);
  });

  it('warns beside a tier who names it, and removing it is left to the validator to judge', async () => {
    const page = await renderPage('tiers', file());
    const t = (await testI18n()).getFixedT('en', 'admin-forms');
    const usedBy = /<td class="used-by" id="tier-2-usedby">([^<]*)<\/td>/.exec(page.html)![1]!;
    expect(usedBy).to.include(t('ref.team', { team: 'engineering' }).replace(/"/g, '&quot;'));
    expect(usedBy).to.include(t('ref.ladderStep', { ladder: 'p1-major', step: 'to-L3' }));
    expect(page.html).to.match(/<button type="submit" name="op" value="remove-tier:2" class="remove" aria-label="[^"]+" aria-describedby="tier-2-usedby">/);
    const next = page.apply(page.post({ button: 'remove-tier:2' }));
    expect((next.tiers as Obj[]).map((x) => x.id)).to.deep.equal(['L1', 'L2']);
    const after = await renderPage('tiers', next, 'de');
    const problem = after.problems.find((p) => p.code === 'UNKNOWN_TIER');
    expect(problem?.fieldId).to.equal('team-3-tier');
    expect(after.html).to.match(/<select id="team-3-tier" name="team:3:tier" aria-invalid="true"/);
  });

  it('removing a team also takes it off its tier\'s list', async () => {
    const page = await renderPage('tiers', file());
    const next = page.apply(page.post({ button: 'remove-team:1' }));
    expect((next.teams as Obj[]).map((x) => x.id)).to.deep.equal(['service-desk', 'applications', 'engineering']);
    expect(((next.tiers as Obj[])[1]!).teams).to.deep.equal(['applications']);
  });
});

describe('admin forms: escalation ladders', () => {
  it('reads "when" as a share of the target or business time', () => {
    expect(parseWhen('75%')).to.deep.equal({ fraction: 0.75 });
    expect(parseWhen('12,5 %')).to.deep.equal({ fraction: 0.125 });
    expect(parseWhen('0.5')).to.deep.equal({ fraction: 0.5 });
    expect(parseWhen('2h')).to.deep.equal({ after: '2h' });
    expect(parseWhen(' 1h 30m ')).to.deep.equal({ after: '1h 30m' });
    expect(parseWhen('soon')).to.deep.equal({ after: 'soon' });
    expect(parseWhen('')).to.deep.equal({});
  });

  it('a step "at 50% of resolution notify duty_manager" is added in time order among its clock\'s steps', async () => {
    const page = await renderPage('ladder:standard', file());
    const next = valid(page.apply(page.post({ button: 'add-step', change: { 'newStep:clock': 'resolution', 'newStep:when': '50%', 'newStep:notify': 'duty_manager' } })));
    expect(next.ladders[1]!.steps.map((s) => s.id)).to.deep.equal(['warn-lead', 'to-L2', 'resolution-50pct', 'resolution-warning', 'resolution-breach']);
    expect(next.ladders[1]!.steps[2]).to.deep.equal({ id: 'resolution-50pct', at: { clock: 'resolution', fraction: 0.5 }, notify: ['duty_manager'] });
  });

  it('steps are edited in place, moved and removed with the buttons', async () => {
    const page = await renderPage('ladder:p1-major', file());
    const edited = valid(page.apply(page.post({ change: { 'step:1:when': '90%', 'step:1:team': 'infrastructure', 'step:0:notify': 'team_lead, service_owner' } })));
    expect(edited.ladders[0]!.steps[1]).to.deep.equal({ id: 'to-L2', at: { clock: 'response', fraction: 0.9 }, moveTo: { tier: 'L2', team: 'infrastructure' }, notify: ['team_lead', 'duty_manager'] });
    expect(edited.ladders[0]!.steps[0]!.notify).to.deep.equal(['team_lead', 'service_owner']);
    const moved = page.apply(page.post({ button: 'down-step:0' }));
    expect(((moved.ladders as Obj[])[0]!.steps as Obj[]).map((s) => s.id)).to.deep.equal(['to-L2', 'warn-lead', 'to-L3', 'resolution-breach']);
    const removed = page.apply(page.post({ button: 'remove-step:2', change: { 'step:2:tier': '' } }));
    expect(((removed.ladders as Obj[])[0]!.steps as Obj[]).map((s) => s.id)).to.deep.equal(['warn-lead', 'to-L2', 'resolution-breach']);
    const noMove = valid(page.apply(page.post({ change: { 'step:2:tier': '' } })));
    expect(noMove.ladders[0]!.steps[2]).to.not.have.property('moveTo');
  });

  it('what a ladder is chosen for: only when named, or some priorities', async () => {
    const page = await renderPage('ladder:standard', file());
    const some = valid(page.apply(page.post({ change: { applies: 'match', prioritiesMode: 'some', priorities: ['P3', 'P4'] } })));
    expect(some.ladders[1]!.appliesTo).to.deep.equal({ priorities: ['P3', 'P4'] });
    const major = await renderPage('ladder:p1-major', file());
    expect(valid(major.apply(major.post({ change: { applies: 'named' } }))).ladders[0]).to.not.have.property('appliesTo');
  });

  it('a step after 99h on a ladder for 4h targets shows the checks\' warning beside its "when", in German', async () => {
    const page = await renderPage('ladder:p1-major', file());
    const next = valid(page.apply(page.post({ button: 'add-step', change: { 'newStep:clock': 'resolution', 'newStep:when': '99h', 'newStep:notify': 'duty_manager' } })));
    expect(next.ladders[0]!.steps.at(-1)).to.deep.equal({ id: 'resolution-99h', at: { clock: 'resolution', after: '99h' }, notify: ['duty_manager'] });
    const finding = checkRulesFile(next).find((f) => f.code === 'LADDER_STEP_BEYOND_TARGET');
    expect(finding?.path).to.equal('$.ladders[0].steps[4].at.after');
    const de = await renderPage('ladder:p1-major', next as unknown as Obj, 'de');
    const shown = de.problems.find((p) => p.code === 'LADDER_STEP_BEYOND_TARGET')!;
    expect(shown.fieldId).to.equal('step-4-when');
    const rules = (await testI18n()).getFixedT('de', 'rules');
    const sentenceStart = rules('problem.LADDER_STEP_BEYOND_TARGET', { ...shown.params, targets: '' }).split('99h')[0]!;
    expect(shown.text).to.not.equal(shown.message);
    expect(shown.text.startsWith(sentenceStart), shown.text).to.equal(true);
    expect(shown.text).to.include('99h').and.include('"gold-p1" (4h)');
    expect(de.html).to.match(/<p class="field-error warning" id="step-4-when-problem-0" data-code="LADDER_STEP_BEYOND_TARGET">/);
  });

  it('the list adds, moves and renames ladders', async () => {
    const page = await renderPage('ladders', file());
    const added = page.apply(page.post({ button: 'add-ladder', change: { 'newLadder:id': 'vip', 'newLadder:name': 'VIP', 'ladder:1:name': 'Everyday' } }));
    expect(added.ladders).to.deep.include({ id: 'vip', name: 'VIP', steps: [] });
    expect((added.ladders as Obj[])[1]!.name).to.equal('Everyday');
    const again = await renderPage('ladders', added);
    expect((again.apply(again.post({ button: 'up-ladder:2' })).ladders as Obj[]).map((l) => l.id)).to.deep.equal(['p1-major', 'vip', 'standard']);
  });
});

describe('admin forms: general settings', () => {
  it('adds and removes service levels and changes the defaults', async () => {
    const page = await renderPage('general', file());
    const next = page.apply(page.post({ button: 'add-level', change: { newLevel: 'platinum', 'defaults:team': 'infrastructure', 'defaults:tier': 'L2', autoCloseAfter: '5d' } }));
    expect(next.serviceLevels).to.deep.equal(['gold', 'silver', 'standard', 'platinum']);
    expect(next.defaults).to.deep.include({ team: 'infrastructure', tier: 'L2' });
    expect(next.autoCloseAfter).to.equal('5d');
    const after = await renderPage('general', next);
    expect(after.review.items.filter((i) => i.code === 'MISSING_SLA_POLICY')).to.have.length(4);
    const removed = page.apply(page.post({ button: 'remove-level:0' }));
    expect(removed.serviceLevels).to.deep.equal(['silver', 'standard']);
    expect(/<td class="used-by" id="level-0-usedby">([^<]*)</.exec(page.html)![1]).to.include('gold-p1').and.include('VIP gold service');
  });

  it('categories one a line, the description with its line breaks, facts described and removed', async () => {
    const page = await renderPage('general', file());
    const next = page.apply(page.post({ button: 'remove-fact:5', change: { categories: 'access\r\nhardware\r\nnetwork\r\nother\r\n', description: 'Line one\r\nline two', 'newFact:name': 'extra', 'newFact:text': 'not read by anything' } }));
    expect(next.categories).to.deep.equal(['access', 'hardware', 'network', 'other']);
    expect(next.description).to.equal('Line one\nline two');
    expect(Object.keys(next.facts as Obj)).to.deep.equal(['ticket', 'requester', 'keywords', 'calendar', 'time', 'extra']);
    const cleared = page.apply(page.post({ change: { categories: '' } }));
    expect(cleared).to.not.have.property('categories');
  });
});

describe('admin forms: retention', () => {
  it('changes the periods; a category left empty uses the default', async () => {
    const page = await renderPage('retention', file());
    const next = valid(page.apply(page.post({ change: { 'defaultDays': '365', 'cat:0:days': '', 'cat:1:days': '180', closedTicketDays: '1825' } })));
    expect(next.retention).to.deep.equal({ personalData: { defaultDays: 365, byCategory: { hardware: 180 } }, closedTicketDays: 1825 });
  });

  it('says what the periods mean in the viewer\'s words', async () => {
    const page = await renderPage('retention', file(), 'pl');
    const t = (await testI18n()).getFixedT('pl', 'admin-forms');
    expect(page.html).to.include(t('retention.meansTicket', { count: 2555 }));
    expect(page.html).to.include(t('retention.meansPersonalExcept', { count: 730, categories: t('retention.categoryDays', { category: 'access', count: 365 }) }));
  });

  it('a value that is no number is kept as typed and named beside its field; switching to the defaults drops the section', async () => {
    const page = await renderPage('retention', file());
    const typo = page.apply(page.post({ change: { defaultDays: '2 years' } }));
    expect((typo.retention as { personalData: Obj }).personalData.defaultDays).to.equal('2 years');
    const again = await renderPage('retention', typo, 'de');
    expect(again.problems.find((p) => p.fieldId === 'ret-defaultDays')?.code).to.equal('WRONG_TYPE');
    expect(again.html).to.match(/id="ret-defaultDays" name="defaultDays" value="2 years"[^>]*aria-invalid="true"/);
    expect(page.apply(page.post({ change: { mode: 'defaults' } }))).to.not.have.property('retention');
  });

  it('a file without the section gets one when a period is typed or "the periods below" is chosen', async () => {
    const bare = file();
    delete bare.retention;
    const page = await renderPage('retention', bare);
    expect(valid(page.apply(page.post({ change: { mode: 'own' } }))).retention).to.deep.equal({ personalData: { defaultDays: 730 }, closedTicketDays: 2555 });
    expect(valid(page.apply(page.post({ change: { 'cat:0:days': '90' } }))).retention).to.deep.equal({ personalData: { defaultDays: 730, byCategory: { access: 90 } }, closedTicketDays: 2555 });
  });
});

describe('admin forms: the draft overview links each problem to its page', () => {
  it('by the problem\'s path', () => {
    expect(formSectionOf(3, ['priorityMatrix', 'medium', 'high'])).to.deep.equal({ key: 'matrix', href: '/admin/drafts/3/matrix' });
    expect(sectionOf(3, '$.teams[2].tier').href).to.equal('/admin/drafts/3/tiers');
    expect(sectionOf(3, '$.ladders[1].steps[0].at.after').href).to.equal('/admin/drafts/3/ladders?ladder=1');
    expect(sectionOf(3, '$.ladders[1].id').href).to.equal('/admin/drafts/3/ladders');
    expect(sectionOf(3, '$.serviceLevels[0]').key).to.equal('general');
    expect(sectionOf(3, '$.defaults.team').key).to.equal('general');
    expect(sectionOf(3, "$.retention.personalData.byCategory['x y']").key).to.equal('retention');
    expect(sectionOf(3, '$.slaPolicies[0].response').key).to.equal('sla');
  });
});
