/**
 * GET /api/v1/tickets: the queues' list API (services/agent/queues.ts), the same filters, sorts
 * and keyset cursor as the agents' queue pages; each item shaped for the caller's role
 * (api/access.ts listItemFor). Mounted before ticketRoutes (api/app.ts).
 *
 * Not an access-log read: a list shows titles and addresses only; reading the ticket itself
 * (GET /api/v1/tickets/{number}) is recorded (docs/access-log.md).
 */
import { Router, type Request, type Response } from 'express';
import type { Sequelize } from 'sequelize';
import type { ApiTokensRepo } from '../../db/api-tokens-repo.ts';
import { createTicketListRepo } from '../../db/ticket-list-repo.ts';
import type { Vault } from '../../db/vault.ts';
import { createQueueService, LIST_PARAMETERS, type QueueService } from '../../services/agent/queues.ts';
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
    res.json({ items: page.items.map((row) => listItemFor(user, row)), nextCursor: page.nextCursor });
  });

  return router;
}
