/**
 * The master key ring: it wraps every person's data keys (db/vault.ts).
 * HELPDESK_MASTER_KEY, else the master key file (default <data>/master-key), which
 * `helpdesk start` generates with mode 0600 when neither exists.
 */
import type { Config } from './config.ts';
import { ensureKeyFile, loadRing, type KeyRing } from './key-ring.ts';

export function loadMasterKeyRing(config: Pick<Config, 'masterKey' | 'masterKeyFile'>): KeyRing {
  return loadRing(config.masterKey, config.masterKeyFile, { what: 'master key', envName: 'HELPDESK_MASTER_KEY', fileEnvName: 'HELPDESK_MASTER_KEY_FILE' });
}

export function ensureMasterKeyFile(config: Pick<Config, 'masterKey' | 'masterKeyFile'>, log: (line: string) => void): void {
  if (config.masterKey) return;
  ensureKeyFile(config.masterKeyFile, {
    what: 'master key file',
    header: '# Master keys that wrap each person\'s data keys: id:base64, the first one wraps. Keep old keys until `helpdesk privacy rotate-master-key` has run.',
    lost: 'no personal data (addresses, titles, descriptions, messages) can be read without it',
    envName: 'HELPDESK_MASTER_KEY',
    generated: `Generated a master key for personal data in ${config.masterKeyFile} (mode 0600); back it up, apart from the data folder's backups: without it no personal data can be read`,
  }, log);
}
