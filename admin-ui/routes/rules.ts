/**
 * The rules section of a draft (/admin/drafts/:id/rules): the list of rules in the order they
 * apply, with their conditions and events in words and their problems beside them (add a rule,
 * move one among the rules of its priority, delete one after a confirmation); one rule's form, a
 * condition builder that works without JavaScript (every button posts `op=<verb>:<path>`, the
 * server applies it to the posted tree, saves and shows the form again); the shared conditions'
 * forms. What the form cannot show is shown read-only and kept. The model is in
 * admin-ui/rules-form/.
 */
import { Router, type Request, type Response } from 'express';
import { formBody, text, type FormBody } from '../../api/portal/forms.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import { renderPath } from '../../rules/paths.ts';
import { NotFoundError } from '../../services/errors.ts';
import type { DraftView, ReviewItem } from '../../services/rules-admin/index.ts';
import type { AdminDeps, AdminGuards } from '../types.ts';
import { adminPage, shownProblems } from '../pages.ts';
import { problemsByField, ruleFieldId, sharedFieldId } from '../rules-form/problem-fields.ts';
import { listModel, refsIn } from '../rules-form/list.ts';
import { blankLeaf, isObj, nodeId, type Obj } from '../rules-form/model.ts';
import { applicationOrder, moveRule, newRule } from '../rules-form/order.ts';
import { parsePriority, readPostedRule, ruleView, sharedNames, treeContext } from '../rules-form/rule.ts';
import { applyTreeOp, parseTreeOp } from '../rules-form/tree-ops.ts';
import { readPostedTree } from '../rules-form/tree-post.ts';
import { treeView } from '../rules-form/tree-view.ts';
import { conditionWords, eventWords } from '../rules-form/words.ts';
import { actorOf, draftOf, revisionOf } from './load.ts';

const NS = 'admin-rules';
const editableOf = (d: DraftView): boolean => d.status === 'draft' || d.status === 'shadow';

/** The items about the part at `base` (or naming it as the other place they are about). */
function itemsAbout(items: readonly ReviewItem[], base: string): ReviewItem[] {
  const under = (p: unknown) => typeof p === 'string' && (p === base || p.startsWith(`${base}.`) || p.startsWith(`${base}[`));
  return items.filter((i) => under(i.path) || under(i.params.other));
}

