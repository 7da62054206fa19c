/**
 * The team lead's page (/agent/team): the team's active agents with their open tickets by
 * priority and how many are at risk or breached, the unassigned ones, and the team's open
 * tickets each with a form to assign it to a colleague of the team (the result said once after
 * the 303). An agent with users.team_lead sees their own team; an admin chooses any team; any
 * other agent gets 403 with a sentence. Agents and admins only (AGENT_ROLES), like every /agent route.
 */
import { Router, type Request, type Response } from 'express';
import { formBody, text, type FormBody } from '../../api/portal/forms.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import { bulkMessage } from '../../api/routes/ticket-bulk.ts';
import type { StaffGuards } from '../../api/staff/guards.ts';
import { AGENT_ROLES, type StaffDeps } from '../../api/staff/types.ts';
import { runBulk } from '../../services/agent/bulk.ts';
import type { TeamView } from '../../services/agent/team.ts';
import { ServiceError, UnavailableError } from '../../services/errors.ts';
import { recordTicketsListed, staffViewer } from '../../services/privacy/access-log.ts';
import { agentPages } from '../pages.ts';
import { queueViewer } from '../queue/index.ts';

declare module 'express-session' {
  interface SessionData {
    /** A reassignment's outcome on the team page, said once after the 303. */
    agentTeamNotice?: { ok: boolean; text: string };
  }
}

const pages = agentPages(new URL('./views/', import.meta.url));
const TEAM_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function teamRoutes(deps: StaffDeps, { access, requireCsrf }: StaffGuards): Router {
  const router = Router();
  const agents = access.requireStaff(AGENT_ROLES);
  router.get('/agent/team', agents, teamPage);
  router.post('/agent/team/assign', formBody, requireCsrf, agents, reassign);
  return router;

  function service(): TeamView {
    const t = deps.agent?.team;
    if (!t) throw new UnavailableError(new Error('the team view is not part of this web process'));
    return t;
  }

  /** The team this viewer may see: a lead's own, or the one an admin chose; 403 for anyone else. */
  async function teamOf(req: Request, requested: unknown): Promise<string | null> {
    const user = req.staffUser!;
    if (user.role === 'admin') {
      const id = typeof requested === 'string' && TEAM_ID.test(requested) ? requested : null;
      return id && (await service().teams()).some((t) => t.id === id) ? id : null;
    }
    const led = await service().ledTeam(user);
    if (!led) throw new ServiceError(403, 'FORBIDDEN', 'agent:team.forbidden');
    return led;
  }

  async function teamPage(req: Request, res: Response) {
    const user = req.staffUser!;
    const w = pages.words(deps, req);
    let team: string | null;
    try {
      team = await teamOf(req, req.query.team);
    } catch (err) {
      if (err instanceof ServiceError && err.status === 403) return pages.render(deps, req, res, 'forbidden', { title: w('team.title'), sentence: w('team.forbidden') }, 403);
      throw err;
    }
    const teams = await service().teams();
    const notice = req.session.agentTeamNotice;
    delete req.session.agentTeamNotice;
    const api = deps.i18n.getFixedT(viewerOf(req).language, 'api');
    const model: Record<string, unknown> = {
      title: w('team.title'), isAdmin: user.role === 'admin', team,
      teams: teams.map((t) => ({ ...t, selected: t.id === team })), notice,
    };
    if (team) {
      const load = await service().load(team);
      const queues = deps.agent?.queues;
      const page = queues ? await queues.list(queueViewer(user), { filters: { queue: 'all', team: [team] }, sort: 'due', limit: 100 }) : { items: [], nextCursor: null };
      // The rows show titles: each listed ticket is recorded before the page is (503 when it cannot be).
      await recordTicketsListed(deps.personalData, staffViewer(user), page.items.map((t) => t.number), { channel: 'web' });
      const colleagues = load.members.map((m) => ({ email: m.email, name: m.displayName }));
      Object.assign(model, {
        teamName: teams.find((t) => t.id === team)?.name ?? team,
        members: load.members.map((m) => ({ ...m, byPriority: m.byPriority.map((p) => ({ ...p, label: p.priority || w('team.none') })) })),
        unassigned: load.unassigned,
        tickets: page.items.map((t) => ({
          number: t.number, title: t.title, priority: t.priority, assignee: t.assignee,
          statusText: api(`statusName.${t.status}`, { defaultValue: t.status }),
          colleagues: colleagues.map((c) => ({ ...c, selected: c.email === t.assignee })),
        })),
      });
    }
    pages.render(deps, req, res, 'team', model);
  }

  async function reassign(req: Request, res: Response) {
    const body = req.body as FormBody;
    const team = await teamOf(req, body.team);
    const w = pages.words(deps, req);
    const api = deps.i18n.getFixedT(viewerOf(req).language, 'api');
    const number = text(body, 'number').trim().toUpperCase();
    const assignee = text(body, 'assignee').trim().toLowerCase();
    const back = `/agent/team${req.staffUser!.role === 'admin' && team ? `?team=${encodeURIComponent(team)}` : ''}`;
    if (!team) return res.redirect(303, back);
    const members = (await service().load(team)).members;
    const colleague = members.find((m) => m.email.toLowerCase() === assignee);
    const ticket = await deps.tickets.get(number).catch((err: unknown) => {
      throw new UnavailableError(err);
    });
    let notice: { ok: boolean; text: string };
    if (!colleague) notice = { ok: false, text: w('team.refused', { number, message: api('field.agentOfTeam', { field: w('team.reassign'), team }) }) };
    else if (!ticket || ticket.teamId !== team) notice = { ok: false, text: w('team.refused', { number, message: api('errors.ticketNotFound', { number }) }) };
    else {
      const [result] = await runBulk(deps, { email: req.staffUser!.email }, { numbers: [number], action: 'assign', assignee: colleague.email }, (err) => bulkMessage(api, err));
      notice = result?.ok ? { ok: true, text: w('team.reassigned', { number, assignee: colleague.displayName }) } : { ok: false, text: w('team.refused', { number, message: result?.error?.message ?? '' }) };
    }
    req.session.agentTeamNotice = notice;
    res.redirect(303, back);
  }
}
