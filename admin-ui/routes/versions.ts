/**
 * Published versions: one version's page (who published it, when, why, and what it changed
 * from the one before, in words), the diff in words between any two, and a rollback, which
 * republishes an older version's content as a new version with a comment.
 */
import { Router, type Request, type Response } from 'express';
import { formBody, text, type FormBody } from '../../api/portal/forms.ts';
import { formatDateTime } from '../../api/portal/format.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import { withChangeText } from '../../rules/change-text.ts';
import type { AdminDeps, AdminGuards } from '../types.ts';
import { adminPage, shownProblems } from '../pages.ts';
import { actorOf, versionParam } from './load.ts';
import { authorNames } from './sections.ts';

export function versionRoutes(deps: AdminDeps, { admins, requireCsrf }: AdminGuards): Router {
  const router = Router();
  router.get('/admin/versions/:version', admins, (req, res) => show(req, res));
  router.get('/admin/versions/:from/diff/:to', admins, diff);
  router.get('/admin/diff', admins, (req, res) => res.redirect(303, `/admin/versions/${versionParam(String(req.query.from ?? ''))}/diff/${versionParam(String(req.query.to ?? ''))}`));
  router.post('/admin/versions/:version/rollback', formBody, requireCsrf, admins, rollback);
  return router;

  async function show(req: Request, res: Response, status = 200, model: Record<string, unknown> = {}) {
    const { language, timeZone } = viewerOf(req);
    const number = versionParam(String(req.params.version));
    const versions = await deps.rulesAdmin.versions.list();
    const v = versions.find((x) => x.version === number);
    if (!v) return deps.rulesAdmin.versions.diff(number, number); // throws the localized 404
    const names = await authorNames(deps.users, [v.author]);
    const changes = number > 1 ? withChangeText(await deps.rulesAdmin.versions.diff(number - 1, number), deps.i18n.getFixedT(language, 'rules')) : [];
    adminPage(deps, req, res, 'version', {
      title: deps.i18n.getFixedT(language, 'admin')('version.title', { version: number }),
      version: { ...v, authorName: names.get(v.author), shownAt: formatDateTime(v.publishedAt, language, timeZone) },
      previous: number > 1 ? number - 1 : undefined,
      changes, versions: versions.map((x) => x.version), ...model,
    }, status);
  }

  async function diff(req: Request, res: Response) {
    const from = versionParam(String(req.params.from));
    const to = versionParam(String(req.params.to));
    const changes = withChangeText(await deps.rulesAdmin.versions.diff(from, to), deps.i18n.getFixedT(viewerOf(req).language, 'rules'));
    const versions = (await deps.rulesAdmin.versions.list()).map((x) => x.version);
    adminPage(deps, req, res, 'diff', {
      title: deps.i18n.getFixedT(viewerOf(req).language, 'admin')('diff.title', { from, to }),
      from, to, changes, versions: versions.map((v) => ({ v, fromSelected: v === from, toSelected: v === to })),
    });
  }

  async function rollback(req: Request, res: Response) {
    const body = req.body as FormBody;
    const to = versionParam(String(req.params.version));
    const outcome = await deps.rulesAdmin.versions.rollback(to, text(body, 'comment'), actorOf(req));
    if (outcome.ok) {
      req.session.notice = { key: 'admin:notice.rolledBack', params: { version: String(outcome.version), from: String(to) } };
      return res.redirect(303, `/admin/versions/${outcome.version}`);
    }
    await show(req, res, 422, { rollbackProblems: shownProblems(deps, req, outcome.items), comment: text(body, 'comment') });
  }
}
