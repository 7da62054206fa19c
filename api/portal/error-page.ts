/**
 * The error page: the same error the API answers in JSON, as a localized HTML page
 * for a browser.
 */
import type { Request, Response } from 'express';
import { isLanguage } from '../i18n.ts';
import { pageLocals } from './middleware.ts';

/** True when the client is a browser asking for a page (not the JSON API, not a fetch for JSON). */
export function wantsHtml(req: Request): boolean {
  if (req.path.startsWith('/api/') || req.path === '/healthz') return false;
  return req.accepts(['json', 'html']) === 'html';
}

function headingKey(status: number): string {
  if (status === 404) return 'errorPage.notFound';
  if (status === 403) return 'errorPage.forbidden';
  if (status === 410) return 'errorPage.gone';
  if (status === 429) return 'errorPage.tooMany';
  if (status === 503) return 'errorPage.unavailable';
  if (status >= 500) return 'errorPage.failed';
  return 'errorPage.invalid';
}

export function renderErrorPage(req: Request, res: Response, status: number, message: string, fields: Array<{ field: string; message: string }>, onFail: () => void): void {
  if (!isLanguage(res.locals.lang)) {
    const base = typeof req.language === 'string' ? req.language.slice(0, 2) : 'en';
    res.locals.lang = isLanguage(base) ? base : 'en';
  }
  try {
    if (req.session) pageLocals(req, res);
  } catch {
    // No session (it failed to load): the page is shown without forms.
  }
  res.status(status).render('pages/error', { page: 'error', status, headingKey: headingKey(status), message, fields }, (err: Error | null, html?: string) => {
    if (err || html === undefined) {
      console.error("[portal] error page failed to render:", err);
      return onFail();
    }
    res.type('html').send(html);
  });
}
