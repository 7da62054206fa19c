/**
 * Shadow mode's page (/admin/drafts/:id/shadow): how long the draft has been in shadow mode, how
 * many new tickets it decided silently beside the active version, how often and where its
 * decisions differ (per outcome field, per service level × priority of the live decision), and
 * the latest diverging tickets with both decisions side by side. Read only: shadow mode is
 * switched on and off on the draft's overview. The same figures as
 * GET /api/v1/rules/drafts/{id}/shadow (services/rules-admin/shadow.ts).
 */
import { Router, type Request, type Response } from 'express';
import { viewerOf } from '../../api/portal/pages.ts';
import { examplesLimit } from '../../services/rules-admin/shadow.ts';
import type { AdminDeps, AdminGuards } from '../types.ts';
import { adminPage } from '../pages.ts';
import { draftOf } from './load.ts';
import { shadowModel } from './shadow-view.ts';

export function shadowRoutes(deps: AdminDeps, { admins }: AdminGuards): Router {
  const router = Router();
  router.get('/admin/drafts/:id/shadow', admins, show);
  return router;

  async function show(req: Request, res: Response) {
    const viewer = viewerOf(req);
    const draft = await draftOf(deps, req);
    const divergence = await deps.rulesAdmin.shadow.divergence(draft.id, { limit: examplesLimit(req.query.limit) });
    const t = deps.i18n.getFixedT(viewer.language, 'admin-shadow');
    adminPage(deps, req, res, 'shadow', {
      title: t('title', { title: draft.title }),
      draft,
      shadow: shadowModel(divergence, viewer, t),
    });
  }
}
