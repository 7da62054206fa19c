/**
 * Rendering an auditor page: the staff layout (api/views/layouts/staff.hbs) with the staff
 * navigation, a folder's views, and one helper that reads that folder's namespace in the viewer's
 * language (`au`: auditor.json for the ticket pages; `ar`: auditor-runs.json, auditor-ui/runs/;
 * `lt`: auditor-log.json, auditor-ui/log/); `st` still reads the staff namespace.
 */
import { fileURLToPath } from 'node:url';
import type { Request, Response } from 'express';
import type { i18n, TFunction } from 'i18next';
import { pageLocals } from '../api/portal/middleware.ts';
import { viewerOf } from '../api/portal/pages.ts';
import { staffNav, staffT } from '../api/staff/pages.ts';

interface HelperOptions {
  hash: Record<string, unknown>;
}

type Deps = { i18n: i18n };

/** A folder's pages: `views` (a folder URL), its namespace and the name of its helper in the views. */
export function auditorPages(opts: { views: URL; namespace: string; helper: string }) {
  const viewsDir = fileURLToPath(opts.views);
  const words = (deps: Deps, req: Request): TFunction => deps.i18n.getFixedT(viewerOf(req).language, opts.namespace);
  function render(deps: Deps, req: Request, res: Response, name: string, model: Record<string, unknown> = {}, status = 200): void {
    pageLocals(req, res);
    const t = words(deps, req);
    const st = staffT(deps, req);
    const staff = req.staffUser;
    res.status(status).render(`${viewsDir}${name}.hbs`, {
      layout: 'staff',
      page: `auditor-${name}`,
      helpers: {
        [opts.helper]: (key: unknown, options: HelperOptions) => t(String(key), options.hash),
        st: (key: unknown, options: HelperOptions) => st(String(key), options.hash),
      },
      staffNav: staff && staffNav(staff),
      ...model,
    });
  }
  return { words, render };
}

const ticketPages = auditorPages({ views: new URL('./views/', import.meta.url), namespace: 'auditor', helper: 'au' });

/** The auditor namespace's messages in the viewer's language. */
export const auditorT = ticketPages.words;
export const auditorPage = ticketPages.render;
