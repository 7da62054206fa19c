/**
 * The staff sign-in's steps in the session. After the password only `staffPending` is kept (no
 * userId: the person is signed in nowhere yet); the sign-in completes on a fresh session id
 * (no fixation) with userId and `staffAuth`, and a CSRF token bound to it.
 */
import type { Request } from 'express';
import { newCsrfToken } from '../portal/middleware.ts';
import type { StaffFactor } from './types.ts';

/** How long the second step may follow the password (or single sign-on its start). */
export const STEP_MINUTES = 10;

const fresh = (at: number | undefined, now = Date.now()) => at !== undefined && now - at < STEP_MINUTES * 60_000;

/** The sign-in waiting for its second factor, while it is fresh; undefined otherwise. */
export function pendingOf(req: Request): NonNullable<Request['session']['staffPending']> | undefined {
  const pending = req.session?.staffPending;
  return pending && fresh(pending.at) ? pending : undefined;
}

/** The single sign-on under way, while it is fresh. */
export function ssoPendingOf(req: Request): NonNullable<Request['session']['staffSso']> | undefined {
  const pending = req.session?.staffSso;
  return pending && fresh(pending.at) ? pending : undefined;
}

/** The password was right: from now on the second step is expected (a fresh session id here too). */
export async function startPending(req: Request, userId: number, next: string): Promise<void> {
  await regenerate(req);
  req.session.staffPending = { userId, next, at: Date.now() };
}

/** Completes the staff sign-in: a fresh session id with the user and how they passed; tickets followed before stay followed. */
export async function startStaffSession(req: Request, userId: number, factor: StaffFactor): Promise<void> {
  await regenerate(req);
  const at = Date.now();
  req.session.userId = userId;
  req.session.staffAuth = { userId, factor, at, seen: at };
  newCsrfToken(req);
}

/**
 * Ends a staff session that ran out (access.ts): a fresh session id without the person — signed
 * in nowhere, the portal included — with a notice for the sign-in page; followed tickets stay.
 */
export async function expireStaffSession(req: Request, notice: NonNullable<Request['session']['notice']>): Promise<void> {
  await regenerate(req);
  req.session.notice = notice;
}

async function regenerate(req: Request): Promise<void> {
  const followed = req.session.followed;
  await new Promise<void>((resolve, reject) => req.session.regenerate((err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve())));
  if (followed) req.session.followed = followed;
}

export async function endSession(req: Request): Promise<void> {
  await new Promise<void>((resolve, reject) => req.session.destroy((err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve())));
}
