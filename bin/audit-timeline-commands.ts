/**
 * `helpdesk audit timeline NUMBER [--lang pl|en|de] [--time-zone ZONE] [--reason TEXT] [--json]`:
 * the ticket's timeline in words (services/audit/timeline.ts), every automated entry with its
 * "why". The read is recorded in the access log as the operator's (channel cli), as every staff
 * read of a ticket's people and words is. Exit 0 with the timeline (when its histories cannot be
 * read just now, its first line says so), 1 when the ticket is unknown or the access log cannot be
 * written, 2 for a usage mistake.
 */
import type { Command } from 'commander';
import { isLanguage, LANGUAGES } from '../api/i18n.ts';
import { cliActor } from '../db/audit-repo.ts';
import { loadConfig } from '../runtime/config.ts';
import { TicketNotFoundForTimeline, timelineLines } from '../services/audit/timeline.ts';
import { ServiceError } from '../services/errors.ts';
import { accessReason, operatorViewer } from '../services/privacy/access-log.ts';
import { withAudit } from './audit-session.ts';
import { ExitCode, setExitCode } from './exit-code.ts';

const out = (line: string) => console.log(line);
const err = (line: string) => console.error(line);

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function registerAuditTimelineCommands(audit: Command): void {
  audit
    .command('timeline')
    .description('Show a ticket\'s timeline in words: every event with its actor, time and reason, each decision with its rules, deadlines, pauses, escalations and notifications, and why')
    .argument('<number>', 'the ticket, e.g. HD-2026-000042')
    .option('--lang <language>', `the language of the sentences: ${LANGUAGES.join(', ')} (default en)`)
    .option('--time-zone <zone>', 'the time zone times are written in, e.g. Europe/Warsaw (default UTC)')
    .option('--reason <text>', 'why you read it, kept in the access log (no personal data)')
    .option('--json', 'the timeline as JSON, for scripts')
    .action(async (number: string, opts: { lang?: string; timeZone?: string; reason?: string; json?: boolean }) => {
      const language = opts.lang ?? 'en';
      if (!isLanguage(language)) {
        err(`--lang must be one of ${LANGUAGES.join(', ')}; "${language}" is not a language the helpdesk speaks.`);
        return setExitCode(ExitCode.usage);
      }
      if (opts.timeZone !== undefined && !validZone(opts.timeZone)) {
        err(`--time-zone must be an IANA time zone such as Europe/Warsaw or UTC, not "${opts.timeZone.slice(0, 60)}".`);
        return setExitCode(ExitCode.usage);
      }
      let reason: string | null;
      try {
        reason = accessReason(opts.reason ?? null);
      } catch (e) {
        if (!(e instanceof ServiceError)) throw e;
        err('--reason must be one line of at most 500 characters without an e-mail address: it is kept in the access log for good.');
        return setExitCode(ExitCode.usage);
      }
      const code = await withAudit(loadConfig(), err, async (service) => {
        try {
          const t = await service.timeline(number.trim().toUpperCase(), {
            language, ...(opts.timeZone ? { timeZone: opts.timeZone } : {}), viewer: operatorViewer(cliActor()), channel: 'cli', reason,
          });
          if (opts.json) out(JSON.stringify(t, null, 2));
          else timelineLines(t).forEach((l) => out(l));
          return ExitCode.ok;
        } catch (e) {
          if (!(e instanceof TicketNotFoundForTimeline)) throw e;
          err(e.message);
          return ExitCode.refused;
        }
      });
      setExitCode(code);
    });
}
