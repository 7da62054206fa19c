/**
 * Every shipped language has every key (with the plural forms its grammar needs),
 * and every key the templates and code use exists.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createI18n, LANGUAGES, NAMESPACES } from '../api/i18n.ts';
import { CATEGORIES, IMPACTS, URGENCIES } from '../api/portal/use-cases/report.ts';
import { PUBLIC_EVENTS } from '../api/portal/use-cases/follow.ts';
import { TicketStatus } from '../workflows/types.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const PLURAL = /_(zero|one|two|few|many|other)$/;
type Tree = { [k: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : flatten(v, `${prefix}${k}.`)));
}

function load(lng: string, ns: string): string[] {
  return flatten(JSON.parse(fs.readFileSync(path.join(root, 'locales', lng, `${ns}.json`), 'utf8')) as Tree);
}

function files(dir: string, ext: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith(ext))
    .map((d) => path.join(d.parentPath, d.name));
}

/** Keys with their plural suffix removed. */
const bases = (keys: string[]) => new Set(keys.map((k) => k.replace(PLURAL, '')));

function has(lng: string, ns: string, key: string): boolean {
  const keys = new Set(load(lng, ns));
  return keys.has(key) || [...keys].some((k) => k.replace(PLURAL, '') === key && PLURAL.test(k));
}

describe('i18n: every language has every key, and every used key exists', () => {
  for (const ns of NAMESPACES) {
    it(`locales/*/${ns}.json have the same keys in ${LANGUAGES.join(', ')}`, () => {
      const [first, ...rest] = LANGUAGES;
      const reference = bases(load(first, ns));
      for (const lng of rest) {
        const other = bases(load(lng, ns));
        expect([...reference].filter((k) => !other.has(k)), `in ${first}/${ns} but not in ${lng}/${ns}`).to.deep.equal([]);
        expect([...other].filter((k) => !reference.has(k)), `in ${lng}/${ns} but not in ${first}/${ns}`).to.deep.equal([]);
      }
    });

    it(`plural keys in ${ns} carry every form each language needs (Polish: one, few, many, other)`, () => {
      for (const lng of LANGUAGES) {
        const keys = load(lng, ns);
        const needed = new Intl.PluralRules(lng).resolvedOptions().pluralCategories;
        const groups = new Set(keys.filter((k) => PLURAL.test(k)).map((k) => k.replace(PLURAL, '')));
        for (const g of groups) {
          const missing = needed.filter((c) => !keys.includes(`${g}_${c}`));
          expect(missing, `${lng}/${ns}: ${g}`).to.deep.equal([]);
        }
      }
    });
  }

  it('every key a template uses exists in every language', () => {
    const used = new Set<string>();
    for (const file of files('api/views', '.hbs')) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/[{(]t "([^"]+)"/g)) used.add(m[1]!);
    }
    expect(used.size).to.be.greaterThan(50);
    for (const lng of LANGUAGES) {
      expect([...used].filter((k) => !has(lng, 'portal', k)), `missing in ${lng}/portal.json`).to.deep.equal([]);
    }
  });

  it('every key the code uses exists in every language', () => {
    const used: Array<{ ns: string; key: string; file: string }> = [];
    const NOT_KEYS = new Set(['hd.sid']);
    for (const file of files('api', '.ts')) {
      const text = fs.readFileSync(file, 'utf8');
      const portal = file.includes(`${path.sep}portal${path.sep}`);
      for (const m of text.matchAll(/'(portal|api):([\w.]+)'/g)) used.push({ ns: m[1]!, key: m[2]!, file });
      if (portal) {
        for (const m of text.matchAll(/'([a-z][A-Za-z]*\.[A-Za-z_.]+)'/g)) if (!NOT_KEYS.has(m[1]!)) used.push({ ns: 'portal', key: m[1]!, file });
        // Field problems: FormChecks.add(field, key) and { field, key } objects → field.<key>.
        for (const m of text.matchAll(/\.add\(\s*'[\w]+',\s*'(\w+)'|key: '(\w+)'/g)) used.push({ ns: 'portal', key: `field.${m[1] ?? m[2]}`, file });
      } else {
        for (const m of text.matchAll(/'((?:errors|field)\.[\w.]+)'/g)) used.push({ ns: 'api', key: m[1]!, file });
      }
    }
    // Keys built at run time, enumerated from the values they are built from.
    const dynamic = [
      ...Object.values(TicketStatus).map((s) => `status.${s}`),
      ...CATEGORIES.map((c) => `category.${c}`),
      ...IMPACTS.map((c) => `impact.${c}`),
      ...URGENCIES.map((c) => `urgency.${c}`),
      ...PUBLIC_EVENTS.map((e) => `timeline.${e}`),
      ...LANGUAGES.map((l) => `language.in.${l}`),
      ...['reply', 'confirm', 'reopen', 'rate'].map((k) => `notice.${k}`),
      ...['answer', 'resolve'].flatMap((k) => ['working', 'anytime'].flatMap((c) => ['hours', 'minutes'].map((u) => `sla.${k}.${c}.${u}`))),
      // Problems intake's own validation can report, shown on the portal's form.
      ...['required', 'tooLong', 'tooShort', 'email', 'oneOf', 'type', 'unknownField', 'invalid', 'choose'].map((k) => `field.${k}`),
    ].map((key) => ({ ns: 'portal', key, file: '(dynamic)' }));
    for (const lng of LANGUAGES) {
      const missing = [...used, ...dynamic].filter((u) => !has(lng, u.ns, u.key)).map((u) => `${u.ns}:${u.key} (${path.relative(root, u.file)})`);
      expect(missing, `missing in ${lng}`).to.deep.equal([]);
    }
  });

  it('Polish plural forms come out right: 1 zgłoszenie, 2 zgłoszenia, 5 zgłoszeń, 22 zgłoszenia', async () => {
    const i18n = await createI18n();
    const pl = i18n.getFixedT('pl', 'portal');
    expect([1, 2, 5, 12, 22, 25].map((count) => pl('myTickets.count', { count }))).to.deep.equal([
      'Masz 1 zgłoszenie.', 'Masz 2 zgłoszenia.', 'Masz 5 zgłoszeń.', 'Masz 12 zgłoszeń.', 'Masz 22 zgłoszenia.', 'Masz 25 zgłoszeń.',
    ]);
    expect(pl('sla.answer.working.hours', { count: 1 })).to.equal('Odpowiemy w ciągu 1 godziny roboczej.');
    expect(pl('sla.answer.working.hours', { count: 4 })).to.equal('Odpowiemy w ciągu 4 godzin roboczych.');
    const de = i18n.getFixedT('de', 'portal');
    expect([1, 2].map((count) => de('myTickets.count', { count }))).to.deep.equal(['Sie haben 1 Ticket.', 'Sie haben 2 Tickets.']);
    const en = i18n.getFixedT('en', 'portal');
    expect(en('sla.answer.anytime.minutes', { count: 15 })).to.equal('We will answer within 15 minutes, day and night.');
  });
});
