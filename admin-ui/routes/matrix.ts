/**
 * The priority matrix page (/admin/drafts/:id/matrix): impact × urgency, a select of P1–P4 in each
 * cell, the validator's problems beside the cell they are about (admin-ui/forms/matrix.ts).
 */
import { Router, type Request, type Response } from 'express';
import { formBody, type FormBody } from '../../api/portal/forms.ts';
import type { DraftView } from '../../services/rules-admin/index.ts';
import { applyMatrix, matrixFieldFor, matrixMine, matrixView } from '../forms/matrix.ts';
import { editableDraft, formWords, loadDraft, pageProblems, saveDraft, type FormDeps, type FormGuards } from '../forms/page.ts';
import { adminPage } from '../pages.ts';

export function matrixRoutes(deps: FormDeps, { admins, requireCsrf }: FormGuards): Router {
  const router = Router();
  router.get('/admin/drafts/:id/matrix', admins, show);
  router.post('/admin/drafts/:id/matrix', formBody, requireCsrf, admins, save);
  return router;

  function render(req: Request, res: Response, draft: DraftView) {
    const t = formWords(deps, req);
    const file = draft.review.parsed;
    const p = pageProblems(deps, req, draft.review.items, matrixMine, matrixFieldFor);
    adminPage(deps, req, res, 'matrix', {
      title: t('matrix.title', { title: draft.title }), draft, broken: !file, problems: p.problems,
      ...(file ? matrixView(file, p, t) : {}), editable: editableDraft(draft),
    });
  }

  async function show(req: Request, res: Response) {
    render(req, res, await loadDraft(deps, req));
  }

  async function save(req: Request, res: Response) {
    const draft = await loadDraft(deps, req);
    const file = draft.review.parsed;
    if (!file) return render(req, res, draft);
    await saveDraft(deps, req, res, draft, applyMatrix(file, req.body as FormBody), `/admin/drafts/${draft.id}/matrix`);
  }
}
