/**
 * The ticket's context for agents (services/agent/context.ts): `GET /api/v1/tickets/{number}/context`
 * (the requester's card, knowledge-base suggestions, reply templates) and
 * `GET /api/v1/tickets/{number}/duplicates` (likely duplicates of an open ticket).
 *
 * Agents and admins only (AGENT_ROLES): other staff get 403 with a sentence; a requester gets 404,
 * as for a ticket that does not exist (the agents' surface is not theirs to find). Each answer is a
 * staff read of personal data, recorded in the access log before it is given (with the
 * X-Access-Reason header's reason): the ticket's own read (the card is its requester's), and for
 * duplicates a read of each candidate shown (its title is its requester's words).
 */
import { Router, type Request, type Response } from 'express';
import type { ApiTokensRepo } from '../../db/api-tokens-repo.ts';
import { TICKET_NUMBER_PATTERN, type TicketRecord, type TicketsRepo } from '../../db/tickets-repo.ts';
import type { TicketContext } from '../../services/agent/context.ts';
import { accessReasonHeader, recordTicketRead, recordTicketsListed, staffViewer } from '../../services/privacy/access-log.ts';
import type { PersonalDataRepos } from '../../services/privacy/export.ts';
import type { TicketPrivacy } from '../../services/privacy/ticket-data.ts';
import { apiUser, authenticateApi, type ApiUser } from '../auth.ts';
import { HttpError, NotFoundError, UnavailableError, ValidationError } from '../errors.ts';
import { AGENT_ROLES } from '../staff/types.ts';

export interface TicketContextRoutesDeps {
  apiTokens: ApiTokensRepo;
  tickets: Pick<TicketsRepo, 'get'>;
  privacy: Pick<TicketPrivacy, 'requesterOf'>;
  personalData: Pick<PersonalDataRepos, 'accessLog'>;
  context: TicketContext;
}

/** The most duplicates one request asks for (`limit`, default 5). */
export const DUPLICATES_LIMIT_MAX = 20;

function ticketNumber(req: Request): string {
  const number = String(req.params.number);
  if (!TICKET_NUMBER_PATTERN.test(number)) throw new HttpError(400, 'BAD_TICKET_NUMBER', 'errors.badTicketNumber', { number: number.slice(0, 40) });
  return number;
}

/** A requester: 404 as for an unknown ticket; staff outside AGENT_ROLES: 403. */
function assertAgent(user: ApiUser, number: string): void {
  if (user.role === 'requester') throw new NotFoundError('errors.ticketNotFound', { number });
  if (!(AGENT_ROLES as readonly string[]).includes(user.role)) throw new HttpError(403, 'FORBIDDEN', 'errors.forbiddenRole', { role: user.role });
}

function duplicatesLimit(req: Request): number {
  const raw = req.query.limit;
  if (raw === undefined) return 5;
  const n = typeof raw === 'string' && /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > DUPLICATES_LIMIT_MAX) {
    throw new ValidationError([{ field: 'limit', key: 'invalid' }]);
  }
  return n;
}

export function ticketContextRoutes(deps: TicketContextRoutesDeps): Router {
  const router = Router();
  const dependency = (err: unknown): never => {
    throw err instanceof HttpError ? err : new UnavailableError(err);
  };

  /** The ticket for an agent or admin, its read recorded; the checks in the order that reveals least. */
  async function agentTicket(req: Request, res: Response): Promise<{ ticket: TicketRecord; user: ApiUser; reason: string | null }> {
    const number = ticketNumber(req);
    const user = apiUser(res);
    assertAgent(user, number);
    const reason = accessReasonHeader(req.get('X-Access-Reason'));
    const ticket = await deps.tickets.get(number).catch(dependency);
    if (!ticket) throw new NotFoundError('errors.ticketNotFound', { number });
    await recordTicketRead(deps.personalData, staffViewer(user), ticket, { channel: 'api', reason });
    return { ticket, user, reason };
  }

  router.use('/tickets/:number/context', authenticateApi(deps.apiTokens));
  router.use('/tickets/:number/duplicates', authenticateApi(deps.apiTokens));

  router.get('/tickets/:number/context', async (req: Request, res: Response) => {
    const { ticket } = await agentTicket(req, res);
    const [requester, suggestions] = await Promise.all([
      deps.context.requesterCard(ticket).catch(dependency),
      deps.context.kbSuggestions(ticket).catch(dependency),
    ]);
    const templates = deps.context.replyTemplates(ticket, req.language ?? 'en', requester?.displayName ?? null);
    // The card lists the requester's other tickets by title: each is recorded as listed, as on the ticket page.
    const others = requester ? [...requester.open, ...requester.past].map((t) => t.number) : [];
    await recordTicketsListed(deps.personalData, staffViewer(apiUser(res)), others, { channel: 'api' });
    res.json({ number: ticket.number, requester, suggestions, templates });
  });

  router.get('/tickets/:number/duplicates', async (req: Request, res: Response) => {
    // Who may ask comes first (a requester gets the 404 of a ticket they cannot see, not a 422 about
    // `limit`); then the limit, before anything is read or recorded.
    assertAgent(apiUser(res), ticketNumber(req));
    const limit = duplicatesLimit(req);
    const { ticket, user, reason } = await agentTicket(req, res);
    const items = await deps.context.duplicates(ticket, limit).catch(dependency);
    // Each candidate's title is its requester's words: a read of that ticket too.
    const viewer = staffViewer(user);
    for (const d of items) {
      const requester = await deps.privacy.requesterOf(d.number).catch(dependency);
      await recordTicketRead(deps.personalData, viewer, { number: d.number, ...(requester ? { requester } : {}) }, { channel: 'api', reason });
    }
    res.json({ number: ticket.number, items });
  });

  return router;
}
