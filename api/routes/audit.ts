/**
 * The auditors' REST API (docs/audit-replay.md, docs/audit-timeline.md): a ticket's replay check,
 * its timeline in words, its signed evidence bundle, and the audit log with filters. Auditors and admins only (api/access.ts
 * assertCanAudit), checked on the server for every route; everyone else is answered 403 in their
 * language. Histories that cannot be read (Temporal down, not archived) make the replay check
 * and the evidence a 503; the timeline is answered from the read model and says so.
 */
import { Router, type Request, type Response } from 'express';
import type { ApiTokensRepo } from '../../db/api-tokens-repo.ts';
import type { AuditFilter } from '../../db/audit-repo.ts';
import { TICKET_NUMBER_PATTERN } from '../../db/tickets-repo.ts';
import { TicketNotFoundForTimeline } from '../../services/audit/timeline.ts';
import { instantOf } from '../../services/audit/period.ts';
import { TicketNotFoundForExport } from '../../services/audit/evidence.ts';
import type { AuditorService } from '../../auditor-ui/deps.ts';
import { checkRunPeriod } from '../../services/audit/runs.ts';
import { accessReasonHeader, staffViewer } from '../../services/privacy/access-log.ts';
import { assertCanAudit } from '../access.ts';
import { apiUser, authenticateApi } from '../auth.ts';
import { HttpError } from '../errors.ts';

export interface AuditRoutesDeps {
  apiTokens: ApiTokensRepo;
  /** The auditors' service; without it, these routes answer 404. */
  audit?: AuditorService;
}


function param(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new HttpError(400, 'BAD_QUERY', 'errors.auditBadQuery', { name });
  return v;
}

/** A day (YYYY-MM-DD, UTC midnight) or a zoned ISO instant (services/audit/period.ts). */
function instant(req: Request, name: string): number | undefined {
  const v = param(req, name)?.trim();
  if (v === undefined || v === '') return undefined;
  const ms = instantOf(v);
  if (ms === undefined) throw new HttpError(400, 'BAD_QUERY', 'errors.auditBadInstant', { name, value: v.slice(0, 40) });
  return ms;
}

function whole(req: Request, name: string, max: number): number | undefined {
  const v = param(req, name);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new HttpError(400, 'BAD_QUERY', 'errors.auditBadNumber', { name, max });
  return n;
}

/** The audit log filters from a query string (shared with the auditors' page). */
export function auditFilterOf(req: Request): AuditFilter {
  const f: AuditFilter = {};
  const actor = param(req, 'actor');
  const action = param(req, 'action');
  const subject = param(req, 'subject');
  if (actor) f.actor = actor.slice(0, 200);
  if (action) f.action = action.slice(0, 200);
  if (subject) f.subject = subject.slice(0, 200);
  const from = instant(req, 'from');
  const to = instant(req, 'to');
  if (from !== undefined) f.fromMs = from;
  if (to !== undefined) f.toMs = to;
  const before = whole(req, 'before', Number.MAX_SAFE_INTEGER);
  const limit = whole(req, 'limit', 1000);
  if (before !== undefined) f.before = before;
  if (limit !== undefined) f.limit = limit;
  return f;
}

