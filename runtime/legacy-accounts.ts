/**
 * What opening the database does about accounts and the master key (runtime/stack.ts
 * openDatabase, after migrating), for every process and command alike:
 *
 * - A master key file is generated, as `helpdesk start` generates it and with the same log line,
 *   only by a process that started the embedded database itself (no DATABASE_URL, and no other
 *   process of the data folder — no running helpdesk — holds its lock) and only while nothing is
 *   wrapped yet (no data key, no blind-index key): so a command can never make a key the running
 *   helpdesk does not have. Otherwise the key is never made here: give HELPDESK_MASTER_KEY (or the
 *   file) as the web and worker processes have it.
 * - Account rows from before migration 0015 are sealed (db/legacy-accounts.ts). Without a master
 *   key they are left for the next process that has one, with a log line, so commands that touch
 *   no account (`helpdesk rules …`, `audit verify`) still run; a command that does touch an
 *   account says which key is missing.
 */
import fs from 'node:fs';
import { QueryTypes, type Sequelize } from 'sequelize';
import { legacyAccountRows, sealLegacyAccounts } from '../db/legacy-accounts.ts';
import { readLiveHolder } from './data-lock.ts';
import type { Vault } from '../db/vault.ts';
import type { Config } from './config.ts';
import { ensureMasterKeyFile } from './master-key.ts';

type KeyConfig = Pick<Config, 'databaseUrl' | 'masterKey' | 'masterKeyFile' | 'dataDir'>;

const hasMasterKey = (config: KeyConfig): boolean => Boolean(config.masterKey) || fs.existsSync(config.masterKeyFile);

async function anythingWrapped(sequelize: Sequelize): Promise<boolean> {
  const [row] = await sequelize.query<{ wrapped: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM data_keys) OR EXISTS (SELECT 1 FROM portal_settings WHERE key = 'blind_index_key') AS wrapped`,
    { type: QueryTypes.SELECT },
  );
  return row!.wrapped;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Whether this process alone runs the data folder: it started the embedded database itself, and no other process (a running helpdesk) holds the folder's lock. */
function ownsDataFolder(config: KeyConfig, startedEmbedded: boolean): boolean {
  if (config.databaseUrl || !startedEmbedded) return false;
  const holder = readLiveHolder(config.dataDir);
  return holder === undefined || holder.pid === process.pid;
}

/** `startedEmbedded`: this process started the embedded PostgreSQL it uses (runtime/database-target.ts `embedded`). */
export async function sealAccountsOnOpen(config: KeyConfig, sequelize: Sequelize, vault: Vault, log: (line: string) => void, startedEmbedded: boolean): Promise<void> {
  if (!hasMasterKey(config) && ownsDataFolder(config, startedEmbedded) && !(await anythingWrapped(sequelize))) ensureMasterKeyFile(config, log);
  const plain = await legacyAccountRows(sequelize);
  if (plain === 0) return;
  if (!hasMasterKey(config)) {
    log(`${plural(plain, 'account row', 'account rows')} from before sealing still hold an address in plain text; the next process started with the master key (HELPDESK_MASTER_KEY or ${config.masterKeyFile}) seals them`);
    return;
  }
  const done = await sealLegacyAccounts(sequelize, vault, log);
  log(`Sealed what accounts held in plain text before sealing: ${plural(done.users, 'user', 'users')}, ${plural(done.signUps, 'pending sign-up', 'pending sign-ups')}, ${plural(done.mails, 'account mail', 'account mails')}`);
}
