/**
 * `helpdesk audit list`: the audit log of administrative and privacy actions (db/audit-repo.ts), for
 * operators and auditors; `audit verify` and the other proofs are in bin/audit-proof-commands.ts.
 */
import type { Command } from 'commander';
import type { AuditEntry } from '../db/audit-repo.ts';
import { loadConfig } from '../runtime/config.ts';
import { openDatabase } from '../runtime/stack.ts';
import { registerAuditReplayCommands } from './audit-replay-commands.ts';
import { registerAuditProofCommands } from './audit-proof-commands.ts';
import { registerAuditArchiveCommands } from './audit-archive-commands.ts';
import { registerAuditTimelineCommands } from './audit-timeline-commands.ts';

const quiet = (line: string) => console.error(line);

const line = (e: AuditEntry): string =>
  `#${e.seq}  ${e.occurredAt}  ${e.actor}  ${e.action}  ${e.subject}  ${JSON.stringify(e.details)}`;

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('The audit log of administrative and privacy actions');
  registerAuditReplayCommands(audit);
  registerAuditTimelineCommands(audit);
  registerAuditProofCommands(audit);
  registerAuditArchiveCommands(audit);
  audit
    .command('list')
    .description('Show the newest entries first')
    .option('--limit <n>', 'how many entries', '50')
    .option('--json', 'one JSON array, for scripts')
    .action(async (opts: { limit: string; json?: boolean }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) {
        console.error(`--limit must be a whole number from 1 to 100000, not "${opts.limit}".`);
        process.exitCode = 2;
        return;
      }
      const db = await openDatabase(loadConfig(), quiet);
      try {
        const entries = await db.audit.list(limit);
        if (opts.json) console.log(JSON.stringify(entries, null, 2));
        else if (!entries.length) console.log('The audit log is empty.');
        else for (const e of entries) console.log(line(e));
      } finally {
        await db.close();
      }
    });
}
