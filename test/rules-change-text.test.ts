/**
 * The changes between two rules versions in the reader's language (rules/change-text.ts,
 * locales/{lng}/rules.json `change.*`): over many pairs of files (the shipped rules, the test
 * fixtures, and copies changed in every part of the file, compared both ways) the English
 * sentence of every change is its own `text`, every sentence is reached, and Polish and German say
 * the same with the same values and no English or placeholder left.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import express from 'express';
import type { TFunction } from 'i18next';
import * as i18nMiddleware from 'i18next-http-middleware';
import { createI18n } from '../api/i18n.ts';
import { rulesAdminRoutes } from '../api/routes/rules-admin.ts';
import type { RulesAdmin } from '../services/rules-admin/index.ts';
import { describeChanges, type Change } from '../rules/diff.ts';
import { changeKey, changeText, withChangeText } from '../rules/change-text.ts';
import type { RulesFile, SlaPolicy } from '../rules/types.ts';
import { fastRulesText } from './fixtures/fast-rules.ts';
import { defaultRules } from './rules-fixtures.ts';

type Edit = (f: RulesFile) => void;
type Loose = Record<string, unknown>;

/** Params that are codes of a fixed set of words, said in each language by the sentence (not shown as they are). */
const WORD_PARAMS = new Set(['context', 'impact', 'urgency', 'weekday', 'field', 'clock', 'fromClock', 'fromKind', 'toKind', 'atKind']);
/** Groups of words the sentences use, not sentences themselves. */
const WORD_GROUPS = new Set(['none', 'none_hours', 'bool', 'impact', 'urgency', 'weekday', 'policyFieldName', 'defaultOf', 'cli']);

const english = JSON.parse(fs.readFileSync(new URL('../locales/en/rules.json', import.meta.url), 'utf8')) as { change: Record<string, unknown> };
const builderShapes = new URL('./fixtures/rules-builder-shapes.rules.json', import.meta.url);

const policy = (f: RulesFile, id: string) => f.slaPolicies.find((p) => p.id === id)!;
const ladder = (f: RulesFile, id: string) => f.ladders.find((l) => l.id === id)!;
const step = (f: RulesFile, l: string, s: string) => ladder(f, l).steps.find((x) => x.id === s)!;
const ruleNamed = (f: RulesFile, name: string) => f.rules.find((r) => r.name === name)!;

