/**
 * The retention page (/admin/drafts/:id/retention): how long a closed ticket's personal data, by
 * default and per category, and the ticket itself are kept, what that means in words, and the
 * validator's problems beside their fields (admin-ui/forms/retention.ts).
 */
import { Router, type Request, type Response } from 'express';
import { formBody, type FormBody } from '../../api/portal/forms.ts';
import type { DraftView } from '../../services/rules-admin/index.ts';
import { editableDraft, formWords, loadDraft, pageProblems, saveDraft, type FormDeps, type FormGuards } from '../forms/page.ts';
import { applyRetention, retentionFieldFor, retentionMine, retentionView } from '../forms/retention.ts';
import { adminPage } from '../pages.ts';

export function retentionRoutes(deps: FormDeps, { admins, requireCsrf }: FormGuards): Router {
  const router = Router();
  router.get('/admin/drafts/:id/retention', admins, show);
  router.post('/admin/drafts/:id/retention', formBody, requireCsrf, admins, save);
  return router;

  function render(req: Request, res: Response, draft: DraftView) {
    const t = formWords(deps, req);
    const file = draft.review.parsed;
    const p = pageProblems(deps, req, draft.review.items, retentionMine, retentionFieldFor(file));
    adminPage(deps, req, res, 'retention', {
      title: t('retention.title', { title: draft.title }), draft, broken: !file, problems: p.problems,
      ...(file ? retentionView(file, p, t) : {}), editable: editableDraft(draft),
    });
  }

  async function show(req: Request, res: Response) {
    render(req, res, await loadDraft(deps, req));
  }

  async function save(req: Request, res: Response) {
    const draft = await loadDraft(deps, req);
    const file = draft.review.parsed;
    if (!file) return render(req, res, draft);
    await saveDraft(deps, req, res, draft, applyRetention(file, req.body as FormBody), `/admin/drafts/${draft.id}/retention`);
  }
}
