/**
 * Rendering a staff page: the staff layout (api/views/layouts/staff.hbs) and the `st` helper,
 * which reads the `staff` namespace (locales/{lng}/staff.json) in the viewer's language; the
 * portal's `t` helper still reads the portal's namespace (shared partials use it).
 */
import { fileURLToPath } from 'node:url';
import type { Request, Response } from 'express';
import type { i18n, TFunction } from 'i18next';
import { pageLocals } from '../portal/middleware.ts';
import { viewerOf } from '../portal/pages.ts';
import { limitWords } from './limit-words.ts';
import { AGENT_ROLES, AUDIT_READERS, RULES_ADMINS } from './types.ts';

interface HelperOptions {
  hash: Record<string, unknown>;
}

/** The staff namespace's messages in the viewer's language. */
export const staffT = (deps: { i18n: i18n }, req: Request): TFunction => deps.i18n.getFixedT(viewerOf(req).language, 'staff');

/** The label of each form field, for the error summary. */
const FIELD_LABELS: Record<string, string> = { email: 'form.email', password: 'form.password', code: 'form.code', enrolmentCode: 'form.enrolmentCode' };

/**
 * A notice's count arrives as text (session notices keep strings); plural forms need the number.
 * A session limit (`limitMs`) is put in words in the page's language.
 */
function withCount(hash: Record<string, unknown>, language: string): Record<string, unknown> {
  const out = typeof hash.count === 'string' && /^\d+$/.test(hash.count) ? { ...hash, count: Number(hash.count) } : hash;
  return typeof hash.limitMs === 'string' && /^\d+$/.test(hash.limitMs) ? { ...out, limit: limitWords(Number(hash.limitMs), language) } : out;
}

/** The staff navigation's links for this staff member's role. */
export function staffNav(staff: { displayName: string; role: string }): { displayName: string; audit: boolean; admin: boolean; agent: boolean } {
  const has = (roles: readonly string[]) => roles.includes(staff.role);
  return { displayName: staff.displayName, audit: has(AUDIT_READERS), admin: has(RULES_ADMINS), agent: has(AGENT_ROLES) };
}

/**
 * A folder's staff pages (auditor-ui/pages.ts, agent-ui/pages.ts): the staff layout with the staff
 * navigation, the folder's views (`views`, a folder URL), `page` = `<prefix>-<view name>` (the
 * layout marks the current nav link by it), and one helper per namespace (`helpers`: helper name →
 * namespace) reading it in the viewer's language; `st` still reads the staff namespace.
 */
export function folderPages(opts: { views: URL; prefix: string; helpers: Readonly<Record<string, string>> }) {
  const viewsDir = fileURLToPath(opts.views);
  const helperNames = Object.keys(opts.helpers);
  /** A namespace's messages in the viewer's language (the first helper's namespace unless named). */
  const words = (deps: { i18n: i18n }, req: Request, namespace = opts.helpers[helperNames[0]!]!): TFunction =>
    deps.i18n.getFixedT(viewerOf(req).language, namespace);
  function render(deps: { i18n: i18n }, req: Request, res: Response, name: string, model: Record<string, unknown> = {}, status = 200): void {
    pageLocals(req, res);
    const st = staffT(deps, req);
    const helpers: Record<string, (key: unknown, options: HelperOptions) => string> = {
      st: (key, options) => st(String(key), options.hash),
    };
    for (const [helper, namespace] of Object.entries(opts.helpers)) {
      const t = words(deps, req, namespace);
      helpers[helper] = (key, options) => t(String(key), options.hash);
    }
    const staff = req.staffUser;
    res.status(status).render(`${viewsDir}${name}.hbs`, {
      layout: 'staff',
      page: `${opts.prefix}-${name}`,
      helpers,
      staffNav: staff && staffNav(staff),
      ...model,
    });
  }
  return { words, render };
}

export function staffPage(deps: { i18n: i18n }, req: Request, res: Response, name: string, model: Record<string, unknown> = {}): void {
  pageLocals(req, res);
  const t = staffT(deps, req);
  const errors = model.errors as Record<string, string> | undefined;
  const errorList = errors && Object.entries(errors).map(([field, message]) => ({
    field, message, label: Object.hasOwn(FIELD_LABELS, field) ? t(FIELD_LABELS[field]!) : undefined,
  }));
  const staff = req.staffUser;
  res.render(`staff/${name}`, {
    layout: 'staff',
    page: `staff-${name}`,
    helpers: { st: (key: unknown, options: HelperOptions) => t(String(key), withCount(options.hash, viewerOf(req).language)) },
    // The staff navigation, on pages a staff guard let through.
    staffNav: staff && staffNav(staff),
    ...model,
    errorList,
  });
}
