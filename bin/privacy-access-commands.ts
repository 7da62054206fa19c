/**
 * `helpdesk privacy export` and `helpdesk privacy access-log` (docs/access-log.md).
 *
 * `privacy export --email ADDRESS [--reason TEXT] [--out FILE]` writes everything held about the
 * person as JSON — an admin's export, with every internal note (the staff shape of api/access.ts)
 * — to standard output or to FILE, a new file readable by its owner only (an existing file is
 * refused, not overwritten: it could be readable by others). It is recorded first: in the audit
 * log (`privacy.exported`, subject `person:<pseudonym>`, actor `cli:<os user>`) and the access
 * log (`person.export`, `ticket.export` for each ticket, as operator, channel cli).
 *
 * `privacy access-log [--ticket N] [--person EMAIL] [--pseudonym UUID] [--limit N] [--json]`
 * lists the access log's entries, newest first; after an erasure a person is found by pseudonym only.
 *
 * Exit codes (as `privacy erase`): 0 done; 1 nothing is held about the person, or a refusal or a
 * failure (the sentence says which; nothing is recorded); 2 the command line is wrong (a
 * malformed address, pseudonym, reason or limit).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { TFunction } from 'i18next';
import { staffTicket } from '../api/access.ts';
import { createI18n } from '../api/i18n.ts';
import type { AccessEntry } from '../db/access-log-repo.ts';
import { cliActor } from '../db/audit-repo.ts';
import { loadConfig } from '../runtime/config.ts';
import { openDatabase, type Database } from '../runtime/stack.ts';
import { ServiceError } from '../services/errors.ts';
import { operatorViewer, queryAccessLog } from '../services/privacy/access-log.ts';
import { exportPerson } from '../services/privacy/export.ts';
import { ExitCode, setExitCode } from './exit-code.ts';


const out = (line = ''): void => console.log(line);
const err = (line = ''): void => console.error(line);


/** A refusal the person at the keyboard can act on, in English (the command line's language), with fields named as options. */
function sentence(e: ServiceError, t: TFunction): string {
  if (e.fields.length === 0) return t(e.messageKey, e.params);
  return `${e.fields.map((f) => t(`field.${f.key}`, { ...f.params, field: `--${f.field === 'person' ? 'person' : f.field}` })).join('; ')}.`;
}

/** Bad input (400, 422) exits 2; "nothing held" (404) and other refusals exit 1, as `privacy erase` does. */
const exitFor = (e: ServiceError): ExitCode => (e.status === 400 || e.status === 422 ? ExitCode.usage : ExitCode.refused);

/** Runs `fn` on the database; a refusal is said in a sentence (exit 1, or 2 for bad input), with nothing recorded. */
async function withDatabase(fn: (db: Database) => Promise<void>): Promise<ExitCode> {
  const t = (await createI18n()).getFixedT('en');
  const db = await openDatabase(loadConfig(), err);
  try {
    await fn(db);
    return ExitCode.ok;
  } catch (e) {
    if (!(e instanceof ServiceError) || e.status >= 500) throw e;
    err(sentence(e, t));
    return exitFor(e);
  } finally {
    await db.close();
  }
}

interface ExportOptions { email: string; reason?: string; out?: string }

async function exportCommand(opts: ExportOptions): Promise<ExitCode> {
  // The file first: when it cannot be made, nothing is read or recorded.
  const file = opts.out === undefined ? undefined : createOutFile(opts.out);
  if (typeof file === 'string') {
    err(file);
    return ExitCode.usage;
  }
  return withDatabase(async (db) => {
    const exportDeps = { accessLog: db.accessLog, people: db.personExport, portal: db.portal, tickets: db.tickets, vault: db.vault };
    const result = await exportPerson(exportDeps, {
      email: opts.email, reason: opts.reason, scope: 'full', shape: staffTicket, by: operatorViewer(cliActor()), channel: 'cli',
    });
    const text = `${JSON.stringify(result, null, 2)}\n`;
    if (!file) return void process.stdout.write(text);
    file.write(text);
    const whom = result.person.pseudonym ? `person ${result.person.pseudonym}` : 'the person (who has no pseudonym: known only from before sealing)';
    err(`Wrote the export of ${whom} (${result.tickets.length} ${result.tickets.length === 1 ? 'ticket' : 'tickets'}) to ${opts.out}; it holds personal data, keep it safe.`);
  }).finally(() => file?.close());
}

