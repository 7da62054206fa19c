/**
 * The one place that decides who may use the staff pages. A session is a staff session when
 *
 * - its user (read afresh on every request, so a changed role counts at once) is an agent,
 *   process owner, auditor or admin whose account is not deactivated (docs/people.md), and
 * - the staff sign-in completed on this session id with a second factor (a TOTP code, a recovery
 *   code, or single sign-on, which counts as one), or — only where HELPDESK_STAFF_SECOND_FACTOR is
 *   `optional` — the person has no second factor set up and signed in with their password (on the
 *   portal's sign-in or the staff one).
 *
 * and it is within its limits: at most HELPDESK_STAFF_SESSION_HOURS (12) since the second
 * factor, and HELPDESK_STAFF_IDLE_MINUTES (60) since the last staff request — a request a page's
 * script sends by itself (`X-Background: 1` on a GET, the live part's refresh) is checked against
 * both limits but does not count as activity, nor does the agents' live stream. A staff session past
 * either ends (signed out, the portal included) and a page is sent to /staff/sign-in with a
 * sentence saying which limit it was; JSON gets a 401 with that sentence. A password-only staff
 * session (the `optional` setting, after the portal's sign-in) starts its clock at its first staff
 * page.
 *
 * A staff member signed in through the portal's requester sign-in only keeps the requester
 * portal; a staff page sends them to /staff/sign-in. A requester gets a 403 that says where their
 * pages are.
 *
 * `staffFromSession(req)` works on any request: after the portal's middleware it reads
 * `req.session`; before it (the codec endpoint is mounted ahead of the portal) it reads the
 * signed session cookie and the session from PostgreSQL itself. Both count as a staff request
 * for the idle limit (unless the request is a background one, below), and both refuse a session
 * past its limits.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { SessionData } from 'express-session';
import type { StaffAuthRepo } from '../../db/staff-auth-repo.ts';
import type { UserRecord, UsersRepo } from '../../db/users-repo.ts';
import { HttpError } from '../errors.ts';
import { wantsHtml } from '../portal/error-page.ts';
import { viewerOf } from '../portal/pages.ts';
import { limitWords } from './limit-words.ts';
import type { SessionReader } from './session-reader.ts';
import { expireStaffSession } from './session.ts';
import { DEFAULT_SESSION_LIMITS, isStaffRole, type StaffFactor, type StaffRole, type StaffSessionLimits } from './types.ts';

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
  /** @default DEFAULT_SESSION_LIMITS */
  limits?: StaffSessionLimits;
  now?: () => number;
}

/** Why a staff session is over: past its absolute limit, or idle too long. */
export type StaffSessionEnd = 'absolute' | 'idle';

/** What the sign-in page (notice) and a JSON answer (error) say for each. */
const ENDED = {
  absolute: { notice: 'staff:notice.sessionExpired', error: 'staff:errors.sessionExpired' },
  idle: { notice: 'staff:notice.sessionIdle', error: 'staff:errors.sessionIdle' },
} as const;

export interface StaffAccess {
  /** The staff member this request's session belongs to, when it is a staff session; otherwise undefined. */
  staffFromSession(req: Request): Promise<UserRecord | undefined>;
  /** How this session passed the staff sign-in (undefined when it did not). */
  factorOf(session: Partial<SessionData> | undefined): StaffFactor | undefined;
  /**
   * Guards a staff route: every staff role, or only `roles`. `background`: the route's requests are
   * a page's script's, never the person's (the live stream), so they do not count as activity.
   */
  requireStaff(roles?: readonly StaffRole[], opts?: { background?: boolean }): RequestHandler;
}

export function createStaffAccess(deps: StaffAccessDeps): StaffAccess {
  const limits = deps.limits ?? DEFAULT_SESSION_LIMITS;
  const now = deps.now ?? Date.now;
  // The last request is written at most this often (a session write on every request is waste).
  const touchEvery = Math.min(60_000, Math.floor(limits.idleMs / 4));

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

  /** Which limit the session's staff sign-in is past, if any. */
  function endOf(auth: NonNullable<SessionData['staffAuth']>, t: number): StaffSessionEnd | undefined {
    if (t - auth.at >= limits.maxMs) return 'absolute';
    if (t - (auth.seen ?? auth.at) >= limits.idleMs) return 'idle';
    return undefined;
  }

  /** A GET the page's script sends by itself (agent-ui/public/live.js), not the person: `X-Background: 1`. */
  function isBackground(req: Request): boolean {
    return (req.method === 'GET' || req.method === 'HEAD') && req.get('x-background') === '1';
  }

  type Decision = { staff: UserRecord } | { ended: StaffSessionEnd } | undefined;

  /**
   * The staff member of this session, or why not: past a limit (`ended`) or no staff session
   * (undefined). Counts the request for the idle limit, and starts the clock of a password-only
   * session (optional setting) on a session it may write. A `background` request is checked
   * against the limits but is not activity: it leaves the idle clock (`seen`) where it was.
   */
  async function decide(req: Request, user: UserRecord | undefined, session: Partial<SessionData> | undefined, background = isBackground(req)): Promise<Decision> {
    if (!user || !session || !isStaffRole(user.role) || !user.active) return undefined;
    const t = now();
    const factor = factorOf(session);
    const auth = session.staffAuth;
    if (auth && factor) {
      if (factor === 'password' && (deps.secondFactor !== 'optional' || (await deps.staffAuth.find(user.id)))) return undefined;
      const ended = endOf(auth, t);
      if (ended) return { ended };
      // A background request (a page's script refreshing itself) is not activity: it keeps no session alive.
      if (!background && t - (auth.seen ?? auth.at) >= touchEvery) {
        if (req.session) req.session.staffAuth = { ...auth, seen: t };
        else await deps.sessions?.touchStaff(req, user.id, t);
      }
      return { staff: user };
    }
    if (deps.secondFactor === 'optional' && !(await deps.staffAuth.find(user.id))) {
      // The portal's password sign-in: only a session this request can write gets (and so keeps) a clock.
      if (!req.session) return undefined;
      req.session.staffAuth = { userId: user.id, factor: 'password', at: t, seen: t };
      return { staff: user };
    }
    return undefined;
  }

  async function staffFromSession(req: Request): Promise<UserRecord | undefined> {
    const session = await sessionOf(req);
    const decision = await decide(req, await signedInUser(req, session), session);
    return decision && 'staff' in decision ? decision.staff : undefined;
  }

  function requireStaff(roles?: readonly StaffRole[], opts: { background?: boolean } = {}): RequestHandler {
    return async (req: Request, res: Response, next: NextFunction) => {
      const session = await sessionOf(req);
      const user = await signedInUser(req, session);
      const decision = await decide(req, user, session, opts.background === true || isBackground(req));
      if (decision && 'ended' in decision) {
        // Signed out: the sign-in page says why (the limit in words in its own language); so does a JSON answer.
        const limitMs = decision.ended === 'absolute' ? limits.maxMs : limits.idleMs;
        if (req.session) await expireStaffSession(req, { key: ENDED[decision.ended].notice, params: { limitMs: String(limitMs) } });
        if ((req.method === 'GET' || req.method === 'HEAD') && wantsHtml(req) && req.session) {
          return res.redirect(303, `/staff/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
        }
        throw new HttpError(401, 'STAFF_SESSION_EXPIRED', ENDED[decision.ended].error, { limit: limitWords(limitMs, viewerOf(req).language) });
      }
      const staff = decision?.staff;
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
