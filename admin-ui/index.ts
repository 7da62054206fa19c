/**
 * The process owners' admin pages (/admin): drafts of the next rules version edited in forms
 * or as raw JSON, what is wrong with them at every step, publication with a comment, the
 * versions with their diff in words and rollback. Server-rendered: every page works without
 * JavaScript, the raw view's editor (admin-ui/client/) only adds comfort, and the server's
 * validator is the one source of truth. Mounted by the staff router (api/staff/index.ts) after
 * the portal's middleware (sessions, CSRF, language); every route is guarded for process owners
 * and admins (RULES_ADMINS, api/staff/types.ts). See docs/admin-ui.md.
 */
import { Router } from 'express';
import type { StaffGuards } from '../api/staff/guards.ts';
import { RULES_ADMINS, type StaffDeps } from '../api/staff/types.ts';
import type { RulesAdmin } from '../services/rules-admin/index.ts';
import { calendarRoutes } from './routes/calendars.ts';
import { draftRoutes } from './routes/drafts.ts';
import { rawRoutes } from './routes/raw.ts';
import { slaRoutes } from './routes/sla.ts';
import { versionRoutes } from './routes/versions.ts';

export type AdminDeps = StaffDeps & { rulesAdmin: RulesAdmin };

/** What each group of admin routes is given: the deps, the guard for process owners and admins, and CSRF. */
export interface AdminGuards extends StaffGuards {
  admins: ReturnType<StaffGuards['access']['requireStaff']>;
}

export function adminPages(deps: AdminDeps, guards: StaffGuards): Router {
  const router = Router();
  const g: AdminGuards = { ...guards, admins: guards.access.requireStaff(RULES_ADMINS) };
  router.use('/admin', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(draftRoutes(deps, g));
  router.use(slaRoutes(deps, g));
  router.use(calendarRoutes(deps, g));
  router.use(rawRoutes(deps, g));
  router.use(versionRoutes(deps, g));
  return router;
}
