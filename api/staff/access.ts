/**
 * The one place that decides who may use the staff pages. A session is a staff session when
 *
 * - its user (read afresh on every request, so a changed role counts at once) is an agent,
 *   process owner, auditor or admin, and
 * - the staff sign-in completed on this session id with a second factor (a TOTP code, a recovery
 *   code, or single sign-on, which counts as one), or — only where HELPDESK_STAFF_SECOND_FACTOR is
 *   `optional` — the person has no second factor set up and signed in with their password (on the
 *   portal's sign-in or the staff one).
 *
 * A staff member signed in through the portal's requester sign-in only keeps the requester
 * portal; a staff page sends them to /staff/sign-in. A requester gets a 403 that says where their
 * pages are.
 *
 * `staffFromSession(req)` works on any request: after the portal's middleware it reads
 * `req.session`; before it (the codec endpoint is mounted ahead of the portal) it reads the
 * signed session cookie and the session from PostgreSQL itself.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { SessionData } from 'express-session';
import type { StaffAuthRepo } from '../../db/staff-auth-repo.ts';
import type { UserRecord, UsersRepo } from '../../db/users-repo.ts';
import { HttpError } from '../errors.ts';
import { wantsHtml } from '../portal/error-page.ts';
import type { SessionReader } from './session-reader.ts';
import { isStaffRole, type StaffFactor, type StaffRole } from './types.ts';

declare module 'express-serve-static-core' {
  interface Request {
    /** The staff member a staff route serves (set by requireStaff). */
    staffUser?: UserRecord;
  }
}

export interface StaffAccessDeps {
  users: UsersRepo;
  staffAuth: StaffAuthRepo;
  secondFactor: 'required' | 'optional';
  /** Reads the session of a request the portal's session middleware has not seen. */
  sessions?: SessionReader;
}

export interface StaffAccess {
  /** The staff member this request's session belongs to, when it is a staff session; otherwise undefined. */
  staffFromSession(req: Request): Promise<UserRecord | undefined>;
  /** How this session passed the staff sign-in (undefined when it did not). */
  factorOf(session: Partial<SessionData> | undefined): StaffFactor | undefined;
  /** Guards a staff route: every staff role, or only `roles`. */
  requireStaff(roles?: readonly StaffRole[]): RequestHandler;
}

export function createStaffAccess(deps: StaffAccessDeps): StaffAccess {
  async function sessionOf(req: Request): Promise<Partial<SessionData> | undefined> {
    if (req.session) return req.session;
    return deps.sessions?.read(req);
  }

  async function signedInUser(req: Request, session: Partial<SessionData> | undefined): Promise<UserRecord | undefined> {
    const id = session?.userId;
    if (id === undefined) return undefined;
    return req.viewer?.user?.id === id ? req.viewer.user : deps.users.findById(id);
  }

  function factorOf(session: Partial<SessionData> | undefined): StaffFactor | undefined {
    const auth = session?.staffAuth;
    return auth && auth.userId === session.userId ? auth.factor : undefined;
  }

  async function staffOf(user: UserRecord | undefined, session: Partial<SessionData> | undefined): Promise<UserRecord | undefined> {
    if (!user || !isStaffRole(user.role)) return undefined;
    const factor = factorOf(session);
    if (factor && factor !== 'password') return user;
    if (deps.secondFactor === 'optional' && !(await deps.staffAuth.find(user.id))) return user;
    return undefined;
  }

  async function staffFromSession(req: Request): Promise<UserRecord | undefined> {
    const session = await sessionOf(req);
    return staffOf(await signedInUser(req, session), session);
  }

  function requireStaff(roles?: readonly StaffRole[]): RequestHandler {
    return async (req: Request, res: Response, next: NextFunction) => {
      const session = await sessionOf(req);
      const user = await signedInUser(req, session);
      const staff = await staffOf(user, session);
      if (!staff) {
        if (user && !isStaffRole(user.role)) throw new HttpError(403, 'NOT_STAFF', 'staff:errors.notStaff');
        if ((req.method === 'GET' || req.method === 'HEAD') && wantsHtml(req) && req.session) {
          if (user) req.session.notice = { key: 'staff:notice.secondFactorNeeded' };
          return res.redirect(303, `/staff/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
        }
        throw new HttpError(401, 'STAFF_SIGN_IN_REQUIRED', 'staff:errors.signInRequired');
      }
      if (roles && !(roles as readonly string[]).includes(staff.role)) {
        const name = (r: string) => (req.t ? req.t(`staff:role.${r}`) : r);
        throw new HttpError(403, 'ROLE_REFUSED', 'staff:errors.roleRefused', { role: name(staff.role), roles: roles.map(name).join(', ') });
      }
      req.staffUser = staff;
      next();
    };
  }

  return { staffFromSession, factorOf, requireStaff };
}
