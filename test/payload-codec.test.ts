import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { ConfigError, loadConfig } from '../runtime/config.ts';
import { ENCRYPTED_ENCODING, EncryptionCodec, ensureServiceKeyFile, KEY_ID_METADATA, loadKeyRing, newKeyEntry, parseKeyRing } from '../runtime/payload-codec.ts';

const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
const plain = (value: unknown): Payload => defaultPayloadConverter.toPayload(value)!;
const ticket = { title: 'Printer on fire in room 7', requesterEmail: 'zofia.secret@example.com' };

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the promise to be rejected');
}

describe('payload codec: AES-256-GCM under the service key ring', () => {
  const keyA = newKeyEntry('a');
  const keyB = newKeyEntry('b');

  it('when a payload is encoded, then it is binary/encrypted with the key id and no readable data, and decodes back to the same value', async () => {
    const codec = new EncryptionCodec(parseKeyRing(keyA, 'test'));
    const [sealed] = await codec.encode([plain(ticket)]);
    expect(text(sealed!.metadata!.encoding)).to.equal(ENCRYPTED_ENCODING);
    expect(text(sealed!.metadata![KEY_ID_METADATA])).to.equal('a');
    expect(text(sealed!.data)).not.to.include('Printer');
    expect(text(sealed!.data)).not.to.include('zofia');
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).to.deep.equal(ticket);
    expect(text(opened!.metadata!.encoding)).to.equal('json/plain');
  });

  it('when the same value is encoded twice, then the ciphertexts differ (a fresh IV each time)', async () => {
    const codec = new EncryptionCodec(parseKeyRing(keyA, 'test'));
    const [x] = await codec.encode([plain(ticket)]);
    const [y] = await codec.encode([plain(ticket)]);
    expect(Buffer.from(x!.data!).equals(Buffer.from(y!.data!))).to.equal(false);
  });

  it('when an encrypted payload was altered, then decoding fails with a clear message naming the key id', async () => {
    const codec = new EncryptionCodec(parseKeyRing(keyA, 'test'));
    const [sealed] = await codec.encode([plain(ticket)]);
    const data = Buffer.from(sealed!.data!);
    data[20] = data[20]! ^ 1;
    const err = await rejection(codec.decode([{ ...sealed!, data: new Uint8Array(data) }]));
    expect(err.message).to.match(/service key "a" failed authentication: it was altered/);
  });

  it('when a payload names a key id the ring lacks, then decoding fails naming that id and never the key', async () => {
    const [sealed] = await new EncryptionCodec(parseKeyRing(keyA, 'test')).encode([plain(ticket)]);
    const err = await rejection(new EncryptionCodec(parseKeyRing(keyB, 'test')).decode([sealed!]));
    expect(err.message).to.include('service key "a", which is not in the key ring');
    expect(err.message).not.to.include(keyA.split(':')[1]!);
    expect(err.message).not.to.include(keyB.split(':')[1]!);
  });

  it('when a payload is not encrypted (a history from before the codec), then decoding passes it through unchanged', async () => {
    const codec = new EncryptionCodec(parseKeyRing(keyA, 'test'));
    const p = plain(ticket);
    const [out] = await codec.decode([p]);
    expect(out).to.equal(p);
  });

  it('when the key rotates (B first, A kept), then what A wrote still reads and new payloads are written with B', async () => {
    const [old] = await new EncryptionCodec(parseKeyRing(keyA, 'test')).encode([plain(ticket)]);
    const rotated = new EncryptionCodec(parseKeyRing(`${keyB},${keyA}`, 'test'));
    const [opened] = await rotated.decode([old!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).to.deep.equal(ticket);
    const [fresh] = await rotated.encode([plain(ticket)]);
    expect(text(fresh!.metadata![KEY_ID_METADATA])).to.equal('b');
  });

  it('when a key is malformed, then the message names the source and the key id, never the key', () => {
    expect(() => parseKeyRing('a:c2hvcnQ=', 'HELPDESK_SERVICE_KEYS')).to.throw(ConfigError, /HELPDESK_SERVICE_KEYS: service key "a" must be 32 bytes/);
    expect(() => parseKeyRing(`${keyA},${keyA}`, 'HELPDESK_SERVICE_KEYS')).to.throw(ConfigError, /"a" is given twice/);
    expect(() => parseKeyRing('  ', 'HELPDESK_SERVICE_KEYS')).to.throw(ConfigError, /holds no service key/);
    expect(() => parseKeyRing(keyA.split(':')[1]!, 'HELPDESK_SERVICE_KEYS')).to.throw(ConfigError, /needs an id/);
  });

  it('when no key is set, then `helpdesk start` generates the key file with mode 0600 and says so once, without the key', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-keys-'));
    try {
      const config = loadConfig({ HELPDESK_DATA_DIR: dir });
      expect(config.serviceKeyFile).to.equal(path.join(dir, 'service-keys'));
      expect(() => loadKeyRing(config)).to.throw(ConfigError, /No service key: set HELPDESK_SERVICE_KEYS, or create/);
      const lines: string[] = [];
      ensureServiceKeyFile(config, (l) => lines.push(l));
      ensureServiceKeyFile(config, (l) => lines.push(l));
      expect(lines).to.have.length(1);
      expect(lines[0]).to.include(path.join(dir, 'service-keys'));
      expect(fs.statSync(config.serviceKeyFile).mode & 0o777).to.equal(0o600);
      const ring = loadKeyRing(config);
      expect(lines[0]).not.to.include(ring.current.key.toString('base64'));
      expect(ring.current.key.length).to.equal(32);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when a generated key file goes missing, then the next start refuses to make a new key and says how to recover', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-keys-'));
    try {
      const config = loadConfig({ HELPDESK_DATA_DIR: dir });
      ensureServiceKeyFile(config, () => undefined);
      const before = fs.readFileSync(config.serviceKeyFile, 'utf8');
      fs.rmSync(config.serviceKeyFile);
      const lines: string[] = [];
      expect(() => ensureServiceKeyFile(config, (l) => lines.push(l))).to.throw(ConfigError, /was generated here before and is missing now.*Restore it from your backup/);
      expect(fs.existsSync(config.serviceKeyFile)).to.equal(false);
      expect(lines).to.deep.equal([]);
      // Restored from the backup: it is used again.
      fs.writeFileSync(config.serviceKeyFile, before, { mode: 0o600 });
      ensureServiceKeyFile(config, () => undefined);
      expect(loadKeyRing(config).current.key.length).to.equal(32);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when HELPDESK_SERVICE_KEYS is set, then it is used and no key file is written', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-keys-'));
    try {
      const config = loadConfig({ HELPDESK_DATA_DIR: dir, HELPDESK_SERVICE_KEYS: `${keyB},${keyA}` });
      ensureServiceKeyFile(config, () => undefined);
      expect(fs.existsSync(config.serviceKeyFile)).to.equal(false);
      expect(loadKeyRing(config).current.id).to.equal('b');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
