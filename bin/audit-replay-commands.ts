/**
 * `helpdesk audit replay NUMBER` and `helpdesk audit replay --closed-between FROM TO`: the replay
 * check (services/audit/), from the command line. Exit 0 when everything checked was reproduced,
 * 1 when anything differs (or a ticket's history cannot be read), 2 for a usage mistake.
 */
import { instantOf } from '../services/audit/period.ts';
import type { Command } from 'commander';
import { ExitCode, setExitCode } from './exit-code.ts';
import type { Difference, PeriodProgress, ReplayVerdict } from '../services/audit/types.ts';
import { loadConfig } from '../runtime/config.ts';
import { webAudit } from '../runtime/audit-evidence.ts';
import { withAudit } from './audit-session.ts';
import { isLanguage, LANGUAGES } from '../api/i18n.ts';
import fs from 'node:fs';
import { cliActor } from '../db/audit-repo.ts';
import { TicketNotFoundForExport } from '../services/audit/evidence.ts';
import { shortKeyId } from '../services/audit/signature.ts';

const out = (line: string) => console.log(line);
const err = (line: string) => console.error(line);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const shown = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** One difference as a sentence. */
export function differenceLine(d: Difference): string {
  const run = `run ${d.runId}`;
  if (d.kind === 'integrity') return `The archived history of ${run} was changed after it was archived: its sha256 was ${d.recorded} when archived and is ${d.recomputed} now.`;
  if (d.kind === 'determinism') return `The workflow code diverges from ${run} at event ${d.eventId ?? '?'}${d.eventType ? ` (${d.eventType})` : ''}: ${d.message}`;
  const what = { decision: 'decision', deadline: 'deadline', policy: 'policy choice', rules_version: 'rules version' }[d.kind];
  return `The recorded ${what} at event ${d.eventId ?? '?'} of ${run} differs in ${d.field}: recorded ${shown(d.recorded)}, recomputed ${shown(d.recomputed)}.`;
}

export function verdictLines(v: ReplayVerdict): string[] {
  const scope = `${plural(v.runs.length, 'run')}, ${plural(v.checked.decisions, 'decision')} and ${plural(v.checked.plans, 'clock plan')} recomputed`;
  const lines = [v.reproducible ? `${v.ticket}: reproducible (${scope}).` : v.runs.length ? `${v.ticket}: NOT reproducible (${scope}).` : `${v.ticket}: no history of it can be read.`];
  for (const d of v.differences) lines.push(`  ${differenceLine(d)}`);
  for (const u of v.unchecked) lines.push(`  Not checked: ${u.what}${u.runId ? ` (run ${u.runId})` : ''}. ${u.why}`);
  return lines;
}

export function registerAuditReplayCommands(audit: Command): void {
  audit
    .command('replay')
    .description('Replay a ticket\'s recorded history through the current workflow code and recompute its decisions and deadlines; or every ticket closed in a period')
    .argument('[number]', 'the ticket, e.g. HD-2026-000042')
    .option('--closed-between <dates...>', 'FROM TO: every ticket closed or cancelled from FROM (inclusive) to TO (exclusive); dates (UTC) or ISO instants')
    .option('--json', 'the verdicts as JSON, for scripts')
    .action(async (number: string | undefined, opts: { closedBetween?: string[]; json?: boolean }) => {
      if ((number === undefined) === (opts.closedBetween === undefined)) {
        err('Name one ticket (helpdesk audit replay HD-2026-000042) or a period (--closed-between 2026-11-01 2026-12-01), not both and not neither.');
        return setExitCode(ExitCode.usage);
      }
      let range: { fromMs: number; toMs: number } | undefined;
      if (opts.closedBetween) {
        const [from, to] = opts.closedBetween.map(instantOf);
        if (opts.closedBetween.length !== 2 || from === undefined || to === undefined || from >= to) {
          err(`--closed-between takes two dates, the first before the second (e.g. 2026-11-01 2026-12-01), not "${opts.closedBetween.join(' ')}".`);
          return setExitCode(ExitCode.usage);
        }
        range = { fromMs: from, toMs: to };
      }
      const code = await withAudit(loadConfig(), err, async (service) => {
        if (number !== undefined) {
          const v = await service.checkTicket(number);
          if (opts.json) out(JSON.stringify(v, null, 2));
          else verdictLines(v).forEach((l) => out(l));
          return v.reproducible ? ExitCode.ok : ExitCode.refused;
        }
        const differing: ReplayVerdict[] = [];
        let last = 0;
        const progress = (p: PeriodProgress) => err(`Checked ${p.done} of ${p.total} tickets: ${p.reproducible} reproducible, ${p.differing} differing, ${p.unreadable} unreadable.`);
        const p = await service.checkPeriod(range!, {
          onVerdict: (v, p) => {
            if (!v.reproducible) differing.push(v);
            if (!opts.json && Date.now() - last > 1000) {
              last = Date.now();
              progress(p);
            }
          },
        });
        if (opts.json) out(JSON.stringify({ ...p, differing: differing }, null, 2));
        else {
          progress(p);
          for (const v of differing) verdictLines(v).forEach((l) => out(l));
          out(p.total === 0 ? 'No ticket was closed in that period.' : p.differing + p.unreadable === 0 ? `All ${plural(p.total, 'ticket')} reproducible.` : `${plural(p.differing + p.unreadable, 'ticket')} of ${p.total} not reproducible.`);
        }
        return p.differing + p.unreadable === 0 ? ExitCode.ok : ExitCode.refused;
      });
      setExitCode(code);
    });
  audit
    .command('export')
    .description('Write a ticket\'s evidence bundle: timeline, histories, replay verdict, rules versions, calendars, audit-log entries, signed with a checkpoint; check it with audit verify-bundle')
    .argument('<number>', 'the ticket, e.g. HD-2026-000042')
    .requiredOption('--out <file>', 'where to write the bundle (.json); an existing file is not overwritten')
    .option('--lang <language>', `the language of the bundle's timeline in words: ${LANGUAGES.join(', ')} (default en)`)
    .action(async (number: string, opts: { out: string; lang?: string }) => {
      const language = opts.lang ?? 'en';
      if (!isLanguage(language)) {
        err(`--lang must be one of ${LANGUAGES.join(', ')}; "${language}" is not a language the helpdesk speaks.`);
        return setExitCode(ExitCode.usage);
      }
      if (fs.existsSync(opts.out)) {
        err(`${opts.out} exists already: give another --out, or move that file away first (an evidence file is never overwritten).`);
        return setExitCode(ExitCode.usage);
      }
      const config = loadConfig();
      const code = await withAudit(config, err, async (_service, { db, client }) => {
        try {
          // The same export as the auditors' page (runtime/audit-evidence.ts), by this operator.
          const { bundle, text, verdict } = await webAudit(config, db, client, err).exportEvidence(number, language, cliActor());
          fs.writeFileSync(opts.out, text, { flag: 'wx' });
          out(`Wrote ${opts.out}: ${number}, ${plural(Object.keys(bundle.files).length, 'file')}, ${verdict.reproducible ? 'reproducible' : 'NOT reproducible'}; signed by key ${shortKeyId(bundle.keyId)} with checkpoint #${bundle.checkpoint.id} (entry #${bundle.checkpoint.seq}).`);
          return ExitCode.ok;
        } catch (e) {
          if (e instanceof TicketNotFoundForExport) {
            err(e.message);
            return ExitCode.refused;
          }
          throw e;
        }
      });
      setExitCode(code);
    });
}
