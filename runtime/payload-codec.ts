/**
 * Confidentiality of Temporal's store: a PayloadCodec that encrypts every payload with
 * AES-256-GCM under a service key, so the Temporal database and its backups hold no
 * readable payloads. The key id travels in the payload's metadata; a key ring keeps old
 * keys for reading (the first key writes). Payloads without the `binary/encrypted`
 * encoding (histories recorded before this codec) pass through unchanged.
 */
import crypto from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Config } from './config.ts';
import { ensureKeyFile, loadRing, parseRing, type KeyRing } from './key-ring.ts';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type { KeyRing, ServiceKey } from './key-ring.ts';
export { newKeyEntry } from './key-ring.ts';

/** Parses the service key ring (`id:base64key` entries, the first one writes). */
export function parseKeyRing(text: string, source: string): KeyRing {
  return parseRing(text, source, 'service key');
}

function encrypt(ring: KeyRing, payload: Payload): Payload {
  const { id, key } = ring.current;
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(id, 'utf8'));
  const body = cipher.update(serialize(payload));
  const sealed = Buffer.concat([iv, body, cipher.final(), cipher.getAuthTag()]);
  return { metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(id) }, data: new Uint8Array(sealed) };
}

function decrypt(ring: KeyRing, payload: Payload): Payload {
  const idBytes = payload.metadata?.[KEY_ID_METADATA];
  if (!idBytes) throw new Error(`an encrypted Temporal payload carries no ${KEY_ID_METADATA}; it cannot be read`);
  const id = Buffer.from(idBytes).toString('utf8');
  const key = ring.keys.get(id);
  if (!key) throw new Error(`a Temporal payload was encrypted with service key "${id}", which is not in the key ring; add that key back (HELPDESK_SERVICE_KEYS or the service key file) to read it`);
  const data = Buffer.from(payload.data ?? new Uint8Array());
  if (data.length < IV_BYTES + TAG_BYTES) throw new Error(`a Temporal payload encrypted with service key "${id}" is truncated; it cannot be read`);
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(id, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  try {
    return deserialize(Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]));
  } catch {
    throw new Error(`a Temporal payload encrypted with service key "${id}" failed authentication: it was altered, or a different key has that id`);
  }
}

/** The inner payload as JSON: metadata values and data in base64. */
function serialize(p: Payload): Buffer {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) if (v) metadata[k] = Buffer.from(v).toString('base64');
  return Buffer.from(JSON.stringify({ metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') }), 'utf8');
}

function deserialize(b: Buffer): Payload {
  const o = JSON.parse(b.toString('utf8')) as { metadata: Record<string, string>; data: string };
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(o.metadata)) metadata[k] = new Uint8Array(Buffer.from(v, 'base64'));
  return { metadata, data: new Uint8Array(Buffer.from(o.data, 'base64')) };
}

export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly ring: KeyRing) {}

  // async: a payload that cannot be read rejects the promise rather than throwing.
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => encrypt(this.ring, p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => (isEncrypted(p) ? decrypt(this.ring, p) : p));
  }
}

function isEncrypted(p: Payload): boolean {
  const enc = p.metadata?.encoding;
  return enc !== undefined && enc !== null && Buffer.from(enc).toString('utf8') === ENCRYPTED_ENCODING;
}

/** The service key ring: HELPDESK_SERVICE_KEYS, else the service key file. */
export function loadKeyRing(config: Config): KeyRing {
  return loadRing(config.serviceKeys, config.serviceKeyFile, { what: 'service key', envName: 'HELPDESK_SERVICE_KEYS', fileEnvName: 'HELPDESK_SERVICE_KEY_FILE' });
}

/**
 * On `helpdesk start` with no key configured: generates the key file (mode 0600) once, and says so
 * (never the key). A generated key file that has gone missing is not replaced by a new key: the
 * open workflows were written with the lost one, so that is refused with what to do.
 */
export function ensureServiceKeyFile(config: Config, log: (line: string) => void): void {
  if (config.serviceKeys) return;
  ensureKeyFile(config.serviceKeyFile, {
    what: 'service key file',
    header: '# Service keys of the Temporal payload codec: id:base64, the first one writes. Keep old keys for reading.',
    lost: 'the open workflows cannot be read without it',
    envName: 'HELPDESK_SERVICE_KEYS',
    generated: `Generated a service key for Temporal payload encryption in ${config.serviceKeyFile} (mode 0600); back it up, apart from the data folder's backups: without it the open workflows cannot be read`,
  }, log);
}

export function payloadCodec(config: Config): EncryptionCodec {
  return new EncryptionCodec(loadKeyRing(config));
}
