import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { hashRules } from '../rules/hash.ts';
import type { Decision, RulesFile } from '../rules/types.ts';
import { freshDatabaseUrl, onCleanup } from './support/env.ts';
import { defaultRules, defaultRulesText } from './rules-fixtures.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_FILE = 'rules/default.rules.json';
/** Commands that need no database are given one that does not exist, to prove it. */
const NO_DATABASE = 'postgres://nobody@127.0.0.1:1/none';

interface Ran { code: number | null; stdout: string; stderr: string; output: string }

/** Runs `helpdesk rules …` as a user would, in its own process. */
function helpdesk(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/helpdesk.ts', 'rules', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: NO_DATABASE, ...env },
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

let tmp: string | undefined;
function tempRulesFile(name: string, content: RulesFile | string): string {
  if (!tmp) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-rules-cli-'));
    tmp = dir;
    onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  const file = path.join(tmp, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`);
  return file;
}

const VPN_OUTAGE = JSON.stringify({ title: 'VPN down for the whole office', impact: 'high', urgency: 'medium', requester: { vip: true } });

describe('helpdesk rules validate', () => {
  it('when a process owner checks the shipped default rules, they are valid: exit 0 with the rule count and hash', async () => {
    const ran = await helpdesk(['validate', DEFAULT_FILE]);
    expect(ran.code, ran.output).to.equal(0);
    expect(ran.stdout.trim()).to.equal(`valid: 8 rules, hash ${hashRules(defaultRules())}`);
  });

  it('when a file has a wrong duration and a team in an unknown tier, it exits 1 naming each JSON path with line and column', async () => {
    const file = tempRulesFile('broken.rules.json', defaultRules((f) => {
      f.slaPolicies[0]!.response = '15x';
      f.teams.find((t) => t.id === 'infrastructure')!.tier = 'L9';
    }));
    const ran = await helpdesk(['validate', file]);
    expect(ran.code, ran.output).to.equal(1);
    expect(ran.output).to.include(`invalid: 3 problems in ${file}`);
    expect(ran.output).to.match(/\$\.slaPolicies\[0\]\.response \(\d+:\d+\): The response time "15x" is not a duration/);
    expect(ran.output).to.match(/\$\.teams\[1\]\.tier \(\d+:\d+\): The team "infrastructure" belongs to the tier "L9"/);
    expect(ran.output).to.match(/\$\.tiers\[1\]\.teams\[0\] \(\d+:\d+\): /);
  });

  it('with --lang pl or de it says the problems and the summary in that language; a language it does not speak exits 2', async () => {
    const file = tempRulesFile('broken-pl.rules.json', defaultRules((f) => {
      f.slaPolicies[0]!.response = '15x';
      f.defaults.ladder = 'slow';
    }));
    const pl = await helpdesk(['validate', file, '--lang', 'pl']);
    expect(pl.code, pl.output).to.equal(1);
    expect(pl.stderr).to.include(`niepoprawny: 2 problemy w ${file}`);
    expect(pl.stderr).to.match(/\$\.slaPolicies\[0\]\.response \(\d+:\d+\): Czas na odpowiedź „15x” nie jest czasem trwania; zapisz go np\. jako 30s/);
    expect(pl.stderr).to.match(/\$\.defaults\.ladder \(\d+:\d+\): Domyślna drabina eskalacji „slow” nie jest zdefiniowana w „ladders”\./);
    expect(pl.stderr).to.not.include('is not a duration');
    const de = await helpdesk(['validate', DEFAULT_FILE, '--lang', 'de']);
    expect(de.code, de.output).to.equal(0);
    expect(de.stdout.trim()).to.equal(`gültig: 8 Regeln, Hash ${hashRules(defaultRules())}`);
    const json = await helpdesk(['validate', file, '--json', '--lang', 'de']);
    const problems = (JSON.parse(json.stdout) as { problems: Array<{ code: string; params: object; message: string; text: string }> }).problems;
    expect(problems.find((p) => p.code === 'UNKNOWN_LADDER')).to.deep.include({
      params: { context: 'default', ladder: 'slow' },
      message: 'The default ladder "slow" is not defined in "ladders".',
      text: 'Die Standard-Eskalationsleiter „slow“ ist in „ladders“ nicht definiert.',
    });
    const fr = await helpdesk(['validate', file, '--lang', 'fr']);
    expect(fr.code).to.equal(2);
    expect(fr.stderr.trim()).to.equal('--lang must be one of en, pl, de; "fr" is not a language the helpdesk speaks.');
  });

  it('when the file is not there, it exits 2 and says it cannot read it', async () => {
    const ran = await helpdesk(['validate', 'rules/no-such.rules.json']);
    expect(ran.code).to.equal(2);
    expect(ran.stderr).to.include('Cannot read rules/no-such.rules.json');
  });
});

describe('helpdesk rules test', () => {
  it('when a VIP reports a VPN outage, it shows the decision in words: priority, team, tier, policy targets and the rules that fired in order', async () => {
    const ran = await helpdesk(['test', DEFAULT_FILE, '--ticket', VPN_OUTAGE, '--at', '2026-03-04T10:00:00+01:00']);
    expect(ran.code, ran.output).to.equal(0);
    const out = ran.stdout;
    expect(out).to.include('at 2026-03-04T09:00:00.000Z');
    expect(out).to.match(/priority\s+P1\s+\(matrix: impact high × urgency medium → P2\)/);
    expect(out).to.match(/team\s+infrastructure, tier L2/);
    expect(out).to.include('gold-p1: first response within 15m, resolution within 4h, in calendar 24x7');
    expect(out).to.include('to-L2: at 100% of response (15m): move to L2, notify team_lead, duty_manager');
    const fired = out.split('\n').filter((l) => /^\s+\d+\. '/.test(l)).map((l) => l.trim());
    expect(fired).to.deep.equal([
      "1. 'Major outage is P1' (priority 20): priority P1",
      "2. 'Major outage pages the duty manager' (priority 20): notify duty_manager",
      "3. 'VIP first' (priority 10): priority at least P2",
      "4. 'VIP gold service' (priority 10): service level gold",
      "5. 'Network problems to Infrastructure' (priority 5): route to team infrastructure",
      "6. 'Network keywords set the category' (priority 5): category network",
    ]);
    expect(out).to.include("Rules that did not fire: 'Access requests to the Service Desk', 'Tag out-of-hours tickets'");
  });

  it('with --json it prints the raw decision, the same the helpdesk records', async () => {
    const ran = await helpdesk(['test', DEFAULT_FILE, '--json', '--at', '2026-03-04T09:00:00Z', '--ticket', JSON.stringify({ ticket: { title: 'Printer jams', impact: 'medium', urgency: 'medium' }, requester: {} })]);
    expect(ran.code, ran.output).to.equal(0);
    const decision = JSON.parse(ran.stdout) as Decision;
    expect(decision).to.include({ priority: 'P3', team: 'service-desk', tier: 'L1', serviceLevel: 'standard', rulesHash: hashRules(defaultRules()) });
    expect(decision.explanation.fired).to.deep.equal([]);
  });

  it('when --ticket is not JSON, or --at has no time zone, it exits 2 with a clear message', async () => {
    const badJson = await helpdesk(['test', DEFAULT_FILE, '--ticket', '{"title": "VPN down",']);
    expect(badJson.code).to.equal(2);
    expect(badJson.stderr).to.include('--ticket is not valid JSON').and.include('For example: --ticket');
    const badAt = await helpdesk(['test', DEFAULT_FILE, '--ticket', VPN_OUTAGE, '--at', '2026-03-04 09:00']);
    expect(badAt.code).to.equal(2);
    expect(badAt.stderr).to.include('--at must be an ISO 8601 instant with its zone');
    const noImpact = await helpdesk(['test', DEFAULT_FILE, '--ticket', '{"title":"VPN down"}']);
    expect(noImpact.code).to.equal(2);
    expect(noImpact.stderr).to.include('A ticket needs an impact and an urgency');
  });
});

describe('helpdesk rules publish, list, diff, show and rollback', () => {
  let env: Record<string, string>;
  before(async () => {
    env = { DATABASE_URL: await freshDatabaseUrl('rules_cli') };
  });

  it('when a process owner publishes, lists, compares and rolls back, every step is kept as its own version', async () => {
    const faster = tempRulesFile('faster.rules.json', defaultRules((f) => { f.slaPolicies.find((p) => p.id === 'silver-p2')!.resolution = '4h'; }));

    const published = await helpdesk(['publish', faster, '--comment', 'Silver P2 within 4 hours', '--author', 'anna'], env);
    expect(published.code, published.output).to.equal(0);
    expect(published.stdout).to.match(/^Published version 2 \(hash [0-9a-f]{64}\), now active\./);
    expect(published.stdout).to.include('by anna at ').and.include('Silver P2 within 4 hours');
    expect(published.stdout).to.include('Changes from version 1:\n  P2 resolution (silver) 9h → 4h');

    const again = await helpdesk(['publish', faster, '--comment', 'oops, twice'], env);
    expect(again.code).to.equal(1);
    expect(again.stderr).to.include('Not published').and.include('identical to active version 2');

    const invalid = await helpdesk(['publish', tempRulesFile('invalid.rules.json', '{ "name": "half a file" }'), '--comment', 'try'], env);
    expect(invalid.code).to.equal(1);
    expect(invalid.stderr).to.include('Version 2 stays active').and.include('$.priorityMatrix');

    const list = await helpdesk(['list'], env);
    expect(list.code, list.output).to.equal(0);
    const rows = list.stdout.split('\n').filter((l) => /^[* ]\s+\d+\s/.test(l));
    expect(rows).to.have.length(2);
    expect(rows[0]).to.match(/^\*\s+2\s.*\banna\b.*Silver P2 within 4 hours$/);
    expect(rows[1]).to.match(/^\s+1\s.*\bsystem\b.*Default rules shipped with the helpdesk$/);

    const diff = await helpdesk(['diff', '1', '2'], env);
    expect(diff.code, diff.output).to.equal(0);
    expect(diff.stdout).to.equal('1 change from version 1 to version 2:\n  P2 resolution (silver) 9h → 4h\n');
    const againstFile = await helpdesk(['diff', 'active', DEFAULT_FILE], env);
    expect(againstFile.stdout).to.include('P2 resolution (silver) 4h → 9h');

    const rollback = await helpdesk(['rollback', '1', '--comment', 'The 4h target cannot be staffed', '--author', 'duty.manager'], env);
    expect(rollback.code, rollback.output).to.equal(0);
    expect(rollback.stdout).to.include('Rolled back to version 1: published its content as version 3');

    const shown = await helpdesk(['show', '3'], env);
    expect(shown.stdout).to.include('Version 3 (active)').and.include('republishes the content of version 1');
    const source = await helpdesk(['show', '3', '--source'], env);
    expect(source.stdout).to.equal(defaultRulesText());
    const missing = await helpdesk(['show', '9'], env);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.include('There is no rules version 9.');
  });
});
