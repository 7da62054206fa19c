import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { loadConfig } from '../runtime/config.ts';
import { openDatabase, type Database } from '../runtime/stack.ts';
import type { RetentionPlan } from '../rules/retention.ts';
import type { TicketEvent, TicketSnapshot } from '../workflows/types.ts';
import { freshDatabaseUrl, onCleanup } from './support/env.ts';
import { defaultRules } from './rules-fixtures.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DAY = 86_400_000;
/** The instant the dry runs are made for. */
const AT = Date.parse('2027-03-01T12:00:00.000Z');
const ago = (days: number, hours = 0): Date => new Date(AT - days * DAY - hours * 3_600_000);
const utc = (d: Date): string => d.toISOString().slice(0, 19).replace('T', ' ');

interface Ran { code: number | null; stdout: string; stderr: string; output: string }

/** Runs `helpdesk privacy …` as an operator would, in its own process. */
function helpdesk(args: string[], env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/helpdesk.ts', 'privacy', ...args], {
      cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, output: stdout + stderr }));
  });
}

let seq = 0;
/** A ticket written into the read model as the workflow's projection writes it: created, then resolved and closed at `closedAt`. */
async function fileTicket(db: Database, t: { category: string | null; rulesVersion: number; closedAt?: Date; resolvedAt: Date }): Promise<string> {
  const number = `HD-2026-${String(++seq).padStart(6, '0')}`;
  const createdAt = new Date(t.resolvedAt.getTime() - 2 * 3_600_000).toISOString();
  const base: TicketSnapshot = {
    number, workflowId: `ticket-${number}`, title: 'Laptop will not boot', description: 'Black screen after the update.',
    requesterEmail: 'requester@example.com', locale: 'en', channel: 'portal', impact: 'medium', urgency: 'medium',
    category: t.category, priority: 'P3', status: 'new', tier: 'L1', teamId: 'service-desk', assignee: null,
    rulesVersion: t.rulesVersion, filedBy: null, sla: null, createdAt, updatedAt: createdAt, lastEventSeq: 1,
  };
  const event = (n: number, type: string, at: string): TicketEvent => ({ seq: n, type, actor: 'system', reason: null, data: {}, occurredAt: at });
  await db.tickets.project(base, event(1, 'created', createdAt));
  const resolved = t.resolvedAt.toISOString();
  await db.tickets.project({ ...base, status: 'resolved', updatedAt: resolved, lastEventSeq: 2 }, event(2, 'resolved', resolved));
  if (t.closedAt) {
    const closed = t.closedAt.toISOString();
    await db.tickets.project({ ...base, status: 'closed', updatedAt: closed, lastEventSeq: 3 }, event(3, 'closed', closed));
  }
  return number;
}

