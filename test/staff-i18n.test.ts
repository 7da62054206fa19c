/**
 * The staff pages' messages (locales/{lng}/staff.json): every key a staff template (`{{st "…"}}`)
 * or the staff code (`'staff:…'`) uses exists in every language, with the keys built at run time
 * (roles, how a session signed in) enumerated.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createI18n, LANGUAGES } from '../api/i18n.ts';
import { STAFF_ROLES } from '../api/staff/types.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const PLURAL = /_(zero|one|two|few|many|other)$/;
type Tree = { [k: string]: string | Tree };
const flatten = (tree: Tree, prefix = ''): string[] => Object.entries(tree).flatMap(([k, v]) => (typeof v === 'string' ? [`${prefix}${k}`] : flatten(v, `${prefix}${k}.`)));
const keysOf = (lng: string) => new Set(flatten(JSON.parse(fs.readFileSync(path.join(root, 'locales', lng, 'staff.json'), 'utf8')) as Tree).map((k) => k.replace(PLURAL, '')));
const files = (dir: string, ext: string) => fs.readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true }).filter((d) => d.isFile() && d.name.endsWith(ext)).map((d) => path.join(d.parentPath, d.name));

describe('staff pages: every message they use exists in every language', () => {
  it('keys used by the staff templates and code, and the ones built at run time, are in pl, en and de', () => {
    const used = new Set<string>();
    const templates = [...files('api/views/staff', '.hbs'), path.join(root, 'api/views/layouts/staff.hbs')];
    for (const file of templates) for (const m of fs.readFileSync(file, 'utf8').matchAll(/[{(]st "([^"]+)"/g)) used.add(m[1]!);
    for (const file of files('api', '.ts')) for (const m of fs.readFileSync(file, 'utf8').matchAll(/'staff:([\w.]+)'/g)) used.add(m[1]!);
    for (const r of [...STAFF_ROLES, 'requester']) used.add(`role.${r}`);
    for (const r of STAFF_ROLES) used.add(`home.what.${r}`);
    for (const f of ['totp', 'recovery', 'sso', 'password']) used.add(`home.factor.${f}`);
    expect(used.size).to.be.greaterThan(60);
    for (const lng of LANGUAGES) {
      const have = keysOf(lng);
      expect([...used].filter((k) => !have.has(k)), `missing in ${lng}/staff.json`).to.deep.equal([]);
    }
  });

  it('counts come out in each language’s plural forms', async () => {
    const i18n = await createI18n();
    const pl = i18n.getFixedT('pl', 'staff');
    expect([1, 3, 5, 22].map((count) => pl('home.recoveryLeft', { count }))).to.deep.equal([
      'Masz jeszcze 1 kod odzyskiwania.', 'Masz jeszcze 3 kody odzyskiwania.', 'Masz jeszcze 5 kodów odzyskiwania.', 'Masz jeszcze 22 kody odzyskiwania.',
    ]);
    expect(i18n.getFixedT('de', 'staff')('home.recoveryLeft', { count: 1 })).to.equal('Sie haben noch 1 Wiederherstellungscode.');
    expect(i18n.getFixedT('en', 'staff')('errors.tooManyCodes', { count: 15 })).to.equal('Too many wrong codes for this account. Try again in 15 minutes, or ask an admin to reset your second factor.');
  });
});
