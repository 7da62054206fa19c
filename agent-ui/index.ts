/**
 * The agents' workspace (/agent): queues per team and tier with live SLA countdowns, the ticket
 * page with every action, bulk actions, duplicates and merging, and the team leads' view. Agents
 * and admins only (AGENT_ROLES, api/staff/types.ts), checked on the server on every route; other
 * staff keep the read-only ticket page (/staff/tickets/:number, api/agent/). The pages call the
 * same services as the REST API (services/agent/, services/tickets/). Each part is a folder of
 * its own, mounted here:
 *
 * - queue/ — /agent: the queues with counts, filters, sorting, saved views, keyset paging, bulk actions;
 * - ticket/ — /agent/tickets/:number: the whole ticket, its actions, the requester's card, suggestions, duplicates;
 * - team/ — /agent/team: a team lead's view of the team's load and who holds what;
 * - live/ — /agent/stream: server-sent events from the read model (countdowns, changes).
 */
import { Router } from 'express';
import type { StaffGuards } from '../api/staff/guards.ts';
import type { StaffDeps } from '../api/staff/types.ts';
import { agentTicketRoutes } from './ticket/index.ts';
import { liveRoutes } from './live/index.ts';
import { queueRoutes } from './queue/index.ts';
import { teamRoutes } from './team/index.ts';

export function agentWorkspacePages(deps: StaffDeps, guards: StaffGuards): Router {
  const router = Router();
  router.use(agentTicketRoutes(deps, guards));
  router.use(liveRoutes(deps, guards, deps.agent?.live));
  router.use(queueRoutes(deps, guards));
  router.use(teamRoutes(deps, guards));
  return router;
}
