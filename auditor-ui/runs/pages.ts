/**
 * Rendering a period-check page: the staff layout (api/views/layouts/staff.hbs) with the staff
 * navigation, views from auditor-ui/runs/views/, and the `ar` helper, which reads the
 * `auditor-runs` namespace (locales/{lng}/auditor-runs.json) in the viewer's language; `st` still
 * reads the staff namespace. Its own small renderer, so the period checks' pages stand apart from
 * the ticket pages' (auditor-ui/pages.ts).
 */
import { fileURLToPath } from 'node:url';
import type { Request, Response } from 'express';
import type { i18n, TFunction } from 'i18next';
import { pageLocals } from '../../api/portal/middleware.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import { staffNav, staffT } from '../../api/staff/pages.ts';

interface HelperOptions {
  hash: Record<string, unknown>;
}

const viewsDir = fileURLToPath(new URL('./views/', import.meta.url));

/** The auditor-runs namespace's messages in the viewer's language. */
export const runsT = (deps: { i18n: i18n }, req: Request): TFunction => deps.i18n.getFixedT(viewerOf(req).language, 'auditor-runs');

export function runsPage(deps: { i18n: i18n }, req: Request, res: Response, name: string, model: Record<string, unknown> = {}, status = 200): void {
  pageLocals(req, res);
  const t = runsT(deps, req);
  const st = staffT(deps, req);
  const staff = req.staffUser;
  res.status(status).render(`${viewsDir}${name}.hbs`, {
    layout: 'staff',
    page: `auditor-${name}`,
    helpers: {
      ar: (key: unknown, options: HelperOptions) => t(String(key), options.hash),
      st: (key: unknown, options: HelperOptions) => st(String(key), options.hash),
    },
    staffNav: staff && staffNav(staff),
    ...model,
  });
}
