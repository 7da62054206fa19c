/**
 * The staff surface as one piece for createApp: staff sign-in with a second factor (TOTP and
 * recovery codes, or OpenID Connect single sign-on), the staff home, and the one guard every
 * staff route uses (access.ts). Mounted after the portal, whose middleware (sessions, CSRF
 * context, who is looking, language) has run by then; see docs/staff-sign-in.md.
 */
import { Router } from 'express';
import { agentPages } from '../agent/index.ts';
import { agentWorkspacePages } from '../../agent-ui/index.ts';
import { adminPages } from '../../admin-ui/index.ts';
import { auditorPages } from '../../auditor-ui/index.ts';
import { auditRunsPages } from '../../auditor-ui/runs/index.ts';
import { auditLogPages } from '../../auditor-ui/log/index.ts';
import { createLimits } from '../portal/limits.ts';
import { csrfProtection } from '../portal/middleware.ts';
import { createStaffAccess } from './access.ts';
import type { StaffGuards } from './guards.ts';
import { createCodeLimits } from './limits.ts';
import { enrolRoutes } from './routes/enrol.ts';
import { homeRoutes } from './routes/home.ts';
import { signInRoutes } from './routes/sign-in.ts';
import { ssoRoutes } from './routes/sso.ts';
import { createSso } from './sso.ts';
import type { StaffDeps } from './types.ts';
import { notificationSettingsPages } from '../../notifications-ui/index.ts';

/** The one decision on staff access, for other surfaces (the codec endpoint): staffFromSession(req), requireStaff(roles?). */
export { createStaffAccess, type StaffAccess, type StaffAccessDeps } from './access.ts';
export { createSessionReader, type SessionReader } from './session-reader.ts';
export { STAFF_ROLES, isStaffRole, type StaffDeps, type StaffOptions, type StaffRole } from './types.ts';

export function staff(deps: StaffDeps): Router {
  const router = Router();
  const access = createStaffAccess({ users: deps.users, staffAuth: deps.staffAuth, secondFactor: deps.secondFactor, ...(deps.session ? { limits: deps.session } : {}) });
  const guards: StaffGuards = { access, requireCsrf: csrfProtection(deps.sessionSecret).require, limits: createLimits(deps), codes: createCodeLimits(deps) };

  // Staff pages are never kept by a browser's or a proxy's cache (secrets, recovery codes, names).
  router.use('/staff', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(signInRoutes(deps, guards));
  router.use(enrolRoutes(deps, guards));
  if (deps.oidc) router.use(ssoRoutes(deps, createSso(deps.oidc, deps.log ?? ((line) => console.error(line)))));
  router.use(homeRoutes(deps, guards));
  // Each staff member's own notification settings (notifications-ui/): /staff/notifications.
  router.use(notificationSettingsPages(deps, guards));
  // The agents' pages (api/agent/): the ticket page today, the agents' workspace later.
  router.use(agentPages(deps, guards));
  // The agents' workspace (agent-ui/): /agent, for agents and admins.
  router.use(agentWorkspacePages(deps, guards));
  // The auditors' pages (auditor-ui/): /audit, a ticket's timeline, its replay check and evidence;
  // its guard covers every /audit address, so before the audit log's and the period checks' pages.
  const { auditor } = deps;
  if (auditor) router.use(auditorPages({ ...deps, auditor }, guards));
  // The period replay checks' pages (auditor-ui/runs/): /audit/runs, for auditors and admins.
  const { auditRuns } = deps;
  if (auditRuns) router.use(auditRunsPages({ ...deps, auditRuns }, guards));
  // The process owners' pages (admin-ui/): drafts, checks, publication, versions.
  const { rulesAdmin } = deps;
  if (rulesAdmin) router.use(adminPages({ ...deps, rulesAdmin }, guards));
  // The auditors' audit-log page (auditor-ui/log/): /audit/log, for auditors and admins.
  router.use(auditLogPages(deps, guards));
  return router;
}
