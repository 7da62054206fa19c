/**
 * The period replay checks' pages (/audit/runs; docs/audit-runs.md): a form (from, until) with
 * the problems beside its fields, the recent checks, and a check's page with its progress, which
 * reloads itself every two seconds while it runs without JavaScript (WCAG 2.2.1: it says so and a
 * link stops it, `?refresh=off`), a cancel button, and once done the counts and each ticket not
 * reproducible, linked to its timeline (/audit/tickets/<number>). Auditors and admins only
 * (AUDIT_READERS), checked for every /audit/runs address before anything a caller sent is read.
 * The runs' service (services/audit/runs.ts) is the same as the REST API's.
 */
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { formBody, text, type FormBody } from '../../api/portal/forms.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import type { StaffGuards } from '../../api/staff/guards.ts';
import { AUDIT_READERS } from '../../api/staff/types.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../services/errors.ts';
import type { AuditRuns } from '../../services/audit/runs.ts';
import type { i18n } from 'i18next';
import { runsPage, runsT } from './pages.ts';
import { formDay, periodBound, progressSentence, runModel } from './view.ts';

export interface AuditRunsPagesDeps {
  i18n: i18n;
  auditRuns: AuditRuns;
}

const DAY_MS = 86_400_000;
const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FIELDS = ['from', 'to'] as const;

export function auditRunsPages(deps: AuditRunsPagesDeps, guards: StaffGuards): Router {
  const router = Router();
  const auditors: RequestHandler = guards.access.requireStaff(AUDIT_READERS);
  // The role first, for every address here: no form is read before it is known to be an auditor's or an admin's.
  router.use('/audit/runs', auditors, (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.get('/audit/runs', auditors, (req: Request, res: Response) => list(req, res));
  router.post('/audit/runs', auditors, formBody, guards.requireCsrf, start);
  router.get('/audit/runs/:run', auditors, runPage);
  router.post('/audit/runs/:run/cancel', auditors, formBody, guards.requireCsrf, cancel);
  return router;

  async function list(req: Request, res: Response, form?: { from: string; to: string; errors: Record<string, string>; busy?: string }) {
    const { language } = viewerOf(req);
    const t = runsT(deps, req);
    const now = Date.now();
    const recent = (await deps.auditRuns.list(20)).map((r) => ({
      id: r.id, status: r.status, statusText: t(`status.${r.status}`),
      periodText: `${periodBound(r.period.from, language)} – ${periodBound(r.period.to, language)}`,
      progressText: r.status === 'queued' ? '' : progressSentence(r, t, language),
      startedAt: r.createdAt,
    }));
    const errors = form?.errors ?? {};
    runsPage(deps, req, res, 'runs', {
      title: t('title'),
      from: form?.from ?? formDay(now - 30 * DAY_MS), to: form?.to ?? formDay(now + DAY_MS),
      errors, refused: Object.keys(errors).length > 0, busy: form?.busy, recent,
      errorList: FIELDS.filter((f) => errors[f]).map((f) => ({ field: `run-${f}`, label: t(`form.${f}`), message: errors[f] })),
    }, form?.busy ? 409 : form ? 422 : 200);
  }

  async function start(req: Request, res: Response) {
    const body = req.body as FormBody;
    const period = { from: text(body, 'from').trim(), to: text(body, 'to').trim() };
    try {
      const run = await deps.auditRuns.start(period, { id: req.staffUser!.id });
      res.redirect(303, `/audit/runs/${run.id}`);
    } catch (err) {
      // Another check is still queued or running: said above the form, which keeps what was typed.
      if (err instanceof ConflictError) return list(req, res, { ...period, errors: {}, busy: runsT(deps, req)('errors.oneAtATime') });
      if (!(err instanceof ValidationError)) throw err;
      const t = runsT(deps, req);
      const errors: Record<string, string> = {};
      for (const f of err.fields) errors[f.field] ??= t(`problem.${f.key}`, { ...f.params, count: f.params?.days });
      await list(req, res, { ...period, errors });
    }
  }

  function runIdOf(req: Request): string {
    const id = String(req.params.run ?? '');
    if (!RUN_ID.test(id)) throw new NotFoundError('auditor-runs:errors.noRun', { id: id.slice(0, 40) });
    return id;
  }

  async function runPage(req: Request, res: Response) {
    const { language, timeZone } = viewerOf(req);
    const t = runsT(deps, req);
    const run = runModel(await deps.auditRuns.get(runIdOf(req)), t, language, timeZone);
    // WCAG 2.2.1: a page that reloads itself says so and can be told not to (?refresh=off).
    const follow = req.query.refresh !== 'off';
    runsPage(deps, req, res, 'runs-run', { title: t('run.title'), run, follow, refreshSeconds: run.going && follow ? 2 : undefined });
  }

  async function cancel(req: Request, res: Response) {
    const id = runIdOf(req);
    await deps.auditRuns.cancel(id);
    res.redirect(303, `/audit/runs/${id}`);
  }
}
