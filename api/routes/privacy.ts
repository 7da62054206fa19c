/**
 * Personal data through the REST API (docs/access-log.md): an admin's export of everything held
 * about a person, and the access log for admins and auditors. Who may call which is decided in
 * api/access.ts. The address travels in the body (POST) or, for the log, as a query parameter:
 * clients that keep URLs in logs should query by ticket instead.
 */
import { Router, type Request, type Response } from 'express';
import type { ApiTokensRepo } from '../../db/api-tokens-repo.ts';
import type { TicketsRepo } from '../../db/tickets-repo.ts';
import { accessReasonHeader, queryAccessLog, staffViewer } from '../../services/privacy/access-log.ts';
import { exportPerson, personExportRequest, type PersonalDataRepos } from '../../services/privacy/export.ts';
import type { Vault } from '../../db/vault.ts';
import { validate } from '../../services/validation.ts';
import { assertCanErasePeople, assertCanExportPeople, assertCanReadAccessLog, staffTicket } from '../access.ts';
import { erasePerson, type ErasureDeps } from '../../services/privacy/erase.ts';
import { apiUser, authenticateApi } from '../auth.ts';
import { HttpError } from '../errors.ts';

export interface PrivacyRoutesDeps {
  apiTokens: ApiTokensRepo;
  tickets: TicketsRepo;
  vault: Vault;
  personalData: PersonalDataRepos;
  /** Erasure (services/privacy/erase.ts); without it, the erasure route is not offered. */
  erasure?: ErasureDeps;
}

/** One query parameter as text; a repeated one is refused rather than guessed at. */
function param(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new HttpError(400, 'BAD_QUERY', 'privacy:errors.badQuery', { name });
  return v;
}

export function privacyRoutes(deps: PrivacyRoutesDeps): Router {
  const router = Router();
  const authenticated = authenticateApi(deps.apiTokens);
  const exportDeps = { ...deps.personalData, tickets: deps.tickets, vault: deps.vault };

  // The ticket routes before these may have authenticated the caller already.
  router.use('/privacy', (req, res, next) => (res.locals.apiUser ? next() : authenticated(req, res, next)));

  router.post('/privacy/exports', async (req: Request, res: Response) => {
    const user = apiUser(res);
    assertCanExportPeople(user);
    const body = validate<{ email: string; reason?: string }>(personExportRequest, req.body);
    const reason = body.reason ?? accessReasonHeader(req.get('X-Access-Reason'));
    const result = await exportPerson(exportDeps, { email: body.email, reason, scope: 'full', shape: staffTicket, by: staffViewer(user)!, channel: 'api' });
    res.set('Cache-Control', 'no-store').json(result);
  });

  // The same erasure as `helpdesk privacy erase`, by an admin; the address travels in the body.
  router.post('/privacy/erasures', async (req: Request, res: Response) => {
    const user = apiUser(res);
    assertCanErasePeople(user);
    if (!deps.erasure) throw new HttpError(404, 'NOT_FOUND', 'errors.notFound');
    const body = (req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : {}) as { email?: unknown; reason?: unknown };
    const report = await erasePerson(deps.erasure, { email: body.email, reason: body.reason, actor: `user:${user.id}` });
    res.set('Cache-Control', 'no-store').json(report);
  });

  router.get('/privacy/access-log', async (req: Request, res: Response) => {
    assertCanReadAccessLog(apiUser(res));
    const limit = param(req, 'limit');
    const entries = await queryAccessLog(exportDeps, {
      ticket: param(req, 'ticket'), person: param(req, 'person'), pseudonym: param(req, 'pseudonym'),
      limit: limit === undefined ? undefined : /^\d{1,5}$/.test(limit) ? Number(limit) : Number.NaN,
    });
    res.set('Cache-Control', 'no-store').json({ entries });
  });

  return router;
}
