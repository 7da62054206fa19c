/**
 * The admin UI's raw JSON editor as a browser runs it: the bundle esbuild builds, loaded into
 * Debian's chromium on a small page from a local server, enhancing a plain form's textarea.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ADMIN_ASSETS_DIR, buildAdminAssets, ensureAdminAssets } from '../admin-ui/assets.ts';
import { launchChromium } from './support/browser.ts';
import { repoRoot } from './support/processes.ts';

const rulesText = fs.readFileSync(path.join(repoRoot, 'rules', 'default.rules.json'), 'utf8');
const schemaText = fs.readFileSync(path.join(repoRoot, 'rules', 'schema.json'), 'utf8');
// The server's problem sits on the file's "name" line (near the top, so the editor has it on screen).
const nameLine = rulesText.split('\n').findIndex((l) => l.includes('"name"')) + 1;
const nameColumn = rulesText.split('\n')[nameLine - 1]!.indexOf('"name"') + 1;

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function editorPage(schemaUrl: string, problems: unknown[]): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Raw rules</title><link rel="icon" href="data:,">
<script src="/assets/raw-editor.js" defer></script></head><body><main>
<form method="post" action="/save">
  <rules-json-editor schema-url="${schemaUrl}">
    <label for="source">Rules file</label>
    <textarea id="source" name="source" rows="20" aria-describedby="source-help">${escapeHtml(rulesText)}</textarea>
    <p id="source-help">Escape, then Tab, leaves the editor.</p>
    <script type="application/json" class="problems">${JSON.stringify(problems).replace(/</g, '\\u003c')}</script>
  </rules-json-editor>
  <button type="submit">Save draft</button>
</form></main></body></html>`;
}

describe('the raw JSON editor of the admin UI (<rules-json-editor>) in a real browser', function () {
  this.timeout(120_000);
  let outDir: string;
  let server: http.Server | undefined;
  let origin: string;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let pageErrors: string[];
  const posted: string[] = [];
  const schemaWarning = { line: 2, column: 3, message: 'Ścieżka schematu jest względna.', severity: 'warning' };
  const serverProblem = { line: nameLine, column: nameColumn, message: 'Nadaj procesowi nazwę, którą zobaczą właściciele procesu.', code: 'BAD_NAME' };

  before(async () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'admin-assets-'));
    await buildAdminAssets(outDir);
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'POST' && url.pathname === '/save') {
        let body = '';
        req.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => {
          posted.push(new URLSearchParams(body).get('source') ?? '');
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Saved</title><p>Saved</p>');
        });
        return;
      }
      if (url.pathname === '/editor') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(editorPage(url.searchParams.get('schema') ?? '/schema.json', [serverProblem, schemaWarning]));
      } else if (url.pathname === '/schema.json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(schemaText);
      } else if (url.pathname.startsWith('/assets/') && fs.existsSync(path.join(outDir, path.basename(url.pathname)))) {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(fs.readFileSync(path.join(outDir, path.basename(url.pathname))));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve, reject) => server!.once('error', reject).listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (outDir) fs.rmSync(outDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  });

  afterEach(async () => {
    await context?.close();
  });

  const editor = () => page.getByRole('textbox', { name: 'Rules file' });
  const textareaValue = () => page.locator('textarea[name="source"]').inputValue();

  async function open(schema = '/schema.json'): Promise<void> {
    await page.goto(`${origin}/editor?schema=${encodeURIComponent(schema)}`);
    await page.locator('rules-json-editor[data-enhanced]').waitFor();
  }

  /** The messages of the lint panel, opened as a keyboard user does (Ctrl-Shift-M). */
  async function diagnostics(): Promise<string[]> {
    await editor().focus();
    await page.keyboard.press('Control+Shift+KeyM');
    const panel = page.locator('.cm-panel.cm-panel-lint');
    await panel.waitFor();
    const items = await panel.locator('li').allInnerTexts();
    await page.keyboard.press('Escape'); // closes the panel, back in the editor
    return items;
  }

  async function waitForDiagnostic(pattern: RegExp): Promise<string[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const items = await diagnostics();
      if (items.some((i) => pattern.test(i)) || Date.now() > deadline) return items;
      await page.waitForTimeout(250);
    }
  }

  async function replaceText(text: string): Promise<void> {
    await editor().focus();
    await page.keyboard.press('Control+KeyA');
    await page.keyboard.press('Backspace');
    if (text) await page.keyboard.insertText(text);
  }

  it('the build writes a minified browser bundle, and ensureAdminAssets() gives the folder holding it', async () => {
    const bundle = fs.readFileSync(path.join(outDir, 'raw-editor.js'), 'utf8');
    expect(bundle.length).to.be.greaterThan(100_000);
    expect(bundle).to.include('rules-json-editor');
    expect(bundle.length / bundle.split('\n').length, 'minified: long lines').to.be.greaterThan(1000);
    expect(bundle).to.match(/sourceMappingURL=raw-editor\.js\.map/);
    const dir = await ensureAdminAssets();
    expect(dir).to.equal(ADMIN_ASSETS_DIR);
    expect(fs.statSync(path.join(dir, 'raw-editor.js')).size).to.be.greaterThan(100_000);
  });

  it('enhances the textarea: one labelled editor with line numbers holds the file; the textarea stays in the form, hidden', async () => {
    await open();
    expect(await page.evaluate("customElements.get('rules-json-editor') !== undefined")).to.equal(true);
    expect(await page.locator('textarea[name="source"]').isHidden()).to.equal(true);
    expect(await editor().count()).to.equal(1);
    expect(await editor().getAttribute('aria-describedby')).to.equal('source-help');
    expect(await page.locator('.cm-lineNumbers .cm-gutterElement').filter({ hasText: /^1$/ }).count()).to.equal(1);
    expect(await page.locator('.cm-content').innerText()).to.include('"$schema": "./schema.json"');
    expect(await page.evaluate("document.querySelector('rules-json-editor').value")).to.equal(rulesText);
    await page.locator('rules-json-editor[data-schema="loaded"]').waitFor();
    // Clicking the label focuses the editor, as it focused the textarea.
    await page.getByText('Rules file', { exact: true }).click();
    expect(await page.locator('.cm-content:focus').count()).to.equal(1);
    expect(pageErrors).to.deep.equal([]);
  });

  it("shows the server's problems at their line, marked in the gutter, until that line is edited", async () => {
    await open();
    await page.locator('.cm-gutter-lint .cm-lint-marker-error').first().waitFor();
    expect(await page.locator('.cm-lintRange-error').first().innerText()).to.equal('"name"');
    expect(await page.locator('.cm-lintRange-warning').first().innerText()).to.equal('"$schema"');
    expect(await page.locator('.cm-gutter-lint .cm-lint-marker-warning').count()).to.equal(1);
    const items = await waitForDiagnostic(/nazwę/);
    expect(items.some((i) => i.includes(serverProblem.message)), items.join('\n')).to.equal(true);
    // An edit on another line keeps it; typing on its line drops it (the next save answers anew).
    await page.locator('.cm-line').first().click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('End');
    await page.keyboard.insertText(' ');
    await page.waitForTimeout(1000);
    expect((await diagnostics()).some((i) => i.includes(serverProblem.message))).to.equal(true);
    await page.locator('.cm-lintRange-error').first().click();
    await page.keyboard.insertText('x');
    await page.waitForTimeout(1000);
    expect((await diagnostics()).some((i) => i.includes(serverProblem.message))).to.equal(false);
  });

  it('typing invalid JSON shows a diagnostic, the textarea follows every edit and the form posts the edited text', async () => {
    await open();
    await replaceText('{"name": ');
    expect(await textareaValue()).to.equal('{"name": ');
    await page.locator('.cm-gutter-lint .cm-lint-marker-error').first().waitFor();
    const items = await waitForDiagnostic(/JSON/);
    expect(items.length, items.join('\n')).to.be.greaterThan(0);
    expect(items.some((i) => /JSON/.test(i)), items.join('\n')).to.equal(true);
    await page.keyboard.insertText('"Mój proces" }');
    expect(await textareaValue()).to.equal('{"name": "Mój proces" }');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Saved').waitFor();
    expect(posted.at(-1)).to.equal('{"name": "Mój proces" }');
  });

  it('validates against the rules schema (a warning at 0 % included) and completes its property names', async () => {
    await open();
    await page.locator('rules-json-editor[data-schema="loaded"]').waitFor();
    const rules = JSON.parse(rulesText) as { slaPolicies: Array<{ warnAt?: number[] }>; bogus?: number };
    rules.slaPolicies[0]!.warnAt = [0, 0.75];
    rules.bogus = 1;
    await replaceText(JSON.stringify(rules, null, 2));
    const items = await waitForDiagnostic(/bogus/);
    expect(items.some((i) => /bogus/.test(i) && /not allowed/.test(i)), items.join('\n')).to.equal(true);
    expect(items.some((i) => /warnAt.*0/.test(i)), items.join('\n')).to.equal(true);
    expect(items).to.have.length(2);
    // Completion of a top-level property, offered while typing (and by Ctrl-Space).
    await replaceText('');
    await page.keyboard.type('{\n"slaP');
    await page.keyboard.press('Control+Space');
    await page.locator('.cm-tooltip-autocomplete li').filter({ hasText: 'slaPolicies' }).first().waitFor();
    await page.waitForTimeout(200); // the list takes keys after a short delay (CodeMirror's interactionDelay)
    await page.keyboard.press('Enter');
    expect(await textareaValue()).to.equal('{\n  "slaPolicies": []\n}');
  });

  it('Tab indents inside the editor; Escape then Tab moves on to the next control', async () => {
    await open();
    await replaceText('{}');
    await page.keyboard.press('Tab');
    expect(await page.locator('.cm-content:focus').count()).to.equal(1);
    expect(await textareaValue()).to.equal('  {}');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Tab');
    expect(await page.locator('.cm-content:focus').count()).to.equal(0);
    expect(await page.locator('button:focus').innerText()).to.equal('Save draft');
  });

  it('without JavaScript the page is a plain form: the textarea is the field and posts the file', async () => {
    const plain = await browser!.newContext({ javaScriptEnabled: false });
    try {
      const p = await plain.newPage();
      await p.goto(`${origin}/editor`);
      const field = p.getByRole('textbox', { name: 'Rules file' });
      expect(await field.evaluate((e) => e.tagName)).to.equal('TEXTAREA');
      expect(await field.inputValue()).to.equal(rulesText);
      await field.fill('{"name": "bez skryptów"}');
      await p.getByRole('button', { name: 'Save draft' }).click();
      await p.getByText('Saved').waitFor();
      expect(posted.at(-1)).to.equal('{"name": "bez skryptów"}');
    } finally {
      await plain.close();
    }
  });

  it('without its schema the editor still edits and checks the syntax, and says so in data-schema', async () => {
    await open('/missing-schema.json');
    await page.locator('rules-json-editor[data-schema="failed"]').waitFor();
    await replaceText('[1,');
    expect(await textareaValue()).to.equal('[1,');
    await page.locator('.cm-gutter-lint .cm-lint-marker-error').first().waitFor();
  });
});
