/**
 * What the form sections (matrix, tiers, ladders, general, retention) share: the draft the address
 * names, the problems of the page beside their fields, and a save that keeps what was typed and
 * returns to the page (Post/Redirect/Get). The types are structural, so these routes import
 * nothing from admin-ui/index.ts (which mounts them).
 */
import type { Request, RequestHandler, Response } from 'express';
import type { i18n } from 'i18next';
import type { FormBody } from '../../api/portal/forms.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import { parseFactPath, type Seg } from '../../rules/paths.ts';
import { revisionOf } from '../routes/load.ts';
import type { DraftView, RulesAdmin } from '../../services/rules-admin/index.ts';
import type { ReviewItem } from '../../services/rules-admin/review.ts';
import { byField, shownProblems, type ShownProblem } from '../pages.ts';
import type { Obj, Option } from './fields.ts';
import type { Words } from './references.ts';

export interface FormDeps {
  i18n: i18n;
  rulesAdmin: RulesAdmin;
}

export interface FormGuards {
  /** Process owners and admins only. */
  admins: RequestHandler;
  requireCsrf: RequestHandler;
}

/** The draft the address names (404 otherwise), and the revision a form was rendered from: admin-ui/routes/load.ts. */
export { draftOf as loadDraft } from '../routes/load.ts';

export const editableDraft = (draft: DraftView): boolean => draft.status === 'draft' || draft.status === 'shadow';

/** The admin-forms namespace in the viewer's language. */
export const formWords = (deps: FormDeps, req: Request): Words => deps.i18n.getFixedT(viewerOf(req).language, 'admin-forms') as Words;

export interface PageProblems {
  problems: ShownProblem[];
  byField: Record<string, ShownProblem[]>;
}

/**
 * The draft's problems this page shows: those whose path `mine` claims, each beside the field
 * `fieldFor` names (by the path's segments and the problem's parameters), in the viewer's words.
 */
export function pageProblems(deps: FormDeps, req: Request, items: readonly ReviewItem[], mine: (segs: Seg[]) => boolean, fieldFor: (segs: Seg[], item: ReviewItem) => string | undefined): PageProblems {
  const segsOf = (i: ReviewItem): Seg[] => parseFactPath(i.path) ?? [];
  const own = items.filter((i) => mine(segsOf(i)));
  const problems = shownProblems(deps, req, own, (i) => fieldFor(segsOf(i), i));
  return { problems, byField: byField(problems) };
}

/** A field as the views' partials show it (admin-forms-text, admin-forms-select): its problems beside it. */
export interface FieldModel {
  id: string;
  name: string;
  value: string;
  problems: ShownProblem[];
  /** The ids aria-describedby names: the hint, then the first problem. */
  describedBy: string;
  options?: Option[];
}

export function fieldModel(p: PageProblems, id: string, name: string, value: string, extra: { hint?: string; options?: Option[] } = {}): FieldModel {
  const problems = p.byField[id] ?? [];
  const describedBy = [extra.hint, problems.length ? `${id}-problem-0` : undefined].filter(Boolean).join(' ');
  return { id, name, value, problems, describedBy, ...(extra.options ? { options: extra.options } : {}) };
}

/**
 * Saves `next` as the draft's file (made from the revision the form names) and returns to `href`
 * with a notice. A save from an older revision is refused by the drafts service (409).
 */
export async function saveDraft(deps: FormDeps, req: Request, res: Response, draft: DraftView, next: Obj, href: string): Promise<void> {
  const body = req.body as FormBody;
  await deps.rulesAdmin.drafts.save(draft.id, { revision: revisionOf(body), file: next }, { id: req.staffUser!.id });
  req.session.notice = { key: 'admin:notice.saved' };
  res.redirect(303, href);
}
