/**
 * The admin form sections (admin-ui/forms/) rendered as their routes render them, for unit tests:
 * a page's model from a rules object (its review's problems beside their fields, in a language),
 * the HTML, and what posting one of its forms makes of the file.
 */
import type { Request } from 'express';
import type { i18n } from 'i18next';
import { createI18n } from '../../api/i18n.ts';
import type { FormBody } from '../../api/portal/forms.ts';
import { applyGeneral, generalFieldFor, generalMine, generalView } from '../../admin-ui/forms/general.ts';
import { applyLadder, ladderFieldFor, ladderIndex, ladderMine, ladderView } from '../../admin-ui/forms/ladder.ts';
import { applyLadders, laddersFieldFor, laddersMine, laddersView } from '../../admin-ui/forms/ladders.ts';
import { applyMatrix, matrixFieldFor, matrixMine, matrixView } from '../../admin-ui/forms/matrix.ts';
import { pageProblems, type FormDeps, type PageProblems } from '../../admin-ui/forms/page.ts';
import type { Words } from '../../admin-ui/forms/references.ts';
import { applyRetention, retentionFieldFor, retentionMine, retentionView } from '../../admin-ui/forms/retention.ts';
import { applyTiers, tiersFieldFor, tiersMine, tiersView } from '../../admin-ui/forms/tiers.ts';
import type { Seg } from '../../rules/paths.ts';
import { formatRules, reviewText, type Review } from '../../services/rules-admin/review.ts';
import { formFields, renderAdminView, type PostedBody } from './html-form.ts';

type Obj = Record<string, unknown>;

let i18nPromise: Promise<i18n> | undefined;
export const testI18n = (): Promise<i18n> => (i18nPromise ??= createI18n());

export type FormPage = 'matrix' | 'tiers' | 'ladders' | 'general' | 'retention' | `ladder:${string}`;

interface Built {
  view: string;
  form: string;
  p: PageProblems;
  model: object;
  apply: (file: Obj, body: FormBody) => Obj;
}

/** A page's view, form id, problems and model as its route makes them, and how a post is applied. */
function build(page: FormPage, file: Obj, review: Review, deps: FormDeps, req: Request, t: Words): Built {
  const problems = (mine: (s: Seg[]) => boolean, fieldFor: (s: Seg[]) => string | undefined) => pageProblems(deps, req, review.items, mine, fieldFor);
  if (page.startsWith('ladder:')) {
    const id = page.slice('ladder:'.length);
    const index = ladderIndex(file, id);
    const p = problems(ladderMine(index), ladderFieldFor(index));
    return { view: 'ladder', form: 'ladder-form', p, model: { formAction: `/admin/drafts/1/ladders/${id}`, ...ladderView(file, index, p, t) }, apply: (f, b) => applyLadder(f, ladderIndex(f, id), b) };
  }
  switch (page) {
    case 'matrix': {
      const p = problems(matrixMine, matrixFieldFor);
      return { view: page, form: 'matrix-form', p, model: matrixView(file, p, t), apply: applyMatrix };
    }
    case 'tiers': {
      const p = problems(tiersMine, tiersFieldFor);
      return { view: page, form: 'tiers-form', p, model: tiersView(file, p, t), apply: applyTiers };
    }
    case 'ladders': {
      const p = problems(laddersMine, laddersFieldFor);
      return { view: page, form: 'ladders-form', p, model: laddersView(file, 1, review.items, p, t), apply: applyLadders };
    }
    case 'general': {
      const p = problems(generalMine, generalFieldFor(file));
      return { view: page, form: 'general-form', p, model: generalView(file, p, t), apply: applyGeneral };
    }
    default: {
      const p = problems(retentionMine, retentionFieldFor(file));
      return { view: 'retention', form: 'retention-form', p, model: retentionView(file, p, t), apply: applyRetention };
    }
  }
}

export interface RenderedPage {
  html: string;
  review: Review;
  problems: PageProblems['problems'];
  /** What the browser posts from the page's form (the default button, or `button`, with `change` typed in). */
  post(opts?: { button?: string; change?: Record<string, string | string[]> }): PostedBody;
  /** The file after posting the form. */
  apply(body: PostedBody): Obj;
}

export async function renderPage(page: FormPage, file: Obj, language = 'en'): Promise<RenderedPage> {
  const i18n = await testI18n();
  const review = reviewText(formatRules(file));
  const req = { viewer: { language } } as unknown as Request;
  const deps = { i18n } as unknown as FormDeps;
  const t = i18n.getFixedT(language, 'admin-forms') as Words;
  const built = build(page, file, review, deps, req, t);
  const draft = { id: 1, title: 'Draft', revision: 4, status: 'draft' };
  const html = await renderAdminView(i18n, language, built.view, { draft, problems: built.p.problems, editable: true, ...built.model });
  return {
    html, review, problems: built.p.problems,
    post: (opts = {}) => formFields(html, built.form, opts),
    apply: (body) => built.apply(file, body as FormBody),
  };
}
