/**
 * `helpdesk privacy erase | reapply-erasures | rotate-master-key` (docs/privacy.md).
 *
 * `erase --email ADDRESS --reason TEXT` erases a person: their data keys are destroyed, the
 * plain-text projections deleted, their account removed; tickets and their histories stay.
 * `reapply-erasures` applies the erasure ledger again after a database restore.
 * `rotate-master-key` wraps every data key under the first master key of the ring.
 *
 * Exit codes: 0 done; 1 refused or failed (the sentence says why); 2 the command line is wrong.
 */
import type { Command } from 'commander';
import { cliActor } from '../db/audit-repo.ts';
import { erasureDeps } from '../runtime/compose.ts';
import { loadConfig } from '../runtime/config.ts';
import { describeFailure } from '../runtime/failure.ts';
import { openDatabase, type Database } from '../runtime/stack.ts';
import { ServiceError } from '../services/errors.ts';
import { erasePerson, reapplyErasures } from '../services/privacy/erase.ts';
import { createI18n } from '../api/i18n.ts';
import { setExitCode } from './exit-code.ts';

const out = (line = ''): void => console.log(line);
const err = (line = ''): void => console.error(line);


async function withDatabase(fn: (db: Database, config: ReturnType<typeof loadConfig>) => Promise<number>): Promise<number> {
  const config = loadConfig();
  let db: Database | undefined;
  try {
    db = await openDatabase(config, (line) => err(line));
    return await fn(db, config);
  } catch (e) {
    if (e instanceof ServiceError) {
      const t = (await createI18n()).getFixedT('en', 'api');
      err(t(e.messageKey, e.params));
      return e.status === 422 ? 2 : 1;
    }
    err(describeFailure(e));
    return 1;
  } finally {
    await db?.close();
  }
}

const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export function registerErasureCommands(privacy: Command): void {
  privacy.command('erase')
    .description('Erase a person: destroy their data keys, delete their account and the plain-text copies; tickets and histories stay')
    .requiredOption('--email <address>', 'the person\'s e-mail address')
    .requiredOption('--reason <text>', 'the legal ground and a case reference (kept in the audit log; no names or addresses)')
    .action(async (opts: { email: string; reason: string }) => setExitCode(await withDatabase(async (db, config) => {
      const r = await erasePerson(erasureDeps(config, db), { email: opts.email, reason: opts.reason, actor: cliActor() });
      const kept = r.tickets.length === 1 ? '1 ticket keeps its timeline and SLA figures' : `${r.tickets.length} tickets keep their timelines and SLA figures`;
      out(`Erased person ${r.person ?? '(reported before sealing)'}: ${kept}, with "[erased]" where the person's data was; ${count(r.keysDestroyed, 'data key', 'data keys')} destroyed; account ${r.accountDeleted ? 'deleted' : 'none'}.`);
      if (r.legacyTickets.length) out(`${count(r.legacyTickets.length, 'ticket was', 'tickets were')} reported before personal data was sealed (${r.legacyTickets.join(', ')}): scrubbed in the database; Temporal keeps their plain history until its retention removes it (docs/privacy.md).`);
      out(`Recorded in the erasure ledger (${config.erasureLedger}) and the audit log.`);
      return 0;
    })));

  privacy.command('reapply-erasures')
    .description('After restoring the database from a backup: apply every erasure in the erasure ledger again')
    .action(async () => setExitCode(await withDatabase(async (db, config) => {
      const r = await reapplyErasures(erasureDeps(config, db), cliActor());
      out(`Re-applied ${count(r.entries, 'erasure', 'erasures')} from ${config.erasureLedger}: ${count(r.keysDestroyed, 'data key was', 'data keys were')} still present and destroyed now.`);
      return 0;
    })));

  privacy.command('rotate-master-key')
    .description('Wrap every data key under the first master key (HELPDESK_MASTER_KEY or the master key file); then the old keys may go')
    .action(async () => setExitCode(await withDatabase(async (db) => {
      const n = await db.vault.rewrapAll();
      await db.sequelize.transaction((t) => db.audit.append({ actor: cliActor(), action: 'privacy.master_key_rotated', subject: 'master-key', details: { rewrapped: n } }, t));
      out(`Rewrapped ${count(n, 'key', 'keys')} under the first master key; keys older than it may now be removed from the ring.`);
      return 0;
    })));
}
