/**
 * Rendering an auditor page: the staff layout (api/views/layouts/staff.hbs) with the staff
 * navigation, views from auditor-ui/views/, and the `au` helper, which reads the `auditor`
 * namespace (locales/{lng}/auditor.json) in the viewer's language; `st` still reads the staff
 * namespace. A count given as text is made a number, so plural forms apply.
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

const viewsDir = fileURLToPath(new URL('./views/', import.meta.url));

/** The auditor namespace's messages in the viewer's language. */
export const auditorT = (deps: { i18n: i18n }, req: Request): TFunction => deps.i18n.getFixedT(viewerOf(req).language, 'auditor');

export function auditorPage(deps: { i18n: i18n }, req: Request, res: Response, name: string, model: Record<string, unknown> = {}, status = 200): void {
  pageLocals(req, res);
  const t = auditorT(deps, req);
  const st = staffT(deps, req);
  const staff = req.staffUser;
  res.status(status).render(`${viewsDir}${name}.hbs`, {
    layout: 'staff',
    page: `auditor-${name}`,
    helpers: {
      au: (key: unknown, options: HelperOptions) => t(String(key), options.hash),
      st: (key: unknown, options: HelperOptions) => st(String(key), options.hash),
    },
    staffNav: staff && staffNav(staff),
    ...model,
  });
}
