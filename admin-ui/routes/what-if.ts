/**
 * What-if over past tickets: the draft applied to the tickets created in a chosen period (their
 * recorded facts, pauses and responses), compared with what the versions in force decided. It
 * runs on the worker (services/rules-admin/what-if-runs.ts); the run's page shows its progress,
 * reloading itself every two seconds without JavaScript, and can cancel it; once done it shows
 * the figures: how many tickets change in what, breaches avoided or added, per service level ×
 * priority, and the changed tickets one by one. A link stops the reloading (`?refresh=off`).
 */
import { Router, type Request, type Response } from 'express';
import { formBody, text, type FormBody } from '../../api/portal/forms.ts';
import { formatDateTime } from '../../api/portal/format.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import { NotFoundError } from '../../services/errors.ts';
import { CHANGED_FIELDS } from '../../services/rules-admin/what-if-summary.ts';
import type { AdminDeps, AdminGuards } from '../types.ts';
import { adminPage } from '../pages.ts';
import { actorOf, draftOf } from './load.ts';

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const RUN_ID = /^[0-9a-f-]{36}$/;

export function whatIfRoutes(deps: AdminDeps, { admins, requireCsrf }: AdminGuards): Router {
  const router = Router();
  router.get('/admin/drafts/:id/what-if', admins, form);
  router.post('/admin/drafts/:id/what-if', formBody, requireCsrf, admins, start);
  router.get('/admin/what-if/:run', admins, runPage);
  router.post('/admin/what-if/:run/cancel', formBody, requireCsrf, admins, cancel);
  return router;

  async function form(req: Request, res: Response) {
    const draft = await draftOf(deps, req);
    const now = Date.now();
    adminPage(deps, req, res, 'what-if', {
      title: deps.i18n.getFixedT(viewerOf(req).language, 'admin')('whatIf.title', { title: draft.title }), draft,
      from: isoDay(now - 30 * DAY), to: isoDay(now + DAY), invalid: draft.review.errors > 0,
    });
  }

  async function start(req: Request, res: Response) {
    const body = req.body as FormBody;
    const draft = await draftOf(deps, req);
    const day = (name: string) => {
      const v = text(body, name).trim();
      return /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v;
    };
    const runId = await deps.rulesAdmin.trials.startWhatIf(draft.id, { from: day('from'), to: day('to') }, actorOf(req));
    res.redirect(303, `/admin/what-if/${runId}`);
  }

  function runIdOf(req: Request): string {
    const id = String(req.params.run ?? '');
    if (!RUN_ID.test(id)) throw new NotFoundError('admin:errors.noWhatIfRun', { id: id.slice(0, 40) });
    return id;
  }

  async function runPage(req: Request, res: Response) {
    const { language, timeZone } = viewerOf(req);
    const t = deps.i18n.getFixedT(language, 'admin');
    const run = await deps.rulesAdmin.trials.whatIfRun(runIdOf(req));
    const going = run.status === 'queued' || run.status === 'running';
    // WCAG 2.2.1: a page that reloads itself says so and can be told not to (?refresh=off).
    const follow = req.query.refresh !== 'off';
    const r = run.result;
    adminPage(deps, req, res, 'what-if-run', {
      title: t('whatIf.runTitle'), run, going, follow, refreshSeconds: going && follow ? 2 : undefined,
      period: { from: formatDateTime(run.period.from, language, timeZone), to: formatDateTime(run.period.to, language, timeZone) },
      draftId: run.draftId,
      result: r && {
        ...r,
        changedRows: CHANGED_FIELDS.map((f) => ({ field: f, label: t(`whatIf.field.${f}`), count: r.changed[f] })),
        tickets: r.tickets.map((tk) => ({
          ...tk,
          changedText: tk.changed.map((f) => t(`whatIf.field.${f}`)).join(', '),
          thenText: `${tk.then.priority} · ${tk.then.team} · ${tk.then.policy}`,
          candidateText: `${tk.candidate.priority} · ${tk.candidate.team} · ${tk.candidate.policy}`,
        })),
      },
    });
  }

  async function cancel(req: Request, res: Response) {
    const id = runIdOf(req);
    await deps.rulesAdmin.trials.cancelWhatIf(id);
    res.redirect(303, `/admin/what-if/${id}`);
  }
}
