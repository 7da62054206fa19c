/**
 * Rendering a staff page: the staff layout (api/views/layouts/staff.hbs) and the `st` helper,
 * which reads the `staff` namespace (locales/{lng}/staff.json) in the viewer's language; the
 * portal's `t` helper still reads the portal's namespace (shared partials use it).
 */
import type { Request, Response } from 'express';
import type { i18n, TFunction } from 'i18next';
import { pageLocals } from '../portal/middleware.ts';
import { viewerOf } from '../portal/pages.ts';
import { limitWords } from './limit-words.ts';
import { AUDIT_READERS, RULES_ADMINS } from './types.ts';

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
export function staffNav(staff: { displayName: string; role: string }): { displayName: string; audit: boolean; admin: boolean } {
  return { displayName: staff.displayName, audit: (AUDIT_READERS as readonly string[]).includes(staff.role), admin: (RULES_ADMINS as readonly string[]).includes(staff.role) };
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
