/**
 * `helpdesk audit archive [NUMBER]` and `helpdesk audit archive --status` (docs/audit-archive.md):
 * the history archive from the command line. Without --status it sweeps now, with this
 * process's Temporal client, as the scheduled sweep does (every closed run not archived yet, or
 * one ticket's), and prints the counts; exit 1 when a run could not be archived. With --status it
 * lists the closed runs not archived yet with their failures; exit 1 when one closed more than one
 * archive interval (HELPDESK_ARCHIVE_INTERVAL) ago is not archived. 2 for a usage mistake.
 */
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { ExitCode, setExitCode } from './exit-code.ts';
import { loadConfig, type Config } from '../runtime/config.ts';
import { readLiveHolder } from '../runtime/data-lock.ts';
import { describeFailure } from '../runtime/failure.ts';
import { openDatabase, type Database } from '../runtime/stack.ts';
import { closeClient, connectClient, targetFromConfig } from '../runtime/temporal.ts';
import { createHistorySource, type ArchiveStatus, type HistorySourceWithArchive } from '../services/audit/histories.ts';
import type { ArchiveSweepSummary } from '../workflows/archive-types.ts';

const out = (line: string) => console.log(line);
const err = (line: string) => console.error(line);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const minutes = (ms: number) => plural(Math.round(ms / 60_000), 'minute');

/** A sweep's counts in words. */
export function sweepLines(s: ArchiveSweepSummary): string[] {
  const lines = [`Archived ${plural(s.archived, 'run')}; ${plural(s.alreadyArchived, 'run')} already in the archive; ${plural(s.failed, 'run')} failed (retried by the next sweep) — ${plural(s.considered, 'closed run')} considered.`];
  if (s.skipped.noTicket) lines.push(`Left out: ${plural(s.skipped.noTicket, 'run')} of tickets no longer in the database (deleted by retention).`);
  if (s.skipped.legacy) lines.push(`Left out: ${plural(s.skipped.legacy, 'run')} of tickets reported before sealing (their histories hold personal data in plain text; see docs/audit-archive.md).`);
  return lines;
}

/** The status in words; the last line says whether the archive is behind. */
export function statusLines(s: ArchiveStatus, intervalMs: number): string[] {
  const lines = [`The archive holds ${plural(s.archivedRuns, 'run')}; Temporal lists ${plural(s.closedRuns, 'closed run')} of the task queue${s.listedUntil ? `; the last complete sweep listed up to ${s.listedUntil}` : '; no sweep has completed yet'}.`];
  if (s.skipped.noTicket || s.skipped.legacy) lines.push(`Left out by design: ${plural(s.skipped.noTicket, 'run')} of deleted tickets, ${plural(s.skipped.legacy, 'run')} of tickets reported before sealing.`);
  if (!s.notArchived.length) {
    lines.push('Every closed run is archived.');
    return lines;
  }
  lines.push(`Not archived yet: ${plural(s.notArchived.length, 'closed run')}:`);
  for (const r of s.notArchived) {
    const state = r.state === 'lost' ? 'LOST (Temporal no longer has it)' : r.state === 'failing' ? 'failing' : 'waiting for the next sweep';
    lines.push(`  ${r.ticketNumber}  run ${r.runId}  closed ${r.closedAt ?? 'at an unknown time'}  ${state}${r.overdue ? '  OVERDUE' : ''}`);
    if (r.failure) lines.push(`    ${plural(r.failure.attempts, 'attempt')}, the last at ${r.failure.lastAttemptAt}: ${r.failure.lastError}`);
  }
  lines.push(s.overdue
    ? `${plural(s.overdue, 'run')} closed more than ${minutes(intervalMs)} ago ${s.overdue === 1 ? 'is' : 'are'} not archived: is a worker running (\`helpdesk start\` or \`helpdesk worker\`), and does its log say why? \`helpdesk audit archive\` tries again now.`
    : `None closed more than ${minutes(intervalMs)} ago (one archive interval): the next sweep takes them.`);
  return lines;
}

/** The database, Temporal (TEMPORAL_ADDRESS, else the running helpdesk's) and the history source over them, closed afterwards. */
async function withArchive(config: Config, fn: (source: HistorySourceWithArchive, parts: { db: Database; client: Client }) => Promise<number>): Promise<number> {
  const address = config.temporal.address ?? readLiveHolder(config.dataDir)?.temporal;
  if (!address) {
    err('The archive copies histories from Temporal: start the helpdesk (`helpdesk start`), or set TEMPORAL_ADDRESS to the Temporal its workers use.');
    return ExitCode.refused;
  }
  const client = await connectClient(targetFromConfig(config, address)).catch((e: unknown) => {
    err(`Cannot reach Temporal at ${address}: ${describeFailure(e)}.`);
    return undefined;
  });
  if (!client) return ExitCode.refused;
  try {
    const db = await openDatabase(config, err);
    try {
      return await fn(createHistorySource({ client, archive: db.historyArchive, taskQueue: config.temporal.taskQueue }), { db, client });
    } finally {
      await db.close();
    }
  } finally {
    await closeClient(client);
  }
}

const TICKET = /^[A-Z]{1,8}-\d{4}-\d{6}$/;

export function registerAuditArchiveCommands(audit: Command): void {
  audit
    .command('archive')
    .description('Copy the histories of closed ticket runs from Temporal into the archive now (the schedule does it every HELPDESK_ARCHIVE_INTERVAL); --status lists the closed runs not archived yet')
    .argument('[number]', 'only this ticket\'s runs, e.g. HD-2026-000042')
    .option('--status', 'list the closed runs not archived yet with their failures; exit 1 when one closed more than one interval ago')
    .option('--json', 'the counts or the status as JSON, for scripts')
    .action(async (number: string | undefined, opts: { status?: boolean; json?: boolean }) => {
      if (number !== undefined && !TICKET.test(number)) {
        err(`"${number}" is not a ticket number (such as HD-2026-000042).`);
        return setExitCode(ExitCode.usage);
      }
      if (number && opts.status) {
        err('--status reports every closed run; give it without a ticket number.');
        return setExitCode(ExitCode.usage);
      }
      const config = loadConfig();
      setExitCode(await withArchive(config, async (source) => {
        if (opts.status) {
          const status = await source.archiveStatus({ intervalMs: config.archiveIntervalMs });
          if (opts.json) out(JSON.stringify(status, null, 2));
          else for (const l of statusLines(status, config.archiveIntervalMs)) out(l);
          return status.overdue ? ExitCode.refused : ExitCode.ok;
        }
        const summary = await source.archiveNow(number);
        if (opts.json) out(JSON.stringify(summary, null, 2));
        else for (const l of sweepLines(summary)) out(l);
        if (summary.failed) err('Some runs could not be archived: `helpdesk audit archive --status` says why.');
        return summary.failed ? ExitCode.refused : ExitCode.ok;
      }));
    });
}
