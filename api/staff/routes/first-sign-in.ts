/**
 * The first staff sign-in of someone added without a password (/admin/people, POST /api/v1/people,
 * `helpdesk user add`): their e-mail address, the enrolment code an operator handed them and a new
 * password (the portal's rules). A right code for a staff account that is active and has no
 * password yet sets the password (argon2id, audited `staff.password_set`) and leads, on a fresh
 * session id, straight into the authenticator's enrolment (routes/enrol.ts) with the code accepted;
 * the code is spent when that enrolment completes.
 *
 * A wrong code, an unknown address, a requester's or a deactivated account all get one sentence,
 * after about the same work (one argon2 verification), so the form tells no one which addresses
 * have accounts. Attempts count per address and per client (the sign-in limits) and, for a staff
 * account, with its wrong codes (limits.ts).
 */
import { hash, verify } from '@node-rs/argon2';
import { Router, type Request, type Response } from 'express';
import { ARGON2_OPTIONS } from '../../../db/users-repo.ts';
import { ValidationError } from '../../errors.ts';
import { fieldMessages, FormChecks, formBody, text, type FormBody } from '../../portal/forms.ts';
import { portalT, safeNext } from '../../portal/pages.ts';
import { MIN_PASSWORD } from '../../portal/use-cases/auth.ts';
import type { StaffGuards } from '../guards.ts';
import { staffPage, staffT } from '../pages.ts';
import { startEnrolment } from '../second-factor.ts';
import { startPending } from '../session.ts';
import { isStaffRole, type StaffDeps } from '../types.ts';

/** As the portal's sign-up (api/portal/use-cases/auth.ts). */
const MAX_PASSWORD = 200;

let dummyHash: Promise<string> | undefined;
/** The verification an unknown address gets instead of a code's, so it takes about as long. */
const dummyVerify = async (typed: string) => void (await verify(await (dummyHash ??= hash('NOTAREALCODE', ARGON2_OPTIONS)), typed || 'x'));

function checkForm(body: FormBody) {
  const email = text(body, 'email').trim().toLowerCase();
  const code = text(body, 'enrolmentCode');
  const password = text(body, 'password');
  const checks = new FormChecks().email('email', email).required('enrolmentCode', code, 40);
  if (password.length < MIN_PASSWORD) checks.add('password', 'passwordTooShort', { min: MIN_PASSWORD });
  else if (password.length > MAX_PASSWORD) checks.add('password', 'tooLong', { max: MAX_PASSWORD });
  else if (password !== text(body, 'passwordConfirm')) checks.add('passwordConfirm', 'passwordsDiffer');
  checks.done();
  return { email, code, password };
}

export function firstSignInRoutes(deps: StaffDeps, { access, requireCsrf, limits, codes }: StaffGuards): Router {
  const router = Router();
  router.get('/staff/sign-in/first', firstForm);
  router.post('/staff/sign-in/first', formBody, requireCsrf, doFirst);
  return router;

  function form(req: Request, res: Response, values: FormBody, extra: Record<string, unknown> = {}) {
    staffPage(deps, req, res, 'sign-in-first', { values, minPassword: MIN_PASSWORD, ...extra });
  }

  async function firstForm(req: Request, res: Response) {
    const next = safeNext(req.query.next, '/staff');
    if (await access.staffFromSession(req)) return res.redirect(303, next);
    form(req, res, { next });
  }

  async function doFirst(req: Request, res: Response) {
    const body = req.body as FormBody;
    const next = safeNext(body.next, '/staff');
    const values = { email: text(body, 'email'), next };
    let input;
    try {
      input = checkForm(body);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return form(req, res.status(422), values, { errors: fieldMessages(err.fields, portalT(deps, req)) });
    }
    const t = staffT(deps, req);
    const refuse = (status: number, key: string) => form(req, res.status(status), values, { refusal: t(key) });
    // Per address and per client, as the sign-in's failures, for every address alike.
    const attempt = await limits.signIn(req, res, input.email);
    const found = await deps.users.findCredentials(input.email);
    const user = found && isStaffRole(found.user.role) ? found.user : undefined;
    if (!user) {
      await dummyVerify(input.code);
      return refuse(422, 'staff:errors.firstSignInRefused');
    }
    const codeAttempt = await codes.attempt(res, user.id);
    const check = await deps.staffAuth.checkEnrolmentCode(user.id, input.code);
    if (!check.ok) {
      if (check.reason === 'no_enrolment_code') await dummyVerify(input.code);
      await deps.staffAuth.recordRefusal(user.id, check.reason, { step: 'first_sign_in' });
      return check.reason === 'expired_enrolment_code' ? refuse(422, 'staff:errors.enrolmentCodeExpired') : refuse(422, 'staff:errors.firstSignInRefused');
    }
    await Promise.all([attempt.succeeded(), codeAttempt.succeeded()]);
    // Only who has the right code learns more; a deactivated account is told as if it had none.
    if (!user.active) {
      await deps.staffAuth.recordRefusal(user.id, 'account_deactivated', { step: 'first_sign_in' });
      return refuse(422, 'staff:errors.firstSignInRefused');
    }
    if (found!.passwordHash !== null) {
      await deps.staffAuth.recordRefusal(user.id, 'has_password', { step: 'first_sign_in' });
      return refuse(409, 'staff:errors.firstSignInHasPassword');
    }
    if (!(await deps.staffAuth.setFirstPassword(user.id, check.codeId, await hash(input.password, ARGON2_OPTIONS)))) {
      // A password set, the code replaced or the account deactivated since the check: nothing changed.
      return refuse(409, 'staff:errors.firstSignInChanged');
    }
    // A fresh session id that says "first step done", with the enrolment code accepted (routes/enrol.ts).
    await startPending(req, user.id, next);
    req.session.staffEnrol = { userId: user.id, sealed: startEnrolment(deps, user.id), codeId: check.codeId };
    res.redirect(303, '/staff/sign-in/enrol');
  }
}
