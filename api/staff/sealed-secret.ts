/**
 * TOTP secrets at rest: AES-256-GCM under a key derived (HKDF-SHA256, its own label) from the
 * service key ring — the keys in HELPDESK_SERVICE_KEYS or the service key file in the data folder,
 * outside the database. A copy of the database alone yields no secret. The sealed text names the
 * key it was sealed with (`v1:<key id>:<base64url of iv | ciphertext | tag>`), so a rotated ring
 * still opens it; the person's id is bound in as associated data, so a secret copied to another
 * person's row does not open.
 */
import crypto from 'node:crypto';
import type { SealingKeys } from './types.ts';

const LABEL = 'helpdesk staff second factor v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const subkey = (key: Buffer): Buffer => Buffer.from(crypto.hkdfSync('sha256', key, Buffer.alloc(0), LABEL, 32));
const aad = (userId: number, keyId: string) => Buffer.from(`staff-totp:${userId}:${keyId}`, 'utf8');

export function sealSecret(keys: SealingKeys, userId: number, secret: string): string {
  const { id, key } = keys.current;
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', subkey(key), iv);
  cipher.setAAD(aad(userId, id));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return `v1:${id}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
}

/** The secret, or an Error that says which key is missing or that the value was altered (never the value). */
export function openSecret(keys: SealingKeys, userId: number, sealed: string): string {
  const m = /^v1:([A-Za-z0-9._-]{1,64}):([A-Za-z0-9_-]+)$/.exec(sealed);
  if (!m) throw new Error('a sealed TOTP secret is not in the v1 format');
  const [, id, text] = m as unknown as [string, string, string];
  const key = keys.keys.get(id);
  if (!key) throw new Error(`a TOTP secret was sealed with service key "${id}", which is not in the key ring; add that key back to open it`);
  const data = Buffer.from(text, 'base64url');
  if (data.length < IV_BYTES + TAG_BYTES) throw new Error('a sealed TOTP secret is truncated');
  const decipher = crypto.createDecipheriv('aes-256-gcm', subkey(key), data.subarray(0, IV_BYTES));
  decipher.setAAD(aad(userId, id));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(`a TOTP secret sealed with service key "${id}" failed authentication: it was altered, or belongs to another person`);
  }
}
