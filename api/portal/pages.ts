/**
 * Rendering a portal page, and the small helpers every group of routes shares.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { TFunction } from 'i18next';
import { text, type FormBody } from './forms.ts';
import type { Limits } from './limits.ts';
import { pageLocals } from './middleware.ts';
import type { PortalDeps, Viewer } from './types.ts';

/** The guards a group of routes puts before its handlers: the abuse limits and the CSRF check (one of each for the portal). */
export interface Guards {
  limits: Limits;
  requireCsrf: RequestHandler;
}

export function viewerOf(req: Request): Viewer {
  if (!req.viewer) throw new Error('viewerContext did not run');
  return req.viewer;
}

/** The portal's messages in the viewer's language. */
export const portalT = (deps: Pick<PortalDeps, 'i18n'>, req: Request): TFunction => deps.i18n.getFixedT(viewerOf(req).language, 'portal');

/** The label of each form field, so the error summary can say which field a message is about. */
const FIELD_LABELS: Record<string, string> = {
  title: 'report.title', description: 'report.description', category: 'report.category', impact: 'report.impact',
  urgency: 'report.urgency', email: 'form.email', attachments: 'report.attachments', password: 'form.password',
  passwordConfirm: 'form.passwordConfirm', displayName: 'form.displayName', locale: 'form.language',
  number: 'follow.number', code: 'follow.code',
};

export function page(req: Request, res: Response, name: string, model: Record<string, unknown> = {}): void {
  pageLocals(req, res);
  const errors = model.errors as Record<string, string> | undefined;
  const lang = viewerOf(req).language;
  const errorList = errors && Object.entries(errors).map(([field, message]) => {
    const key = Object.hasOwn(FIELD_LABELS, field) ? FIELD_LABELS[field] : undefined;
    return { field, message, label: key ? String(req.i18n?.getFixedT(lang, 'portal')(key) ?? '').replace(/[?:]\s*$/, '') : undefined };
  });
  res.render(`pages/${name}`, { page: name, ...model, errorList });
}

/** From now on this browser may follow the ticket (its session keeps the 20 latest). */
export function grantFollow(req: Request, number: string): void {
  req.session.followed = [number, ...(req.session.followed ?? []).filter((n) => n !== number)].slice(0, 20);
}

export function pick(source: FormBody, keys: string[]): FormBody {
  return Object.fromEntries(keys.map((k) => [k, text(source, k)]).filter(([, v]) => v !== ''));
}

/** Only a local path is a place to return to after a form (no open redirect). */
export function safeNext(value: unknown, fallback = '/'): string {
  return typeof value === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : fallback;
}

/** Origin of links sent by mail: PUBLIC_URL, else (tests on port 0) the request's own. */
export function publicBase(deps: Pick<PortalDeps, 'options'>, req: Request): string {
  return deps.options.publicUrl || `${req.protocol}://${req.get('host') ?? 'localhost'}`;
}
