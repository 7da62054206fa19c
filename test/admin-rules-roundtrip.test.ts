/**
 * The rules form keeps what it is given: for the shipped default rules and every valid rules file
 * in test/fixtures, each rule's form (and each shared condition's) is rendered with the real
 * templates, its fields are read by chromium exactly as a browser submits them (FormData of the
 * form, no button pressed), and posting them back gives the rules and shared conditions back
 * byte for byte (canonical JSON). An invalid file with parts the form cannot show (unknown keys,
 * shapes it does not know, values of other types) comes back unchanged too, and those parts are
 * shown read-only with the way to the raw view.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { i18n } from 'i18next';
import type { Browser, Page } from 'playwright-core';
import { createI18n } from '../api/i18n.ts';
import { viewEngine } from '../api/portal/index.ts';
import type { FormBody } from '../api/portal/forms.ts';
import { readPostedRule, ruleView, treeContext } from '../admin-ui/rules-form/rule.ts';
import { readPostedTree } from '../admin-ui/rules-form/tree-post.ts';
import { treeView } from '../admin-ui/rules-form/tree-view.ts';
import type { Obj } from '../admin-ui/rules-form/model.ts';
import { canonicalJson } from '../rules/hash.ts';
import { validateRulesText } from '../rules/validate.ts';
import { launchChromium } from './support/browser.ts';
import { fastRulesText } from './fixtures/fast-rules.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
const ruleViewFile = path.join(root, 'admin-ui/views/rule.hbs');

/** The rules files to round-trip: the shipped default, every valid JSON rules file in test/fixtures, the second-scale fixture. */
function validFiles(): Array<{ name: string; file: Obj }> {
  const texts: Array<{ name: string; text: string }> = [
    { name: 'rules/default.rules.json', text: fs.readFileSync(path.join(root, 'rules/default.rules.json'), 'utf8') },
    ...fs.readdirSync(path.join(root, 'test/fixtures')).filter((f) => f.endsWith('.json'))
      .map((f) => ({ name: `test/fixtures/${f}`, text: fs.readFileSync(path.join(root, 'test/fixtures', f), 'utf8') })),
    { name: 'test/fixtures/fast-rules.ts', text: fastRulesText() },
  ];
  return texts.filter((t) => validateRulesText(t.text).ok).map((t) => ({ name: t.name, file: JSON.parse(t.text) as Obj }));
}

/** A file with parts the form cannot show (the validator refuses it; the form must still keep it). */
function oddFile(): Obj {
  const file = JSON.parse(fs.readFileSync(path.join(root, 'rules/default.rules.json'), 'utf8')) as Obj;
  file.conditions = { ...(file.conditions as Obj), odd: { all: 5 }, 'two kinds': { all: [], any: [] } };
  (file.rules as unknown[]).push(
    {
      name: 'Odd shapes', priority: 'high', description: 7, comment: 'not part of a rule',
      conditions: {
        all: [
          'not a condition',
          { fact: 5, operator: 'equal', value: 1 },
          { fact: 'ticket', path: 7, operator: 'equal', value: 'x' },
          { fact: 'ticket', path: '$.impact', operator: 5, value: 'high' },
          { fact: 'ticket', path: '$.impact', operator: 'equal', value: 'high', weird: true },
          { fact: 'ticket', path: '$.impact', operator: 'equal' },
          { fact: 'keywords', path: ' $[0] ', operator: 'equal', value: ' spaced ' },
          { fact: 'time', path: '$.hour', operator: 'equal', value: '9' },
          { fact: 'ticket', path: '$.title', operator: 'equal', value: 'two\nlines' },
          { not: [] },
          { condition: 3 },
          { all: [], name: 'empty group', priority: 2 },
        ],
        extra: 1,
      },
      event: { type: 'set-priority', params: { priority: 5, atLeast: 'yes', colour: 'red' }, when: 'now' },
    },
    { name: 'Unknown event', conditions: { any: [] }, event: { type: 'do-something', params: { a: 1 } } },
    { name: 'Params not an object', conditions: { all: [] }, event: { type: 'route', params: ['infrastructure'] } },
    { name: 'No event', conditions: { all: [] } },
    { name: 'No conditions', event: { type: 'add-tag', params: { tag: ' spaced ' } } },
    'not a rule',
    { name: 'Two\nlines', conditions: { all: [] }, event: 'route' },
  );
  return file;
}

/**
 * The parts of test/fixtures/rules-builder-shapes.rules.json only the raw view edits: a value naming
 * another fact, null, a list item holding a comma, "true" written as text for a yes/no property,
 * and the `name`/`priority`/`params` of two conditions.
 */
const SHAPES_READ_ONLY = 6;

