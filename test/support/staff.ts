/**
 * Staff for sign-in tests: real users with an argon2id password (as `helpdesk user add` and a
 * finished sign-up leave them) and, for staff, the enrolment code `helpdesk user add` prints, TOTP
 * codes computed with the same library an authenticator app uses, and the staff sign-in's steps
 * driven through the portal client.
 */
import { randomUUID } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import * as OTPAuth from 'otpauth';
import type { Database } from '../../runtime/stack.ts';
import { ARGON2_OPTIONS, type Role, type UserRecord } from '../../db/users-repo.ts';
import { csrfOf, textOf, type PageResponse, type PortalClient } from '../portal-client.ts';
import { getEnv } from './env.ts';

export const PASSWORD = 'staff password 2026';

export const uniqueEmail = (name: string): string => `${name}.${randomUUID().slice(0, 8)}@example.com`;

/** A user made by a test; staff carry the enrolment code an operator would have handed them. */
export type TestUser = UserRecord & { enrolmentCode?: string };

/** A user of this role with {@link PASSWORD}; a staff member also gets an enrolment code, as from `helpdesk user add`. */
export async function makeUser(db: Database, role: Role, name: string = role, locale = 'en'): Promise<TestUser> {
  const email = uniqueEmail(name);
  await db.sequelize.query(`INSERT INTO teams (id, name, tier) VALUES ('service-desk', 'Service Desk', 'L1') ON CONFLICT (id) DO NOTHING`);
  await db.users.upsert({ email, displayName: `${name} person`, role, teamId: role === 'agent' ? 'service-desk' : null, locale });
  await db.users.setPassword(email, await hash(PASSWORD, ARGON2_OPTIONS));
  const user = (await db.users.findByEmail(email))!;
  return role === 'requester' ? user : { ...user, enrolmentCode: await enrolmentCode(db, user) };
}

/** A new enrolment code for this person, as `helpdesk user enrolment-code` issues it. */
export async function enrolmentCode(db: Database, user: { id: number }): Promise<string> {
  return (await db.staffAuth.issueEnrolmentCode(user.id, 'cli:test')).code;
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

/** On the enrolment page (after the password): types the enrolment code. */
export async function enterEnrolmentCode(c: PortalClient, code: string): Promise<PageResponse> {
  const form = await c.get('/staff/sign-in/enrol');
  if (form.status !== 200) throw new Error(`enrolment page answered ${form.status}`);
  return c.postForm('/staff/sign-in/enrol/code', { _csrf: csrfOf(form.text), enrolmentCode: code });
}

/**
 * From a password step that led to enrolment: types the enrolment code (unless `code` is
 * undefined: typed already), reads the secret off the page, confirms it with its code.
 */
export async function enrol(c: PortalClient, code: string | undefined, at = Date.now()): Promise<Enrolled> {
  if (code !== undefined) {
    const entered = await enterEnrolmentCode(c, code);
    if (entered.location !== '/staff/sign-in/enrol') throw new Error(`the enrolment code answered ${entered.status} ${entered.location}`);
  }
  const form = await c.get('/staff/sign-in/enrol');
  if (form.status !== 200) throw new Error(`enrolment page answered ${form.status}`);
  const secret = textOf(form.text, 'totp-secret')!.replace(/\s/g, '');
  const page = await c.postForm('/staff/sign-in/enrol', { _csrf: csrfOf(form.text), code: totpCode(secret, at) });
  const recoveryCodes = [...page.text.matchAll(/<li><code>([A-Z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
  return { secret, recoveryCodes, page };
}

/** A staff member signed in the whole way: password, enrolment code (theirs, or a new one), enrolment, recovery codes. */
export async function signInEnrolled(c: PortalClient, user: TestUser): Promise<Enrolled> {
  const code = user.enrolmentCode ?? (await enrolmentCode((await getEnv()).db, user));
  const res = await staffPassword(c, user.email);
  if (res.location !== '/staff/sign-in/enrol') throw new Error(`password step answered ${res.status} ${res.location}`);
  return enrol(c, code);
}
