/**
 * The audit signing key: an Ed25519 key (node:crypto) that signs the audit log's checkpoints and
 * the evidence bundles (services/audit/). It is kept OUTSIDE the database, so someone who can
 * rewrite the database cannot sign a rewritten log:
 * - HELPDESK_AUDIT_SIGNING_KEY: the private key as PKCS#8 PEM text (`-----BEGIN PRIVATE KEY-----…`,
 *   real new lines or `\n`), or the path of a file holding it (never generated: it must exist);
 * - else `<data dir>/audit-signing-key`, generated on first use with mode 0600 (one log line says
 *   to back it up). A generated key file that has gone missing is not replaced: a marker beside it
 *   (`audit-signing-key.generated`) says it was made here, as runtime/key-ring.ts does for the
 *   master key, and the refusal says to restore it.
 * The key id is sha256 of the public key's SPKI DER (services/audit/signature.ts).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, type Config } from './config.ts';
import { keyIdOf, shortKeyId, type Signer } from '../services/audit/signature.ts';
import { createAuditCheckpoints, type AuditCheckpoints } from '../services/audit/checkpoints.ts';
import type { AuditRepo } from '../db/audit-repo.ts';
import type { AuditCheckpointsRepo } from '../db/audit-checkpoints-repo.ts';

const ENV = 'HELPDESK_AUDIT_SIGNING_KEY';
const HEADER = '# The audit signing key (Ed25519, PKCS#8 PEM): it signs the audit log\'s checkpoints and evidence bundles. Back it up apart from the database.';

const marker = (file: string): string => `${file}.generated`;

function parsePrivateKey(text: string, source: string): KeyObject {
  const pem = text.replace(/\\n/g, '\n').split('\n').filter((l) => !l.startsWith('#')).join('\n').trim();
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigError(`${source} is not a private key in PEM: give an Ed25519 key as PKCS#8 PEM (openssl genpkey -algorithm ed25519), or leave ${ENV} empty to use the data folder's generated key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ConfigError(`${source} holds a ${key.asymmetricKeyType ?? 'unknown'} key; the audit signing key must be Ed25519 (openssl genpkey -algorithm ed25519)`);
  return key;
}

/** A Signer over a private key. */
export function signerOf(privateKey: KeyObject): Signer {
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: keyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: (text: string) => sign(null, Buffer.from(text, 'utf8'), privateKey).toString('base64'),
  };
}

/** A new Ed25519 private key as PKCS#8 PEM (for tests and operators setting HELPDESK_AUDIT_SIGNING_KEY). */
export function newSigningKeyPem(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function readKeyFile(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The configured signing key, without making one: undefined when it is the data folder's key
 * and that was never generated (nothing has been signed here yet). Refuses a key file that was
 * generated here and is missing now, and a key that is not Ed25519.
 */
export function readAuditSigner(config: Pick<Config, 'auditSigningKey'>): Signer | undefined {
  const k = config.auditSigningKey;
  if ('pem' in k) return signerOf(parsePrivateKey(k.pem, ENV));
  const text = readKeyFile(k.file);
  if (text !== undefined) return signerOf(parsePrivateKey(text, k.file));
  if (!k.generate) throw new ConfigError(`${ENV} names ${k.file}, which does not exist: restore the key file there, or correct ${ENV}`);
  if (fs.existsSync(marker(k.file))) {
    throw new ConfigError(
      `The audit signing key ${k.file} was generated here before and is missing now; without it no new checkpoint or bundle can be signed with the key auditors know. `
        + `Restore it from your backup (or set ${ENV}); to start a new key on purpose, delete ${marker(k.file)} and publish the new key id (docs/audit-proof.md, "Rotation").`,
    );
  }
  return undefined;
}

/** The signing key, generated (mode 0600, one log line) on first use when it is the data folder's and none exists yet. */
export function loadAuditSigner(config: Pick<Config, 'auditSigningKey'>, log: (line: string) => void): Signer {
  const existing = readAuditSigner(config);
  if (existing) return existing;
  const k = config.auditSigningKey as { file: string };
  fs.mkdirSync(path.dirname(k.file), { recursive: true });
  try {
    fs.writeFileSync(k.file, `${HEADER}\n${newSigningKeyPem()}`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process generated it meanwhile: use that one.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readAuditSigner(config)!;
  }
  fs.writeFileSync(marker(k.file), `${new Date().toISOString()}\n`);
  const signer = readAuditSigner(config)!;
  log(`Generated the audit signing key in ${k.file} (mode 0600, key id ${shortKeyId(signer.keyId)}); back it up, apart from the database's backups: checkpoints and evidence bundles are signed with it`);
  return signer;
}

/** A signer made on first use only (the worker's periodic checkpoint, commands that sign). */
export function lazyAuditSigner(config: Pick<Config, 'auditSigningKey'>, log: (line: string) => void): () => Signer {
  let signer: Signer | undefined;
  return () => (signer ??= loadAuditSigner(config, log));
}

/**
 * The checkpoint service (services/audit/checkpoints.ts) with this configuration's key: loaded
 * (and generated, the first time) only when something is signed; `verify` compares with the
 * configured key without generating one.
 */
export function auditCheckpointsFor(config: Pick<Config, 'auditSigningKey'>, db: { audit: AuditRepo; auditCheckpoints: AuditCheckpointsRepo }, log: (line: string) => void): AuditCheckpoints {
  return createAuditCheckpoints({
    checkpoints: db.auditCheckpoints,
    audit: db.audit,
    signer: lazyAuditSigner(config, log),
    configuredKeyId: () => readAuditSigner(config)?.keyId ?? null,
  });
}
