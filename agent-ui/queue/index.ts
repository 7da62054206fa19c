/**
 * The queue page (/agent): the queue tabs with counts, the filter form and sort, keyset pages
 * ("Next page" carries the last row's cursor; "First page"), each row with both SLA countdowns,
 * a checkbox per row for the bulk actions (their result per ticket shown once after the 303),
 * and the agent's saved views. Agents and admins only (AGENT_ROLES). Every form works without
 * JavaScript (POST, CSRF token, 303); agent-ui/public/queue.js adds j/k/Enter, live.js keeps the
 * countdowns and rows current.
 *
 * The last query the agent opened is kept in the session: /agent without a query opens it again.
 */
import { fileURLToPath } from 'node:url';
import { Router, type Request, type Response } from 'express';
import { formBody, type FormBody } from '../../api/portal/forms.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import { bulkMessage } from '../../api/routes/ticket-bulk.ts';
import type { StaffGuards } from '../../api/staff/guards.ts';
import { AGENT_ROLES, type StaffDeps } from '../../api/staff/types.ts';
import { parseBulkRequest, runBulk, type BulkResult } from '../../services/agent/bulk.ts';
import type { QueueId, QueueService, QueueViewer } from '../../services/agent/queues.ts';
import { queueHref, type SavedViews } from '../../services/agent/saved-views.ts';
import { UnavailableError, ValidationError, type FieldProblem } from '../../services/errors.ts';
import { recordTicketsListed, staffViewer } from '../../services/privacy/access-log.ts';
import type { UserRecord } from '../../db/users-repo.ts';
import { agentPages } from '../pages.ts';
import { fixedWords } from '../../services/agent/queue-words.ts';
import { formValues, hiddenQuery, paging, rowModel, savedViewLinks, sortOptions, statusOptions, tableLabels, tabs, type Words } from './model.ts';

declare module 'express-session' {
  interface SessionData {
    /** The agent's last queue query (no cursor), opened again by /agent without one. */
    agentQueue?: string;
    /** A bulk action's outcome per ticket, shown once by the page it redirects to. */
    agentBulk?: { action: string; results: BulkResult[] };
    /** What the agent just did on the queue page (a view saved or deleted), said once. */
    agentQueueNotice?: { key: string; params: Record<string, string> };
  }
}

const pages = agentPages(new URL('./views/', import.meta.url));
const queueJs = fileURLToPath(new URL('../public/queue.js', import.meta.url));
const queueCss = fileURLToPath(new URL('../public/queue.css', import.meta.url));

/** The query parameters the page reads (the rest of a URL is ignored). */
const PARAMS = ['queue', 'status', 'priority', 'category', 'team', 'tier', 'assignee', 'requester', 'organisation', 'text', 'sort', 'cursor'];

/** The queue a viewer starts in: their tier's, or every open ticket for staff without a tier. */
export const defaultQueue = (user: UserRecord): QueueId => (user.tier ? 'tier' : 'all');

export const queueViewer = (user: UserRecord): QueueViewer => ({ role: user.role, email: user.email, userId: user.id, teamId: user.teamId, tier: user.tier });

function pick(raw: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(PARAMS.filter((k) => raw[k] !== undefined && raw[k] !== '').map((k) => [k, raw[k]]));
}

/** The form's and the API's field names → the agent.json label of each. */
const LABELS: Record<string, string> = {
  status: 'filter.status', priority: 'filter.priority', category: 'filter.category', team: 'filter.team', tier: 'filter.tier', requester: 'filter.requester',
  organisation: 'filter.organisation', text: 'filter.text', sort: 'filter.sort', cursor: 'paging.label', queue: 'queue.tabsLabel', assignee: 'bulk.assignee',
  numbers: 'bulk.numbers', action: 'bulk.action', reason: 'bulk.reason', duplicateOf: 'bulk.duplicateOf', note: 'bulk.note', name: 'views.name',
};

function fieldErrors(problems: readonly FieldProblem[], w: Words): Record<string, string> {
  return Object.fromEntries(problems.map((p) => [p.field, w.api(`field.${p.key}`, { ...p.params, field: w.ag(LABELS[p.field] ?? p.field) })]));
}

