/**
 * The self-service portal, server-rendered: a table of contents of its pages and
 * forms. Every form posts a CSRF token; every page works without JavaScript.
 */
import { createHash, randomUUID } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import cookieParser from 'cookie-parser';
import { HttpError, localizedParams, ValidationError } from '../errors.ts';
import { isLanguage, LANGUAGES } from '../i18n.ts';
import { ACCEPT_ATTRIBUTE, MAX_FILE_BYTES, MAX_FILES, parseReportForm } from './attachments.ts';
import { fieldMessages, text, type FormBody } from './forms.ts';
import { formatDateTime, slaPromise } from './format.ts';
import { createLimits } from './limits.ts';
import { browserIdOf, csrfProtection, LANGUAGE_COOKIE, requireUser, sameOriginOnly, saveSessionBeforeRedirect, sessions, viewerContext } from './middleware.ts';
import { page, pick, portalT, publicBase, safeNext, viewerOf } from './pages.ts';
import { accountRoutes } from './routes-auth.ts';
import type { PortalDeps } from './types.ts';
import { confirmResolution, followByCode, openTicket, rate, reopen, reply, ticketsOf, ticketView } from './use-cases/follow.ts';
import { CATEGORIES, IMPACTS, submitReport, URGENCIES } from './use-cases/report.ts';

const forms = express.urlencoded({ extended: false, limit: '100kb' });

