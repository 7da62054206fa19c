/**
 * What opening the database does about accounts and the master key (runtime/stack.ts
 * openDatabase, after migrating), for every process and command alike:
 *
 * - On the embedded database (no DATABASE_URL: the data folder is this machine's), a master key
 *   file is generated as `helpdesk start` generates it, with the same log line — but only while
 *   nothing is wrapped yet (no data key, no blind-index key), so a command can never wrap keys
 *   under a key the running helpdesk does not have. With DATABASE_URL the key is never made here:
 *   give HELPDESK_MASTER_KEY (or the file) as the web and worker processes have it.
 * - Account rows from before migration 0015 are sealed (db/legacy-accounts.ts). Without a master
 *   key they are left for the next process that has one, with a log line, so commands that touch
 *   no account (`helpdesk rules …`, `audit verify`) still run; a command that does touch an
 *   account says which key is missing.
 */
import fs from 'node:fs';
import { QueryTypes, type Sequelize } from 'sequelize';
import { legacyAccountRows, sealLegacyAccounts } from '../db/legacy-accounts.ts';
import type { Vault } from '../db/vault.ts';
import type { Config } from './config.ts';
import { ensureMasterKeyFile } from './master-key.ts';

type KeyConfig = Pick<Config, 'databaseUrl' | 'masterKey' | 'masterKeyFile'>;

const hasMasterKey = (config: KeyConfig): boolean => Boolean(config.masterKey) || fs.existsSync(config.masterKeyFile);

async function anythingWrapped(sequelize: Sequelize): Promise<boolean> {
  const [row] = await sequelize.query<{ wrapped: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM data_keys) OR EXISTS (SELECT 1 FROM portal_settings WHERE key = 'blind_index_key') AS wrapped`,
    { type: QueryTypes.SELECT },
  );
  return row!.wrapped;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export async function sealAccountsOnOpen(config: KeyConfig, sequelize: Sequelize, vault: Vault, log: (line: string) => void): Promise<void> {
  if (!config.databaseUrl && !hasMasterKey(config) && !(await anythingWrapped(sequelize))) ensureMasterKeyFile(config, log);
  const plain = await legacyAccountRows(sequelize);
  if (plain === 0) return;
  if (!hasMasterKey(config)) {
    log(`${plural(plain, 'account row', 'account rows')} from before sealing still hold an address in plain text; the next process started with the master key (HELPDESK_MASTER_KEY or ${config.masterKeyFile}) seals them`);
    return;
  }
  const done = await sealLegacyAccounts(sequelize, vault);
  log(`Sealed what accounts held in plain text before sealing: ${plural(done.users, 'user', 'users')}, ${plural(done.signUps, 'pending sign-up', 'pending sign-ups')}, ${plural(done.mails, 'account mail', 'account mails')}`);
}
