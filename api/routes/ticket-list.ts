/**
 * GET /api/v1/tickets: the queues' list API (services/agent/queues.ts), the same filters, sorts
 * and keyset cursor as the agents' queue pages; each item shaped for the caller's role
 * (api/access.ts listItemFor). Mounted before ticketRoutes (api/app.ts).
 *
 * A list is a read: staff see each listed ticket's title and requester, so each is recorded as
 * `ticket.listed` (once per caller and ticket in 15 minutes; docs/access-log.md) before the
 * answer, which is a 503 when that cannot be written. A requester's own tickets are not recorded.
 */
import { Router, type Request, type Response } from 'express';
import type { Sequelize } from 'sequelize';
import type { ApiTokensRepo } from '../../db/api-tokens-repo.ts';
import { createTicketListRepo } from '../../db/ticket-list-repo.ts';
import type { Vault } from '../../db/vault.ts';
import { createQueueService, LIST_PARAMETERS, type QueueService } from '../../services/agent/queues.ts';
import type { PersonalDataRepos } from '../../services/privacy/export.ts';
import { recordTicketsListed, staffViewer } from '../../services/privacy/access-log.ts';
import { listItemFor } from '../access.ts';
import { apiUser, authenticateApi } from '../auth.ts';
import { ValidationError } from '../errors.ts';

export interface TicketListRoutesDeps {
  apiTokens: ApiTokensRepo;
  /** The agents' workspace's queue service (runtime/agent-workspace.ts), when the app is given one. */
  agent?: { queues?: QueueService };
  /** Without the workspace's, the route builds its own queue service over these. */
  sequelize: Sequelize;
  vault: Vault;
  personalData: Pick<PersonalDataRepos, 'accessLog'>;
}

const KNOWN: ReadonlySet<string> = new Set(LIST_PARAMETERS);

export function ticketListRoutes(deps: TicketListRoutesDeps): Router {
  const router = Router();
  const queues = deps.agent?.queues ?? createQueueService({ list: createTicketListRepo(deps.sequelize), vault: deps.vault });

  router.get('/tickets', authenticateApi(deps.apiTokens), async (req: Request, res: Response) => {
    const raw = req.query as Record<string, unknown>;
    const unknown = Object.keys(raw).filter((k) => !KNOWN.has(k));
    if (unknown.length) throw new ValidationError(unknown.map((field) => ({ field, key: 'unknownField' })));
    const query = queues.parse(raw);
    const user = apiUser(res);
    const page = await queues.list({ role: user.role, email: user.email, userId: user.id, teamId: user.teamId, tier: user.tier }, query);
    await recordTicketsListed(deps.personalData, staffViewer(user), page.items.map((t) => t.number), { channel: 'api' });
    res.json({ items: page.items.map((row) => listItemFor(user, row)), nextCursor: page.nextCursor });
  });

  return router;
}
