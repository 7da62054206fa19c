/**
 * The second factor's codes: TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps — what every
 * authenticator app reads) through otpauth, the setup QR code through qrcode (SVG), and the
 * one-time recovery codes.
 */
import { randomInt } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';

export const PERIOD_SECONDS = 30;
/** Codes of the step before and after the current one are accepted too (clocks drift, people type slowly). */
export const WINDOW = 1;
export const RECOVERY_CODES = 10;

const totp = (secret: string, issuer = '', label = 'staff') =>
  new OTPAuth.TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS, secret: OTPAuth.Secret.fromBase32(secret) });

/** A new secret: 160 random bits, in base32 (what the apps take when typed in). */
export const newTotpSecret = (): string => new OTPAuth.Secret({ size: 20 }).base32;

/** The 30-second step `now` falls in. */
export const stepAt = (now: number): number => Math.floor(now / 1000 / PERIOD_SECONDS);

/** The step whose code this is, within ±{@link WINDOW} steps of `now`; undefined when it is none of them. */
export function matchingStep(secret: string, code: string, now = Date.now()): number | undefined {
  const delta = totp(secret).validate({ token: code, timestamp: now, window: WINDOW });
  return delta === null ? undefined : stepAt(now) + delta;
}

/** The key URI an authenticator app reads from the QR code (otpauth://totp/Issuer:label?secret=…). */
export const keyUri = (secret: string, issuer: string, label: string): string => totp(secret, issuer, label).toString();

/** The QR code of the key URI, as an SVG data URI for an <img> (the pages' CSP allows data: images). */
export async function qrDataUri(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

/** The secret as people copy it: groups of four. */
export const grouped = (secret: string): string => secret.replace(/(.{4})(?=.)/g, '$1 ');

/** No 0/O, 1/I/L or U: nothing to misread when typed from paper. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Ten codes of ten characters each (about 49 bits), shown as XXXXX-XXXXX. */
export function newRecoveryCodes(): string[] {
  const one = () => Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return Array.from({ length: RECOVERY_CODES }, () => one().replace(/^(.{5})/, '$1-'));
}

/** What was typed, as it is hashed: capitals, without spaces and dashes. */
export const normalizeCode = (typed: string): string => typed.toUpperCase().replace(/[\s-]/g, '');

/** A TOTP code (6 digits) rather than a recovery code. */
export const isTotpCode = (normalized: string): boolean => /^\d{6}$/.test(normalized);
