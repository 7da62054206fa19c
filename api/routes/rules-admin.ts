/**
 * Rules administration through the REST API, for process owners and admins (scripts do what the
 * admin pages do, with the same services/rules-admin/ use cases): drafts (start, read with what is
 * wrong, save, shadow mode, drop, publish), checking a file without a draft, versions, the diff
 * in words between two versions, and rollback. Problems carry their machine code, parameters and
 * JSON path, and a message in the request language.
 */
import { Router, type Request, type Response } from 'express';
import type { ApiTokensRepo } from '../../db/api-tokens-repo.ts';
import type { DraftView, ReviewItem, RulesAdmin } from '../../services/rules-admin/index.ts';
import { formatRules, reviewText } from '../../services/rules-admin/review.ts';
import { examplesLimit } from '../../services/rules-admin/shadow.ts';
import { problemText } from '../../rules/problem-text.ts';
import { changeText } from '../../rules/change-text.ts';
import type { Change } from '../../rules/diff.ts';
import { validate } from '../../services/validation.ts';
import { assertCanAdministerRules } from '../access.ts';
import { apiUser, authenticateApi } from '../auth.ts';
import { HttpError, ValidationError } from '../errors.ts';
import {
  checkRequest, createDraftRequest, tryRequest, whatIfRequest, publishDraftRequest, revisionRequest, rollbackRequest, saveDraftRequest, shadowRequest,
} from '../rules-admin-schemas.ts';
import { rulesApplyRoutes } from './rules-apply.ts';

export interface RulesAdminRoutesDeps {
  apiTokens: ApiTokensRepo;
  rulesAdmin?: RulesAdmin;
}

/** Exactly one of two fields: neither or both is a 422 naming them. */
function oneOf(body: object, a: string, b: string): void {
  const has = (k: string) => (body as Record<string, unknown>)[k] !== undefined;
  if (has(a) === has(b)) throw new ValidationError([{ field: a, key: 'oneOfTwo', params: { other: b } }]);
}

function runParam(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f-]{36}$/.test(value)) throw new HttpError(404, 'NOT_FOUND', 'admin:errors.noWhatIfRun', { id: String(value).slice(0, 40) });
  return value;
}

function idParam(value: unknown, what: 'draft' | 'version'): number {
  if (typeof value !== 'string' || !/^\d{1,9}$/.test(value)) {
    throw what === 'draft' ? new HttpError(404, 'NOT_FOUND', 'admin:errors.noDraft', { id: String(value) }) : new HttpError(404, 'NOT_FOUND', 'admin:errors.noVersion', { version: String(value) });
  }
  return Number(value);
}

