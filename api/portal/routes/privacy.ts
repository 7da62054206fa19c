/**
 * A signed-in requester's own data: the summary page (`/account/export`) and the JSON download
 * (`/account/export.json`), both recorded as an export (use-cases/export.ts).
 */
import { Router, type Request, type Response } from 'express';
import { requireUser } from '../middleware.ts';
import { page, portalT, viewerOf } from '../pages.ts';
import type { PortalDeps } from '../types.ts';
import { exportSummary, requesterExport } from '../use-cases/export.ts';

export function privacyRoutes(deps: PortalDeps): Router {
  const router = Router();
  router.get('/account/export', requireUser, summary);
  router.get('/account/export.json', requireUser, download);
  return router;

  async function summary(req: Request, res: Response) {
    const viewer = viewerOf(req);
    const exp = await requesterExport(deps, viewer.user!, 'html');
    res.set('Cache-Control', 'private, no-store');
    page(req, res, 'privacy-export', exportSummary(exp, viewer, portalT(deps, req)));
  }

  async function download(req: Request, res: Response) {
    const exp = await requesterExport(deps, viewerOf(req).user!, 'json');
    res.set({
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="helpdesk-my-data-${exp.generatedAt.slice(0, 10)}.json"`,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.send(JSON.stringify(exp, null, 2));
  }
}
