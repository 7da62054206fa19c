/**
 * Staff for sign-in tests: real users with an argon2id password (as `helpdesk user add` and a
 * finished sign-up leave them), TOTP codes computed with the same library an authenticator app
 * uses, and the staff sign-in's steps driven through the portal client.
 */
import { randomUUID } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import * as OTPAuth from 'otpauth';
import type { Database } from '../../runtime/stack.ts';
import { ARGON2_OPTIONS, type Role, type UserRecord } from '../../db/users-repo.ts';
import { csrfOf, textOf, type PageResponse, type PortalClient } from '../portal-client.ts';

export const PASSWORD = 'staff password 2026';

export const uniqueEmail = (name: string): string => `${name}.${randomUUID().slice(0, 8)}@example.com`;

/** A user of this role with {@link PASSWORD}. */
export async function makeUser(db: Database, role: Role, name: string = role, locale = 'en'): Promise<UserRecord> {
  const email = uniqueEmail(name);
  await db.sequelize.query(`INSERT INTO teams (id, name, tier) VALUES ('service-desk', 'Service Desk', 'L1') ON CONFLICT (id) DO NOTHING`);
  await db.users.upsert({ email, displayName: `${name} person`, role, teamId: role === 'agent' ? 'service-desk' : null, locale });
  await db.users.setPassword(email, await hash(PASSWORD, ARGON2_OPTIONS));
  return (await db.users.findByEmail(email))!;
}

/** The code an authenticator app shows for this secret at `at` (default now). */
export function totpCode(secret: string, at = Date.now()): string {
  return OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secret.replace(/\s/g, '')), algorithm: 'SHA1', digits: 6, period: 30, timestamp: at });
}

/** A six-digit code that is none of the codes accepted around `at`. */
export function wrongCode(secret: string, at = Date.now()): string {
  const valid = new Set([-30_000, 0, 30_000].map((d) => totpCode(secret, at + d)));
  let n = Number(totpCode(secret, at));
  do n = (n + 1) % 1_000_000; while (valid.has(String(n).padStart(6, '0')));
  return String(n).padStart(6, '0');
}

/** Posts the staff password form. */
export async function staffPassword(c: PortalClient, email: string, password = PASSWORD, next?: string): Promise<PageResponse> {
  const token = csrfOf((await c.get('/staff/sign-in')).text);
  return c.postForm('/staff/sign-in', { _csrf: token, email, password, ...(next ? { next } : {}) });
}

/** Posts a code on the second step. */
export async function staffCode(c: PortalClient, code: string): Promise<PageResponse> {
  const page = await c.get('/staff/sign-in/code');
  return c.postForm('/staff/sign-in/code', { _csrf: csrfOf(page.text), code });
}

export interface Enrolled {
  secret: string;
  recoveryCodes: string[];
  /** The answer with the recovery codes. */
  page: PageResponse;
}

/** From a password step that led to enrolment: reads the secret off the page, confirms it with its code. */
export async function enrol(c: PortalClient, at = Date.now()): Promise<Enrolled> {
  const form = await c.get('/staff/sign-in/enrol');
  if (form.status !== 200) throw new Error(`enrolment page answered ${form.status}`);
  const secret = textOf(form.text, 'totp-secret')!.replace(/\s/g, '');
  const page = await c.postForm('/staff/sign-in/enrol', { _csrf: csrfOf(form.text), code: totpCode(secret, at) });
  const recoveryCodes = [...page.text.matchAll(/<li><code>([A-Z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
  return { secret, recoveryCodes, page };
}

/** A staff member signed in the whole way: password, enrolment, recovery codes. */
export async function signInEnrolled(c: PortalClient, user: UserRecord): Promise<Enrolled> {
  const res = await staffPassword(c, user.email);
  if (res.location !== '/staff/sign-in/enrol') throw new Error(`password step answered ${res.status} ${res.location}`);
  return enrol(c);
}
