/**
 * Staff sign-in: the password (the portal's argon2id hashes and limits), then the second factor
 * — a TOTP code or a recovery code — or, for someone without one yet, its enrolment
 * (routes/enrol.ts); someone added without a password sets it first with their enrolment code
 * (routes/first-sign-in.ts). Staff sign-out ends the whole session.
 */
import { Router, type Request, type Response } from 'express';
import { ValidationError } from '../../errors.ts';
import { fieldMessages, formBody, text, type FormBody } from '../../portal/forms.ts';
import { cookieName, SESSION_COOKIE } from '../../portal/middleware.ts';
import { portalT, safeNext } from '../../portal/pages.ts';
import { signIn } from '../../portal/use-cases/auth.ts';
import type { StaffGuards } from '../guards.ts';
import { staffPage, staffT } from '../pages.ts';
import { checkCode } from '../second-factor.ts';
import { firstSignInRoutes } from './first-sign-in.ts';
import { endSession, pendingOf, startPending, startStaffSession } from '../session.ts';
import { isStaffRole, type StaffDeps } from '../types.ts';

export function signInRoutes(deps: StaffDeps, guards: StaffGuards): Router {
  const { access, requireCsrf, limits, codes } = guards;
  const router = Router();

  router.get('/staff/sign-in', signInForm);
  router.post('/staff/sign-in', formBody, requireCsrf, doSignIn);
  router.get('/staff/sign-in/code', codeForm);
  router.post('/staff/sign-in/code', formBody, requireCsrf, doCode);
  router.post('/staff/sign-out', formBody, requireCsrf, doSignOut);
  // Someone added without a password: the enrolment code sets it (routes/first-sign-in.ts).
  router.use(firstSignInRoutes(deps, guards));
  return router;

  function form(req: Request, res: Response, values: FormBody, extra: Record<string, unknown> = {}) {
    const next = encodeURIComponent(String(values.next ?? '/staff'));
    staffPage(deps, req, res, 'sign-in', { values, sso: Boolean(deps.oidc), ssoHref: `/staff/sso?next=${next}`, firstHref: `/staff/sign-in/first?next=${next}`, ...extra });
  }

  async function signInForm(req: Request, res: Response) {
    const next = safeNext(req.query.next, '/staff');
    if (await access.staffFromSession(req)) return res.redirect(303, next);
    form(req, res, { next });
  }

  async function doSignIn(req: Request, res: Response) {
    const body = req.body as FormBody;
    const next = safeNext(body.next, '/staff');
    // The portal's limits: failures per address and per client, whichever sign-in they come through.
    const attempt = await limits.signIn(req, res, text(body, 'email'));
    let user;
    try {
      user = await signIn(deps, body);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return form(req, res.status(422), { email: text(body, 'email'), next }, { errors: fieldMessages(err.fields, portalT(deps, req)) });
    }
    await attempt.succeeded();
    if (!isStaffRole(user.role)) {
      await deps.staffAuth.recordRefusal(user.id, 'not_staff');
      return form(req, res.status(403), { email: text(body, 'email'), next }, { refusal: staffT(deps, req)('staff:errors.requesterHere') });
    }
    const factor = await deps.staffAuth.find(user.id);
    if (!factor && deps.secondFactor === 'optional') {
      await startStaffSession(req, user.id, 'password');
      return res.redirect(303, next);
    }
    await startPending(req, user.id, next);
    res.redirect(303, factor ? '/staff/sign-in/code' : '/staff/sign-in/enrol');
  }

  async function codeForm(req: Request, res: Response) {
    const pending = pendingOf(req);
    if (!pending) return res.redirect(303, '/staff/sign-in');
    if (!(await deps.staffAuth.find(pending.userId))) return res.redirect(303, '/staff/sign-in/enrol');
    staffPage(deps, req, res, 'sign-in-code');
  }

  async function doCode(req: Request, res: Response) {
    const pending = pendingOf(req);
    if (!pending) {
      req.session.notice = { key: 'staff:notice.startAgain' };
      return res.redirect(303, '/staff/sign-in');
    }
    const attempt = await codes.attempt(res, pending.userId);
    const result = await checkCode(deps, pending.userId, text(req.body as FormBody, 'code'));
    if (!result.ok) {
      // Nothing changes: the sign-in still waits for a right code (the audit log records the refusal).
      await deps.staffAuth.recordRefusal(pending.userId, result.reason);
      const message = staffT(deps, req)(result.reason === 'replayed_code' ? 'staff:errors.codeUsed' : 'staff:errors.codeWrong');
      return staffPage(deps, req, res.status(422), 'sign-in-code', { errors: { code: message } });
    }
    await attempt.succeeded();
    await startStaffSession(req, pending.userId, result.factor);
    if (result.factor === 'recovery') req.session.notice = { key: 'staff:notice.recoveryUsed', params: { count: String(result.left) } };
    res.redirect(303, pending.next);
  }

  async function doSignOut(req: Request, res: Response) {
    await endSession(req);
    res.clearCookie(cookieName(req, SESSION_COOKIE), { path: '/', httpOnly: true, sameSite: 'lax', secure: req.secure });
    res.redirect(303, '/staff/sign-in');
  }
}
