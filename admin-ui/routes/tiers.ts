/**
 * The support tiers and teams page (/admin/drafts/:id/tiers): each tier's id, name and teams,
 * each team's id, name and tier, adding and removing either (admin-ui/forms/tiers.ts), with who
 * names each one shown beside it and the validator's problems beside their fields.
 */
import { Router, type Request, type Response } from 'express';
import { formBody, type FormBody } from '../../api/portal/forms.ts';
import type { DraftView } from '../../services/rules-admin/index.ts';
import { editableDraft, formWords, loadDraft, pageProblems, saveDraft, type FormDeps, type FormGuards } from '../forms/page.ts';
import { applyTiers, tiersFieldFor, tiersMine, tiersView } from '../forms/tiers.ts';
import { adminPage } from '../pages.ts';

export function tierRoutes(deps: FormDeps, { admins, requireCsrf }: FormGuards): Router {
  const router = Router();
  router.get('/admin/drafts/:id/tiers', admins, show);
  router.post('/admin/drafts/:id/tiers', formBody, requireCsrf, admins, save);
  return router;

  function render(req: Request, res: Response, draft: DraftView) {
    const t = formWords(deps, req);
    const file = draft.review.parsed;
    const p = pageProblems(deps, req, draft.review.items, tiersMine, tiersFieldFor);
    adminPage(deps, req, res, 'tiers', {
      title: t('tiers.title', { title: draft.title }), draft, broken: !file, problems: p.problems,
      ...(file ? tiersView(file, p, t) : {}), editable: editableDraft(draft),
    });
  }

  async function show(req: Request, res: Response) {
    render(req, res, await loadDraft(deps, req));
  }

  async function save(req: Request, res: Response) {
    const draft = await loadDraft(deps, req);
    const file = draft.review.parsed;
    if (!file) return render(req, res, draft);
    await saveDraft(deps, req, res, draft, applyTiers(file, req.body as FormBody), `/admin/drafts/${draft.id}/tiers`);
  }
}
