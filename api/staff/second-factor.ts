/**
 * The second factor's use cases: setting up an authenticator (after the operator's enrolment
 * code, a secret, confirmed with a code, then ten recovery codes shown once), and checking a code at sign-in — a TOTP code of its step
 * once only, or a recovery code once only. A wrong code changes nothing but the attempt count
 * (api/staff/limits.ts) and the audit log's record of the refusal.
 */
import { hash, verify } from '@node-rs/argon2';
import type { StaffAuthRepo } from '../../db/staff-auth-repo.ts';
import { ARGON2_OPTIONS } from '../../db/users-repo.ts';
import { openSecret, sealSecret } from './sealed-secret.ts';
import { grouped, isTotpCode, keyUri, matchingStep, newRecoveryCodes, newTotpSecret, normalizeCode, qrDataUri } from './totp.ts';
import type { SealingKeys } from './types.ts';

export interface SecondFactorDeps {
  staffAuth: StaffAuthRepo;
  sealingKeys: SealingKeys;
}

export type CodeCheck =
  | { ok: true; factor: 'totp' }
  | { ok: true; factor: 'recovery'; left: number }
  | { ok: false; reason: 'wrong_code' | 'replayed_code' };

/** A new secret for an enrolment, sealed for this person (it is kept in the session until confirmed). */
export const startEnrolment = (deps: Pick<SecondFactorDeps, 'sealingKeys'>, userId: number): string => sealSecret(deps.sealingKeys, userId, newTotpSecret());

/** What the enrolment page shows: the secret as text and as a QR code of its key URI. */
export async function enrolmentView(deps: Pick<SecondFactorDeps, 'sealingKeys'>, userId: number, sealed: string, issuer: string, label: string) {
  const secret = openSecret(deps.sealingKeys, userId, sealed);
  const uri = keyUri(secret, issuer, label);
  return { secret: grouped(secret), qr: await qrDataUri(uri) };
}

/**
 * Confirms an enrolment with a code from the app: keeps the secret, the code's step (so the same
 * code does not sign in again) and ten recovery codes' hashes, and spends the enrolment code it
 * was started with; answers the codes, to show once.
 */
export async function confirmEnrolment(
  deps: SecondFactorDeps, userId: number, enrol: { sealed: string; codeId: number }, typed: string, now = Date.now(),
): Promise<{ ok: true; recoveryCodes: string[] } | { ok: false; reason: 'wrong_code' | 'already_enrolled' | 'enrolment_code_spent' }> {
  const { sealed } = enrol;
  const code = normalizeCode(typed);
  const step = isTotpCode(code) ? matchingStep(openSecret(deps.sealingKeys, userId, sealed), code, now) : undefined;
  if (step === undefined) return { ok: false, reason: 'wrong_code' };
  const recoveryCodes = newRecoveryCodes();
  const recoveryHashes = await Promise.all(recoveryCodes.map((c) => hash(normalizeCode(c), ARGON2_OPTIONS)));
  const outcome = await deps.staffAuth.enrol(userId, { sealedSecret: sealed, step, recoveryHashes, enrolmentCodeId: enrol.codeId });
  return outcome === 'enrolled' ? { ok: true, recoveryCodes } : { ok: false, reason: outcome };
}

/** Checks a code typed at sign-in: six digits are a TOTP code, anything else a recovery code. */
export async function checkCode(deps: SecondFactorDeps, userId: number, typed: string, now = Date.now()): Promise<CodeCheck> {
  const code = normalizeCode(typed);
  if (code === '' || code.length > 40) return { ok: false, reason: 'wrong_code' };
  if (isTotpCode(code)) {
    const record = await deps.staffAuth.find(userId);
    const step = record && matchingStep(openSecret(deps.sealingKeys, userId, record.sealedSecret), code, now);
    if (step === undefined) return { ok: false, reason: 'wrong_code' };
    // A code of a step already used (this one or a later one's) is a replay.
    return (await deps.staffAuth.acceptStep(userId, step)) ? { ok: true, factor: 'totp' } : { ok: false, reason: 'replayed_code' };
  }
  for (const candidate of await deps.staffAuth.unusedRecoveryCodes(userId)) {
    if (!(await verify(candidate.hash, code))) continue;
    const spent = await deps.staffAuth.spendRecoveryCode(userId, candidate.n);
    // Spent by a request racing this one: it counts once.
    return spent.ok ? { ok: true, factor: 'recovery', left: spent.left } : { ok: false, reason: 'replayed_code' };
  }
  return { ok: false, reason: 'wrong_code' };
}
