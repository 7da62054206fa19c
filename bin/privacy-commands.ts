/**
 * `helpdesk privacy …`: retention of closed tickets (docs/retention.md).
 *
 * `privacy retention --dry-run [--at ISO] [--json]` lists what the active rules version's
 * retention makes due: closed tickets whose personal data falls due for erasure (not those
 * already erased), and those due for deletion altogether, in the order they fell due. It changes
 * nothing and needs no Temporal. `--rules FILE` plans under a rules file not yet published (a
 * draft's periods), instead.
 *
 * `privacy retention [--json]` (no --dry-run) runs retention now: it triggers the retention
 * schedule (runtime/retention-schedule.ts), waits for the run (workflows/retention.ts, carried
 * out by a worker) and prints what it erased and deleted. It needs Temporal: TEMPORAL_ADDRESS,
 * or the dev server of a `helpdesk start` running from the data folder.
 *
 * Exit codes: 0 done; 1 the --rules file is invalid (its problems listed), or the run failed or
 * did not finish in time; 2 the command line is wrong (a bad --at, a --rules file that cannot be
 * read, --at or --rules without --dry-run, no Temporal to run on).
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { WorkflowFailedError } from '@temporalio/client';
import { loadConfig } from '../runtime/config.ts';
import { readLiveHolder } from '../runtime/data-lock.ts';
import { describeFailure } from '../runtime/failure.ts';
import { RetentionRunTimeout, runRetentionNow } from '../runtime/retention-schedule.ts';
import { openDatabase } from '../runtime/stack.ts';
import { closeClient, connectClient, targetFromConfig } from '../runtime/temporal.ts';
import type { RetentionRunSummary } from '../workflows/activity-types.ts';
import { describeRetention, planRetention, RetentionAction, retentionOf, type RetentionPlan } from '../rules/retention.ts';
import type { Retention } from '../rules/types.ts';
import { validateRulesText } from '../rules/validate.ts';
import { registerAccessCommands } from './privacy-access-commands.ts';
import { plural, printProblems } from './rules-output.ts';
import { registerErasureCommands } from './privacy-erase-commands.ts';
import { ExitCode, setExitCode } from './exit-code.ts';


const out = (line = ''): void => console.log(line);
const err = (line = ''): void => console.error(line);


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

const list = (numbers: string[]): string => (numbers.length > 8 ? `${numbers.slice(0, 8).join(', ')}, … (${numbers.length - 8} more)` : numbers.join(', '));

/** What a run did, in words (ticket numbers only). */
function printRun(workflowId: string, s: RetentionRunSummary): void {
  out(`Retention run ${workflowId} at ${utc(s.at)} UTC under rules version ${s.rulesVersion} (active):`);
  if (s.erased.length === 0 && s.deleted.length === 0) out('Nothing was due: no retention period had ended.');
  if (s.erased.length) out(`  personal data erased, the tickets kept (${count(s.erased.length, 'ticket', 'tickets')}): ${list(s.erased)}`);
  if (s.deleted.length) out(`  deleted altogether (${count(s.deleted.length, 'ticket', 'tickets')}): ${list(s.deleted)}`);
  if (s.erased.length || s.deleted.length) out(`  ${count(s.keysDestroyed, 'data key', 'data keys')} destroyed; recorded in the audit log and the erasure ledger.`);
  out(s.nextDueAt ? `Next due after that: ${utc(s.nextDueAt)} UTC.` : 'Nothing more falls due among the closed tickets.');
}

/** The innermost message of a failed run (the activity's own failure). */
function innermost(e: unknown): string {
  let cur: unknown = e;
  while (cur instanceof Error && cur.cause instanceof Error) cur = cur.cause;
  return describeFailure(cur);
}

/** The real run: through the retention schedule, on a worker; waits for it and prints what it did. */
async function runNow(opts: RetentionOptions): Promise<ExitCode> {
  if (opts.at !== undefined || opts.rules !== undefined) {
    err('--at and --rules are for the dry run only: the real run erases and deletes what is due now, under the active rules version. Add --dry-run, or leave them out. Nothing was changed.');
    return ExitCode.usage;
  }
  const config = loadConfig();
  const address = config.temporal.address ?? readLiveHolder(config.dataDir)?.temporal;
  if (!address) {
    err('The real retention run needs Temporal and a worker: start the helpdesk (`helpdesk start`), or set TEMPORAL_ADDRESS to the Temporal its workers use. Nothing was changed; `helpdesk privacy retention --dry-run` shows what is due.');
    return ExitCode.usage;
  }
  const client = await connectClient(targetFromConfig(config, address)).catch((e: unknown) => {
    err(`Cannot reach Temporal at ${address}: ${describeFailure(e)}. Nothing was changed.`);
    return undefined;
  });
  if (!client) return ExitCode.refused;
  try {
    const { workflowId, summary } = await runRetentionNow(client, config);
    if (opts.json) out(JSON.stringify({ dryRun: false, workflowId, ...summary }, null, 2));
    else printRun(workflowId, summary);
    return ExitCode.ok;
  } catch (e) {
    if (e instanceof RetentionRunTimeout) err(e.message);
    else if (e instanceof WorkflowFailedError) err(`The retention run failed: ${innermost(e)}. What it finished before is recorded in the audit log; the schedule's next run takes up the rest.`);
    else err(`The retention run could not be started: ${describeFailure(e)}. Nothing was changed.`);
    return ExitCode.refused;
  } finally {
    await closeClient(client);
  }
}

async function retentionCommand(opts: RetentionOptions): Promise<ExitCode> {
  if (!opts.dryRun) return runNow(opts);
  const now = parseAt(opts.at);
  if (now === undefined) return ExitCode.usage;
  const draft = opts.rules === undefined ? undefined : retentionOfFile(opts.rules);
  if (typeof draft === 'number') return draft;
  const db = await openDatabase(loadConfig(), (line) => err(line));
  try {
    // A file is not a version: null, as in the plan's type.
    const policy = draft ? { version: null, retention: draft } : await db.rules.active().then((a) => ({ version: a.version, retention: retentionOf(a.file) }));
    // Tickets already erased (by an earlier run or a person's erasure) are listed only when their deletion is due.
    const plan = planRetention({ tickets: await db.retention.closedTickets(), policy, alreadyErased: await db.retention.erasedTickets(), now });
    if (opts.json) out(JSON.stringify({ dryRun: true, ...plan }, null, 2));
    else printPlan(plan, draft ? `rules file ${opts.rules} (unpublished)` : `rules version ${plan.rulesVersion} (active)`);
    return ExitCode.ok;
  } finally {
    await db.close();
  }
}

/** Adds `helpdesk privacy …` to the program. */
export function registerPrivacyCommands(program: Command): void {
  const privacy = program.command('privacy').description('Personal data: retention of closed tickets, erasure, access and export');
  privacy.command('retention')
    .description('Run retention now: erase the personal data and delete the closed tickets whose retention period has ended (with --dry-run: only show them)')
    .option('--dry-run', 'list what is due and change nothing (needs no Temporal)')
    .option('--at <iso>', 'dry run only: as at this instant, with its zone (e.g. 2027-01-31T00:00:00Z); default now')
    .option('--rules <file>', 'dry run only: use the retention of this rules file, not yet published, instead of the active version\'s')
    .option('--json', 'print the plan, or the run\'s summary, as JSON')
    .action(async (opts: RetentionOptions) => setExitCode(await retentionCommand(opts)));
  registerAccessCommands(privacy);
  registerErasureCommands(privacy);
}
