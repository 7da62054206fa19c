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
        path: '$.slaPolicies[2].warnAt[0]', code: 'WARNING_AT_BREACH', params: { policy: 'gold-p3', fraction: 1 }, severity: 'error',
        message: 'The SLA policy "gold-p3" warns at 100 % of the target, which is the breach itself or after it: a warning must come before, e.g. 0.75.',
      }],
    });
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