/** The urlencoded fields as the server reads them: a repeated name becomes a list. */
function bodyOf(encoded: string): FormBody {
  const body: FormBody = {};
  for (const [k, v] of new URLSearchParams(encoded)) {
    const had = body[k];
    body[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return body;
}

describe('the rules form keeps what it is given: render, post back unchanged, same JSON', function () {
  this.timeout(120_000);
  let browser: Browser;
  let page: Page;
  let i18n: i18n;
  let hbs: ReturnType<typeof viewEngine>;

  before(async () => {
    i18n = await createI18n();
    hbs = viewEngine(i18n);
    browser = await launchChromium();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
  });

  async function render(model: Record<string, unknown>, language = 'en'): Promise<string> {
    const at = i18n.getFixedT(language, 'admin');
    return hbs.renderView(ruleViewFile, {
      layout: false, helpers: { at: (key: unknown, options: { hash: Record<string, unknown> }) => at(String(key), options.hash) },
      draft: { id: 1, revision: 3, title: 'Draft', status: 'draft' }, csrfToken: 'token', action: '/post', heading: 'Rule', page: 'admin-rule',
      problems: [], byField: {}, editable: true, ...model,
    } as never);
  }

  let readOnlyParts = 0;

  /** What chromium would post for the page's rules form, no button pressed. */
  async function posted(html: string): Promise<FormBody> {
    await page.setContent(`<!doctype html><html lang="en"><body>${html}</body></html>`);
    readOnlyParts += await page.locator('.rules-readonly').count();
    return bodyOf(await page.evaluate<string>("new URLSearchParams(new FormData(document.querySelector('#rule-form'))).toString()"));
  }

  async function roundTrip(file: Obj): Promise<Obj> {
    readOnlyParts = 0;
    const t = i18n.getFixedT('en', 'admin-rules');
    const out = structuredClone(file);
    const rules = out.rules as unknown[];
    for (let i = 0; i < rules.length; i++) {
      const html = await render({ rule: ruleView(rules[i], { t, file, problems: {}, editable: true }) });
      rules[i] = readPostedRule(rules[i], await posted(html));
    }
    const shared = (out.conditions ?? {}) as Obj;
    for (const name of Object.keys(shared)) {
      const html = await render({ shared: true, rule: { tree: treeView(shared[name], treeContext({ t, file, problems: {}, editable: true })) } });
      shared[name] = readPostedTree(shared[name], await posted(html));
    }
    return out;
  }

  const files = validFiles();
  it('finds the shipped default and the fixtures', () => {
    expect(files.map((f) => f.name)).to.include.members(['rules/default.rules.json', 'test/fixtures/rules-builder-shapes.rules.json', 'test/fixtures/fast-rules.ts']);
  });

  for (const { name, file } of files) {
    it(`${name}: every rule's and shared condition's form posted back unchanged gives the same JSON`, async () => {
      const back = await roundTrip(file);
      expect(canonicalJson(back.rules)).to.equal(canonicalJson(file.rules));
      expect(canonicalJson(back.conditions ?? null)).to.equal(canonicalJson(file.conditions ?? null));
      // The shipped rules are all shown in fields; the shapes fixture has a few parts only the raw view edits.
      if (name === 'test/fixtures/rules-builder-shapes.rules.json') expect(readOnlyParts).to.equal(SHAPES_READ_ONLY);
      else expect(readOnlyParts).to.equal(0);
    });
  }

  it('a file with parts the form cannot show comes back unchanged, and shows those parts read-only', async () => {
    const file = oddFile();
    const back = await roundTrip(file);
    expect(canonicalJson(back.rules)).to.equal(canonicalJson(file.rules));
    expect(canonicalJson(back.conditions)).to.equal(canonicalJson(file.conditions));

    const t = i18n.getFixedT('en', 'admin-rules');
    const rules = file.rules as unknown[];
    const html = await render({ rule: ruleView(rules[rules.length - 7], { t, file, problems: {}, editable: true }) });
    await page.setContent(`<!doctype html><html lang="en"><body>${html}</body></html>`);
    const readOnly = await page.locator('.rules-readonly').allInnerTexts();
    expect(readOnly.length).to.be.greaterThan(8);
    for (const text of readOnly) expect(text).to.include(t('readOnly.raw'));
    // A fact test with an unknown key keeps its fields editable and shows the key read-only.
    expect(await page.locator('#cond-all-4-extras pre').innerText()).to.include('"weird": true');
    expect(await page.locator('#cond-all-4-value').inputValue()).to.equal('high');
    // A number written as text on a number property is shown as written, not retyped.
    expect(await page.locator('#cond-all-7-value pre').innerText()).to.equal('"9"');
  });
});
