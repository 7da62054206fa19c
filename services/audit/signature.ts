/**
 * Ed25519 signatures (node:crypto) over RFC 8785 canonical JSON (the `canonicalize` package), for
 * the audit log's checkpoints and the evidence bundles. Pure: no database, no file, so a bundle
 * verifies offline. The private key lives in runtime/audit-signing-key.ts, which makes a Signer.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';

/** Signs with the audit signing key; never shows the private key. */
export interface Signer {
  /** sha256 (hex, 64 digits) of the public key's SPKI DER encoding. */
  keyId: string;
  /** The public key, SPKI PEM. */
  publicKeyPem: string;
  /** Ed25519 signature (base64) of the UTF-8 bytes of `text`. */
  sign(text: string): string;
}

/** RFC 8785 canonical JSON of a plain JSON value. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('canonicalJson: the value cannot be written as JSON');
  return text;
}

/** The key id of a public key: sha256 (hex) of its SPKI DER encoding. */
export function keyIdOf(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** What people are shown of a key id: its first 16 bytes (32 hex digits). */
export const shortKeyId = (keyId: string): string => keyId.slice(0, 32);

/** The Ed25519 public key in `pem`, or a sentence saying why it is not one. */
export function publicKeyFrom(pem: string): KeyObject | string {
  try {
    const key = createPublicKey(pem);
    return key.asymmetricKeyType === 'ed25519' ? key : `it is a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519`;
  } catch {
    return 'it is not a public key in PEM (SPKI)';
  }
}

/** True when `signature` (base64) is an Ed25519 signature of `text` by `publicKey`. */
export function verifySignature(publicKey: KeyObject, text: string, signature: string): boolean {
  if (typeof signature !== 'string') return false;
  const bytes = Buffer.from(signature, 'base64');
  // Only the one canonical base64 text of the bytes (Node's decoder ignores stray bits and characters).
  if (bytes.toString('base64') !== signature) return false;
  try {
    return verify(null, Buffer.from(text, 'utf8'), publicKey, bytes);
  } catch {
    return false;
  }
}

/** sha256 (hex) of text's UTF-8 bytes. */
export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
