/**
 * What the agents' workspace pages do, in the REST API (DESIGN: everything a page does is also in
 * the API), over the same services (services/agent/):
 *
 * - `GET /api/v1/tickets/counts`: each queue's count of open tickets for the caller, as the queue
 *   page's tabs show them (QueueService.counts; the same viewer as GET /api/v1/tickets, so each
 *   count is the length of that queue's list). Mounted before ticketRoutes (api/app.ts), so
 *   `counts` is never read as a ticket number.
 * - `GET|POST /api/v1/agent/views`, `DELETE /api/v1/agent/views/{id}`: the caller's saved queue
 *   views (services/agent/saved-views.ts); a view's filters are GET /api/v1/tickets's, read by
 *   QueueService.parse; saving a name again replaces that view; another agent's view is a 404.
 * - `GET /api/v1/teams/{team}/load`: a team's load (services/agent/team.ts) for the team's lead
 *   (TeamView.ledTeam decides) or an admin; reassigning is POST /api/v1/tickets/bulk's assign.
 *
 * Agents and admins only (AGENT_ROLES); anyone else gets 403 with a sentence. Bad input is a 422
 * naming each field, in the caller's language. No answer here carries a ticket's personal data:
 * counts are numbers, a view's filters are what the agent typed, a team's load is numbers and
 * the team's agents' names and addresses (staff data) — so, as on the queue's tabs and the team
 * page's load, nothing is recorded in the access log (docs/access-log.md records ticket reads).
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Sequelize } from 'sequelize';
import type { ApiTokensRepo } from '../../db/api-tokens-repo.ts';
import { createTicketListRepo } from '../../db/ticket-list-repo.ts';
import type { Vault } from '../../db/vault.ts';
import { createQueueService, type QueueService, type QueueViewer } from '../../services/agent/queues.ts';
import { viewName, type SavedViews } from '../../services/agent/saved-views.ts';
import type { TeamView } from '../../services/agent/team.ts';
import type { AgentWorkspace } from '../../services/agent/workspace.ts';
import { apiUser, authenticateApi, type ApiUser } from '../auth.ts';
import { HttpError, NotFoundError, UnavailableError, ValidationError, type FieldProblem } from '../errors.ts';
import { AGENT_ROLES } from '../staff/types.ts';

export interface AgentWorkspaceRoutesDeps {
  apiTokens: ApiTokensRepo;
  /** The agents' workspace (runtime/agent-workspace.ts); without its saved views or team view, those routes answer 503. */
  agent?: Pick<AgentWorkspace, 'queues' | 'savedViews' | 'team'>;
  /** Without the workspace's queue service, the counts use one of their own over these (as GET /api/v1/tickets does). */
  sequelize: Sequelize;
  vault: Vault;
}

/** A saved view's body: its name, and GET /api/v1/tickets's filters and sort (no cursor, no limit: a view is a queue, not a page). */
const LIST_FIELDS: ReadonlySet<string> = new Set(['status', 'priority', 'category', 'team', 'tier']);
const SINGLE_FIELDS: ReadonlySet<string> = new Set(['queue', 'assignee', 'requester', 'organisation', 'q', 'text', 'sort']);
const TEAM_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The caller as the queues see them: the same viewer GET /api/v1/tickets lists for. */
const queueViewer = (user: ApiUser): QueueViewer => ({ role: user.role, email: user.email, userId: user.id, teamId: user.teamId, tier: user.tier });

const isAgent = (user: ApiUser): boolean => (AGENT_ROLES as readonly string[]).includes(user.role);

export function agentWorkspaceRoutes(deps: AgentWorkspaceRoutesDeps): Router {
  const router = Router();
  const queues: QueueService = deps.agent?.queues ?? createQueueService({ list: createTicketListRepo(deps.sequelize), vault: deps.vault });
  const signedIn = authenticateApi(deps.apiTokens);

  router.get('/tickets/counts', signedIn, agentsOnly, counts);
  router.get('/agent/views', signedIn, agentsOnly, listViews);
  router.post('/agent/views', signedIn, agentsOnly, saveView);
  router.delete('/agent/views/:id', signedIn, agentsOnly, deleteView);
  router.get('/teams/:team/load', signedIn, teamLoad);
  return router;

  /** Agents and admins (AGENT_ROLES); requesters and other staff: 403 with a sentence. */
  function agentsOnly(_req: Request, res: Response, next: NextFunction) {
    const user = apiUser(res);
    if (!isAgent(user)) throw new HttpError(403, 'FORBIDDEN', 'errors.forbiddenRole', { role: user.role });
    next();
  }

  function savedViews(): SavedViews {
    const views = deps.agent?.savedViews;
    if (!views) throw new UnavailableError(new Error('saved views are not part of this web process'));
    return views;
  }

  function teamView(): TeamView {
    const team = deps.agent?.team;
    if (!team) throw new UnavailableError(new Error('the team view is not part of this web process'));
    return team;
  }

  async function counts(_req: Request, res: Response) {
    res.json({ counts: await queues.counts(queueViewer(apiUser(res))) });
  }

  async function listViews(_req: Request, res: Response) {
    res.json({ items: await savedViews().list(apiUser(res).id) });
  }

  /** validate (every field's problem at once) → save (the name again replaces that view) → the view as kept. */
  async function saveView(req: Request, res: Response) {
    const body = req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    const problems: FieldProblem[] = [];
    const filters: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(body)) {
      if (field === 'name') continue;
      if (!LIST_FIELDS.has(field) && !SINGLE_FIELDS.has(field)) problems.push({ field: field.slice(0, 64), key: 'unknownField' });
      else if (typeof value === 'string' || (LIST_FIELDS.has(field) && Array.isArray(value) && value.every((v) => typeof v === 'string'))) filters[field] = value;
      else problems.push({ field, key: 'invalid' });
    }
    let query;
    try {
      query = queues.parse(filters);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      problems.push(...err.fields);
    }
    const name = viewName(body.name);
    if ('problem' in name) problems.push(name.problem);
    if (problems.length || !query) throw new ValidationError(problems);
    res.json(await savedViews().save(apiUser(res).id, body.name, { filters: query.filters, sort: query.sort }));
  }

  async function deleteView(req: Request, res: Response) {
    const id = /^\d{1,15}$/.test(String(req.params.id)) ? Number(req.params.id) : NaN;
    if (!Number.isSafeInteger(id)) throw new ValidationError([{ field: 'id', key: 'invalid' }], 400);
    await savedViews().remove(apiUser(res).id, id);
    res.status(204).end();
  }

  /** An admin: any team there is (else 404); an agent: the team TeamView.ledTeam says they lead (else 403); anyone else 403. */
  async function teamLoad(req: Request, res: Response) {
    const user = apiUser(res);
    const requested = String(req.params.team);
    const service = teamView();
    if (!isAgent(user)) throw new HttpError(403, 'FORBIDDEN', 'errors.teamLoadForbidden');
    if (user.role !== 'admin' && (await service.ledTeam(user)) !== requested) throw new HttpError(403, 'FORBIDDEN', 'errors.teamLoadForbidden');
    const team = TEAM_ID.test(requested) ? (await service.teams()).find((t) => t.id === requested) : undefined;
    if (!team) throw new NotFoundError('errors.teamNotFound', { team: requested.slice(0, 64) });
    const load = await service.load(team.id);
    res.json({ team, members: load.members, unassigned: load.unassigned });
  }
}
