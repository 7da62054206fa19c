/**
 * The auditors' pages (/audit): the auditors' home (find a ticket by its number; the audit log and
 * the period checks linked), a ticket's timeline in words with a "Why" one click from every
 * automated entry, its replay check and its signed evidence bundle; a period's population and the
 * audit log's proof (routes/proof.ts). Server-rendered, every page
 * works without JavaScript. Mounted by the staff router (api/staff/index.ts) after the portal's
 * middleware (sessions, CSRF, language, time zone); the role is checked for every /audit address
 * before anything a caller sent is read (AUDIT_READERS: auditors and admins). See docs/auditor-ui.md.
 */
import express, { Router } from 'express';
import { fileURLToPath } from 'node:url';
import type { StaffGuards } from '../api/staff/guards.ts';
import { AUDIT_READERS } from '../api/staff/types.ts';
import { homeRoutes } from './routes/home.ts';
import { proofRoutes } from './routes/proof.ts';
import { ticketRoutes } from './routes/tickets.ts';
import type { AuditorDeps, AuditorGuards } from './types.ts';

export type { AuditorDeps, AuditorGuards } from './types.ts';

const publicDir = fileURLToPath(new URL('./public/', import.meta.url));

export function auditorPages(deps: AuditorDeps, guards: StaffGuards): Router {
  const router = Router();
  const g: AuditorGuards = { ...guards, auditors: guards.access.requireStaff(AUDIT_READERS) };
  // The role first, for every auditor address (the audit log's and the period checks' too): no
  // form, no query is read before it is known to be an auditor's or an admin's; each route names it again.
  router.use('/audit', g.auditors);
  router.use('/audit', (req, res, next) => {
    // Pages show people and words: never kept by a cache; the stylesheet may be, for its signed-in user only.
    res.set('Cache-Control', req.path.startsWith('/assets/') ? 'private, max-age=3600' : 'no-store');
    next();
  });
  router.use('/audit/assets', express.static(publicDir, { fallthrough: false, index: false }));
  router.use(homeRoutes(deps, g));
  router.use(ticketRoutes(deps, g));
  router.use(proofRoutes(deps, g));
  return router;
}