export function queueRoutes(deps: StaffDeps, { access, requireCsrf }: StaffGuards): Router {
  const router = Router();
  const agents = access.requireStaff(AGENT_ROLES);

  router.get('/agent/assets/queue.js', agents, (_req, res) => {
    res.set('Cache-Control', 'private, max-age=3600');
    res.type('application/javascript').sendFile(queueJs);
  });
  router.get('/agent/assets/queue.css', agents, (_req, res) => {
    res.set('Cache-Control', 'private, max-age=3600');
    res.type('text/css').sendFile(queueCss);
  });
  router.get('/agent', agents, queuePage);
  router.post('/agent/bulk', formBody, requireCsrf, agents, bulk);
  router.post('/agent/views', formBody, requireCsrf, agents, saveView);
  router.post('/agent/views/:id/delete', formBody, requireCsrf, agents, deleteView);
  return router;

  function queues(): QueueService {
    const q = deps.agent?.queues;
    if (!q) throw new UnavailableError(new Error('the queue service is not part of this web process'));
    return q;
  }
  function views(): SavedViews | undefined {
    return deps.agent?.savedViews;
  }

  /** The page's words, each sentence made once a request (a page of 25 rows repeats the same ones). */
  function words(req: Request): Words {
    const language = viewerOf(req).language;
    return { ag: fixedWords(deps.i18n, language, 'agent'), api: fixedWords(deps.i18n, language, 'api') };
  }

  /** The page's raw query: the URL's, or the one kept in the session, or the viewer's default queue. */
  function rawQuery(req: Request): Record<string, unknown> {
    const fromUrl = pick(req.query as Record<string, unknown>);
    if (Object.keys(fromUrl).length) return fromUrl;
    const kept = req.session.agentQueue;
    if (kept) return pick(Object.fromEntries(new URLSearchParams(kept)));
    return { queue: defaultQueue(req.staffUser!) };
  }

  interface Extra {
    status?: number;
    bulkErrors?: Record<string, string>;
    bulkValues?: FormBody;
    viewErrors?: Record<string, string>;
    viewName?: string;
    selected?: readonly string[];
  }

  async function render(req: Request, res: Response, raw: Record<string, unknown>, extra: Extra = {}) {
    const w = words(req);
    const user = req.staffUser!;
    const viewer = viewerOf(req);
    const service = queues();
    const values = formValues(raw);
    let query;
    let filterErrors: Record<string, string> | undefined;
    try {
      query = service.parse(raw);
      if (!query.filters.queue) query = { ...query, filters: { ...query.filters, queue: defaultQueue(user) } };
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      filterErrors = fieldErrors(err.fields, w);
    }
    const current = query?.filters.queue ?? ((values.queue as QueueId | undefined) ?? defaultQueue(user));
    const qv = queueViewer(user);
    const [counts, page, saved, leads] = await Promise.all([
      service.counts(qv),
      query ? service.list(qv, query) : Promise.resolve({ items: [], nextCursor: null }),
      views()?.list(user.id) ?? Promise.resolve([]),
      user.role === 'admin' ? Promise.resolve(true) : deps.agent?.team?.ledTeam(user).then(Boolean) ?? Promise.resolve(false),
    ]);
    if (query && !filterErrors) req.session.agentQueue = new URLSearchParams(hiddenQuery(query).map((h): [string, string] => [h.name, h.value])).toString();
    const countdowns = deps.agent?.countdowns;
    const selected = new Set(extra.selected ?? []);
    // The rows show titles and requesters: each is recorded as listed before the page is sent (503 when it cannot be), beside the countdowns.
    const [rows] = await Promise.all([
      Promise.all(page.items.map(async (row) => rowModel(row, countdowns ? await countdowns.forTicket(row, viewer) : [], w, selected))),
      recordTicketsListed(deps.personalData, staffViewer(user), page.items.map((t) => t.number), { channel: 'web' }),
    ]);
    const bulkResults = req.session.agentBulk;
    delete req.session.agentBulk;
    const notice = req.session.agentQueueNotice;
    delete req.session.agentQueueNotice;
    const here = query ? queueHref(query.filters, query.sort) : '/agent';
    const queueName = w.ag(`queue.name.${current}`);
    pages.render(deps, req, res, 'queue', {
      title: `${queueName} · ${w.ag('queue.title')}`,
      queueName,
      tabs: tabs(current, counts, w),
      values,
      currentQueue: current,
      statuses: statusOptions((values.status as string[] | undefined) ?? [], w),
      sorts: sortOptions(values.sort as string | undefined, w),
      filterErrors,
      rows,
      labels: tableLabels(w),
      paging: query ? paging(query, page) : { next: null, first: null, any: false },
      hidden: query ? hiddenQuery(query) : [],
      here,
      savedViews: savedViewLinks(saved, here),
      canSaveViews: Boolean(views()),
      viewErrors: extra.viewErrors,
      viewName: extra.viewName,
      bulkErrors: extra.bulkErrors,
      bulk: extra.bulkValues ?? {},
      bulkResults: bulkResults && {
        summary: w.ag('bulk.summary', { count: bulkResults.results.length, done: bulkResults.results.filter((r) => r.ok).length }),
        items: bulkResults.results.map((r) => ({
          ...r,
          text: r.ok ? w.ag('bulk.ok', { status: w.api(`statusName.${r.status}`, { defaultValue: r.status }) }) : w.ag('bulk.failed', { message: r.error?.message ?? '' }),
        })),
      },
      agentNotice: notice && w.ag(notice.key, notice.params),
      liveScript: Boolean(deps.agent?.feed),
      teamLink: leads,
      // Express's view cache for this page (its view, the staff layout and the partials compiled once, not on every
      // request as without NODE_ENV=production: 25–60 ms a page); the views only change with a deploy.
      cache: true,
    }, extra.status ?? (filterErrors ? 422 : 200));
  }

  async function queuePage(req: Request, res: Response) {
    await render(req, res, rawQuery(req));
  }

  /** The query a POSTed form carries back (hidden fields), so the page it returns to is the one it came from. */
  function carried(body: FormBody): Record<string, unknown> {
    return pick(body);
  }

  async function bulk(req: Request, res: Response) {
    const body = req.body as FormBody;
    const back = carried(body);
    const user = req.staffUser!;
    const w = words(req);
    const raw = { ...body, ...(body.action === 'take' ? { action: 'assign', assignee: user.email } : {}) };
    let request;
    try {
      request = parseBulkRequest(raw);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const selected = Array.isArray(body.numbers) ? body.numbers.map(String) : typeof body.numbers === 'string' ? [body.numbers] : [];
      return render(req, res, back, { status: 422, bulkErrors: fieldErrors(err.fields, w), bulkValues: body, selected });
    }
    const results = await runBulk(deps, { email: user.email }, request, (err) => bulkMessage(w.api, err));
    req.session.agentBulk = { action: request.action, results };
    res.redirect(303, `${queueHrefOf(back)}#bulk-results`);
  }

  function queueHrefOf(back: Record<string, unknown>): string {
    const qs = new URLSearchParams(Object.entries(back).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, String(x)] as [string, string]) : [[k, String(v)] as [string, string]]))).toString();
    return qs ? `/agent?${qs}` : '/agent';
  }

  async function saveView(req: Request, res: Response) {
    const body = req.body as FormBody;
    const back = carried(body);
    const service = views();
    if (!service) throw new UnavailableError(new Error('saved views are not part of this web process'));
    const w = words(req);
    let saved;
    try {
      const query = queues().parse(back);
      saved = await service.save(req.staffUser!.id, body.name, query);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return render(req, res, back, { status: 422, viewErrors: fieldErrors(err.fields, w), viewName: typeof body.name === 'string' ? body.name : '' });
    }
    req.session.agentQueueNotice = { key: 'views.saved', params: { name: saved.name } };
    res.redirect(303, saved.href);
  }

  async function deleteView(req: Request, res: Response) {
    const service = views();
    if (!service) throw new UnavailableError(new Error('saved views are not part of this web process'));
    const id = /^\d{1,15}$/.test(String(req.params.id)) ? Number(req.params.id) : NaN;
    if (Number.isFinite(id)) await service.remove(req.staffUser!.id, id);
    else throw new ValidationError([{ field: 'id', key: 'invalid' }], 400);
    req.session.agentQueueNotice = { key: 'views.deleted', params: {} };
    res.redirect(303, queueHrefOf(carried(req.body as FormBody)));
  }
}
