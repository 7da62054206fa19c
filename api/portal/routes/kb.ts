/**
 * The knowledge base: the index and its search, suggestions while typing a report's title,
 * an article, and a reader's answers to it ("was this helpful?", "this solved my problem").
 * Every route with `:slug` works on the article router.param loaded once, in the viewer's language.
 * The answers' guards (form body, CSRF) run first, on a layer without `:slug`, so a bad token
 * is refused (403) before the article is read.
 */
import { Router, type Request, type Response } from 'express';
import type { KbArticle } from '../../../db/kb-repo.ts';
import { HttpError, ValidationError } from '../../errors.ts';
import { formatDateTime } from '../format.ts';
import { formBody, text, type FormBody } from '../forms.ts';
import { page, portalT, viewerOf, type Guards } from '../pages.ts';
import type { PortalDeps } from '../types.ts';

/** The answer forms' paths, without the `:slug` parameter (so router.param does not run for the guards). */
const KB_ANSWERS = /^\/kb\/[^/]+\/(?:feedback|solved)\/?$/i;

export function kbRoutes(deps: PortalDeps, { requireCsrf }: Guards): Router {
  const router = Router();

  router.param('slug', async (req, _res, next, slug: string) => {
    const article = await deps.kb.get(slug, viewerOf(req).language);
    if (!article) throw new HttpError(404, 'NOT_FOUND', 'portal:errors.articleNotFound');
    req.article = article;
    next();
  });

  router.get('/kb', kbIndex);
  router.get('/kb/suggest', kbSuggest);
  router.get('/kb/:slug', kbArticle);
  router.post(KB_ANSWERS, formBody, requireCsrf);
  router.post('/kb/:slug/feedback', kbFeedback);
  router.post('/kb/:slug/solved', kbSolved);
  return router;

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
    const t = portalT(deps, req);
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

  function kbArticle(req: Request, res: Response) {
    const viewer = viewerOf(req);
    const article = articleOf(req);
    const q = text(req.query as FormBody, 'q') || text((req.body ?? {}) as FormBody, 'q');
    page(req, res, 'kb-article', {
      article,
      blocks: articleBlocks(article.body),
      updated: formatDateTime(article.updatedAt, viewer.language, viewer.timeZone),
      q: q.slice(0, 200),
      reportUrl: q ? `/report?title=${encodeURIComponent(q.slice(0, 200))}` : '/report',
    });
  }

  async function kbFeedback(req: Request, res: Response) {
    const article = articleOf(req);
    const helpful = text(req.body as FormBody, 'helpful');
    if (helpful !== 'yes' && helpful !== 'no') throw new ValidationError([{ field: 'helpful', key: 'choose' }]);
    await deps.kb.feedback(article.id, helpful === 'yes', voterOf(req));
    req.session.notice = { key: 'notice.feedback' };
    res.redirect(303, `/kb/${article.slug}`);
  }

  async function kbSolved(req: Request, res: Response) {
    const viewer = viewerOf(req);
    const article = articleOf(req);
    const q = text(req.body as FormBody, 'q').slice(0, 200);
    await deps.kb.recordDeflection({ articleId: article.id, language: viewer.language, query: q || null, userId: viewer.user?.id ?? null });
    await deps.kb.feedback(article.id, true, voterOf(req));
    page(req, res, 'solved', { article });
  }
}

function articleOf(req: Request): KbArticle {
  if (!req.article) throw new Error('router.param("slug") did not load the article');
  return req.article;
}

/** Who answers "was this helpful?": a signed-in user, else this session (one vote each). */
function voterOf(req: Request): string {
  const user = req.viewer?.user;
  return user ? `user:${user.id}` : `session:${req.sessionID}`;
}

/** An article body: paragraphs, and numbered steps ("1. …") as ordered lists. Rendered as text by the template. */
export function articleBlocks(body: string): Array<{ paragraph?: string; steps?: string[] }> {
  return body.split(/\n\s*\n/).map((block) => {
    const lines = block.trim().split('\n').map((l) => l.trim());
    if (lines.every((l) => /^\d+\.\s/.test(l))) return { steps: lines.map((l) => l.replace(/^\d+\.\s+/, '')) };
    return { paragraph: lines.join(' ') };
  });
}