describe('helpdesk privacy retention --dry-run', () => {
  let env: Record<string, string>;
  let db: Database;
  const tickets = {} as Record<'deletionDue' | 'dataDue' | 'accessDue' | 'accessNotYet' | 'recent' | 'resolvedOnly', string>;

  before(async function () {
    this.timeout(120_000);
    const url = await freshDatabaseUrl('retention_cli');
    env = { DATABASE_URL: url };
    db = await openDatabase(loadConfig({ ...process.env, DATABASE_URL: url }), () => undefined);
    // Short periods: personal data 3 days after closing (access requests 2), tickets 10 days.
    const short = defaultRules((f) => {
      f.autoCloseAfter = '1h';
      f.retention = { personalData: { defaultDays: 3, byCategory: { access: 2 } }, closedTicketDays: 10 };
    });
    const published = await db.rules.publish(JSON.stringify(short, null, 2), { author: 'dpo', comment: 'Short retention for the test' });
    expect(published.ok, JSON.stringify(published)).to.equal(true);

    // Bound to version 1 (730 days): the active version 2 governs all the same.
    tickets.deletionDue = await fileTicket(db, { category: 'network', rulesVersion: 1, resolvedAt: ago(13), closedAt: ago(12) });
    tickets.dataDue = await fileTicket(db, { category: 'network', rulesVersion: 1, resolvedAt: ago(6), closedAt: ago(5) });
    tickets.accessDue = await fileTicket(db, { category: 'access', rulesVersion: 2, resolvedAt: ago(3), closedAt: ago(2, 1) });
    tickets.accessNotYet = await fileTicket(db, { category: 'access', rulesVersion: 2, resolvedAt: ago(2), closedAt: ago(1, 23) });
    tickets.recent = await fileTicket(db, { category: null, rulesVersion: 2, resolvedAt: ago(2), closedAt: ago(1) });
    // Resolved long ago but never closed: retention counts from closing, so it is not listed.
    tickets.resolvedOnly = await fileTicket(db, { category: 'network', rulesVersion: 1, resolvedAt: ago(40) });
  });

  after(async () => {
    await db?.close();
  });

  it('when periods have ended, it lists exactly those tickets, in the order they fell due, with a count line, and changes nothing', async () => {
    const ran = await helpdesk(['retention', '--dry-run', '--at', '2027-03-01T13:00:00+01:00'], env);
    expect(ran.code, ran.output).to.equal(0);
    const lines = ran.stdout.split('\n');
    expect(lines[0]).to.equal('Retention dry run at 2027-03-01 12:00:00 UTC under rules version 2 (active): nothing is changed.');
    expect(lines[1]).to.equal('  personal data 3 days after closing (access: 2 days); closed tickets 10 days');
    expect(lines[2]).to.match(/^\s+ticket\s+category\s+closed \(UTC\)\s+personal data due\s+ticket deletion due\s+due now$/);
    const rows = lines.filter((l) => /^\s+HD-/.test(l)).map((l) => l.trim().split(/\s{2,}/));
    expect(rows).to.deep.equal([
      [tickets.deletionDue, 'network', utc(ago(12)), utc(ago(9)), utc(ago(2)), 'delete ticket'],
      [tickets.dataDue, 'network', utc(ago(5)), utc(ago(2)), utc(new Date(AT + 5 * DAY)), 'erase personal data'],
      [tickets.accessDue, 'access', utc(ago(2, 1)), utc(ago(0, 1)), utc(new Date(AT + 8 * DAY - 3_600_000)), 'erase personal data'],
    ]);
    expect(ran.stdout).to.include('3 tickets due: 2 personal-data erasures, 1 ticket deletion.\n');
    expect(ran.stdout).to.include(`Next due after that: ${utc(ago(-0, -1))} UTC.`);

    const again = await helpdesk(['retention', '--dry-run', '--at', '2027-03-01T12:00:00Z'], env);
    expect(again.stdout, 'a dry run changes nothing').to.equal(ran.stdout);
    expect((await db.tickets.get(tickets.deletionDue))?.status).to.equal('closed');
  });

  it('with --json it prints the plan for machines', async () => {
    const ran = await helpdesk(['retention', '--dry-run', '--json', '--at', '2027-03-01T12:00:00Z'], env);
    expect(ran.code, ran.output).to.equal(0);
    const plan = JSON.parse(ran.stdout) as RetentionPlan & { dryRun: boolean };
    expect(plan).to.include({ dryRun: true, at: '2027-03-01T12:00:00.000Z', rulesVersion: 2 });
    expect(plan.counts).to.deep.equal({ erasePersonalData: 2, deleteTicket: 1 });
    expect(plan.due.map((d) => [d.number, d.action, d.rulesVersion])).to.deep.equal([
      [tickets.deletionDue, 'delete-ticket', 1],
      [tickets.dataDue, 'erase-personal-data', 1],
      [tickets.accessDue, 'erase-personal-data', 2],
    ]);
    expect(plan.due[0]).to.include({ closedAt: ago(12).toISOString(), personalDataDays: 3, personalDataDueAt: ago(9).toISOString(), ticketDueAt: ago(2).toISOString() });
    expect(ran.stdout, 'no personal data in the output').to.not.include('requester@example.com').and.not.include('Laptop');
  });

  it('earlier, fewer periods have ended: at the first closing nothing is due, and the next due instant is named', async () => {
    const ran = await helpdesk(['retention', '--dry-run', '--at', ago(12).toISOString()], env);
    expect(ran.code, ran.output).to.equal(0);
    expect(ran.stdout).to.not.match(/^\s+HD-/m);
    expect(ran.stdout).to.include('No closed ticket is due: no retention period has ended.');
    expect(ran.stdout).to.include(`Next due after that: ${utc(ago(9))} UTC.`);
  });

  it('with --rules it shows what a draft\'s periods would make due, before it is published', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-retention-'));
    onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const draft = path.join(dir, 'longer.rules.json');
    fs.writeFileSync(draft, JSON.stringify(defaultRules((f) => {
      f.autoCloseAfter = '1h';
      f.retention = { personalData: { defaultDays: 6, byCategory: { access: 2 } }, closedTicketDays: 30 };
    }), null, 2));
    const ran = await helpdesk(['retention', '--dry-run', '--rules', draft, '--at', '2027-03-01T12:00:00Z'], env);
    expect(ran.code, ran.output).to.equal(0);
    expect(ran.stdout).to.include(`under rules file ${draft} (unpublished): nothing is changed.`);
    const rows = ran.stdout.split('\n').filter((l) => /^\s+HD-/.test(l)).map((l) => l.trim().split(/\s{2,}/));
    expect(rows.map((r) => [r[0], r[3], r[5]])).to.deep.equal([
      [tickets.deletionDue, utc(ago(6)), 'erase personal data'],
      [tickets.accessDue, utc(ago(0, 1)), 'erase personal data'],
    ]);

    const invalid = path.join(dir, 'invalid.rules.json');
    fs.writeFileSync(invalid, JSON.stringify(defaultRules((f) => { f.retention = { personalData: { defaultDays: 40 }, closedTicketDays: 30 }; }), null, 2));
    const refused = await helpdesk(['retention', '--dry-run', '--rules', invalid], env);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.include(`invalid: 1 problem in ${invalid}`).and.match(/\$\.retention\.personalData\.defaultDays \(\d+:\d+\): Personal data would be kept 40 days after closing, longer than the ticket itself/);
    expect(refused.stdout).to.equal('');
  });

  it('without --dry-run and no Temporal to run on (no TEMPORAL_ADDRESS, no helpdesk running from the data folder), it changes nothing and says what to start: exit 2', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-retention-data-'));
    onCleanup(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    const ran = await helpdesk(['retention'], { ...env, TEMPORAL_ADDRESS: '', HELPDESK_DATA_DIR: dataDir });
    expect(ran.code).to.equal(2);
    expect(ran.stderr).to.include('The real retention run needs Temporal and a worker: start the helpdesk (`helpdesk start`), or set TEMPORAL_ADDRESS').and.include('--dry-run');
    expect(ran.stdout).to.equal('');
    expect((await db.tickets.get(tickets.deletionDue))?.status).to.equal('closed');
  });

  it('when --at has no zone, it exits 2 with an example', async () => {
    const ran = await helpdesk(['retention', '--dry-run', '--at', '2027-03-01 12:00'], env);
    expect(ran.code).to.equal(2);
    expect(ran.stderr).to.include('--at must be an ISO 8601 instant with its zone, e.g. 2027-01-31T00:00:00Z');
  });
});
