/**
 * Key rings kept in the environment or in a key file under the data folder: the service keys of
 * the Temporal payload codec (runtime/payload-codec.ts) and the master keys that wrap each
 * person's data keys (db/vault.ts). A ring is `id:base64-of-32-bytes` entries,
 * comma- or line-separated; the first one writes, all of them read, so a key is rotated by putting
 * a new one first and keeping the old ones.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config.ts';

export interface ServiceKey {
  id: string;
  key: Buffer;
}

/** Keys in the order given: the first one writes, all of them read. */
export interface KeyRing {
  current: ServiceKey;
  keys: ReadonlyMap<string, Buffer>;
}

/**
 * Parses `id:base64key` entries separated by commas or new lines (blank lines and `#`
 * comments ignored). Each key is 32 bytes (AES-256); ids are unique. `source` names where
 * the keys came from and `what` what they are, for the error message (never the key itself).
 */
export function parseRing(text: string, source: string, what: string): KeyRing {
  const entries = text
    .split('\n')
    .filter((l) => !l.trim().startsWith('#'))
    .flatMap((l) => l.split(','))
    .map((e) => e.trim())
    .filter((e) => e !== '');
  if (entries.length === 0) throw new ConfigError(`${source} holds no ${what}; give at least one as id:base64-of-32-bytes`);
  const keys = new Map<string, Buffer>();
  let current: ServiceKey | undefined;
  entries.forEach((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon).trim() : '';
    const key = Buffer.from(colon > 0 ? entry.slice(colon + 1).trim() : '', 'base64');
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) throw new ConfigError(`${source}: ${what} ${i + 1} needs an id (letters, digits, . _ -) before a colon, as id:base64-of-32-bytes`);
    if (key.length !== 32) throw new ConfigError(`${source}: ${what} "${id}" must be 32 bytes in base64 (AES-256), got ${key.length} bytes`);
    if (keys.has(id)) throw new ConfigError(`${source}: ${what} id "${id}" is given twice; each key needs an id of its own`);
    keys.set(id, key);
    current ??= { id, key };
  });
  return { current: current!, keys };
}

/** A new key ring entry: `id:base64key` with a random 32-byte key. */
export function newKeyEntry(id = `k${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`): string {
  return `${id}:${crypto.randomBytes(32).toString('base64')}`;
}

/** Reads a ring from its environment value, else from its key file. */
export function loadRing(envValue: string | undefined, file: string, names: { what: string; envName: string; fileEnvName: string }): KeyRing {
  if (envValue) return parseRing(envValue, names.envName, names.what);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    throw new ConfigError(`No ${names.what}: set ${names.envName}, or create ${file} (${names.fileEnvName}; \`helpdesk start\` generates it)`);
  }
  return parseRing(text, file, names.what);
}

/** Left beside a generated key file: a key file missing later was lost, not never made. */
const generatedMarker = (keyFile: string): string => `${keyFile}.generated`;

export interface KeyFileText {
  /** e.g. "service key file". */
  what: string;
  /** The file's first line, a `#` comment saying what it is. */
  header: string;
  /** What is lost without the file, for the refusal when a generated one went missing. */
  lost: string;
  envName: string;
  /** The one log line said when the file is generated (never the key). */
  generated: string;
}

/**
 * Generates the key file (mode 0600) once when it does not exist, and says so. A generated key
 * file that has gone missing is not replaced by a new key: what was written with the lost one
 * could no longer be read, so that is refused with what to do.
 */
export function ensureKeyFile(file: string, text: KeyFileText, log: (line: string) => void): void {
  if (fs.existsSync(file)) return;
  if (fs.existsSync(generatedMarker(file))) {
    throw new ConfigError(
      `The ${text.what} ${file} was generated here before and is missing now; ${text.lost}. ` +
        `Restore it from your backup (or set ${text.envName}); to start from scratch instead, delete the data folder.`,
    );
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(file, `${text.header}\n${newKeyEntry()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  fs.writeFileSync(generatedMarker(file), `${new Date().toISOString()}\n`);
  log(text.generated);
}