/** Copies of the shipped rules changed in one part each; compared with the shipped rules both ways. */
const EDITS: Record<string, Edit> = {
  'name and description': (f) => { f.name = 'Warsaw process 2027'; f.description = 'Shorter silver targets.'; },
  'no description': (f) => { delete (f as Partial<RulesFile>).description; },
  categories: (f) => { f.categories = [...(f.categories ?? []), 'printers']; },
  matrix: (f) => { f.priorityMatrix.high.medium = 'P1'; f.priorityMatrix.low.low = 'P3'; },
  'service levels': (f) => { f.serviceLevels.push('bronze'); f.defaultServiceLevel = 'silver'; },
  'calendar settings': (f) => {
    const c = f.calendars['warsaw-business']!;
    c.timeZone = 'Europe/Berlin';
    c.hours!.fri = [{ from: '08:00', to: '12:00' }, { from: '13:00', to: '15:00' }];
    c.hours!.sat = [{ from: '09:00', to: '13:00' }];
    delete c.hours!.mon;
    c.holidays!.push('2027-06-15');
    c.holidays = c.holidays!.filter((d) => d !== '2026-12-24');
    f.calendars['24x7']!.alwaysOpen = false;
    f.calendars['24x7']!.hours = { mon: [{ from: '00:00', to: '24:00' }] };
  },
  calendars: (f) => {
    f.calendars.berlin = { timeZone: 'Europe/Berlin', hours: { mon: [{ from: '09:00', to: '17:00' }] } };
    delete f.calendars['24x7'];
  },
  'SLA targets': (f) => {
    policy(f, 'silver-p2').resolution = '4h';
    policy(f, 'silver-p2').response = '45m';
    policy(f, 'gold-p3').calendar = '24x7';
    policy(f, 'gold-p4').warnAt = [0.5, 0.9];
    delete policy(f, 'silver-p1').warnAt;
    delete (policy(f, 'silver-p3') as Partial<SlaPolicy>).calendar;
    policy(f, 'standard-p3').priority = 'P4';
    policy(f, 'standard-p4').serviceLevel = 'silver';
  },
  'SLA policies': (f) => {
    f.slaPolicies.push({ id: 'bronze-p1', serviceLevel: 'bronze', priority: 'P1', response: '1h', resolution: '1d' } as SlaPolicy);
    f.slaPolicies = f.slaPolicies.filter((p) => p.id !== 'standard-p4');
  },
  tiers: (f) => {
    f.tiers.push({ id: 'L4', name: 'Vendors', teams: ['vendor-desk'] });
    f.tiers = f.tiers.filter((t) => t.id !== 'L3');
    f.tiers[0]!.name = 'Service desk line';
    f.tiers[1]!.teams = ['infrastructure', 'databases'];
  },
  teams: (f) => {
    f.teams.push({ id: 'databases', name: 'Databases', tier: 'L2' });
    f.teams = f.teams.filter((t) => t.id !== 'engineering');
    f.teams[0]!.name = 'Helpdesk';
    f.teams[1]!.tier = 'L3';
  },
  ladders: (f) => {
    f.ladders.push({ id: 'vip', name: 'VIP', steps: [{ id: 'call', at: { clock: 'response', after: '10m' }, notify: ['duty_manager'] }] });
    f.ladders = f.ladders.filter((l) => l.id !== 'p1-major');
    ladder(f, 'standard').name = 'Standard ladder';
    ladder(f, 'standard').appliesTo = { priorities: ['P3', 'P4'] };
  },
  'ladder steps': (f) => {
    const l = ladder(f, 'standard');
    l.steps.push({ id: 'to-L3', at: { clock: 'resolution', fraction: 0.9 }, moveTo: { tier: 'L3', team: 'engineering' } });
    l.steps.push({ id: 'late-call', at: { clock: 'resolution', after: '2d' }, notify: ['duty_manager'] });
    l.steps = l.steps.filter((s) => s.id !== 'resolution-warning');
    (step(f, 'standard', 'to-L2').at as { fraction: number }).fraction = 0.5;
    step(f, 'standard', 'warn-lead').at = { clock: 'resolution', after: '4h' };
    step(f, 'standard', 'to-L2').moveTo = { tier: 'L2', team: 'applications' };
    step(f, 'standard', 'resolution-breach').notify = ['duty_manager', 'team_lead'];
    delete step(f, 'standard', 'warn-lead').notify;
    step(f, 'standard', 'resolution-breach').moveTo = { tier: 'L3' };
  },
  defaults: (f) => { f.defaults = { team: 'applications', tier: 'L2', category: 'software', ladder: 'p1-major', calendar: '24x7' }; },
  'auto-close': (f) => { f.autoCloseAfter = '48h'; },
  retention: (f) => { f.retention = { personalData: { defaultDays: 1, byCategory: { hardware: 2, access: 5 } }, closedTicketDays: 3650 }; },
  'retention override dropped': (f) => { f.retention = { personalData: { defaultDays: 22 }, closedTicketDays: 2555 }; },
  rules: (f) => {
    f.rules.unshift({ name: 'CEO first', priority: 30, conditions: { all: [{ fact: 'requester', path: '$.email', operator: 'equal', value: 'ceo@example.com' }] }, event: { type: 'set-priority', params: { priority: 'P1' } } });
    f.rules = f.rules.filter((r) => r.name !== 'Tag out-of-hours tickets');
    ruleNamed(f, 'VIP first').priority = 15;
    ruleNamed(f, 'VIP gold service').conditions = { all: [{ fact: 'requester', path: '$.vip', operator: 'equal', value: false }] };
    ruleNamed(f, 'Network problems to Infrastructure').event = { type: 'route', params: { team: 'applications', tier: 'L2' } };
    ruleNamed(f, 'Network keywords set the category').description = 'Network words mean a network ticket.';
    f.rules = [f.rules[0]!, f.rules[2]!, f.rules[1]!, ...f.rules.slice(3)];
  },
  'shared conditions': (f) => {
    const conditions = f.conditions as Record<string, Loose>;
    conditions['after-hours'] = { any: [{ fact: 'calendar', path: '$.open', operator: 'equal', value: false }] };
    conditions['major-outage'] = { all: [{ fact: 'keywords', operator: 'containsAny', value: ['outage'] }] };
  },
  'shared condition removed': (f) => { delete (f.conditions as Record<string, unknown>)['major-outage']; },
};

