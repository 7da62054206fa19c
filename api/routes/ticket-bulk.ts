/**
 * Bulk actions: `POST /api/v1/tickets/bulk` { numbers, action, … } (services/agent/bulk.ts) —
 * assign (to a colleague, or oneself), change_priority with a reason, resolve_duplicate: merged into
 * another ticket with a reason. Agents and admins only (AGENT_ROLES); other roles get 403 with a sentence. A bad request
 * is a 422 naming each field and nothing is done; otherwise 200 with each ticket's outcome in the
 * order given (`ok`, its new `status`, or `error` { code, message } in the caller's language).
 * The answer carries numbers and statuses only, no personal data: not an access-log read (each
 * action is in the ticket's own timeline).
 */
import { Router, type Request, type Response } from 'express';
import type { TFunction } from 'i18next';
import type { ApiTokensRepo } from '../../db/api-tokens-repo.ts';
import { parseBulkRequest, runBulk, type BulkDeps } from '../../services/agent/bulk.ts';
import type { ServiceError } from '../../services/errors.ts';
import { apiUser, authenticateApi } from '../auth.ts';
import { HttpError, localizedParams } from '../errors.ts';
import { AGENT_ROLES } from '../staff/types.ts';

export interface TicketBulkRoutesDeps extends BulkDeps {
  apiTokens: ApiTokensRepo;
}

/** A ticket's refusal in the reader's words (`t`: the api namespace in their language), its fields' problems included. */
export function bulkMessage(t: TFunction, err: ServiceError): string {
  const fields = err.fields.map((f) => t(`api:field.${f.key}`, { field: f.field, ...f.params })).join('; ');
  return t(err.messageKey.includes(':') ? err.messageKey : `api:${err.messageKey}`, { ...localizedParams(t, err.params), fields });
}

export function ticketBulkRoutes(deps: TicketBulkRoutesDeps): Router {
  const router = Router();
  router.post('/tickets/bulk', authenticateApi(deps.apiTokens), async (req: Request, res: Response) => {
    const user = apiUser(res);
    if (!(AGENT_ROLES as readonly string[]).includes(user.role)) throw new HttpError(403, 'FORBIDDEN', 'errors.forbiddenRole', { role: user.role });
    const body = req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    const request = parseBulkRequest(body);
    const results = await runBulk(deps, { email: user.email }, request, (err) => bulkMessage(req.t, err));
    res.json({ action: request.action, results });
  });
  return router;
}
