/**
 * The form sections that are one page each — the priority matrix, tiers and teams, general
 * settings, retention (admin-ui/forms/<name>.ts) — served the same way: GET renders the draft's
 * part with the validator's problems beside their fields, POST applies what was posted (kept as
 * typed) and returns to the page. A draft whose JSON cannot be read shows the page as broken.
 */
import { Router, type Request, type Response } from 'express';
import { formBody, type FormBody } from '../../api/portal/forms.ts';
import type { Seg } from '../../rules/paths.ts';
import type { DraftView } from '../../services/rules-admin/index.ts';
import type { ReviewItem } from '../../services/rules-admin/review.ts';
import type { Obj } from '../forms/fields.ts';
import { editableDraft, formWords, loadDraft, pageProblems, saveDraft, type FormDeps, type FormGuards, type PageProblems } from '../forms/page.ts';
import type { Words } from '../forms/references.ts';
import { adminPage } from '../pages.ts';

export interface FormSection {
  /** The address's last part, the view's name and the words' prefix in admin-forms.json. */
  name: string;
  /** Which problems belong to this page, by their path. */
  mine: (segs: Seg[]) => boolean;
  /** The field a problem is shown beside (it may depend on the file). */
  fieldFor: (file: Obj | undefined) => (segs: Seg[], item: ReviewItem) => string | undefined;
  view: (file: Obj, p: PageProblems, t: Words) => object;
  apply: (file: Obj, body: FormBody) => Obj;
}

export function formSectionRoutes(section: FormSection, deps: FormDeps, { admins, requireCsrf }: FormGuards): Router {
  const router = Router();
  const path = `/admin/drafts/:id/${section.name}`;
  router.get(path, admins, show);
  router.post(path, formBody, requireCsrf, admins, save);
  return router;

  function render(req: Request, res: Response, draft: DraftView) {
    const t = formWords(deps, req);
    const file = draft.review.parsed;
    const p = pageProblems(deps, req, draft.review.items, section.mine, section.fieldFor(file));
    adminPage(deps, req, res, section.name, {
      title: t(`${section.name}.title`, { title: draft.title }), draft, broken: !file, problems: p.problems,
      ...(file ? section.view(file, p, t) : {}), editable: editableDraft(draft),
    });
  }

  async function show(req: Request, res: Response) {
    render(req, res, await loadDraft(deps, req));
  }

  async function save(req: Request, res: Response) {
    const draft = await loadDraft(deps, req);
    const file = draft.review.parsed;
    if (!file) return render(req, res, draft);
    await saveDraft(deps, req, res, draft, section.apply(file, req.body as FormBody), `/admin/drafts/${draft.id}/${section.name}`);
  }
}
