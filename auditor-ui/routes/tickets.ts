/**
 * One ticket for auditors: its timeline in words (GET, and POST with a reason for the access
 * log), its replay check (POST → the verdict page) and its signed evidence bundle (POST → a
 * download). Every read of the timeline is recorded in the access log by the auditors' service
 * before it is shown (channel web, the viewer's role); the reason is typed in a form the auditor
 * sends (CSRF token), never carried by a link or an address. A malformed number is a 400 and an
 * unknown one a 404, both on the home's form with a sentence, nothing recorded; histories that
 * cannot be read just now are a 503 with a sentence.
 */
import { Router, type Request, type Response } from 'express';
import { formBody, type FormBody } from '../../api/portal/forms.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import { HttpError, NotFoundError, UnavailableError } from '../../api/errors.ts';
import { TicketNotFoundForExport } from '../../services/audit/evidence.ts';
import { TicketNotFoundForTimeline } from '../../services/audit/timeline.ts';
import { accessReason, staffViewer } from '../../services/privacy/access-log.ts';
import type { AuditorDeps, AuditorGuards } from '../types.ts';
import { auditorPage, auditorT } from '../pages.ts';
import { timelineView } from '../timeline-view.ts';
import { verdictView } from '../verdict-view.ts';
import { homeWithProblem } from './home.ts';
import { ticketNumberOf } from './number.ts';

type Work = 'timeline' | 'replay' | 'evidence';

export function ticketRoutes(deps: AuditorDeps, { auditors, requireCsrf }: AuditorGuards): Router {
  const router = Router();
  router.get('/audit/tickets/:number', auditors, timelinePage);
  router.post('/audit/tickets/:number', formBody, requireCsrf, auditors, timelineWithReason);
  router.post('/audit/tickets/:number/replay', formBody, requireCsrf, auditors, replayCheck);
  router.post('/audit/tickets/:number/evidence', formBody, requireCsrf, auditors, evidence);
  return router;

  /** The number of the address, checked; undefined when the page was answered already (400). */
  function numberOf(req: Request, res: Response): string | undefined {
    try {
      return ticketNumberOf(req.params.number);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      homeWithProblem(deps, req, res, err, String(req.params.number ?? '').slice(0, 40));
      return undefined;
    }
  }

  function unknown(req: Request, res: Response, number: string) {
    homeWithProblem(deps, req, res, new HttpError(404, 'TICKET_NOT_FOUND', 'auditor:errors.numberUnknown', { number }), number);
  }

  /** 503 with a sentence; the log line names the work and the fault's kind, never the ticket's contents. */
  function unavailable(req: Request, res: Response, work: Work, number: string, err: UnavailableError) {
    const cause = err.causeDetail instanceof Error ? err.causeDetail.name : 'error';
    (deps.log ?? ((line: string) => console.error(line)))(`[auditor] ${work} of a ticket unavailable: ${cause}`);
    const t = auditorT(deps, req);
    auditorPage(deps, req, res, 'unavailable', { title: t('unavailable.title'), number, sentence: t(`unavailable.${work}`, { number }) }, 503);
  }

  async function showTimeline(req: Request, res: Response, number: string, reason: string | null) {
    const { language, timeZone } = viewerOf(req);
    const t = auditorT(deps, req);
    let timeline;
    try {
      timeline = await deps.auditor.service.timeline(number, { language, timeZone, viewer: staffViewer(req.staffUser!), channel: 'web', reason });
    } catch (err) {
      if (err instanceof TicketNotFoundForTimeline) return unknown(req, res, number);
      if (err instanceof UnavailableError) return unavailable(req, res, 'timeline', number, err);
      throw err;
    }
    auditorPage(deps, req, res, 'ticket', {
      title: t('ticket.title', { number }),
      number,
      reason,
      view: timelineView(timeline, t),
      canExport: Boolean(deps.auditor.exportEvidence),
    });
  }

  async function timelinePage(req: Request, res: Response) {
    const number = numberOf(req, res);
    if (!number) return;
    // One address per ticket: a number typed in lower case is sent to its own.
    if (number !== req.params.number) return res.redirect(303, `/audit/tickets/${number}`);
    await showTimeline(req, res, number, null);
  }

  /** The page's reason form: the read recorded with the reason typed (400 and nothing recorded when it is not one), and the page. */
  async function timelineWithReason(req: Request, res: Response) {
    const number = numberOf(req, res);
    if (!number) return;
    const raw = (req.body as FormBody).reason;
    if (raw !== undefined && typeof raw !== 'string') throw new HttpError(400, 'BAD_ACCESS_REASON', 'auditor:errors.reasonOne');
    await showTimeline(req, res, number, accessReason(raw));
  }

  async function replayCheck(req: Request, res: Response) {
    const number = numberOf(req, res);
    if (!number) return;
    let verdict;
    try {
      verdict = await deps.auditor.service.checkTicket(number);
    } catch (err) {
      // A ticket that does not exist: the same 404 as its timeline (the check reads nothing of it).
      if (err instanceof NotFoundError) return unknown(req, res, number);
      if (err instanceof UnavailableError) return unavailable(req, res, 'replay', number, err);
      throw err;
    }
    const { language, timeZone } = viewerOf(req);
    const t = auditorT(deps, req);
    auditorPage(deps, req, res, 'verdict', { title: t('verdict.title', { number }), number, verdict: verdictView(verdict, t, language, timeZone) });
  }

  async function evidence(req: Request, res: Response) {
    const number = numberOf(req, res);
    if (!number) return;
    const exportEvidence = deps.auditor.exportEvidence;
    if (!exportEvidence) throw new HttpError(404, 'NOT_FOUND', 'errors.notFound');
    let text: string;
    try {
      ({ text } = await exportEvidence(number, viewerOf(req).language, `user:${req.staffUser!.id}`));
    } catch (err) {
      if (err instanceof TicketNotFoundForExport) return unknown(req, res, number);
      if (err instanceof UnavailableError) return unavailable(req, res, 'evidence', number, err);
      throw err;
    }
    res.status(200)
      .set('Content-Type', 'application/json; charset=utf-8')
      .set('Content-Disposition', `attachment; filename="evidence-${number}.json"`)
      .send(text);
  }
}