/** Pairs of files: the shipped rules with each edited copy both ways, and with the fixtures. */
function pairs(): Array<{ name: string; a: RulesFile; b: RulesFile }> {
  const out: Array<{ name: string; a: RulesFile; b: RulesFile }> = [];
  const both = (name: string, a: RulesFile, b: RulesFile) => { out.push({ name, a, b }, { name: `${name} (reversed)`, a: b, b: a }); };
  for (const [name, edit] of Object.entries(EDITS)) both(name, defaultRules(), defaultRules(edit));
  both('everything at once', defaultRules(), defaultRules((f) => { for (const edit of Object.values(EDITS)) edit(f); }));
  const fast = JSON.parse(fastRulesText()) as RulesFile;
  both('second-scale fixture', defaultRules(), fast);
  const shapes = JSON.parse(fs.readFileSync(builderShapes, 'utf8')) as RulesFile;
  both('condition builder shapes', defaultRules(), shapes);
  both('condition builder shapes and second-scale', fast, shapes);
  return out;
}

const sentenceOf = (c: Change): string => `${c.key}${typeof c.params.context === 'string' ? `_${c.params.context}` : ''}`;
const valueOf = (v: unknown): string => (Array.isArray(v) ? v.join(', ') : String(v));

describe('rules changes in the reader\'s language', () => {
  let all: Change[];
  const t: Record<'en' | 'pl' | 'de', TFunction> = {} as never;
  before(async () => {
    all = pairs().flatMap((p) => describeChanges(p.a, p.b));
    const i18n = await createI18n();
    for (const lng of ['en', 'pl', 'de'] as const) t[lng] = i18n.getFixedT(lng, 'rules');
  });

  it('many pairs of files give many changes, each with its key and params', () => {
    expect(all.length).to.be.greaterThan(150);
    for (const c of all) {
      expect(c.key, c.text).to.be.a('string').and.not.equal('');
      expect(c.params, c.text).to.be.an('object');
    }
  });

  it('in English, every change reads exactly as its text', () => {
    const differ = all.map((c) => ({ sentence: sentenceOf(c), text: c.text, en: changeText(c, t.en) })).filter((d) => d.en !== d.text);
    expect(differ).to.deep.equal([]);
  });

  it('every sentence of locales/en/rules.json change.* is said by some change, and every change has its sentence', () => {
    const said = new Set(all.map(sentenceOf));
    const sentences = Object.keys(english.change).filter((k) => !WORD_GROUPS.has(k));
    expect(sentences.filter((k) => !said.has(k)), 'sentences no change reaches').to.deep.equal([]);
    expect([...said].filter((k) => !Object.hasOwn(english.change, k)), 'changes without a sentence').to.deep.equal([]);
  });

  for (const lng of ['pl', 'de'] as const) {
    it(`in ${lng}, every change is said in other words, with the same values and no English or placeholder left`, () => {
      const wrong: string[] = [];
      for (const c of all) {
        const en = changeText(c, t.en);
        const text = changeText(c, t[lng]);
        if (text === en) wrong.push(`${sentenceOf(c)}: same as English: ${text}`);
        if (/\{\{|\$t\(|rules:|change\.|(clock|onWeekday|bool|impact|urgency|weekday|policyFieldName|defaultOf)\.\w/.test(text)) wrong.push(`${sentenceOf(c)}: left a placeholder: ${text}`);
        let rest = text;
        const shownValues = Object.entries(c.params)
          .filter(([name, v]) => !WORD_PARAMS.has(name) && v !== null && typeof v !== 'boolean')
          .map(([name, v]) => [name, valueOf(v)] as const)
          .sort((x, y) => y[1].length - x[1].length);
        for (const [name, shown] of shownValues) {
          if (en.includes(shown) && !text.includes(shown)) wrong.push(`${sentenceOf(c)}: lost ${name}=${shown}: ${text}`);
          rest = rest.split(shown).join(' ');
        }
        const englishWord = /\b(added|removed|changed|moved|calendar|holiday|policy|rule|step|ladder|team|tier|default|name|description|categories|priority|service level|hours|closed|days?|kept|personal data|response|resolution|warnings|position|event|conditions|applies|notifies|moves|time zone|always open|none|true|false|high|medium|low|impact|urgency|of|at|from|respond|resolve|shared|tickets|after|closing|mon|tue|wed|thu|fri|sat|sun)\b/.exec(rest);
        if (englishWord) wrong.push(`${sentenceOf(c)}: English "${englishWord[0]}" left: ${text}`);
      }
      expect(wrong).to.deep.equal([]);
    });
  }

  it('the silver P2 resolution target reads naturally in each language', () => {
    const [change] = describeChanges(defaultRules(), defaultRules((f) => { policy(f, 'silver-p2').resolution = '4h'; }));
    expect(change).to.deep.include({ key: 'policyField', params: { policy: 'silver-p2', priority: 'P2', serviceLevel: 'silver', field: 'resolution', from: '9h', to: '4h' } });
    expect(changeText(change!, t.en)).to.equal('P2 resolution (silver) 9h → 4h');
    expect(changeText(change!, t.pl)).to.equal('Rozwiązanie P2 (silver): 9h → 4h');
    expect(changeText(change!, t.de)).to.equal('P2-Lösung (silver): 9h → 4h');
    // A client can say it with the key and params alone when they hold only text and numbers.
    expect(t.pl(changeKey(change!), change!.params)).to.equal('Rozwiązanie P2 (silver): 9h → 4h');
  });

  it('words from a fixed set are translated in the sentence: weekdays, closed hours, yes/no, levels, clocks, none, and counted days', () => {
    const said = (lng: 'pl' | 'de', key: string, has: (c: Change) => boolean): string => changeText(all.find((c) => c.key === key && has(c))!, t[lng]);
    const closed = (c: Change) => c.params.weekday === 'mon' && c.params.to === null;
    expect(said('pl', 'hours', closed)).to.equal('Godziny pracy kalendarza „warsaw-business” w poniedziałek: 08:00–17:00 → nieczynne');
    expect(said('de', 'hours', closed)).to.equal('Arbeitszeiten des Kalenders „warsaw-business“ am Montag: 08:00–17:00 → geschlossen');
    const split = (c: Change) => c.params.weekday === 'fri' && Array.isArray(c.params.to) && c.params.to.length === 2;
    expect(said('pl', 'hours', split)).to.equal('Godziny pracy kalendarza „warsaw-business” w piątek: 08:00–17:00 → 08:00–12:00, 13:00–15:00');
    expect(said('pl', 'calendarAlwaysOpen', (c) => c.params.from === true)).to.equal('Kalendarz „24x7” czynny całą dobę (24×7): tak → nie');
    expect(said('de', 'calendarAlwaysOpen', (c) => c.params.from === true)).to.equal('Kalender „24x7“ rund um die Uhr (24×7): ja → nein');
    expect(said('pl', 'matrix', (c) => c.params.impact === 'high' && c.params.urgency === 'medium')).to.equal('Priorytet przy wpływie wysokim i pilności średniej: P2 → P1');
    expect(said('de', 'matrix', (c) => c.params.impact === 'high' && c.params.urgency === 'medium')).to.equal('Priorität bei hoher Auswirkung und mittlerer Dringlichkeit: P2 → P1');
    const otherClock = (c: Change) => c.key === 'stepAt' && c.params.context === undefined && c.params.step === 'warn-lead' && c.params.fromKind === 'fraction';
    expect(said('pl', 'stepAt', otherClock)).to.equal('Drabina eskalacji „standard”, krok „warn-lead”: przy 75% czasu odpowiedzi → przy 4h czasu rozwiązania');
    expect(said('de', 'stepAt', otherClock)).to.equal('Eskalationsleiter „standard“, Schritt „warn-lead“: bei 75% der Reaktionszeit → bei 4h der Lösungszeit');
    expect(said('pl', 'policyField', (c) => c.params.field === 'warnings' && c.params.to === null)).to.equal('Progi ostrzeżeń P1 (silver): 75% → (brak)');
    expect(said('de', 'default', (c) => c.params.field === 'calendar' && c.params.to === '24x7')).to.equal('Standardkalender: warsaw-business → 24x7');
    // 1 dzień, 2 dni, 5 dni, 22 dni; 1 Tag, 2 Tage.
    expect(said('pl', 'retentionDefault', (c) => c.params.to === 1)).to.equal('Dane osobowe przechowywane po zamknięciu: 730 dni → 1 dzień');
    expect(said('de', 'retentionDefault', (c) => c.params.to === 1)).to.equal('Personenbezogene Daten nach dem Schließen aufbewahrt: 730 Tage → 1 Tag');
    expect(said('pl', 'retentionCategory', (c) => c.params.context === 'added' && c.params.to === 2)).to.equal('Dane osobowe kategorii „hardware” przechowywane po zamknięciu: 2 dni (dotąd domyślny okres, 730 dni)');
    expect(said('de', 'retentionCategory', (c) => c.params.context === 'removed' && c.params.defaultDays === 22)).to.equal('Personenbezogene Daten der Kategorie „access“: eigene Frist (365 Tage) entfernt (jetzt die Standardfrist, 22 Tage)');
    expect(said('pl', 'ruleMoved', () => true)).to.match(/^Reguła „.+” przeniesiona z pozycji \d+ na \d+$/);
  });

  it('a change without a key, or with a key no language has, is said by its English text; a page gets each change with its text', () => {
    expect(changeText({ text: 'something new changed' }, t.pl)).to.equal('something new changed');
    expect(changeText({ key: 'notAKey', params: { x: 1 }, text: 'something else changed' }, t.de)).to.equal('something else changed');
    const changes = describeChanges(defaultRules(), defaultRules((f) => { f.autoCloseAfter = '48h'; }));
    expect(withChangeText(changes, t.de)).to.deep.equal([{ ...changes[0], text: 'Automatisches Schließen nach: 72h → 48h' }]);
    expect(changes[0]!.text, 'the change itself keeps its English text').to.equal('auto-close after 72h → 48h');
  });
});

describe('rules changes through the REST API, in the request language', () => {
  const silver = describeChanges(defaultRules(), defaultRules((f) => { policy(f, 'silver-p2').resolution = '4h'; }));
  const holiday = describeChanges(defaultRules(), defaultRules((f) => { f.calendars['warsaw-business']!.holidays!.push('2027-06-15'); }));
  let server: ReturnType<express.Express['listen']>;
  let base: string;
  before(async () => {
    const admin = {
      versions: { diff: async () => silver, list: async () => [] },
      drafts: { publish: async () => ({ ok: false, status: 409, diff: { base: 1, active: 2, theirs: holiday, ours: silver, conflicts: [] } }) },
    } as unknown as RulesAdmin;
    const app = express();
    app.use(i18nMiddleware.handle(await createI18n()));
    app.use(express.json());
    app.use((_req, res, next) => { res.locals.apiUser = { id: 1, role: 'process_owner' }; next(); });
    app.use('/api/v1', rulesAdminRoutes({ apiTokens: {} as never, rulesAdmin: admin }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  });
  after(() => { server?.close(); });

  it('the diff gives each change its message in the request language, its text in English, and its key and params', async () => {
    const pl = await (await fetch(`${base}/rules/versions/1/diff/2?lng=pl`)).json() as { changes: Array<Change & { message: string }> };
    expect(pl.changes).to.deep.equal([{ ...silver[0], message: 'Rozwiązanie P2 (silver): 9h → 4h' }]);
    expect(pl.changes[0]!.text).to.equal('P2 resolution (silver) 9h → 4h');
    const de = await (await fetch(`${base}/rules/versions/1/diff/2`, { headers: { 'accept-language': 'de-DE' } })).json() as { changes: Array<{ message: string }> };
    expect(de.changes.map((c) => c.message)).to.deep.equal(['P2-Lösung (silver): 9h → 4h']);
  });

  it('a publish refused with 409 says both sides of the three-way diff in the request language', async () => {
    const res = await fetch(`${base}/rules/drafts/7/publish?lng=de`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ revision: 3, comment: 'Shorter P2' }) });
    expect(res.status).to.equal(409);
    const body = await res.json() as { error: { diff: { theirs: Array<{ message: string; text: string }>; ours: Array<{ message: string }> } } };
    expect(body.error.diff.theirs.map((c) => [c.message, c.text])).to.deep.equal([['Kalender „warsaw-business“: Feiertag 2027-06-15 hinzugefügt', "calendar 'warsaw-business' holiday 2027-06-15 added"]]);
    expect(body.error.diff.ours.map((c) => c.message)).to.deep.equal(['P2-Lösung (silver): 9h → 4h']);
  });
});

describe('helpdesk rules diff --lang', function () {
  this.timeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-rules-diff-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, file: RulesFile): string => {
    const where = path.join(dir, name);
    fs.writeFileSync(where, JSON.stringify(file, null, 2));
    return where;
  };
  /** Runs `helpdesk rules diff …` in its own process, with a database that does not exist (two files need none). */
  const diff = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/helpdesk.ts', 'rules', 'diff', ...args], {
      cwd: new URL('..', import.meta.url).pathname,
      env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

  it('says the changes in English, or in the language of --lang (with --json, each change gets its message); --lang xx exits 2', async () => {
    const a = write('a.rules.json', defaultRules());
    const b = write('b.rules.json', defaultRules((f) => { policy(f, 'silver-p2').resolution = '4h'; f.retention!.closedTicketDays = 3650; }));
    // Each run starts its own process: run them side by side.
    const [en, pl, de, jsonRun, bad] = await Promise.all([[a, b], [a, b, '--lang', 'pl'], [b, b, '--lang', 'de'], [a, b, '--json', '--lang', 'de'], [a, b, '--lang', 'xx']].map(diff));
    expect(en!.code, en!.stderr).to.equal(0);
    expect(en!.stdout).to.equal(`2 changes from ${a} to ${b}:\n  P2 resolution (silver) 9h → 4h\n  closed tickets kept 2555 days → 3650 days\n`);
    expect(pl!.stdout).to.equal(`2 zmiany: ${a} → ${b}\n  Rozwiązanie P2 (silver): 9h → 4h\n  Zamknięte zgłoszenia przechowywane: 2555 dni → 3650 dni\n`);
    expect(de!.stdout).to.equal(`Keine Änderungen: ${b} → ${b}.\n`);
    const json = JSON.parse(jsonRun!.stdout) as Array<{ key: string; text: string; message: string }>;
    expect(json.map((c) => [c.key, c.text, c.message])[0]).to.deep.equal(['policyField', 'P2 resolution (silver) 9h → 4h', 'P2-Lösung (silver): 9h → 4h']);
    expect(bad!.code).to.equal(2);
    expect(bad!.stderr.trim()).to.equal('--lang must be one of en, pl, de; "xx" is not a language the helpdesk speaks.');
  });
});
