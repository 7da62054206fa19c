/** `helpdesk rules check FILE [--json]` as a process owner runs it: exit codes and what is printed. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { RulesFile } from '../rules/types.ts';
import { defaultRules } from './rules-fixtures.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Ran { code: number | null; stdout: string; stderr: string; output: string }

/** Runs `helpdesk rules check …` in its own process, with a database that does not exist (none is needed). */
function check(args: string[]): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/helpdesk.ts', 'rules', 'check', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, output: stdout + stderr }));
  });
}

describe('helpdesk rules check', function () {
  this.timeout(60_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-rules-check-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: RulesFile | string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return file;
  };

  it('the shipped default rules: exit 0, no problems found', async () => {
    const ran = await check(['rules/default.rules.json']);
    expect(ran.code, ran.output).to.equal(0);
    expect(ran.stdout.trim()).to.equal('no problems found in rules/default.rules.json');
  });

  it('only warnings: exit 0 and the warning is printed with its path and code', async () => {
    const file = write('warn.rules.json', defaultRules((f) => {
      f.rules.push({ name: 'Everything P3', priority: 30, conditions: { all: [] }, event: { type: 'set-priority', params: { priority: 'P3' } } });
    }));
    const ran = await check([file]);
    expect(ran.code, ran.output).to.equal(0);
    expect(ran.stdout).to.include(`0 errors, 1 warning in ${file}`);
    expect(ran.stdout).to.include('  warning  $.rules[0]: The rule "Major outage is P1" never decides the priority').and.include('[SHADOWED_RULE]');
  });

  it('an error: exit 1; with --json the findings carry path, code, params and severity', async () => {
    const file = write('error.rules.json', defaultRules((f) => { f.slaPolicies[2]!.warnAt = [1]; }));
    const ran = await check([file]);
    expect(ran.code, ran.output).to.equal(1);
    expect(ran.stderr).to.include('  error    $.slaPolicies[2].warnAt[0]: The SLA policy "gold-p3" warns at 100 % of the target');
    const json = await check([file, '--json']);
    expect(json.code).to.equal(1);
    expect(JSON.parse(json.stdout)).to.deep.equal({
      ok: false, errors: 1, warnings: 0,
      problems: [{
        path: '$.slaPolicies[2].warnAt[0]', code: 'WARNING_AT_BREACH', params: { policy: 'gold-p3', fraction: 1, percent: 100 }, severity: 'error',
        message: 'The SLA policy "gold-p3" warns at 100 % of the target, which is the breach itself or after it: a warning must come before, e.g. 0.75.',
      }],
    });
  });

  it('with --lang pl or de the summary, the severities and the findings are in that language; --lang xx exits 2', async () => {
    const file = write('both.rules.json', defaultRules((f) => {
      f.slaPolicies[2]!.warnAt = [1];
      f.rules.push({ name: 'Everything P3', priority: 30, conditions: { all: [] }, event: { type: 'set-priority', params: { priority: 'P3' } } });
    }));
    const pl = await check([file, '--lang', 'pl']);
    expect(pl.code, pl.output).to.equal(1);
    expect(pl.stderr).to.include(`1 błąd, 1 ostrzeżenie w ${file}`);
    expect(pl.stderr).to.include('  błąd         $.slaPolicies[2].warnAt[0]: Polityka SLA „gold-p3” ostrzega przy 100% celu, czyli w chwili przekroczenia albo po nim: ostrzeżenie musi przyjść wcześniej, np. 0.75. [WARNING_AT_BREACH]');
    expect(pl.stdout).to.include('  ostrzeżenie  $.rules[0]: Reguła „Major outage is P1” nigdy nie decyduje o priorytecie: ').and.include('[SHADOWED_RULE]');
    const de = await check([file, '--lang', 'de']);
    expect(de.stderr).to.include(`1 Fehler, 1 Warnung in ${file}`);
    expect(de.stdout).to.include('  Warnung  $.rules[0]: Die Regel „Major outage is P1“ entscheidet nie über die Priorität: ');
    const en = await check([file, '--lang', 'en']);
    const plain = await check([file]);
    expect(en.output, 'English is the default').to.equal(plain.output);
    const json = JSON.parse((await check([file, '--json', '--lang', 'pl'])).stdout) as { problems: Array<{ code: string; text: string; message: string }> };
    expect(json.problems.map((p) => p.text)).to.have.length(2).and.satisfy((texts: string[]) => texts.every((t) => t.length > 0 && !t.includes('{{')));
    expect(json.problems[0]!.message).to.match(/^The SLA policy "gold-p3" warns at 100 %/);
    const bad = await check([file, '--lang', 'xx']);
    expect(bad.code).to.equal(2);
    expect(bad.stderr.trim()).to.equal('--lang must be one of en, pl, de; "xx" is not a language the helpdesk speaks.');
    const invalid = await check([write('invalid-de.rules.json', defaultRules((f) => { f.slaPolicies[0]!.response = '15x'; })), '--lang', 'de']);
    expect(invalid.code).to.equal(2);
    expect(invalid.stderr).to.include('ungültig: 1 Problem in').and.include('; beheben Sie es, bevor die Prüfungen laufen können');
  });

  it('a file that is not a valid rules file: exit 2 with the validation problems; an unreadable one: exit 2', async () => {
    const file = write('invalid.rules.json', defaultRules((f) => { f.slaPolicies[0]!.response = '15x'; }));
    const ran = await check([file]);
    expect(ran.code, ran.output).to.equal(2);
    expect(ran.stderr).to.include(`invalid: 1 problem in ${file}`);
    expect(ran.stderr).to.match(/\$\.slaPolicies\[0\]\.response \(\d+:\d+\): The response time "15x" is not a duration/);
    const missing = await check(['rules/no-such.rules.json']);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.include('Cannot read rules/no-such.rules.json');
  });
});
