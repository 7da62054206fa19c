/**
 * The admin home (active version, drafts, versions, a new draft) and a draft's own page: its
 * status and base, what is wrong with it (each problem in the viewer's words, linked to the form
 * that shows it beside its field), shadow mode, dropping it, and publishing it with a comment —
 * refused with 422 and the problems, or 409 and the three-way diff.
 */
import { Router, type Request, type Response } from 'express';
import { formBody, text, type FormBody } from '../../api/portal/forms.ts';
import { formatDateTime } from '../../api/portal/format.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import { withChangeText } from '../../rules/change-text.ts';
import { ServiceError } from '../../services/errors.ts';
import type { DraftView, ReviewItem, ThreeWayDiff } from '../../services/rules-admin/index.ts';
import type { AdminDeps, AdminGuards } from '../types.ts';
import { adminPage, shownProblems } from '../pages.ts';
import { actorOf, draftOf, revisionOf } from './load.ts';
import { authorNames, sectionOf } from './sections.ts';

export function draftRoutes(deps: AdminDeps, { admins, requireCsrf }: AdminGuards): Router {
  const router = Router();
  router.get('/admin', admins, home);
  router.post('/admin/drafts', formBody, requireCsrf, admins, create);
  router.get('/admin/drafts/:id', admins, show);
  router.post('/admin/drafts/:id/publish', formBody, requireCsrf, admins, publish);
  router.post('/admin/drafts/:id/shadow', formBody, requireCsrf, admins, shadow);
  router.post('/admin/drafts/:id/drop', formBody, requireCsrf, admins, drop);
  return router;

  async function home(req: Request, res: Response) {
    const { language, timeZone } = viewerOf(req);
    const [drafts, versions] = await Promise.all([deps.rulesAdmin.drafts.list(), deps.rulesAdmin.versions.list()]);
    const names = await authorNames(deps.users, versions.map((v) => v.author));
    adminPage(deps, req, res, 'home', {
      title: deps.i18n.getFixedT(language, 'admin')('home.title'),
      active: versions.find((v) => v.active),
      drafts: drafts.map((d) => ({ ...d, shownAt: formatDateTime(d.updatedAt, language, timeZone) })),
      versions: versions.map((v, i) => ({
        ...v, authorName: names.get(v.author), shownAt: formatDateTime(v.publishedAt, language, timeZone), previous: versions[i + 1]?.version,
      })),
    });
  }

  async function create(req: Request, res: Response) {
    const body = req.body as FormBody;
    const from = text(body, 'from');
    if (from !== '' && !/^\d{1,9}$/.test(from)) throw new ServiceError(422, 'VALIDATION_FAILED', 'errors.validation', {}, [{ field: 'from', key: 'oneOf' }]);
    const draft = await deps.rulesAdmin.drafts.create({ title: text(body, 'title'), ...(from ? { from: Number(from) } : {}) }, actorOf(req));
    res.redirect(303, `/admin/drafts/${draft.id}`);
  }

  async function show(req: Request, res: Response) {
    renderDraft(req, res, await draftOf(deps, req));
  }

  function renderDraft(req: Request, res: Response, draft: DraftView, extra: { publishItems?: ReviewItem[]; conflict?: ThreeWayDiff; comment?: string; stale?: boolean } = {}, status = 200) {
    const t = deps.i18n.getFixedT(viewerOf(req).language, 'admin');
    const said = deps.i18n.getFixedT(viewerOf(req).language, 'rules');
    const problems = shownProblems(deps, req, draft.review.items).map((p) => ({ ...p, section: sectionOf(draft.id, p.path) }));
    adminPage(deps, req, res, 'draft', {
      title: t('draft.title', { title: draft.title }),
      draft,
      problems,
      errors: draft.review.errors,
      warnings: draft.review.warnings,
      outdated: draft.activeVersion !== draft.baseVersion,
      editable: draft.status === 'draft' || draft.status === 'shadow',
      calendars: Object.keys((draft.review.parsed?.calendars as object | undefined) ?? {}),
      publishProblems: extra.publishItems && shownProblems(deps, req, extra.publishItems),
      conflict: extra.conflict && { ...extra.conflict, theirs: withChangeText(extra.conflict.theirs, said), ours: withChangeText(extra.conflict.ours, said) },
      comment: extra.comment ?? '',
      stale: extra.stale ?? false,
    }, status);
  }

  async function publish(req: Request, res: Response) {
    const body = req.body as FormBody;
    const draft = await draftOf(deps, req);
    const comment = text(body, 'comment');
    const over = text(body, 'over');
    let outcome;
    try {
      outcome = await deps.rulesAdmin.drafts.publish(draft.id, { revision: revisionOf(body), comment, ...(/^\d{1,9}$/.test(over) ? { over: Number(over) } : {}) }, actorOf(req));
    } catch (err) {
      // Saved meanwhile: the page shows the newer draft and keeps the comment typed.
      if (err instanceof ServiceError && err.code === 'DRAFT_CHANGED') return renderDraft(req, res, await draftOf(deps, req), { comment, stale: true }, 409);
      throw err;
    }
    if (outcome.ok) {
      req.session.notice = { key: 'admin:notice.published', params: { version: String(outcome.version) } };
      return res.redirect(303, `/admin/versions/${outcome.version}`);
    }
    if (outcome.status === 409) return renderDraft(req, res, await draftOf(deps, req), { conflict: outcome.diff, comment }, 409);
    renderDraft(req, res, await draftOf(deps, req), { publishItems: outcome.items, comment }, 422);
  }

  async function shadow(req: Request, res: Response) {
    const body = req.body as FormBody;
    const draft = await draftOf(deps, req);
    await deps.rulesAdmin.drafts.setShadow(draft.id, { revision: revisionOf(body), on: text(body, 'on') === '1' }, actorOf(req));
    res.redirect(303, `/admin/drafts/${draft.id}`);
  }

  async function drop(req: Request, res: Response) {
    const body = req.body as FormBody;
    const draft = await draftOf(deps, req);
    await deps.rulesAdmin.drafts.drop(draft.id, { revision: revisionOf(body) }, actorOf(req));
    req.session.notice = { key: 'admin:notice.dropped', params: { name: draft.title } };
    res.redirect(303, '/admin');
  }
}
