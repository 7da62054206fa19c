/**
 * Reporting a problem: the form (with "search first" suggestions from the knowledge base)
 * and its submission, with attachments, for a signed-in requester or one without an account.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { ValidationError } from '../../errors.ts';
import { ACCEPT_ATTRIBUTE, MAX_FILE_BYTES, MAX_FILES, parseReportForm } from '../attachments.ts';
import { fieldMessages, text, type FormBody } from '../forms.ts';
import { browserIdOf } from '../middleware.ts';
import { grantFollow, page, pick, portalT, publicBase, viewerOf, type Guards } from '../pages.ts';
import type { PortalDeps } from '../types.ts';
import { CATEGORIES, IMPACTS, submitReport, URGENCIES } from '../use-cases/report.ts';

export function reportRoutes(deps: PortalDeps, { limits, requireCsrf }: Guards): Router {
  const router = Router();

  router.get('/report', reportForm);
  // The form's token is in its multipart body: parsed first (multer's limits bound the work), counted only once the token holds.
  router.post('/report', parseReportForm, requireCsrf, limits.report, doReport);
  return router;

  async function reportForm(req: Request, res: Response) {
    const viewer = viewerOf(req);
    const query = req.query as FormBody;
    const values = pick(query, ['title', 'description', 'category', 'impact', 'urgency', 'email']);
    // "Search first" submits the form by GET: drop the form's token from the address.
    if ('_csrf' in query || 'idempotencyKey' in query) return res.redirect(303, `/report?${new URLSearchParams(values as Record<string, string>).toString()}`);
    const title = text(query, 'title').slice(0, 200);
    const found = title.trim() ? await deps.kb.search(title, viewer.language, 5) : undefined;
    const suggestions = found?.map((a) => ({ ...a, url: `/kb/${a.slug}?q=${encodeURIComponent(title)}` }));
    renderReport(req, res, { ...values, title }, {}, suggestions);
  }

  async function doReport(req: Request, res: Response) {
    const viewer = viewerOf(req);
    const body = (req.body ?? {}) as FormBody;
    try {
      const outcome = await submitReport(deps, viewer, {
        body,
        files: (req.files as Express.Multer.File[] | undefined) ?? [],
        uploadProblem: req.uploadProblem,
        keyScope: viewer.user ? `u${viewer.user.id}` : anonymousScope(req),
        publicBase: publicBase(deps, req),
      });
      if (!viewer.user) {
        grantFollow(req, outcome.number);
        if (outcome.follow) req.session.followLink = { number: outcome.number, ...outcome.follow };
      }
      if (!outcome.recorded) return page(req, res.status(202), 'accepted', { number: outcome.number });
      req.session.notice = { key: 'notice.reported', params: { number: outcome.number } };
      res.redirect(303, `/tickets/${outcome.number}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const values = pick(body, ['title', 'description', 'category', 'impact', 'urgency', 'email', 'idempotencyKey']);
      renderReport(req, res.status(422), values, fieldMessages(err.fields, portalT(deps, req)));
    }
  }
}

function renderReport(req: Request, res: Response, values: FormBody, errors: Record<string, string>, suggestions?: unknown[]) {
  page(req, res, 'report', {
    values: { impact: 'low', urgency: 'medium', ...values, idempotencyKey: typeof values.idempotencyKey === 'string' && values.idempotencyKey ? values.idempotencyKey : randomUUID() },
    // Handlebars treats {} as true: pass no errors object when there are none.
    errors: Object.keys(errors).length ? errors : undefined,
    categories: CATEGORIES,
    impacts: IMPACTS,
    urgencies: URGENCIES,
    suggestions,
    searched: suggestions !== undefined,
    accept: ACCEPT_ATTRIBUTE,
    maxFiles: MAX_FILES,
    maxFileMb: MAX_FILE_BYTES / (1024 * 1024),
    anonymous: !viewerOf(req).user,
  });
}

/**
 * The idempotency scope of a report sent without an account: this browser's random id (the
 * form's CSRF token is bound to it), which it keeps whether or not it has a session yet —
 * so a double click makes one ticket, and nobody else can replay the form's key.
 */
function anonymousScope(req: Request): string {
  const id = browserIdOf(req) ?? req.sessionID;
  return `c${createHash('sha256').update(id).digest('base64url').slice(0, 22)}`;
}
