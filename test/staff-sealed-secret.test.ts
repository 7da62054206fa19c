/** TOTP secrets at rest (api/staff/sealed-secret.ts) and the code window (api/staff/totp.ts), without a server. */
import { expect } from 'chai';
import { parseKeyRing, newKeyEntry } from '../runtime/payload-codec.ts';
import { openSecret, sealSecret } from '../api/staff/sealed-secret.ts';
import { matchingStep, newTotpSecret, stepAt } from '../api/staff/totp.ts';
import { totpCode } from './support/staff.ts';

describe('staff second factor: sealed secrets and the code window', () => {
  const ring = parseKeyRing(newKeyEntry('k1'), 'test');

  it('when a secret is sealed, then it opens for its person only, and not once altered', () => {
    const secret = newTotpSecret();
    const sealed = sealSecret(ring, 7, secret);
    expect(sealed).to.match(/^v1:k1:[A-Za-z0-9_-]+$/).and.not.include(secret);
    expect(openSecret(ring, 7, sealed)).to.equal(secret);
    expect(() => openSecret(ring, 8, sealed)).to.throw('failed authentication: it was altered, or belongs to another person');
    const flipped = sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.at(-1);
    expect(() => openSecret(ring, 7, flipped)).to.throw(/failed authentication/);
  });

  it('when the service key ring is rotated, then old secrets still open with the old key kept, and say which key is missing without it', () => {
    const sealed = sealSecret(ring, 1, 'JBSWY3DPEHPK3PXP');
    const rotated = parseKeyRing(`${newKeyEntry('k2')},k1:${ring.keys.get('k1')!.toString('base64')}`, 'test');
    expect(openSecret(rotated, 1, sealed)).to.equal('JBSWY3DPEHPK3PXP');
    expect(sealSecret(rotated, 1, 'x')).to.match(/^v1:k2:/);
    expect(() => openSecret(parseKeyRing(newKeyEntry('k2'), 'test'), 1, sealed)).to.throw('sealed with service key "k1", which is not in the key ring');
  });

  it('a code is matched to its own step within one step either side, and no further', () => {
    const secret = newTotpSecret();
    const now = Date.UTC(2026, 0, 5, 9, 0, 10);
    for (const d of [-1, 0, 1]) expect(matchingStep(secret, totpCode(secret, now + d * 30_000), now)).to.equal(stepAt(now) + d);
    expect(matchingStep(secret, totpCode(secret, now + 2 * 30_000), now)).to.equal(undefined);
    expect(matchingStep(secret, totpCode(secret, now - 2 * 30_000), now)).to.equal(undefined);
  });
});
