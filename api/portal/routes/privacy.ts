/**
 * A signed-in requester's own data: the summary page (`GET /account/export`), a preview that
 * records nothing, and the JSON download (`POST /account/export.json` from the page's form, with
 * the CSRF token), which is the export: recorded in the audit log (use-cases/export.ts) and
 * limited per account (limits.ts), so neither another site nor a loop can fill the audit log.
 * A GET of the download's address (an old bookmark) leads to the summary page.
 */
import { Router, type Request, type Response } from 'express';
import { formBody } from '../forms.ts';
import { requireUser } from '../middleware.ts';
import { page, portalT, viewerOf, type Guards } from '../pages.ts';
import type { PortalDeps } from '../types.ts';
import { exportSummary, requesterExport } from '../use-cases/export.ts';

export function privacyRoutes(deps: PortalDeps, { limits, requireCsrf }: Guards): Router {
  const router = Router();
  router.get('/account/export', requireUser, summary);
  router.get('/account/export.json', (_req, res) => res.redirect(303, '/account/export'));
  router.post('/account/export.json', formBody, requireCsrf, requireUser, limits.exports, download);
  return router;

  async function summary(req: Request, res: Response) {
    const viewer = viewerOf(req);
    const exp = await requesterExport(deps, viewer.user!, 'preview');
    res.set('Cache-Control', 'private, no-store');
    page(req, res, 'privacy-export', exportSummary(exp, viewer, portalT(deps, req)));
  }

  async function download(req: Request, res: Response) {
    const exp = await requesterExport(deps, viewerOf(req).user!, 'download');
    res.set({
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="helpdesk-my-data-${exp.generatedAt.slice(0, 10)}.json"`,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.send(JSON.stringify(exp, null, 2));
  }
}
