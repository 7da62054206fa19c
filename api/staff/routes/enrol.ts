/**
 * Setting up the second factor: after the password (a staff member without one, where it is
 * required), or from the staff home (where it is optional). First the enrolment code an operator
 * issued for this person (`helpdesk user add`, `reset-second-factor`, `enrolment-code`): the
 * password alone never lets anyone register their own authenticator. Then the secret, as text and
 * as a QR code; a code from the app confirms it and spends the enrolment code; then the ten
 * recovery codes are shown, this once. Wrong enrolment codes count like wrong codes (limits.ts)
 * and are audited.
 */
import { Router, type Request, type Response } from 'express';
import type { RefusalReason } from '../../../db/staff-auth-repo.ts';
import type { UserRecord } from '../../../db/users-repo.ts';
import { formBody, text, type FormBody } from '../../portal/forms.ts';
import type { StaffGuards } from '../guards.ts';
import { staffPage, staffT } from '../pages.ts';
import { confirmEnrolment, enrolmentView, startEnrolment } from '../second-factor.ts';
import { pendingOf, startStaffSession } from '../session.ts';
import type { StaffDeps } from '../types.ts';

/** What each refused enrolment code is told. */
const CODE_MESSAGES: Partial<Record<RefusalReason, string>> = {
  no_enrolment_code: 'staff:errors.enrolmentCodeNone',
  wrong_enrolment_code: 'staff:errors.enrolmentCodeWrong',
  expired_enrolment_code: 'staff:errors.enrolmentCodeExpired',
  spent_enrolment_code: 'staff:errors.enrolmentCodeSpent',
};

export function enrolRoutes(deps: StaffDeps, { access, requireCsrf, codes }: StaffGuards): Router {
  const router = Router();

  router.get('/staff/sign-in/enrol', enrolForm);
  router.post('/staff/sign-in/enrol/code', formBody, requireCsrf, doEnrolmentCode);
  router.post('/staff/sign-in/enrol', formBody, requireCsrf, doEnrol);
  return router;

  /** Who is setting up: the sign-in waiting for its second step, or a signed-in staff member (optional setting). */
  async function enrolling(req: Request): Promise<{ user: UserRecord; next: string; pending: boolean } | undefined> {
    const pending = pendingOf(req);
    if (pending) {
      const user = await deps.users.findById(pending.userId);
      // Deactivated since the password step: no enrolment (docs/people.md).
      return user?.active ? { user, next: pending.next, pending: true } : undefined;
    }
    const user = await access.staffFromSession(req);
    return user && { user, next: '/staff', pending: false };
  }

  /** The enrolment this session started with a right enrolment code, if any. */
  function started(req: Request, user: UserRecord) {
    const enrol = req.session.staffEnrol;
    return enrol && enrol.userId === user.id && typeof enrol.codeId === 'number' ? enrol : undefined;
  }

  function codeForm(req: Request, res: Response, reason?: RefusalReason) {
    const message = reason && CODE_MESSAGES[reason];
    staffPage(deps, req, res, 'enrol-code', message ? { errors: { enrolmentCode: staffT(deps, req)(message) } } : {});
  }

  async function show(req: Request, res: Response, user: UserRecord, enrol: { sealed: string }, errors?: Record<string, string>) {
    const view = await enrolmentView(deps, user.id, enrol.sealed, staffT(deps, req)('enrol.issuer'), user.email);
    staffPage(deps, req, res, 'enrol', { ...view, errors });
  }

  async function enrolForm(req: Request, res: Response) {
    const who = await enrolling(req);
    if (!who) return res.redirect(303, '/staff/sign-in');
    if (await deps.staffAuth.find(who.user.id)) return res.redirect(303, who.pending ? '/staff/sign-in/code' : '/staff');
    const enrol = started(req, who.user);
    if (!enrol) return codeForm(req, res);
    await show(req, res, who.user, enrol);
  }

  async function doEnrolmentCode(req: Request, res: Response) {
    const who = await enrolling(req);
    if (!who) {
      req.session.notice = { key: 'staff:notice.startAgain' };
      return res.redirect(303, '/staff/sign-in');
    }
    if (await deps.staffAuth.find(who.user.id)) return res.redirect(303, who.pending ? '/staff/sign-in/code' : '/staff');
    const attempt = await codes.attempt(res, who.user.id);
    const check = await deps.staffAuth.checkEnrolmentCode(who.user.id, text(req.body as FormBody, 'enrolmentCode'));
    if (!check.ok) {
      await deps.staffAuth.recordRefusal(who.user.id, check.reason, { step: 'enrolment' });
      return codeForm(req, res.status(422), check.reason);
    }
    await attempt.succeeded();
    // The secret is made now, for this person and this code; the code is spent when a code from the app confirms it.
    req.session.staffEnrol = { userId: who.user.id, sealed: startEnrolment(deps, who.user.id), codeId: check.codeId };
    res.redirect(303, '/staff/sign-in/enrol');
  }

  async function doEnrol(req: Request, res: Response) {
    const who = await enrolling(req);
    const enrol = who && started(req, who.user);
    if (!who || !enrol) {
      req.session.notice = { key: 'staff:notice.startAgain' };
      return res.redirect(303, who ? '/staff/sign-in/enrol' : '/staff/sign-in');
    }
    const attempt = await codes.attempt(res, who.user.id);
    const result = await confirmEnrolment(deps, who.user.id, enrol, text(req.body as FormBody, 'code'));
    if (!result.ok && result.reason === 'already_enrolled') return res.redirect(303, who.pending ? '/staff/sign-in/code' : '/staff');
    if (!result.ok && result.reason === 'enrolment_code_spent') {
      // Used in another browser, replaced by a new one, or expired meanwhile: this setup is void.
      delete req.session.staffEnrol;
      await deps.staffAuth.recordRefusal(who.user.id, 'spent_enrolment_code', { step: 'enrolment' });
      return codeForm(req, res.status(409), 'spent_enrolment_code');
    }
    if (!result.ok) {
      await deps.staffAuth.recordRefusal(who.user.id, 'wrong_code', { step: 'enrolment' });
      return show(req, res.status(422), who.user, enrol, { code: staffT(deps, req)('staff:errors.codeWrong') });
    }
    await attempt.succeeded();
    // A fresh session id for the stronger sign-in (the enrolment's secret goes with the old one).
    await startStaffSession(req, who.user.id, 'totp');
    // Shown in this answer only: they are kept nowhere but as hashes.
    staffPage(deps, req, res, 'recovery-codes', { codes: result.recoveryCodes, next: who.next });
  }
}