export function portalRoutes(deps: PortalDeps): Router {
  const router = Router();
  const limits = createLimits(deps);
  const csrf = csrfProtection(deps.sessionSecret);
  const requireCsrf = csrf.require;
  const tp = (req: Request) => portalT(deps, req);

  // The portal is everything but the JSON API and the health check.
  router.use((req, _res, next) => (req.path.startsWith('/api/') || req.path === '/healthz' ? next('router') : next()));
  // A form another site's page posts is refused (sameOriginOnly) before its body is read or a limit counts it.
  router.use(securityHeaders, cookieParser(), sessions(deps), saveSessionBeforeRedirect, csrf.context, viewerContext(deps), sameOriginOnly(deps));

  router.get('/', home);
  router.post('/language', forms, requireCsrf, switchLanguage);
  accountRoutes(router, deps, limits, requireCsrf);

  router.get('/report', reportForm);
  // The form's token is in its multipart body: parsed first (multer's limits bound the work), counted only once the token holds.
  router.post('/report', parseReportForm, requireCsrf, limits.report, doReport);

  router.get('/tickets', requireUser, myTickets);
  router.get('/follow', (req, res) => page(req, res, 'follow', { values: { number: text(req.query as FormBody, 'number') } }));
  router.post('/follow', forms, requireCsrf, limits.follow, doFollow);
  router.get('/follow/:number/:code', limits.follow, followLink);
  router.get('/tickets/:number', (req, res) => showTicket(req, res));
  router.get('/tickets/:number/attachments/:id', downloadAttachment);
  router.post('/tickets/:number/reply', forms, requireCsrf, ticketAction('reply'));
  router.post('/tickets/:number/confirm', forms, requireCsrf, ticketAction('confirm'));
  router.post('/tickets/:number/reopen', forms, requireCsrf, ticketAction('reopen'));
  router.post('/tickets/:number/rate', forms, requireCsrf, ticketAction('rate'));

  router.get('/kb', kbIndex);
  router.get('/kb/suggest', kbSuggest);
  router.get('/kb/:slug', (req, res) => kbArticle(req, res));
  router.post('/kb/:slug/feedback', forms, requireCsrf, kbFeedback);
  router.post('/kb/:slug/solved', forms, requireCsrf, kbSolved);

  return router;

  // ── pages ────────────────────────────────────────────────────────────────

  async function home(req: Request, res: Response) {
    const viewer = viewerOf(req);
    const [categories, open] = await Promise.all([
      deps.kb.categories(viewer.language),
      viewer.user ? ticketsOf(deps, viewer.user) : Promise.resolve([]),
    ]);
    const openCount = open.filter((t) => !['resolved', 'closed', 'cancelled'].includes(t.status)).length;
    page(req, res, 'home', { categories, openCount, signedIn: Boolean(viewer.user) });
  }

  async function switchLanguage(req: Request, res: Response) {
    const body = req.body as FormBody;
    const lng = text(body, 'lng');
    if (!isLanguage(lng)) throw new HttpError(400, 'UNKNOWN_LANGUAGE', 'portal:errors.unknownLanguage', { code: lng.slice(0, 20), languages: LANGUAGES.join(', ') });
    res.cookie(LANGUAGE_COOKIE, lng, { maxAge: 365 * 24 * 3600 * 1000, sameSite: 'lax', httpOnly: false, secure: req.secure });
    const user = viewerOf(req).user;
    if (user) await deps.users.setLocale(user.id, lng);
    res.redirect(303, safeNext(body.next));
  }

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
        req.session.followed = [outcome.number, ...(req.session.followed ?? []).filter((n) => n !== outcome.number)].slice(0, 20);
        if (outcome.follow) req.session.followLink = { number: outcome.number, ...outcome.follow };
      }
      if (!outcome.recorded) return page(req, res.status(202), 'accepted', { number: outcome.number });
      req.session.notice = { key: 'notice.reported', params: { number: outcome.number } };
      res.redirect(303, `/tickets/${outcome.number}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const values = pick(body, ['title', 'description', 'category', 'impact', 'urgency', 'email', 'idempotencyKey']);
      renderReport(req, res.status(422), values, fieldMessages(err.fields, tp(req)));
    }
  }

  async function myTickets(req: Request, res: Response) {
    const viewer = viewerOf(req);
    const t = tp(req);
    const tickets = await ticketsOf(deps, viewer.user!);
    const rows = tickets.map((ticket) => ({
      number: ticket.number,
      title: ticket.title,
      status: ticket.status,
      statusText: t(`status.${ticket.status}`),
      promise: slaPromise(ticket, t),
      updated: formatDateTime(ticket.updatedAt, viewer.language, viewer.timeZone),
      updatedIso: ticket.updatedAt,
    }));
    const openCount = tickets.filter((x) => !['resolved', 'closed', 'cancelled'].includes(x.status)).length;
    page(req, res, 'my-tickets', { rows, count: rows.length, openCount });
  }

  async function doFollow(req: Request, res: Response) {
    const body = req.body as FormBody;
    try {
      const number = await followByCode(deps, text(body, 'number'), text(body, 'code'));
      grantFollow(req, number);
      res.redirect(303, `/tickets/${number}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      page(req, res.status(422), 'follow', { values: { number: text(body, 'number') }, errors: fieldMessages(err.fields, tp(req)) });
    }
  }

  async function followLink(req: Request, res: Response) {
    const number = String(req.params.number);
    try {
      grantFollow(req, await followByCode(deps, number, String(req.params.code)));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      throw new HttpError(404, 'NOT_FOUND', 'portal:errors.badFollowLink');
    }
    // The code leaves the address bar: the ticket page's URL carries only the number.
    res.redirect(303, `/tickets/${number}`);
  }

  function grantFollow(req: Request, number: string) {
    req.session.followed = [number, ...(req.session.followed ?? []).filter((n) => n !== number)].slice(0, 20);
  }

  async function showTicket(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const viewer = viewerOf(req);
    const ticket = await openTicket(deps, viewer, String(req.params.number));
    const view = await ticketView(deps, viewer, ticket, tp(req));
    const followLink = req.session.followLink?.number === ticket.number ? req.session.followLink : undefined;
    if (followLink) delete req.session.followLink;
    page(req, res, 'ticket', { ...view, followLink, ...extra });
  }

  async function downloadAttachment(req: Request, res: Response) {
    const ticket = await openTicket(deps, viewerOf(req), String(req.params.number));
    const id = Number(req.params.id);
    const file = Number.isSafeInteger(id) ? await deps.portal.attachment(ticket.number, id) : undefined;
    if (!file) throw new HttpError(404, 'NOT_FOUND', 'api:errors.notFound');
    res.set({
      'Content-Type': file.contentType,
      'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, no-store',
    });
    res.send(file.data);
  }

  function ticketAction(kind: 'reply' | 'confirm' | 'reopen' | 'rate') {
    return async (req: Request, res: Response) => {
      const viewer = viewerOf(req);
      const ticket = await openTicket(deps, viewer, String(req.params.number));
      const body = req.body as FormBody;
      try {
        if (kind === 'reply') await reply(deps, viewer, ticket, body);
        else if (kind === 'confirm') await confirmResolution(deps, viewer, ticket);
        else if (kind === 'reopen') await reopen(deps, viewer, ticket, body);
        else await rate(deps, viewer, ticket, body);
      } catch (err) {
        // A form problem or a refused action is shown on the ticket page, beside its form.
        if (!(err instanceof HttpError) || err.status >= 500) throw err;
        const t = tp(req);
        const errors = err instanceof ValidationError ? fieldMessages(err.fields, t) : {};
        const actionError = err instanceof ValidationError ? undefined : req.t(err.messageKey, localizedParams(req.t, err.params));
        res.status(err.status);
        return showTicket(req, res, { errors, actionError, errorFor: kind, values: body });
      }
      req.session.notice = { key: `notice.${kind}` };
      res.redirect(303, `/tickets/${ticket.number}`);
    };
  }

  async function kbIndex(req: Request, res: Response) {
    const viewer = viewerOf(req);
    const query = req.query as FormBody;
    const q = text(query, 'q').slice(0, 200);
    const category = text(query, 'category');
    const [categories, articles] = await Promise.all([
      deps.kb.categories(viewer.language),
      q.trim() ? deps.kb.search(q, viewer.language, 20) : deps.kb.list(viewer.language, category || undefined),
    ]);
    page(req, res, 'kb', { categories, articles, q, category, searched: Boolean(q.trim()), count: articles.length });
  }

  async function kbSuggest(req: Request, res: Response) {
    const viewer = viewerOf(req);
    const q = text(req.query as FormBody, 'q').slice(0, 200);
    const t = tp(req);
    const articles = q.trim().length >= 3 ? await deps.kb.search(q, viewer.language, 5) : [];
    res.set('Cache-Control', 'no-store').json({
      language: viewer.language,
      articles: articles.map((a) => ({
        slug: a.slug, title: a.title, summary: a.summary, language: a.language,
        fallback: a.fallback ? t(`language.in.${a.language}`) : null,
        url: `/kb/${a.slug}?q=${encodeURIComponent(q)}`,
      })),
    });
  }

  async function kbArticle(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const viewer = viewerOf(req);
    const article = await deps.kb.get(String(req.params.slug), viewer.language);
    if (!article) throw new HttpError(404, 'NOT_FOUND', 'portal:errors.articleNotFound');
    const q = text(req.query as FormBody, 'q') || text((req.body ?? {}) as FormBody, 'q');
    page(req, res, 'kb-article', {
      article,
      blocks: articleBlocks(article.body),
      updated: formatDateTime(article.updatedAt, viewer.language, viewer.timeZone),
      q: q.slice(0, 200),
      reportUrl: q ? `/report?title=${encodeURIComponent(q.slice(0, 200))}` : '/report',
      ...extra,
    });
  }

  async function kbFeedback(req: Request, res: Response) {
    const article = await deps.kb.get(String(req.params.slug), viewerOf(req).language);
    if (!article) throw new HttpError(404, 'NOT_FOUND', 'portal:errors.articleNotFound');
    const helpful = text(req.body as FormBody, 'helpful');
    if (helpful !== 'yes' && helpful !== 'no') throw new ValidationError([{ field: 'helpful', key: 'choose' }]);
    await deps.kb.feedback(article.id, helpful === 'yes', voterOf(req));
    req.session.notice = { key: 'notice.feedback' };
    res.redirect(303, `/kb/${article.slug}`);
  }

  async function kbSolved(req: Request, res: Response) {
    const viewer = viewerOf(req);
    const article = await deps.kb.get(String(req.params.slug), viewer.language);
    if (!article) throw new HttpError(404, 'NOT_FOUND', 'portal:errors.articleNotFound');
    const q = text(req.body as FormBody, 'q').slice(0, 200);
    await deps.kb.recordDeflection({ articleId: article.id, language: viewer.language, query: q || null, userId: viewer.user?.id ?? null });
    await deps.kb.feedback(article.id, true, voterOf(req));
    page(req, res, 'solved', { article });
  }
}

// ── helpers ─────────────────────────────────────────────────────────────────

function voterOf(req: Request): string {
  const user = req.viewer?.user;
  return user ? `user:${user.id}` : `session:${req.sessionID}`;
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

/** An article body: paragraphs, and numbered steps ("1. …") as ordered lists. Rendered as text by the template. */
export function articleBlocks(body: string): Array<{ paragraph?: string; steps?: string[] }> {
  return body.split(/\n\s*\n/).map((block) => {
    const lines = block.trim().split('\n').map((l) => l.trim());
    if (lines.every((l) => /^\d+\.\s/.test(l))) return { steps: lines.map((l) => l.replace(/^\d+\.\s+/, '')) };
    return { paragraph: lines.join(' ') };
  });
}

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  });
  next();
}

