/**
 * The audit signing key (runtime/audit-signing-key.ts): outside the database, generated once,
 * never silently replaced. Pure: npx mocha --no-config --node-option import=tsx --extension ts test/audit-signing-key.test.ts
 */
import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAuditSigner, newSigningKeyPem, readAuditSigner } from '../runtime/audit-signing-key.ts';
import { ConfigError, loadConfig } from '../runtime/config.ts';
import { keyIdOf, shortKeyId } from '../services/audit/signature.ts';

const made: string[] = [];
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-signing-'));
  made.push(dir);
  return dir;
};

describe('audit signing key', () => {
  after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('when none is configured, the data folder\'s key is generated on first use with mode 0600 and one line saying to back it up, then reused', () => {
    const dir = tmp();
    const config = loadConfig({ HELPDESK_DATA_DIR: dir });
    expect(readAuditSigner(config), 'reading does not generate').to.equal(undefined);
    const lines: string[] = [];
    const first = loadAuditSigner(config, (l) => lines.push(l));
    const file = path.join(dir, 'audit-signing-key');
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.equal(`Generated the audit signing key in ${file} (mode 0600, key id ${shortKeyId(first.keyId)}); back it up, apart from the database's backups: checkpoints and evidence bundles are signed with it`);
    expect(lines[0]).not.to.include('PRIVATE');
    const again = loadAuditSigner(config, (l) => lines.push(l));
    expect(again.keyId).to.equal(first.keyId);
    expect(lines).to.have.length(1);
    expect(first.keyId).to.equal(keyIdOf(first.publicKeyPem)).and.match(/^[0-9a-f]{64}$/);
    expect(first.publicKeyPem).to.match(/^-----BEGIN PUBLIC KEY-----\n/);
  });

  it('when a generated key file has gone missing, it is not replaced: the refusal says to restore it', () => {
    const dir = tmp();
    const config = loadConfig({ HELPDESK_DATA_DIR: dir });
    loadAuditSigner(config, () => undefined);
    fs.rmSync(path.join(dir, 'audit-signing-key'));
    expect(() => loadAuditSigner(config, () => undefined)).to.throw(ConfigError, /was generated here before and is missing now; .* Restore it from your backup \(or set HELPDESK_AUDIT_SIGNING_KEY\)/);
    expect(() => readAuditSigner(config)).to.throw(ConfigError, /is missing now/);
    expect(fs.existsSync(path.join(dir, 'audit-signing-key'))).to.equal(false);
  });

  it('when HELPDESK_AUDIT_SIGNING_KEY is PEM text or a path, that key signs; a missing file or a key that is not Ed25519 is refused with a sentence', () => {
    const pem = newSigningKeyPem();
    const fromText = loadAuditSigner(loadConfig({ HELPDESK_AUDIT_SIGNING_KEY: pem }), () => undefined);
    const escaped = loadAuditSigner(loadConfig({ HELPDESK_AUDIT_SIGNING_KEY: pem.replace(/\n/g, '\\n') }), () => undefined);
    expect(escaped.keyId).to.equal(fromText.keyId);
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'k.pem'), pem);
    expect(loadAuditSigner(loadConfig({ HELPDESK_AUDIT_SIGNING_KEY: 'k.pem' }, dir), () => undefined).keyId).to.equal(fromText.keyId);
    expect(() => loadAuditSigner(loadConfig({ HELPDESK_AUDIT_SIGNING_KEY: 'gone.pem' }, dir), () => undefined))
      .to.throw(ConfigError, /HELPDESK_AUDIT_SIGNING_KEY names .*gone\.pem, which does not exist: restore the key file there, or correct HELPDESK_AUDIT_SIGNING_KEY/);
    expect(fs.existsSync(path.join(dir, 'gone.pem')), 'a named file is never generated').to.equal(false);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => loadAuditSigner(loadConfig({ HELPDESK_AUDIT_SIGNING_KEY: rsa }), () => undefined)).to.throw(ConfigError, /holds a rsa key; the audit signing key must be Ed25519/);
    expect(() => loadAuditSigner(loadConfig({ HELPDESK_AUDIT_SIGNING_KEY: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----' }), () => undefined)).to.throw(ConfigError, /is not a private key in PEM/);
  });
});
