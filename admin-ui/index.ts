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
import { RULES_ADMINS } from '../api/staff/types.ts';
import { calendarRoutes } from './routes/calendars.ts';
import { draftRoutes } from './routes/drafts.ts';
import { generalRoutes } from './routes/general.ts';
import { ladderRoutes } from './routes/ladders.ts';
import { matrixRoutes } from './routes/matrix.ts';
import { peopleRoutes } from './routes/people.ts';
import { rawRoutes } from './routes/raw.ts';
import { retentionRoutes } from './routes/retention.ts';
import { shadowRoutes } from './routes/shadow.ts';
import { ruleRoutes } from './routes/rules.ts';
import { slaRoutes } from './routes/sla.ts';
import { tierRoutes } from './routes/tiers.ts';
import { tryRoutes } from './routes/try.ts';
import { versionRoutes } from './routes/versions.ts';
import { applyRoutes } from './routes/apply.ts';
import { whatIfRoutes } from './routes/what-if.ts';
import { mailRoutes } from './mail/routes.ts';
import { integrationRoutes } from './integrations/routes.ts';

import type { AdminDeps, AdminGuards } from './types.ts';

export type { AdminDeps, AdminGuards } from './types.ts';

export function adminPages(deps: AdminDeps, guards: StaffGuards): Router {
  const router = Router();
  const g: AdminGuards = { ...guards, admins: guards.access.requireStaff(RULES_ADMINS) };
  // The role first, for every admin address: nothing a caller sent (a 4 MB raw body included) is
  // read before it is known to be a process owner's or an admin's; each route names it again.
  router.use('/admin', g.admins);
  router.use('/admin', (req, res, next) => {
    // Pages are never kept by a cache; the editor's bundle may be, for its signed-in user only.
    res.set('Cache-Control', req.path.startsWith('/assets/') ? 'private, max-age=3600' : 'no-store');
    next();
  });
  // First: it tells the admin home whether to link to the mailbox (admins only).
  router.use(mailRoutes(deps, g));
  router.use(integrationRoutes(deps, g));
  router.use(draftRoutes(deps, g));
  router.use(slaRoutes(deps, g));
  router.use(calendarRoutes(deps, g));
  router.use(matrixRoutes(deps, g), tierRoutes(deps, g), ladderRoutes(deps, g), generalRoutes(deps, g), retentionRoutes(deps, g));
  router.use(ruleRoutes(deps, g));
  router.use(rawRoutes(deps, g));
  router.use(versionRoutes(deps, g), applyRoutes(deps, g));
  router.use(tryRoutes(deps, g));
  router.use(whatIfRoutes(deps, g));
  router.use(shadowRoutes(deps, g));
  router.use(peopleRoutes(deps, g));
  return router;
}
