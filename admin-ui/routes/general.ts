/**
 * The general settings page (/admin/drafts/:id/general): name, description, categories, service
 * levels, the default service level, the defaults, the auto-close period and the facts'
 * documentation (admin-ui/forms/general.ts), the validator's problems beside their fields.
 */
import { Router, type Request, type Response } from 'express';
import { formBody, type FormBody } from '../../api/portal/forms.ts';
import type { DraftView } from '../../services/rules-admin/index.ts';
import { applyGeneral, generalFieldFor, generalMine, generalView } from '../forms/general.ts';
import { editableDraft, formWords, loadDraft, pageProblems, saveDraft, type FormDeps, type FormGuards } from '../forms/page.ts';
import { adminPage } from '../pages.ts';

export function generalRoutes(deps: FormDeps, { admins, requireCsrf }: FormGuards): Router {
  const router = Router();
  router.get('/admin/drafts/:id/general', admins, show);
  router.post('/admin/drafts/:id/general', formBody, requireCsrf, admins, save);
  return router;

  function render(req: Request, res: Response, draft: DraftView) {
    const t = formWords(deps, req);
    const file = draft.review.parsed;
    const p = pageProblems(deps, req, draft.review.items, generalMine, generalFieldFor(file));
    adminPage(deps, req, res, 'general', {
      title: t('general.title', { title: draft.title }), draft, broken: !file, problems: p.problems,
      ...(file ? generalView(file, p, t) : {}), editable: editableDraft(draft),
    });
  }

  async function show(req: Request, res: Response) {
    render(req, res, await loadDraft(deps, req));
  }

  async function save(req: Request, res: Response) {
    const draft = await loadDraft(deps, req);
    const file = draft.review.parsed;
    if (!file) return render(req, res, draft);
    await saveDraft(deps, req, res, draft, applyGeneral(file, req.body as FormBody), `/admin/drafts/${draft.id}/general`);
  }
}
