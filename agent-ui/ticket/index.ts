/**
 * The agent's ticket page (/agent/tickets/:number): the whole ticket, its actions, the requester's
 * card, suggestions, templates, duplicates and merging. Agents and admins only (AGENT_ROLES),
 * checked before anything is read; every view (the page, its live part, an attachment) is a read
 * in the access log, recorded before it is shown (read.ts); the live part reads and records only
 * what it shows (the ticket and the tickets merged into it: no side, so nothing listed). Forms are POST with the CSRF token and
 * answer 303 back to the page with a one-time notice of what was done; a refused action (409) or a
 * bad field (422) shows the page again with the sentence beside its form and nothing changed;
 * PostgreSQL or Temporal out of reach (503) a page that says so and what to do.
 */
import { fileURLToPath } from 'node:url';
import { Router, type Request, type Response } from 'express';
import { formBody, type FormBody } from '../../api/portal/forms.ts';
import { localizedParams, HttpError, ValidationError, type FieldProblem } from '../../api/errors.ts';
import type { StaffGuards } from '../../api/staff/guards.ts';
import { AGENT_ROLES, type StaffDeps } from '../../api/staff/types.ts';
import { ticketNumberOf } from '../../api/agent/read-ticket.ts';
import { openAttachment, sendAttachment } from '../../api/portal/use-cases/portal-data.ts';
import { recordTicketRead, staffViewer } from '../../services/privacy/access-log.ts';
import { isFormAction, performForm, type FormAction } from './actions.ts';
import { liveModel, pages, pageWords, renderLive, renderPage, ticketModel, type FormProblem, type ModelOpts } from './page.ts';
import { readLivePart, readTicketPage, ticketForAction } from './read.ts';
import { mergeForm, mergedOf } from './merge.ts';

declare module 'express-session' {
  interface SessionData {
    /** What the agent just did on a ticket, said once by its page (after the 303). */
    agentTicketNotice?: { number: string; key: string; params: Record<string, string> };
  }
}

export function agentTicketRoutes(deps: StaffDeps, { access, requireCsrf }: StaffGuards): Router {
  const router = Router();
  const agents = access.requireStaff(AGENT_ROLES);

  // The page's script and styles (no personal data), from agent-ui/public/ as live.js is.
  router.get('/agent/assets/ticket.js', agents, asset('ticket.js', 'application/javascript'));
  router.get('/agent/assets/ticket.css', agents, asset('ticket.css', 'text/css'));
  router.get('/agent/tickets/:number', agents, ticketPage);
  router.get('/agent/tickets/:number/live', agents, livePart);
  router.get('/agent/tickets/:number/attachments/:id', agents, attachment);
  router.post('/agent/tickets/:number/actions/:action', formBody, requireCsrf, agents, act);
  router.post('/agent/tickets/:number/merge', formBody, requireCsrf, agents, merge);
  return router;

  function asset(file: string, type: string) {
    const path = fileURLToPath(new URL(`../public/${file}`, import.meta.url));
    return (_req: Request, res: Response) => {
      res.set('Cache-Control', 'private, max-age=3600');
      res.type(type).sendFile(path);
    };
  }

  async function model(req: Request, opts: ModelOpts = {}) {
    const data = await readTicketPage(deps, req.staffUser!, req.params.number);
    return ticketModel(deps, req, data, { ...opts, merged: await mergedOf(deps, req.staffUser!, data.ticket) });
  }

  async function ticketPage(req: Request, res: Response) {
    const number = ticketNumberOf(req.params.number);
    if (number !== req.params.number) return res.redirect(303, `/agent/tickets/${number}`);
    const just = req.session.agentTicketNotice;
    delete req.session.agentTicketNotice;
    const notice = just && just.number === number ? pageWords(deps, req).tk(just.key, just.params) : undefined;
    renderPage(deps, req, res, await model(req, notice ? { notice } : {}));
  }

  /** The live part alone, read and recorded for what it shows (read.ts readLivePart): no side, no lists, no workflow query. */
  async function livePart(req: Request, res: Response) {
    renderLive(deps, req, res, await liveModel(deps, req, await readLivePart(deps, req.staffUser!, req.params.number)));
  }

  async function attachment(req: Request, res: Response) {
    const number = ticketNumberOf(req.params.number);
    const id = Number(req.params.id);
    const ticket = await deps.tickets.get(number);
    const file = ticket && Number.isSafeInteger(id) ? await openAttachment(deps, number, id) : undefined;
    if (!ticket || !file) throw new HttpError(404, 'NOT_FOUND', 'api:errors.notFound');
    if (file.erased) throw new HttpError(410, 'ATTACHMENT_ERASED', 'portal:errors.attachmentErased');
    await recordTicketRead(deps.personalData, staffViewer(req.staffUser!), ticket, { channel: 'web', reason: null });
    sendAttachment(res, file);
  }

  /** A form's problem in the agent's words: the sentence, and each field's beside it. */
  function problemOf(req: Request, action: FormAction | 'merge', err: HttpError, body: FormBody): FormProblem {
    const w = pageWords(deps, req);
    const label = (f: FieldProblem) => w.tk(`actions.field.${f.field}`, { defaultValue: f.field });
    const fields = Object.fromEntries(err.fields.map((f) => [f.field, w.api(`field.${f.key}`, { ...f.params, field: label(f), defaultValue: w.tk(`fieldError.${f.key}`, { ...f.params, field: label(f) }) })]));
    const message = err instanceof ValidationError ? w.tk('errors.fields', { count: err.fields.length }) : w.api(err.messageKey, localizedParams(w.api, err.params));
    const values = Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string' && e[0] !== '_csrf'));
    return { action, message, fields, values };
  }

  /** After a form: 303 to the page with its notice; a refusal the page again with the sentence; 503 a page of its own. */
  async function answer(req: Request, res: Response, action: FormAction | 'merge', run: () => Promise<{ key: string; params: Record<string, string> }>) {
    const number = ticketNumberOf(req.params.number);
    const body = req.body as FormBody;
    try {
      const done = await run();
      req.session.agentTicketNotice = { number, ...done };
      return res.redirect(303, `/agent/tickets/${number}`);
    } catch (err) {
      if (!(err instanceof HttpError) || err.status === 404) throw err;
      if (err.status >= 500) return unavailable(req, res, number, err);
      renderPage(deps, req, res, await model(req, { problem: problemOf(req, action, err, body) }), err.status);
    }
  }

  function unavailable(req: Request, res: Response, number: string, err: HttpError) {
    const w = pageWords(deps, req);
    pages.render(deps, req, res, 'unavailable', { title: w.tk('unavailable.heading'), number, message: w.api(err.messageKey, err.params) }, err.status);
  }

  async function act(req: Request, res: Response) {
    const action = req.params.action;
    if (!isFormAction(action)) throw new HttpError(404, 'UNKNOWN_ACTION', 'api:errors.notFound');
    await answer(req, res, action, async () => {
      const ticket = await ticketForAction(deps, req.params.number);
      const after = await performForm(deps, ticket, action, req.body as FormBody, req.staffUser!);
      const body = req.body as FormBody;
      const params: Record<string, string> = { number: after.number, tier: after.tier ?? '—', priority: after.priority ?? '—' };
      if (action === 'assign' && typeof body.assignee === 'string') params.assignee = body.assignee;
      return { key: `notice.${action}`, params };
    });
  }

  async function merge(req: Request, res: Response) {
    await answer(req, res, 'merge', () => mergeForm(deps, req.staffUser!, ticketNumberOf(req.params.number), req.body as FormBody));
  }
}