export function auditRoutes(deps: AuditRoutesDeps): Router {
  const router = Router();
  const authenticated = authenticateApi(deps.apiTokens);
  router.use('/audit', (req, res, next) => (res.locals.apiUser ? next() : authenticated(req, res, next)));
  router.use('/audit', (_req, res, next) => {
    assertCanAudit(apiUser(res));
    if (!deps.audit) throw new HttpError(404, 'NOT_FOUND', 'errors.notFound');
    next();
  });

  router.post('/audit/tickets/:number/replay', async (req: Request, res: Response) => {
    const number = String(req.params.number);
    if (!TICKET_NUMBER_PATTERN.test(number)) throw new HttpError(404, 'TICKET_NOT_FOUND', 'errors.ticketNotFound', { number: number.slice(0, 40) });
    const verdict = await deps.audit!.service.checkTicket(number);
    res.set('Cache-Control', 'no-store').json(verdict);
  });

  // The signed evidence bundle, as the page's download and `helpdesk audit export` make it: the
  // export is recorded in the audit log (by user:<id>) and covered by a new signed checkpoint.
  router.post('/audit/tickets/:number/evidence', async (req: Request, res: Response) => {
    const number = String(req.params.number);
    if (!TICKET_NUMBER_PATTERN.test(number)) throw new HttpError(404, 'TICKET_NOT_FOUND', 'errors.ticketNotFound', { number: number.slice(0, 40) });
    const exportEvidence = deps.audit!.exportEvidence;
    if (!exportEvidence) throw new HttpError(404, 'NOT_FOUND', 'errors.notFound');
    const { text } = await exportEvidence(number, req.language, `user:${apiUser(res).id}`).catch((err: unknown) => {
      throw err instanceof TicketNotFoundForExport ? new HttpError(404, 'TICKET_NOT_FOUND', 'errors.ticketNotFound', { number }) : err;
    });
    res.status(200).set('Cache-Control', 'no-store').set('Content-Disposition', `attachment; filename="evidence-${number}.json"`).type('application/json').send(text);
  });

  // A period's population for sampling (every ticket closed, cancelled or merged in [from, to) with its
  // SLA outcome), signed; recorded in the audit log and covered by a new checkpoint.
  router.post('/audit/population', async (req: Request, res: Response) => {
    const exportPopulation = deps.audit!.exportPopulation;
    if (!exportPopulation) throw new HttpError(404, 'NOT_FOUND', 'errors.notFound');
    const body = (req.body ?? {}) as { from?: unknown; to?: unknown };
    const range = checkRunPeriod({ from: body.from as string, to: body.to as string });
    const { text, meta } = await exportPopulation(range, `user:${apiUser(res).id}`);
    res.status(200).set('Cache-Control', 'no-store').set('Content-Disposition', `attachment; filename="population-${meta.period.from.slice(0, 10)}-${meta.period.to.slice(0, 10)}.json"`).type('application/json').send(text);
  });

  // The audit log's proof, as `helpdesk audit verify` gives it: the chain from entry 1 and every checkpoint.
  router.get('/audit/verify', async (_req: Request, res: Response) => {
    const verifyProof = deps.audit!.verifyProof;
    if (!verifyProof) throw new HttpError(404, 'NOT_FOUND', 'errors.notFound');
    res.set('Cache-Control', 'no-store').json(await verifyProof());
  });

  // The timeline shows the ticket's people and words: the read is recorded in the access log (with
  // the X-Access-Reason header's reason when given) before it is answered.
  router.get('/audit/tickets/:number/timeline', async (req: Request, res: Response) => {
    const number = String(req.params.number);
    if (!TICKET_NUMBER_PATTERN.test(number)) throw new HttpError(404, 'TICKET_NOT_FOUND', 'errors.ticketNotFound', { number: number.slice(0, 40) });
    const user = apiUser(res);
    const reason = accessReasonHeader(req.get('X-Access-Reason'));
    const timeline = await deps.audit!.service.timeline(number, { language: req.language, timeZone: user.timeZone, viewer: staffViewer(user), channel: 'api', reason }).catch((err: unknown) => {
      throw err instanceof TicketNotFoundForTimeline ? new HttpError(404, 'TICKET_NOT_FOUND', 'errors.ticketNotFound', { number }) : err;
    });
    res.set('Cache-Control', 'no-store').json(timeline);
  });

  router.get('/audit/log', async (req: Request, res: Response) => {
    const entries = await deps.audit!.log.search(auditFilterOf(req));
    const last = entries[entries.length - 1];
    res.set('Cache-Control', 'no-store').json({ entries, ...(last && last.seq > 1 ? { next: { before: last.seq } } : {}) });
  });

  return router;
}
