/**
 * The portal's account pages: sign-up (answered "check your inbox" for every address),
 * finishing it through the mailed link, sign-in, sign-out, and the language switch.
 */
import { Router, type Request, type Response } from 'express';
import { HttpError, ValidationError } from '../../errors.ts';
import { isLanguage, LANGUAGES } from '../../i18n.ts';
import { fieldMessages, formBody, text, type FormBody } from '../forms.ts';
import { cookieName, LANGUAGE_COOKIE, newCsrfToken, SESSION_COOKIE } from '../middleware.ts';
import { page, pick, portalT, publicBase, safeNext, viewerOf, type Guards } from '../pages.ts';
import type { PortalDeps } from '../types.ts';
import { completeSignUp, MIN_PASSWORD, openSignUpLink, signIn, signUp } from '../use-cases/auth.ts';

export function accountRoutes(deps: PortalDeps, { limits, requireCsrf }: Guards): Router {
  const router = Router();
  const accounts = { users: deps.users, signUps: deps.signUps, i18n: deps.i18n, outbox: deps.outbox };

  router.get('/sign-up', (req, res) => signUpForm(req, res, { locale: viewerOf(req).language }));
  router.post('/sign-up', formBody, requireCsrf, limits.signUp, doSignUp);
  router.get('/sign-up/complete/:token', async (req, res) => completionPage(req, res));
  router.post('/sign-up/complete/:token', formBody, requireCsrf, doComplete);
  router.get('/sign-in', (req, res) => page(req, res, 'sign-in', { values: { next: safeNext(req.query.next) } }));
  router.post('/sign-in', formBody, requireCsrf, doSignIn);
  router.post('/sign-out', formBody, requireCsrf, doSignOut);
  router.post('/language', formBody, requireCsrf, switchLanguage);
  return router;

  function signUpForm(req: Request, res: Response, values: FormBody, errors?: Record<string, string>) {
    page(req, res, 'sign-up', { values, errors, minPassword: MIN_PASSWORD });
  }

  async function doSignUp(req: Request, res: Response) {
    const body = req.body as FormBody;
    try {
      const { email } = await signUp(accounts, body, { timeZone: viewerOf(req).timeZone, publicBase: publicBase(deps, req), mayMail: limits.mayMail });
      // The same page for a new address and a known one: the mail tells them apart, not the answer.
      page(req, res, 'sign-up-sent', { email });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      signUpForm(req, res.status(422), pick(body, ['email', 'displayName', 'locale']), fieldMessages(err.fields, portalT(deps, req)));
    }
  }

  async function completionPage(req: Request, res: Response, errors?: Record<string, string>) {
    const pending = await openSignUpLink(accounts, String(req.params.token));
    page(req, res, 'sign-up-complete', { email: pending.email, displayName: pending.displayName, token: String(req.params.token), errors });
  }

  async function doComplete(req: Request, res: Response) {
    const token = String(req.params.token);
    const pending = await openSignUpLink(accounts, token);
    // Guessing the sign-up's password counts as failed sign-ins, for the address and the client.
    const attempt = await limits.signIn(req, res, pending.email);
    try {
      const user = await completeSignUp(accounts, token, req.body as FormBody);
      await attempt.succeeded();
      await startSession(req, user.id);
      // No name in the session (it is stored in portal_sessions): the page fills in the signed-in person's.
      req.session.notice = { key: 'notice.welcome' };
      res.redirect(303, '/tickets');
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      res.status(422);
      await completionPage(req, res, fieldMessages(err.fields, portalT(deps, req)));
    }
  }

  async function doSignIn(req: Request, res: Response) {
    const body = req.body as FormBody;
    // Failures only are counted, per address and per client: a right password gives its point back.
    const attempt = await limits.signIn(req, res, text(body, 'email'));
    try {
      const user = await signIn(deps, body);
      await attempt.succeeded();
      await startSession(req, user.id);
      const next = safeNext(body.next, '/tickets');
      // An agent's home is their queues (/agent, which asks for the staff sign-in first), never the requester's "0 tickets".
      res.redirect(303, user.role === 'agent' && (next === '/' || next === '/tickets') ? '/agent' : next);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      page(req, res.status(422), 'sign-in', { values: { email: text(body, 'email'), next: safeNext(body.next) }, errors: fieldMessages(err.fields, portalT(deps, req)) });
    }
  }

  async function doSignOut(req: Request, res: Response) {
    await new Promise<void>((resolve, reject) => req.session.destroy((err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve())));
    res.clearCookie(cookieName(req, SESSION_COOKIE), { path: '/', httpOnly: true, sameSite: 'lax', secure: req.secure });
    res.redirect(303, '/');
  }

  async function switchLanguage(req: Request, res: Response) {
    const body = req.body as FormBody;
    const lng = text(body, 'lng');
    if (!isLanguage(lng)) throw new HttpError(400, 'UNKNOWN_LANGUAGE', 'portal:errors.unknownLanguage', { code: lng.slice(0, 20), languages: LANGUAGES.join(', ') });
    res.cookie(LANGUAGE_COOKIE, lng, { maxAge: 365 * 24 * 3600 * 1000, sameSite: 'lax', httpOnly: false, secure: req.secure });
    const user = viewerOf(req).user;
    if (user) await deps.users.setLocale(user.id, lng);
    res.redirect(303, safeNext(body.next));
  }
}

/** A fresh session id at sign-in (no fixation), and a CSRF token bound to it; tickets followed before stay followed. */
async function startSession(req: Request, userId: number) {
  const followed = req.session.followed;
  await new Promise<void>((resolve, reject) => req.session.regenerate((err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve())));
  req.session.userId = userId;
  if (followed) req.session.followed = followed;
  newCsrfToken(req);
}
