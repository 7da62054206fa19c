/**
 * The period replay check's runs over the REST API (docs/audit-runs.md): start one (202 with the
 * run), follow it, cancel it, the recent ones. Auditors and admins only (api/access.ts
 * assertCanAudit), checked before the body is looked at; everyone else is answered 403 in their
 * language. The runs' service (services/audit/runs.ts) validates the period.
 */
import { Router, type Request, type Response } from 'express';
import type { ApiTokensRepo } from '../../db/api-tokens-repo.ts';
import type { AuditRuns } from '../../services/audit/runs.ts';
import { validate } from '../../services/validation.ts';
import { assertCanAudit } from '../access.ts';
import { apiUser, authenticateApi } from '../auth.ts';
import { HttpError } from '../errors.ts';
import { auditRunRequest } from '../openapi-audit-runs.ts';

export interface AuditRunsRoutesDeps {
  apiTokens: ApiTokensRepo;
  /** The runs' service; without it, these routes answer 404. */
  auditRuns?: AuditRuns;
}

function limitOf(req: Request): number {
  const v = req.query.limit;
  if (v === undefined) return 20;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 1 || n > 100) throw new HttpError(400, 'BAD_QUERY', 'errors.auditBadNumber', { name: 'limit', max: 100 });
  return n;
}

export function auditRunsRoutes(deps: AuditRunsRoutesDeps): Router {
  const router = Router();
  const authenticated = authenticateApi(deps.apiTokens);
  router.use('/audit/runs', (req, res, next) => (res.locals.apiUser ? next() : authenticated(req, res, next)));
  router.use('/audit/runs', (_req, res, next) => {
    assertCanAudit(apiUser(res));
    if (!deps.auditRuns) throw new HttpError(404, 'NOT_FOUND', 'errors.notFound');
    next();
  });
  const runs = () => deps.auditRuns!;

  router.post('/audit/runs', async (req: Request, res: Response) => {
    const body = validate<{ from: string; to: string }>(auditRunRequest, req.body);
    const run = await runs().start(body, { id: apiUser(res).id });
    res.status(202).location(`/api/v1/audit/runs/${run.id}`).set('Cache-Control', 'no-store').json(run);
  });

  router.get('/audit/runs', async (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').json({ runs: await runs().list(limitOf(req)) });
  });

  router.get('/audit/runs/:run', async (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').json(await runs().get(String(req.params.run)));
  });

  router.post('/audit/runs/:run/cancel', async (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').json(await runs().cancel(String(req.params.run)));
  });

  return router;
}
