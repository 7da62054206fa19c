/**
 * Setting up the second factor: after the password (a staff member without one, where it is
 * required), or from the staff home (where it is optional). The secret is shown as text and as a
 * QR code; a code from the app confirms it; then the ten recovery codes are shown, this once.
 */
import { Router, type Request, type Response } from 'express';
import type { UserRecord } from '../../../db/users-repo.ts';
import { formBody, text, type FormBody } from '../../portal/forms.ts';
import type { StaffGuards } from '../guards.ts';
import { staffPage, staffT } from '../pages.ts';
import { confirmEnrolment, enrolmentView, startEnrolment } from '../second-factor.ts';
import { pendingOf, startStaffSession } from '../session.ts';
import type { StaffDeps } from '../types.ts';

export function enrolRoutes(deps: StaffDeps, { access, requireCsrf, codes }: StaffGuards): Router {
  const router = Router();

  router.get('/staff/sign-in/enrol', enrolForm);
  router.post('/staff/sign-in/enrol', formBody, requireCsrf, doEnrol);
  return router;

  /** Who is setting up: the sign-in waiting for its second step, or a signed-in staff member (optional setting). */
  async function enrolling(req: Request): Promise<{ user: UserRecord; next: string; pending: boolean } | undefined> {
    const pending = pendingOf(req);
    if (pending) {
      const user = await deps.users.findById(pending.userId);
      return user && { user, next: pending.next, pending: true };
    }
    const user = await access.staffFromSession(req);
    return user && { user, next: '/staff', pending: false };
  }

  async function show(req: Request, res: Response, user: UserRecord, errors?: Record<string, string>) {
    let enrol = req.session.staffEnrol;
    if (!enrol || enrol.userId !== user.id) enrol = req.session.staffEnrol = { userId: user.id, sealed: startEnrolment(deps, user.id) };
    const view = await enrolmentView(deps, user.id, enrol.sealed, staffT(deps, req)('enrol.issuer'), user.email);
    staffPage(deps, req, res, 'enrol', { ...view, errors });
  }

  async function enrolForm(req: Request, res: Response) {
    const who = await enrolling(req);
    if (!who) return res.redirect(303, '/staff/sign-in');
    if (await deps.staffAuth.find(who.user.id)) return res.redirect(303, who.pending ? '/staff/sign-in/code' : '/staff');
    await show(req, res, who.user);
  }

  async function doEnrol(req: Request, res: Response) {
    const who = await enrolling(req);
    const enrol = req.session.staffEnrol;
    if (!who || !enrol || enrol.userId !== who.user.id) {
      req.session.notice = { key: 'staff:notice.startAgain' };
      return res.redirect(303, who ? '/staff/sign-in/enrol' : '/staff/sign-in');
    }
    const attempt = await codes.attempt(res, who.user.id);
    const result = await confirmEnrolment(deps, who.user.id, enrol.sealed, text(req.body as FormBody, 'code'));
    if (!result.ok && result.reason === 'already_enrolled') return res.redirect(303, who.pending ? '/staff/sign-in/code' : '/staff');
    if (!result.ok) {
      await deps.staffAuth.recordRefusal(who.user.id, 'wrong_code', { step: 'enrolment' });
      return show(req, res.status(422), who.user, { code: staffT(deps, req)('staff:errors.codeWrong') });
    }
    await attempt.succeeded();
    // A fresh session id for the stronger sign-in (the enrolment's secret goes with the old one).
    await startStaffSession(req, who.user.id, 'totp');
    // Shown in this answer only: they are kept nowhere but as hashes.
    staffPage(deps, req, res, 'recovery-codes', { codes: result.recoveryCodes, next: who.next });
  }
}
