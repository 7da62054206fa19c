/**
 * The portal's front page: the knowledge base's categories and, for a signed-in
 * requester, how many of their tickets are still open.
 */
import { Router, type Request, type Response } from 'express';
import { OPEN } from '../../../workflows/lifecycle.ts';
import { page, viewerOf } from '../pages.ts';
import type { PortalDeps } from '../types.ts';
import { ticketsOf } from '../use-cases/follow.ts';

export function homeRoutes(deps: PortalDeps): Router {
  const router = Router();

  router.get('/', home);
  return router;

  async function home(req: Request, res: Response) {
    const viewer = viewerOf(req);
    const [categories, mine] = await Promise.all([
      deps.kb.categories(viewer.language),
      viewer.user ? ticketsOf(deps, viewer.user) : Promise.resolve([]),
    ]);
    const openCount = mine.filter((t) => OPEN.includes(t.status)).length;
    page(req, res, 'home', { categories, openCount, signedIn: Boolean(viewer.user) });
  }
}