/** A file opened for the export, before anything is read or recorded. */
interface OutFile { write(text: string): void; close(): void }

/**
 * Makes FILE new, readable by its owner only (`wx`: an existing file — whose mode and owner are
 * not ours to trust — is refused, and so is a symbolic link in its place). The mode is set on
 * the open descriptor too, whatever the umask. A refusal is a sentence and exit 2.
 */
function createOutFile(file: string): OutFile | string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return `${file} already exists: the export is written to a new file only (an existing one may be readable by others). Remove it or name another with --out.`;
    if (code === 'ENOENT') return `The folder ${path.dirname(file)} does not exist: create it or name another file with --out.`;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `${file} cannot be created here (${code}): name a file in a folder you may write to with --out.`;
    if (code === 'EISDIR') return `${file} is a folder: name a file with --out.`;
    throw e;
  }
  fs.fchmodSync(fd, 0o600);
  let written = false;
  return {
    write(text) {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
      written = true;
    },
    close() {
      fs.closeSync(fd);
      // Nothing was exported (refused or failed): no empty file is left behind.
      if (!written) fs.rmSync(file, { force: true });
    },
  };
}

interface AccessLogOptions { ticket?: string; person?: string; pseudonym?: string; limit: string; json?: boolean }

const who = (e: AccessEntry) => (e.viewerEmail ? `${e.viewerEmail} (${e.viewer})` : e.viewer);

function printEntries(entries: AccessEntry[]): void {
  if (entries.length === 0) return out('No access-log entries match.');
  for (const e of entries) {
    out(`#${e.id}  ${e.occurredAt}  ${who(e)}  ${e.viewerRole}  ${e.what}  ${e.channel}  ${e.ticketNumber ?? '-'}  ${e.person ?? '-'}  ${e.reason ?? '(no reason)'}`);
  }
  out(`${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}, newest first.`);
}

async function accessLogCommand(opts: AccessLogOptions): Promise<ExitCode> {
  if (!/^\d{1,4}$/.test(opts.limit) || Number(opts.limit) < 1 || Number(opts.limit) > 1000) {
    err(`--limit must be a whole number from 1 to 1000, not "${opts.limit}".`);
    return ExitCode.usage;
  }
  return withDatabase(async (db) => {
    const entries = await queryAccessLog(db, { ticket: opts.ticket, person: opts.person, pseudonym: opts.pseudonym, limit: Number(opts.limit) });
    if (opts.json) out(JSON.stringify(entries, null, 2));
    else printEntries(entries);
  });
}

/** Adds `export` and `access-log` to `helpdesk privacy`. */
export function registerAccessCommands(privacy: Command): void {
  privacy.command('export')
    .description('Write everything held about a person as JSON (an admin\'s export, internal notes included); recorded in the audit and access logs')
    .requiredOption('--email <address>', 'the person\'s e-mail address')
    .option('--reason <text>', 'why (kept in the access log): one line, at most 500 characters, no personal data')
    .option('--out <file>', 'write to this new file (mode 0600; an existing file is refused) instead of standard output')
    .action(async (opts: ExportOptions) => setExitCode(await exportCommand(opts)));
  privacy.command('access-log')
    .description('Who of the staff read which ticket\'s personal data, when and why; newest first')
    .option('--ticket <number>', 'only entries about this ticket')
    .option('--person <email>', 'only entries about this person (their tickets and exports)')
    .option('--pseudonym <uuid>', 'only entries naming this pseudonym (how an erased person is still found)')
    .option('--limit <n>', 'how many entries (1-1000)', '100')
    .option('--json', 'one JSON array, for scripts')
    .action(async (opts: AccessLogOptions) => setExitCode(await accessLogCommand(opts)));
}
