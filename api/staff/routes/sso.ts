/**
 * Single sign-on: /staff/sso sends the browser to the provider (state, nonce and PKCE verifier
 * kept in the session); /staff/sso/callback takes the answer once. A state this session did not
 * start (replayed, forged, or after it was used) is a 400 that changes nothing.
 *
 * Who it is: the ID token's verified address, in an allowed domain (HELPDESK_OIDC_ALLOWED_DOMAINS)
 * when domains are set, must be a staff member's; and the provider's account (issuer, `sub`) must
 * be the one bound to that staff member — bound at their first single sign-on. Another account
 * with the same address (a multi-tenant or consumer issuer lets anyone have one) is refused.
 */
import { timingSafeEqual } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { HttpError } from '../../errors.ts';
import { publicBase, safeNext } from '../../portal/pages.ts';
import { ssoPendingOf, startStaffSession } from '../session.ts';
import type { Sso } from '../sso.ts';
import { isStaffRole, type StaffDeps } from '../types.ts';

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export function ssoRoutes(deps: StaffDeps, sso: Sso): Router {
  const router = Router();

  router.get('/staff/sso', startSso);
  router.get('/staff/sso/callback', callback);
  return router;

  function redirectUri(req: Request): string {
    return deps.oidc?.redirectUrl ?? `${publicBase(deps, req).replace(/\/+$/, '')}/staff/sso/callback`;
  }

  async function startSso(req: Request, res: Response) {
    const started = await sso.start(redirectUri(req));
    req.session.staffSso = { state: started.state, nonce: started.nonce, verifier: started.verifier, next: safeNext(req.query.next, '/staff'), at: Date.now() };
    res.redirect(303, started.url);
  }

  async function callback(req: Request, res: Response) {
    const pending = ssoPendingOf(req);
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    if (!pending || !state || !same(state, pending.state)) throw new HttpError(400, 'SSO_STATE_UNKNOWN', 'staff:errors.ssoState');
    // One use: whatever the provider's answer, this state is spent.
    delete req.session.staffSso;
    const identity = await sso.finish(redirectUri(req), new URL(req.originalUrl, 'http://callback').searchParams, pending);
    if (!identity.email || !identity.emailVerified) {
      await deps.staffAuth.recordRefusal(undefined, 'sso_unverified_email', { issuer: sso.issuer });
      throw new HttpError(403, 'SSO_EMAIL_UNVERIFIED', 'staff:errors.ssoUnverified');
    }
    const domains = deps.oidc?.allowedDomains ?? [];
    if (domains.length && !domains.includes(identity.email.slice(identity.email.lastIndexOf('@') + 1))) {
      await deps.staffAuth.recordRefusal(undefined, 'sso_domain_not_allowed', { issuer: sso.issuer });
      throw new HttpError(403, 'SSO_DOMAIN_REFUSED', 'staff:errors.ssoDomain', { domains: domains.join(', ') });
    }
    const user = await deps.users.findByEmail(identity.email);
    if (!user || !isStaffRole(user.role)) {
      await deps.staffAuth.recordRefusal(user?.id, 'sso_not_staff', { issuer: sso.issuer });
      throw new HttpError(403, 'SSO_NOT_STAFF', 'staff:errors.ssoNotStaff');
    }
    if (!user.active) {
      await deps.staffAuth.recordRefusal(user.id, 'account_deactivated', { issuer: sso.issuer });
      throw new HttpError(403, 'ACCOUNT_DEACTIVATED', 'staff:errors.accountDeactivated');
    }
    const link = await deps.staffAuth.linkSso(user.id, sso.issuer, identity.subject);
    if (link === 'other_account' || link === 'account_taken') {
      await deps.staffAuth.recordRefusal(user.id, link === 'other_account' ? 'sso_other_account' : 'sso_account_taken', { issuer: sso.issuer });
      throw new HttpError(403, 'SSO_ACCOUNT_MISMATCH', 'staff:errors.ssoOtherAccount');
    }
    await startStaffSession(req, user.id, 'sso');
    await deps.staffAuth.recordSsoSignIn(user.id, sso.issuer);
    res.redirect(303, pending.next);
  }
}
