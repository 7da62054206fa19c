/**
 * Applying a rules version to open tickets (issue 11, item 8), for process owners and admins:
 * the preview at /admin/versions/:version/apply (how many open tickets on older versions the
 * version changes, and one page at a time the tickets that change, do not, or cannot be
 * previewed, each with what changes from what to what), a reason (required) and a button per
 * scope — the tickets that change, or all of them — and then the run's page, which reloads itself
 * every two seconds without JavaScript (`<meta http-equiv="refresh">`: no script, the CSP allows
 * it) while the run goes on — a link turns that off (`?refresh=off`, WCAG 2.2.1) and offers a
 * reload by hand instead — shows its counts and can cancel it.
 * services/rules-admin/apply.ts and apply-runs.ts do the work, as for the REST API.
 */
import { Router, type Request, type Response } from 'express';
import type { TFunction } from 'i18next';
import { formBody, text, type FormBody } from '../../api/portal/forms.ts';
import { formatDateTime } from '../../api/portal/format.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import { localizedParams } from '../../api/errors.ts';
import { formatDuration } from '../../rules/duration.ts';
import { NotFoundError, ServiceError, ValidationError } from '../../services/errors.ts';
import type { ApplyField, ApplyPreview, PreviewList, PreviewTicket, TicketSide } from '../../services/rules-admin/apply.ts';
import type { RulesApply } from '../../services/rules-admin/apply-runs.ts';
import type { AdminDeps, AdminGuards } from '../types.ts';
import { adminPage } from '../pages.ts';
import { actorOf, versionParam } from './load.ts';

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const LISTS: readonly PreviewList[] = ['changing', 'unchanged', 'unknown'];
const PAGE = 50;
const REFRESH_SECONDS = 2;

/** One field's "from → to" in the viewer's words. */
function fieldChange(f: ApplyField, now: TicketSide, after: TicketSide, t: TFunction, when: (iso: string | null) => string): { label: string; from: string; to: string } {
  const target = (ms: number | null) => (ms === null ? '—' : formatDuration(ms));
  const value: Record<ApplyField, (s: TicketSide) => string> = {
    priority: (s) => s.priority ?? '—', team: (s) => s.team ?? '—', tier: (s) => s.tier ?? '—', policy: (s) => s.policy ?? '—',
    responseTarget: (s) => target(s.responseTargetMs), resolutionTarget: (s) => target(s.resolutionTargetMs),
    responseDeadline: (s) => when(s.responseDueAt), resolutionDeadline: (s) => when(s.resolutionDueAt),
  };
  return { label: t(`field.${f}`), from: value[f](now), to: value[f](after) };
}

