/**
 * Applying the active rules version to open tickets through the REST API (issue 11, item 8), for
 * process owners and admins — mounted by api/routes/rules-admin.ts behind its guard: the preview
 * (which open tickets would change and how), a run with a reason (each selected ticket gets the
 * reclassify signal and records a `reclassified` event), its progress and its cancellation.
 * services/rules-admin/apply.ts and apply-runs.ts do the work, as for the admin pages.
 */
import { Router, type Request, type Response } from 'express';
import type { RulesAdmin } from '../../services/rules-admin/index.ts';
import type { ApplyRunView, RulesApply } from '../../services/rules-admin/apply-runs.ts';
import type { PreviewList } from '../../services/rules-admin/apply.ts';
import type { ApplyScope } from '../../db/rules-apply-runs-repo.ts';
import { validate } from '../../services/validation.ts';
import { apiUser } from '../auth.ts';
import { HttpError, localizedParams, ValidationError } from '../errors.ts';
import { applyRequest } from '../rules-apply-schemas.ts';

const LISTS: readonly PreviewList[] = ['changing', 'unchanged', 'unknown'];

function versionParam(value: unknown): number {
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) throw new HttpError(404, 'NOT_FOUND', 'admin:errors.noVersion', { version: String(value) });
  return Number(value);
}

/** The preview's query: which list, after which ticket, how many. @throws ValidationError naming the parameter */
function previewQuery(q: Request['query']): { list: PreviewList; after: string | null; limit: number } {
  const list = q.list === undefined ? 'changing' : q.list;
  const after = q.after === undefined ? null : q.after;
  const limit = q.limit === undefined ? '50' : q.limit;
  const problems = [];
  if (typeof list !== 'string' || !LISTS.includes(list as PreviewList)) problems.push({ field: 'list', key: 'oneOf', params: { values: LISTS.join(', ') } });
  if (after !== null && (typeof after !== 'string' || after.length > 64)) problems.push({ field: 'after', key: 'invalid' });
  if (typeof limit !== 'string' || !/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > 500) problems.push({ field: 'limit', key: 'invalid' });
  if (problems.length) throw new ValidationError(problems);
  return { list: list as PreviewList, after: after as string | null, limit: Number(limit) };
}

/** A run as the API answers it: the failures' reasons in the request's language. */
export function applyRunJson(req: Request, run: ApplyRunView) {
  const { failures, ...rest } = run;
  return { ...rest, failures: failures.map((f) => ({ number: f.number, message: req.t(f.key, localizedParams(req.t, f.params)) })) };
}

export function rulesApplyRoutes(deps: { rulesAdmin?: RulesAdmin }): Router {
  const router = Router();
  const apply = (): RulesApply => {
    if (!deps.rulesAdmin?.apply) throw new HttpError(404, 'NOT_FOUND', 'errors.notFound');
    return deps.rulesAdmin.apply;
  };

  router.get('/rules/versions/:version/apply-preview', async (req: Request, res: Response) => {
    const version = versionParam(req.params.version);
    res.json(await apply().preview({ version, ...previewQuery(req.query) }));
  });

  router.post('/rules/versions/:version/apply', async (req: Request, res: Response) => {
    const version = versionParam(req.params.version);
    const body = validate<{ reason: string; scope: ApplyScope }>(applyRequest, req.body);
    const runId = await apply().start(version, body, { id: apiUser(res).id });
    res.status(202).location(`/api/v1/rules/apply-runs/${runId}`).json({ runId });
  });

  router.get('/rules/apply-runs/:id', async (req: Request, res: Response) => {
    res.json(applyRunJson(req, await apply().get(String(req.params.id))));
  });

  router.post('/rules/apply-runs/:id/cancel', async (req: Request, res: Response) => {
    res.json(applyRunJson(req, await apply().cancel(String(req.params.id))));
  });

  return router;
}
