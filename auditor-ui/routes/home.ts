/**
 * The auditors' home (/audit): find a ticket by its number (a GET form: a number is no secret and
 * the address can be kept), and the links to the audit log (/audit/log) and the period checks
 * (/audit/runs). A malformed number is shown again with its sentence (400); the ticket's page says
 * when there is no such ticket (404).
 */
import { Router, type Request, type Response } from 'express';
import type { AuditorDeps, AuditorGuards } from '../types.ts';
import { auditorPage, auditorT } from '../pages.ts';
import { ticketNumberOf } from './number.ts';
import { HttpError } from '../../api/errors.ts';

/** The home with a problem about the number typed (400 malformed, 404 unknown). */
export function homeWithProblem(deps: AuditorDeps, req: Request, res: Response, err: HttpError, typed: string): void {
  const t = auditorT(deps, req);
  auditorPage(deps, req, res, 'home', { title: t('home.title'), typed, problem: t(err.messageKey.replace(/^auditor:/, ''), err.params) }, err.status);
}

export function homeRoutes(deps: AuditorDeps, { auditors }: AuditorGuards): Router {
  const router = Router();
  router.get('/audit', auditors, home);
  return router;

  function home(req: Request, res: Response) {
    const raw = req.query.number;
    if (raw === undefined) return auditorPage(deps, req, res, 'home', { title: auditorT(deps, req)('home.title') });
    let number: string;
    try {
      number = ticketNumberOf(raw);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      return homeWithProblem(deps, req, res, err, typeof raw === 'string' ? raw.slice(0, 40) : '');
    }
    res.redirect(303, `/audit/tickets/${number}`);
  }
}