export function ruleRoutes(deps: AdminDeps, { admins, requireCsrf }: AdminGuards): Router {
  const router = Router();
  const form = [formBody, requireCsrf, admins];
  router.get('/admin/drafts/:id/rules', admins, list);
  router.post('/admin/drafts/:id/rules', ...form, addRule);
  router.post('/admin/drafts/:id/rules/move', ...form, move);
  router.post('/admin/drafts/:id/rules/shared', ...form, addShared);
  router.get('/admin/drafts/:id/rules/shared/:name', admins, showShared);
  router.post('/admin/drafts/:id/rules/shared/:name', ...form, saveShared);
  router.get('/admin/drafts/:id/rules/shared/:name/delete', admins, confirmDeleteShared);
  router.post('/admin/drafts/:id/rules/shared/:name/delete', ...form, deleteShared);
  router.get('/admin/drafts/:id/rules/:index', admins, showRule);
  router.post('/admin/drafts/:id/rules/:index', ...form, saveRule);
  router.get('/admin/drafts/:id/rules/:index/delete', admins, confirmDelete);
  router.post('/admin/drafts/:id/rules/:index/delete', ...form, deleteRule);
  return router;

  function tOf(req: Request) {
    return deps.i18n.getFixedT(viewerOf(req).language, NS);
  }
  function base(draft: DraftView): string {
    return `/admin/drafts/${draft.id}/rules`;
  }

  /** The rule the address names; 404 for anything else. */
  function ruleIndex(req: Request, file: Obj): number {
    const index = String(req.params.index ?? '');
    const rules = file.rules;
    if (!/^\d{1,6}$/.test(index) || !Array.isArray(rules) || Number(index) >= rules.length) throw new NotFoundError(`${NS}:errors.noRule`, { index });
    return Number(index);
  }

  function sharedName(req: Request, file: Obj): string {
    const name = String(req.params.name ?? '');
    if (!isObj(file.conditions) || !Object.hasOwn(file.conditions, name)) throw new NotFoundError(`${NS}:errors.noShared`, { name });
    return name;
  }

  async function save(req: Request, draft: DraftView, body: FormBody, file: Obj, notice = 'admin:notice.saved', name?: string) {
    await deps.rulesAdmin.drafts.save(draft.id, { revision: revisionOf(body), file }, actorOf(req));
    req.session.notice = { key: notice, ...(name !== undefined ? { params: { name } } : {}) };
  }

  function renderList(req: Request, res: Response, draft: DraftView, extra: Record<string, unknown> = {}, status = 200) {
    const t = tOf(req);
    const file = draft.review.parsed;
    const editable = editableOf(draft);
    const problems = shownProblems(deps, req, [...itemsAbout(draft.review.items, '$.rules'), ...itemsAbout(draft.review.items, '$.conditions')]);
    adminPage(deps, req, res, 'rules', {
      title: t('list.title', { title: draft.title }), draft, editable, broken: !file,
      ...(file ? listModel(file, draft.id, problems, t, editable) : {}),
      ...extra,
    }, status);
  }

  async function list(req: Request, res: Response) {
    renderList(req, res, await draftOf(deps, req));
  }

  async function addRule(req: Request, res: Response) {
    const body = req.body as FormBody;
    const draft = await draftOf(deps, req);
    const file = draft.review.parsed;
    const name = text(body, 'name').trim();
    const type = text(body, 'type');
    if (!file || !Array.isArray(file.rules) || name === '') {
      return renderList(req, res, draft, { addName: name, addPriority: text(body, 'priority'), addNameProblem: name === '' ? tOf(req)('list.nameRequired') : undefined }, 422);
    }
    const next = structuredClone(file);
    const rules = next.rules as unknown[];
    rules.push(newRule(name, parsePriority(text(body, 'priority')), type || 'set-priority'));
    await save(req, draft, body, next, `${NS}:notice.added`, name);
    res.redirect(303, `${base(draft)}/${rules.length - 1}`);
  }

  async function move(req: Request, res: Response) {
    const body = req.body as FormBody;
    const draft = await draftOf(deps, req);
    const file = draft.review.parsed;
    const m = /^(up|down):(\d{1,6})$/.exec(text(body, 'move'));
    if (!file || !Array.isArray(file.rules) || !m) return res.redirect(303, base(draft));
    const next = structuredClone(file);
    const to = moveRule(next.rules as unknown[], Number(m[2]), m[1] as 'up' | 'down');
    if (to === undefined) return res.redirect(303, base(draft));
    await save(req, draft, body, next);
    res.redirect(303, `${base(draft)}#rule-row-${to}`);
  }

  function renderRule(req: Request, res: Response, draft: DraftView) {
    const t = tOf(req);
    const file = draft.review.parsed;
    if (!file) return adminPage(deps, req, res, 'rule', { title: t('rule.titleBroken'), draft, broken: true });
    const index = ruleIndex(req, file);
    const rules = file.rules as unknown[];
    const rule = rules[index];
    const fieldOf = (path: string) => ruleFieldId(path, index, rule);
    const problems = shownProblems(deps, req, itemsAbout(draft.review.items, renderPath(['rules', index])), (i) => fieldOf(i.path));
    const byField = problemsByField(problems, fieldOf);
    const editable = editableOf(draft);
    const name = isObj(rule) && typeof rule.name === 'string' ? rule.name : t('list.unnamed', { index: index + 1 });
    adminPage(deps, req, res, 'rule', {
      title: t('rule.title', { name, title: draft.title }), heading: t('rule.heading', { name }), draft, editable,
      action: `${base(draft)}/${index}`, deleteHref: `${base(draft)}/${index}/delete`,
      place: t('rule.place', { order: applicationOrder(rules).indexOf(index) + 1, count: rules.length }),
      problems, byField, rule: ruleView(rule, { t, file, problems: byField, editable }),
    });
  }

  async function showRule(req: Request, res: Response) {
    renderRule(req, res, await draftOf(deps, req));
  }

  async function saveRule(req: Request, res: Response) {
    const body = req.body as FormBody;
    const draft = await draftOf(deps, req);
    const file = draft.review.parsed;
    if (!file) return renderRule(req, res, draft);
    const index = ruleIndex(req, file);
    const next = structuredClone(file);
    const rules = next.rules as unknown[];
    const rule = readPostedRule(rules[index], body);
    const op = parseTreeOp(text(body, 'op'));
    const focus = op && isObj(rule) ? applyTreeOp(rule.conditions, op, sharedNames(next)) : undefined;
    rules[index] = rule;
    await save(req, draft, body, next);
    res.redirect(303, `${base(draft)}/${index}${focus ? `#${nodeId(focus)}` : ''}`);
  }

  function ruleSummary(req: Request, file: Obj, index: number) {
    const t = tOf(req);
    const rule = (file.rules as unknown[])[index];
    const r = isObj(rule) ? rule : {};
    return { index, name: typeof r.name === 'string' ? r.name : t('list.unnamed', { index: index + 1 }), conditions: conditionWords(r.conditions, t), event: eventWords(r.event, t) };
  }

  async function confirmDelete(req: Request, res: Response) {
    const draft = await draftOf(deps, req);
    const file = draft.review.parsed;
    if (!file) return renderList(req, res, draft);
    const index = ruleIndex(req, file);
    renderList(req, res, draft, { confirm: { ...ruleSummary(req, file, index), action: `${base(draft)}/${index}/delete` } });
  }

  async function deleteRule(req: Request, res: Response) {
    const body = req.body as FormBody;
    const draft = await draftOf(deps, req);
    const file = draft.review.parsed;
    if (!file) return renderList(req, res, draft);
    const index = ruleIndex(req, file);
    if (text(body, 'confirm') !== 'yes') return res.redirect(303, `${base(draft)}/${index}/delete`);
    const next = structuredClone(file);
    const { name } = ruleSummary(req, file, index);
    (next.rules as unknown[]).splice(index, 1);
    await save(req, draft, body, next, `${NS}:notice.deleted`, name);
    res.redirect(303, base(draft));
  }

  // -------------------------------------------------------------------------------------------
  // Shared conditions

  async function addShared(req: Request, res: Response) {
    const body = req.body as FormBody;
    const draft = await draftOf(deps, req);
    const file = draft.review.parsed;
    const name = text(body, 'name').trim();
    const taken = file && isObj(file.conditions) && Object.hasOwn(file.conditions, name);
    if (!file || name === '' || taken || (file.conditions !== undefined && !isObj(file.conditions))) {
      const t = tOf(req);
      return renderList(req, res, draft, { sharedName: name, sharedNameProblem: name === '' ? t('shared.nameRequired') : t('shared.nameTaken', { name }) }, 422);
    }
    const next = structuredClone(file);
    next.conditions = { ...(isObj(next.conditions) ? next.conditions : {}), [name]: { all: [blankLeaf()] } };
    await save(req, draft, body, next, `${NS}:notice.sharedAdded`, name);
    res.redirect(303, `${base(draft)}/shared/${encodeURIComponent(name)}`);
  }

  function renderShared(req: Request, res: Response, draft: DraftView) {
    const t = tOf(req);
    const file = draft.review.parsed;
    if (!file) return adminPage(deps, req, res, 'rule', { title: t('rule.titleBroken'), draft, broken: true, shared: true });
    const name = sharedName(req, file);
    const condition = (file.conditions as Obj)[name];
    const fieldOf = (path: string) => sharedFieldId(path, name, condition);
    const problems = shownProblems(deps, req, itemsAbout(draft.review.items, renderPath(['conditions', name])), (i) => fieldOf(i.path));
    const byField = problemsByField(problems, fieldOf);
    const editable = editableOf(draft);
    const rules = Array.isArray(file.rules) ? file.rules : [];
    adminPage(deps, req, res, 'rule', {
      title: t('shared.title', { name, title: draft.title }), heading: t('shared.heading', { name }), draft, editable, shared: true,
      action: `${base(draft)}/shared/${encodeURIComponent(name)}`, deleteHref: `${base(draft)}/shared/${encodeURIComponent(name)}/delete`,
      usedBy: rules.map((r, i) => (isObj(r) && refsIn(r.conditions).includes(name) ? { name: typeof r.name === 'string' ? r.name : t('list.unnamed', { index: i + 1 }), href: `${base(draft)}/${i}` } : undefined)).filter(Boolean),
      problems, byField, rule: { tree: treeView(condition, treeContext({ t, file, problems: byField, editable })) },
    });
  }

  async function showShared(req: Request, res: Response) {
    renderShared(req, res, await draftOf(deps, req));
  }

  async function saveShared(req: Request, res: Response) {
    const body = req.body as FormBody;
    const draft = await draftOf(deps, req);
    const file = draft.review.parsed;
    if (!file) return renderShared(req, res, draft);
    const name = sharedName(req, file);
    const next = structuredClone(file);
    const shared = next.conditions as Obj;
    const tree = readPostedTree(shared[name], body);
    const op = parseTreeOp(text(body, 'op'));
    const focus = op ? applyTreeOp(tree, op, sharedNames(next)) : undefined;
    shared[name] = tree;
    await save(req, draft, body, next);
    res.redirect(303, `${base(draft)}/shared/${encodeURIComponent(name)}${focus ? `#${nodeId(focus)}` : ''}`);
  }

  async function confirmDeleteShared(req: Request, res: Response) {
    const draft = await draftOf(deps, req);
    const file = draft.review.parsed;
    if (!file) return renderList(req, res, draft);
    const name = sharedName(req, file);
    const t = tOf(req);
    const rules = Array.isArray(file.rules) ? file.rules : [];
    const usedBy = rules.filter((r) => isObj(r) && refsIn(r.conditions).includes(name)).map((r) => String((r as Obj).name));
    renderList(req, res, draft, {
      confirmShared: { name, conditions: conditionWords((file.conditions as Obj)[name], t), usedBy, usedByText: usedBy.map((n) => t('words.quoted', { value: n })).join(', '), action: `${base(draft)}/shared/${encodeURIComponent(name)}/delete` },
    });
  }

  async function deleteShared(req: Request, res: Response) {
    const body = req.body as FormBody;
    const draft = await draftOf(deps, req);
    const file = draft.review.parsed;
    if (!file) return renderList(req, res, draft);
    const name = sharedName(req, file);
    if (text(body, 'confirm') !== 'yes') return res.redirect(303, `${base(draft)}/shared/${encodeURIComponent(name)}/delete`);
    const next = structuredClone(file);
    delete (next.conditions as Obj)[name];
    await save(req, draft, body, next, `${NS}:notice.sharedDeleted`, name);
    res.redirect(303, base(draft));
  }
}
