/**
 * The proofs an auditor takes away, from the home (/audit): a period's population for sampling,
 * signed (POST /audit/population: every ticket closed, cancelled or merged in the period with its SLA
 * outcome, as `helpdesk audit population` makes it, recorded in the audit log with a new signed
 * checkpoint), and the audit log's proof (GET /audit/verify: every entry's hash recomputed from
 * the first and every checkpoint checked, as `helpdesk audit verify` does). A bad period comes back
 * on the home with each problem beside its field (422) and nothing is written.
 */
import { Router, type Request, type Response } from 'express';
import { formBody, type FormBody } from '../../api/portal/forms.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import { formatDateTime } from '../../api/portal/format.ts';
import { HttpError, ValidationError } from '../../api/errors.ts';
import { checkRunPeriod } from '../../services/audit/runs.ts';
import { shortKeyId } from '../../services/audit/signature.ts';
import type { AuditorDeps, AuditorGuards } from '../types.ts';
import { auditorPage, auditorT } from '../pages.ts';

const text = (body: FormBody, name: string): string => (typeof body[name] === 'string' ? (body[name] as string).slice(0, 40) : '');

export function proofRoutes(deps: AuditorDeps, { auditors, requireCsrf }: AuditorGuards): Router {
  const router = Router();
  router.post('/audit/population', formBody, requireCsrf, auditors, population);
  router.get('/audit/verify', auditors, verify);
  return router;

  async function population(req: Request, res: Response) {
    const exportPopulation = deps.auditor.exportPopulation;
    if (!exportPopulation) throw new HttpError(404, 'NOT_FOUND', 'errors.notFound');
    const body = req.body as FormBody;
    const typed = { from: text(body, 'from').trim(), to: text(body, 'to').trim() };
    let range: { fromMs: number; toMs: number };
    try {
      range = checkRunPeriod(typed);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      // The period checks' words for a period's problems (auditor-runs:problem.*).
      const words = deps.i18n.getFixedT(viewerOf(req).language, 'auditor-runs');
      const errors: Record<string, string> = {};
      for (const f of err.fields) errors[f.field] ??= words(`problem.${f.key}`, { ...f.params, count: f.params?.days });
      const t = auditorT(deps, req);
      return auditorPage(deps, req, res, 'home', { title: t('home.title'), population: { ...typed, errors } }, 422);
    }
    const { text: bundle, meta } = await exportPopulation(range, `user:${req.staffUser!.id}`);
    res.status(200)
      .set('Content-Type', 'application/json; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="population-${meta.period.from.slice(0, 10)}-${meta.period.to.slice(0, 10)}.json"`)
      .send(bundle);
  }

  async function verify(req: Request, res: Response) {
    const verifyProof = deps.auditor.verifyProof;
    if (!verifyProof) throw new HttpError(404, 'NOT_FOUND', 'errors.notFound');
    const check = await verifyProof();
    const { language, timeZone } = viewerOf(req);
    const t = auditorT(deps, req);
    const latest = check.checkpoints.latest;
    auditorPage(deps, req, res, 'verify', {
      title: t('verify.title'),
      check,
      chainText: check.chain.ok ? t('verify.intact', { count: check.chain.entries }) : t('verify.broken'),
      checkpointsText: check.checkpoints.total === 0 ? t('verify.noCheckpoint') : t('verify.checkpoints', { count: check.checkpoints.total, valid: check.checkpoints.valid }),
      latestText: latest && t('verify.latest', { id: latest.id, seq: latest.seq, at: formatDateTime(latest.signedAt, language, timeZone) }),
      keyText: check.configuredKeyId && t('verify.key', { key: shortKeyId(check.configuredKeyId) }),
      otherKeys: check.otherKeys.map((o) => t('verify.otherKey', { key: shortKeyId(o.keyId), first: o.first, last: o.last, count: o.checkpoints })),
      problems: check.problems.map((p) => p.sentence),
    });
  }
}
