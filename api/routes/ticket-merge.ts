/**
 * Merging a duplicate: `POST /api/v1/tickets/{number}/merge` { into, reason } ends ticket
 * {number} as `merged` into ticket {into} (services/tickets/merge.ts mergeTicket: the target is
 * checked first, then the source's Update, then the target's signal). Not one of the generic
 * `/actions/{action}`: the target must be checked before anything is sent.
 *
 * Agents and admins only (AGENT_ROLES): anyone else — requesters, process owners, auditors — gets
 * 403 with a sentence before any ticket is looked up. Bad input is 400 (the number in the path)
 * or 422 naming the field; refusals are 409 (into itself, into a merged ticket, into a closed or
 * cancelled one, a source no longer open), an unknown ticket 404; nothing changed. The answer is
 * both tickets in the staff shape, so both reads are recorded in the access log before the merge
 * (a failure to record is a 503, and nothing was merged).
 */
import { Router, type Request, type Response } from 'express';
import type { ApiTokensRepo } from '../../db/api-tokens-repo.ts';
import { TICKET_NUMBER_PATTERN, type TicketRecord } from '../../db/tickets-repo.ts';
import { accessReasonHeader, recordTicketRead, staffViewer } from '../../services/privacy/access-log.ts';
import type { PersonalDataRepos } from '../../services/privacy/export.ts';
import { mergeTicket, type MergeDeps } from '../../services/tickets/merge.ts';
import { validate } from '../../services/validation.ts';
import { staffTicket } from '../access.ts';
import { apiUser, authenticateApi } from '../auth.ts';
import { HttpError, NotFoundError, UnavailableError } from '../errors.ts';
import { actionBodies } from '../schemas.ts';
import { AGENT_ROLES } from '../staff/types.ts';

export interface TicketMergeRoutesDeps extends MergeDeps {
  apiTokens: ApiTokensRepo;
  personalData: Pick<PersonalDataRepos, 'accessLog'>;
}

/** The merge request's body (also the OpenAPI document's `MergeRequest`). */
export const mergeRequest = actionBodies.merge;

function ticketNumber(req: Request): string {
  const number = String(req.params.number);
  if (!TICKET_NUMBER_PATTERN.test(number)) throw new HttpError(400, 'BAD_TICKET_NUMBER', 'errors.badTicketNumber', { number: number.slice(0, 40) });
  return number;
}

export function ticketMergeRoutes(deps: TicketMergeRoutesDeps): Router {
  const router = Router();
  router.use('/tickets/:number/merge', authenticateApi(deps.apiTokens));

  router.post('/tickets/:number/merge', async (req: Request, res: Response) => {
    const user = apiUser(res);
    if (!(AGENT_ROLES as readonly string[]).includes(user.role)) throw new HttpError(403, 'FORBIDDEN', 'refusal.mergeAgentsOnly', { role: user.role });
    const number = ticketNumber(req);
    const { into, reason } = validate<{ into: string; reason: string }>(mergeRequest, req.body);
    const target = into.trim();
    const [source, other] = await Promise.all([deps.tickets.get(number), target === number ? undefined : deps.tickets.get(target)]).catch((err: unknown) => {
      throw new UnavailableError(err);
    });
    if (!source) throw new NotFoundError('errors.ticketNotFound', { number });
    // The answer shows both tickets' personal data: recorded before anything is changed.
    const why = accessReasonHeader(req.get('X-Access-Reason'));
    const record = (t: TicketRecord) => recordTicketRead(deps.personalData, staffViewer(user), t, { channel: 'api', reason: why });
    await record(source);
    if (other) await record(other);
    const merged = await mergeTicket(deps, number, target, { actor: user.email, reason: reason.trim() });
    res.json({ source: staffTicket(merged.source), target: staffTicket(merged.target) });
  });

  return router;
}
