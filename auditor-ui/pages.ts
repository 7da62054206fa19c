/**
 * Rendering an auditor page: the staff layout (api/views/layouts/staff.hbs) with the staff
 * navigation, a folder's views, and one helper that reads that folder's namespace in the viewer's
 * language (`au`: auditor.json for the ticket pages; `ar`: auditor-runs.json, auditor-ui/runs/;
 * `lt`: auditor-log.json, auditor-ui/log/); `st` still reads the staff namespace. The rendering
 * itself is the staff pages' folderPages (api/staff/pages.ts), which agent-ui/pages.ts uses too.
 */
import type { Request } from 'express';
import type { i18n, TFunction } from 'i18next';
import { folderPages } from '../api/staff/pages.ts';

type Deps = { i18n: i18n };

/** A folder's pages: `views` (a folder URL), its namespace and the name of its helper in the views. */
export function auditorPages(opts: { views: URL; namespace: string; helper: string }) {
  const pages = folderPages({ views: opts.views, prefix: 'auditor', helpers: { [opts.helper]: opts.namespace } });
  const words = (deps: Deps, req: Request): TFunction => pages.words(deps, req, opts.namespace);
  return { words, render: pages.render };
}

const ticketPages = auditorPages({ views: new URL('./views/', import.meta.url), namespace: 'auditor', helper: 'au' });

/** The auditor namespace's messages in the viewer's language. */
export const auditorT = ticketPages.words;
export const auditorPage = ticketPages.render;
