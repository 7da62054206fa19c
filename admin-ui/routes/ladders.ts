/**
 * The escalation ladder pages: the list (/admin/drafts/:id/ladders: ids, names, order, adding and
 * removing ladders; admin-ui/forms/ladders.ts) and each ladder (/admin/drafts/:id/ladders/:ladderId:
 * name, what it applies to, its ordered steps; admin-ui/forms/ladder.ts). `?ladder=<index>` on the
 * list goes to that ladder's page: the draft's overview links a step's problem there by its path.
 */
import { Router, type Request, type Response } from 'express';
import { formBody, type FormBody } from '../../api/portal/forms.ts';
import { NotFoundError } from '../../services/errors.ts';
import type { DraftView } from '../../services/rules-admin/index.ts';
import { asList, isObj } from '../forms/fields.ts';
import { applyLadder, ladderFieldFor, ladderIndex, ladderMine, ladderView } from '../forms/ladder.ts';
import { applyLadders, laddersFieldFor, laddersMine, laddersView, newLadderId } from '../forms/ladders.ts';
import { editableDraft, formWords, loadDraft, pageProblems, saveDraft, type FormDeps, type FormGuards } from '../forms/page.ts';
import { adminPage } from '../pages.ts';

const ladderHref = (draftId: number, ladderId: string): string => `/admin/drafts/${draftId}/ladders/${encodeURIComponent(ladderId)}`;

export function ladderRoutes(deps: FormDeps, { admins, requireCsrf }: FormGuards): Router {
  const router = Router();
  router.get('/admin/drafts/:id/ladders', admins, showList);
  router.post('/admin/drafts/:id/ladders', formBody, requireCsrf, admins, saveList);
  router.get('/admin/drafts/:id/ladders/:ladderId', admins, showLadder);
  router.post('/admin/drafts/:id/ladders/:ladderId', formBody, requireCsrf, admins, saveLadder);
  return router;

  function renderList(req: Request, res: Response, draft: DraftView) {
    const t = formWords(deps, req);
    const file = draft.review.parsed;
    const p = pageProblems(deps, req, draft.review.items, laddersMine, laddersFieldFor);
    adminPage(deps, req, res, 'ladders', {
      title: t('ladders.title', { title: draft.title }), draft, broken: !file, problems: p.problems,
      ...(file ? laddersView(file, draft.id, draft.review.items, p, t) : {}), editable: editableDraft(draft),
    });
  }

  async function showList(req: Request, res: Response) {
    const draft = await loadDraft(deps, req);
    const at = typeof req.query.ladder === 'string' && /^\d{1,6}$/.test(req.query.ladder) ? Number(req.query.ladder) : undefined;
    const ladder = at !== undefined ? asList(draft.review.parsed?.ladders)[at] : undefined;
    if (isObj(ladder) && typeof ladder.id === 'string' && ladder.id !== '') return res.redirect(303, ladderHref(draft.id, ladder.id));
    renderList(req, res, draft);
  }

  async function saveList(req: Request, res: Response) {
    const draft = await loadDraft(deps, req);
    const file = draft.review.parsed;
    if (!file) return renderList(req, res, draft);
    const body = req.body as FormBody;
    const added = newLadderId(body);
    const next = applyLadders(file, body);
    // A ladder just added has no steps yet: its page is where they are added.
    const href = added !== undefined && ladderIndex(next, added) >= 0 ? ladderHref(draft.id, added) : `/admin/drafts/${draft.id}/ladders`;
    await saveDraft(deps, req, res, draft, next, href);
  }

  function ladderOf(draft: DraftView, req: Request): { id: string; index: number } {
    const id = String(req.params.ladderId ?? '');
    const index = draft.review.parsed ? ladderIndex(draft.review.parsed, id) : -1;
    if (index < 0 && draft.review.parsed) throw new NotFoundError('admin-forms:errors.noLadder', { ladder: id });
    return { id, index };
  }

  function renderLadder(req: Request, res: Response, draft: DraftView, index: number, id: string) {
    const t = formWords(deps, req);
    const file = draft.review.parsed;
    const p = pageProblems(deps, req, draft.review.items, ladderMine(index), ladderFieldFor(index));
    adminPage(deps, req, res, 'ladder', {
      title: t('ladder.title', { ladder: id }), draft, broken: !file, problems: p.problems, ladderId: id, formAction: ladderHref(draft.id, id),
      ...(file ? ladderView(file, index, p, t) : {}), editable: editableDraft(draft),
    });
  }

  async function showLadder(req: Request, res: Response) {
    const draft = await loadDraft(deps, req);
    const { id, index } = ladderOf(draft, req);
    renderLadder(req, res, draft, index, id);
  }

  async function saveLadder(req: Request, res: Response) {
    const draft = await loadDraft(deps, req);
    const { id, index } = ladderOf(draft, req);
    const file = draft.review.parsed;
    if (!file) return renderLadder(req, res, draft, index, id);
    await saveDraft(deps, req, res, draft, applyLadder(file, index, req.body as FormBody), `${ladderHref(draft.id, id)}#steps`);
  }
}