export function applyRoutes(deps: AdminDeps, { admins, requireCsrf }: AdminGuards): Router {
  const router = Router();
  router.get('/admin/versions/:version/apply', admins, (req, res) => preview(req, res));
  router.post('/admin/versions/:version/apply', formBody, requireCsrf, admins, start);
  router.get('/admin/apply-runs/:run', admins, runPage);
  router.post('/admin/apply-runs/:run/cancel', formBody, requireCsrf, admins, cancel);
  return router;

  function apply(): RulesApply {
    if (!deps.rulesAdmin.apply) throw new NotFoundError('errors.notFound');
    return deps.rulesAdmin.apply;
  }

  function wordsOf(req: Request) {
    const { language, timeZone } = viewerOf(req);
    const t = deps.i18n.getFixedT(language, 'admin-apply');
    const when = (iso: string | null) => (iso === null ? t('noDeadline') : formatDateTime(iso, language, timeZone));
    return { t, when, language, timeZone };
  }

  async function preview(req: Request, res: Response, status = 200, model: Record<string, unknown> = {}) {
    const version = versionParam(String(req.params.version));
    const { t, when } = wordsOf(req);
    const list = LISTS.includes(req.query.list as PreviewList) ? (req.query.list as PreviewList) : 'changing';
    const after = typeof req.query.after === 'string' && req.query.after.length <= 64 ? req.query.after : null;
    const p: ApplyPreview = await apply().preview({ version, list, after, limit: PAGE });
    const tickets = p.tickets.map((tk) => {
      if (!('now' in tk)) return { number: tk.number, status: tk.status, rulesVersion: tk.rulesVersion, reasonText: t(`unknownReason.${tk.reason}`) };
      const ticket = tk as PreviewTicket;
      const shown: ApplyField[] = list === 'changing' ? ticket.changed : ['priority', 'policy', 'responseTarget', 'resolutionTarget'];
      return { ...ticket, changes: shown.map((f) => fieldChange(f, ticket.now, ticket.after, t, when)), unchangedList: list !== 'changing', uncertainText: ticket.uncertainRules.join(', ') };
    });
    const runs = (await apply().runsOf(version)).slice(0, 5).map((r) => ({ ...r, shownAt: when(r.createdAt), statusText: t(`status.${r.status}`) }));
    adminPage(deps, req, res, 'apply', {
      title: t('title', { version }),
      preview: p, tickets, list,
      lists: LISTS.map((l) => ({ id: l, label: t(`list.${l}`, { count: p.totals[l] }), current: l === list })),
      nextHref: p.next ? `/admin/versions/${version}/apply?list=${list}&after=${encodeURIComponent(p.next)}` : null,
      canApply: p.applicable && p.totals.open > 0,
      runs, ...model,
    }, status);
  }

  async function start(req: Request, res: Response) {
    const body = req.body as FormBody;
    const version = versionParam(String(req.params.version));
    const reason = text(body, 'reason');
    const scope = text(body, 'scope') === 'all' ? 'all' : 'changing';
    const { t } = wordsOf(req);
    try {
      const runId = await apply().start(version, { reason, scope }, actorOf(req));
      res.redirect(303, `/admin/apply-runs/${runId}`);
    } catch (err) {
      if (err instanceof ValidationError) {
        const problem = err.fields.find((f) => f.field === 'reason');
        const problems = problem ? [{ severity: 'error', code: problem.key, text: t(problem.key === 'tooLong' ? 'form.reasonTooLong' : 'form.reasonRequired', problem.params ?? {}) }] : [];
        return preview(req, res, 422, { reason, reasonProblems: problems });
      }
      if (err instanceof ServiceError && err.status === 409) {
        const api = deps.i18n.getFixedT(viewerOf(req).language, 'api');
        return preview(req, res, 409, { reason, refusal: api(err.messageKey, localizedParams(api, err.params)) });
      }
      throw err;
    }
  }

  function runIdOf(req: Request): string {
    const id = String(req.params.run ?? '');
    if (!RUN_ID.test(id)) throw new NotFoundError('admin-apply:errors.noRun', { id: id.slice(0, 40) });
    return id;
  }

  async function runPage(req: Request, res: Response) {
    const { t, when, language } = wordsOf(req);
    const api = deps.i18n.getFixedT(language, 'api');
    const run = await apply().get(runIdOf(req));
    const going = run.status === 'queued' || run.status === 'running';
    // The page reloads itself while the run goes on, unless the viewer turned that off (WCAG 2.2.1).
    const follow = req.query.refresh !== 'off';
    const c = run.counts;
    adminPage(deps, req, res, 'apply-run', {
      title: t('run.title', { version: run.version }),
      run, going, follow, refreshSeconds: going && follow ? REFRESH_SECONDS : undefined, refreshSecondsShown: REFRESH_SECONDS,
      statusText: t(`status.${run.status}`),
      startedText: t('run.started', { when: when(run.createdAt), scope: t(`scope.${run.scope}`) }),
      progressText: run.total === null ? null : t('run.progress', { done: c.seen, count: run.total }),
      figures: (['sent', 'unchanged', 'skipped', 'failed'] as const).filter((k) => k === 'sent' || c[k] > 0).map((k) => ({ id: k, text: t(`run.${k}`, { count: c[k] }) })),
      errorText: run.error ? t(`runError.${run.error}`, { version: run.version, defaultValue: t('runError.stopped') }) : null,
      failures: run.failures.map((f) => ({ number: f.number, text: api(f.key, localizedParams(api, f.params)) })),
    });
  }

  async function cancel(req: Request, res: Response) {
    const id = runIdOf(req);
    await apply().cancel(id);
    res.redirect(303, `/admin/apply-runs/${id}`);
  }
}