export function rulesAdminRoutes(deps: RulesAdminRoutesDeps): Router {
  const router = Router();
  const authenticated = authenticateApi(deps.apiTokens);
  router.use('/rules', (req, res, next) => (res.locals.apiUser ? next() : authenticated(req, res, next)));
  router.use('/rules', (_req, res, next) => {
    assertCanAdministerRules(apiUser(res));
    next();
  });
  // Applying the active version to open tickets: preview, runs, progress, cancel (rules-apply.ts).
  router.use(rulesApplyRoutes(deps));

  const admin = (): RulesAdmin => {
    if (!deps.rulesAdmin) throw new HttpError(404, 'NOT_FOUND', 'errors.notFound');
    return deps.rulesAdmin;
  };
  const by = (res: Response) => ({ id: apiUser(res).id });
  const words = (req: Request, items: readonly ReviewItem[]) =>
    items.map((i) => ({ ...i, message: problemText(i, req.t) }));
  /** Each change with its sentence in the request language as `message` (`text` stays English). */
  const said = (req: Request, changes: readonly Change[]) => changes.map((c) => ({ ...c, message: changeText(c, req.t) }));
  const draftJson = (req: Request, d: DraftView) => {
    const { review, ...rest } = d;
    return { ...rest, review: { errors: review.errors, warnings: review.warnings, problems: words(req, review.items) } };
  };

  router.post('/rules/checks', (req: Request, res: Response) => {
    const body = validate<{ source?: string; content?: object }>(checkRequest, req.body);
    oneOf(body, 'source', 'content');
    const review = reviewText(body.source ?? formatRules(body.content));
    res.json({ errors: review.errors, warnings: review.warnings, problems: words(req, review.items) });
  });

  router.get('/rules/drafts', async (_req: Request, res: Response) => {
    res.json({ drafts: await admin().drafts.list({ all: true }) });
  });

  router.post('/rules/drafts', async (req: Request, res: Response) => {
    const body = validate<{ title: string; from?: number }>(createDraftRequest, req.body);
    const draft = await admin().drafts.create(body, by(res));
    res.status(201).location(`/api/v1/rules/drafts/${draft.id}`).json(draftJson(req, draft));
  });

  router.get('/rules/drafts/:id', async (req: Request, res: Response) => {
    res.json(draftJson(req, await admin().drafts.get(idParam(req.params.id, 'draft'))));
  });

  router.put('/rules/drafts/:id', async (req: Request, res: Response) => {
    const body = validate<{ revision: number; title?: string; source?: string; content?: Record<string, unknown> }>(saveDraftRequest, req.body);
    if (body.source !== undefined && body.content !== undefined) throw new ValidationError([{ field: 'content', key: 'oneOfTwo', params: { other: 'source' } }]);
    const draft = await admin().drafts.save(idParam(req.params.id, 'draft'), {
      revision: body.revision, ...(body.title !== undefined ? { title: body.title } : {}),
      ...(body.source !== undefined ? { source: body.source } : {}), ...(body.content !== undefined ? { file: body.content } : {}),
    }, by(res));
    res.json(draftJson(req, draft));
  });

  router.post('/rules/drafts/:id/shadow', async (req: Request, res: Response) => {
    const body = validate<{ revision: number; on: boolean }>(shadowRequest, req.body);
    res.json(draftJson(req, await admin().drafts.setShadow(idParam(req.params.id, 'draft'), body, by(res))));
  });

  router.get('/rules/drafts/:id/shadow', async (req: Request, res: Response) => {
    res.json(await admin().shadow.divergence(idParam(req.params.id, 'draft'), { limit: examplesLimit(req.query.limit) }));
  });

  router.post('/rules/drafts/:id/drop', async (req: Request, res: Response) => {
    const body = validate<{ revision: number }>(revisionRequest, req.body);
    res.json(draftJson(req, await admin().drafts.drop(idParam(req.params.id, 'draft'), body, by(res))));
  });

  router.post('/rules/drafts/:id/publish', async (req: Request, res: Response) => {
    const body = validate<{ revision: number; comment: string; over?: number }>(publishDraftRequest, req.body);
    const outcome = await admin().drafts.publish(idParam(req.params.id, 'draft'), body, by(res));
    if (outcome.ok) return res.status(201).location(`/api/v1/rules/versions/${outcome.version}`).json({ version: outcome.version, changes: said(req, outcome.changes) });
    if (outcome.status === 409) {
      return res.status(409).json({ error: { code: 'BASE_OUTDATED', message: req.t('admin:draft.conflict', { base: outcome.diff.base, active: outcome.diff.active }), diff: { ...outcome.diff, theirs: said(req, outcome.diff.theirs), ours: said(req, outcome.diff.ours) } } });
    }
    res.status(422).json({ error: { code: 'RULES_INVALID', message: req.t('admin:draft.publishRefused', { count: outcome.items.length }), problems: words(req, outcome.items) } });
  });

  router.post('/rules/drafts/:id/try', async (req: Request, res: Response) => {
    const body = validate<{ ticket?: string; sample?: unknown }>(tryRequest, req.body);
    oneOf(body, 'ticket', 'sample');
    const sample = body.ticket !== undefined ? { ticket: body.ticket } : { form: body.sample };
    res.json(await admin().trials.tryDraft(idParam(req.params.id, 'draft'), sample));
  });

  router.post('/rules/drafts/:id/what-if', async (req: Request, res: Response) => {
    const body = validate<{ from: string; to: string }>(whatIfRequest, req.body);
    const runId = await admin().trials.startWhatIf(idParam(req.params.id, 'draft'), body, by(res));
    res.status(202).location(`/api/v1/rules/what-if-runs/${runId}`).json({ runId, status: 'queued' });
  });

  router.get('/rules/what-if-runs/:run', async (req: Request, res: Response) => {
    res.json(await admin().trials.whatIfRun(runParam(req.params.run)));
  });

  router.post('/rules/what-if-runs/:run/cancel', async (req: Request, res: Response) => {
    res.json(await admin().trials.cancelWhatIf(runParam(req.params.run)));
  });

  router.get('/rules/versions', async (_req: Request, res: Response) => {
    res.json({ versions: await admin().versions.list() });
  });

  router.get('/rules/versions/:version', async (req: Request, res: Response) => {
    const version = idParam(req.params.version, 'version');
    const found = (await admin().versions.list()).find((v) => v.version === version);
    if (!found) throw new HttpError(404, 'NOT_FOUND', 'admin:errors.noVersion', { version });
    const changes = version > 1 ? await admin().versions.diff(version - 1, version) : [];
    res.json({ ...found, changes: said(req, changes) });
  });

  router.get('/rules/versions/:from/diff/:to', async (req: Request, res: Response) => {
    res.json({ changes: said(req, await admin().versions.diff(idParam(req.params.from, 'version'), idParam(req.params.to, 'version'))) });
  });

  router.post('/rules/versions/:version/rollback', async (req: Request, res: Response) => {
    const body = validate<{ comment: string }>(rollbackRequest, req.body);
    const outcome = await admin().versions.rollback(idParam(req.params.version, 'version'), body.comment, by(res));
    if (outcome.ok) return res.status(201).location(`/api/v1/rules/versions/${outcome.version}`).json({ version: outcome.version, changes: said(req, outcome.changes) });
    res.status(422).json({ error: { code: 'RULES_INVALID', message: req.t('admin:draft.publishRefused', { count: outcome.items.length }), problems: words(req, outcome.items) } });
  });

  return router;
}
