/**
 * Rendering an admin page: the staff layout (api/views/layouts/staff.hbs) with the admin
 * navigation, views from admin-ui/views/, and the `at` helper, which reads the `admin` namespace
 * (locales/{lng}/admin.json) in the viewer's language. Problems found in a draft are put in the
 * viewer's words here (problemText) and attached to the fields they are about (fieldProblems).
 */
import { fileURLToPath } from 'node:url';
import type { Request, Response } from 'express';
import type { i18n, TFunction } from 'i18next';
import { pageLocals } from '../api/portal/middleware.ts';
import { viewerOf } from '../api/portal/pages.ts';
import { staffNav, staffT } from '../api/staff/pages.ts';
import { problemText as sayProblem } from '../rules/problem-text.ts';
import type { ReviewItem } from '../services/rules-admin/review.ts';

interface HelperOptions {
  hash: Record<string, unknown>;
}

const viewsDir = fileURLToPath(new URL('./views/', import.meta.url));

/** The admin namespace's messages in the viewer's language. */
export const adminT = (deps: { i18n: i18n }, req: Request): TFunction => deps.i18n.getFixedT(viewerOf(req).language, 'admin');

/** A problem in the viewer's words: its code's message from locales/{lng}/rules.json, else the English sentence. */
export function problemText(deps: { i18n: i18n }, req: Request, item: Pick<ReviewItem, 'code' | 'params' | 'message'>): string {
  return sayProblem(item, deps.i18n.getFixedT(viewerOf(req).language, 'rules'));
}

export interface ShownProblem extends ReviewItem {
  text: string;
  /** The id of the field it is shown beside, when the page has one. */
  fieldId?: string;
}

/**
 * The items in the viewer's words, each tied to a field of the page where `fieldFor` knows one
 * (by its JSON path and parameters); the rest are shown in the page's summary only.
 */
export function shownProblems(deps: { i18n: i18n }, req: Request, items: readonly ReviewItem[], fieldFor: (item: ReviewItem) => string | undefined = () => undefined): ShownProblem[] {
  return items.map((i) => {
    const fieldId = fieldFor(i);
    return { ...i, text: problemText(deps, req, i), ...(fieldId ? { fieldId } : {}) };
  });
}

/** The problems of each field id, for `{{#each (lookup byField id)}}` beside the field. */
export function byField(problems: readonly ShownProblem[]): Record<string, ShownProblem[]> {
  const out: Record<string, ShownProblem[]> = {};
  for (const p of problems) if (p.fieldId) (out[p.fieldId] ??= []).push(p);
  return out;
}

function calendarIds(draft: unknown): string[] {
  const calendars = (draft as { review?: { parsed?: { calendars?: unknown } } } | undefined)?.review?.parsed?.calendars;
  return calendars && typeof calendars === 'object' && !Array.isArray(calendars) ? Object.keys(calendars) : [];
}

export function adminPage(deps: { i18n: i18n }, req: Request, res: Response, name: string, model: Record<string, unknown> = {}, status = 200): void {
  pageLocals(req, res);
  const t = adminT(deps, req);
  const st = staffT(deps, req);
  const staff = req.staffUser;
  res.status(status).render(`${viewsDir}${name}.hbs`, {
    layout: 'staff',
    page: `admin-${name}`,
    helpers: {
      at: (key: unknown, options: HelperOptions) => t(String(key), options.hash),
      st: (key: unknown, options: HelperOptions) => st(String(key), options.hash),
    },
    staffNav: staff && staffNav(staff),
    // A draft's pages link to each of its calendars' forms.
    draftCalendars: calendarIds(model.draft),
    ...model,
  });
}
