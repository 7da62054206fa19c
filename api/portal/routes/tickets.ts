/**
 * A requester's tickets: "my tickets", following a ticket by its number and secret code,
 * a ticket's page and attachments, and the requester's actions on it. Every route with
 * `:number` works on the ticket router.param loaded once, and only when this viewer may
 * see it (someone else's ticket answers 404, like one that does not exist). The actions'
 * guards (form body, CSRF) run first, on a layer without `:number`: Express runs a
 * router.param before the route's own handlers, so a bad token must be refused (403)
 * before the ticket is read or its visibility checked.
 */
import { Router, type Request, type Response } from 'express';
import type { TicketRecord } from '../../../db/tickets-repo.ts';
import { OPEN } from '../../../workflows/lifecycle.ts';
import { HttpError, localizedParams, ValidationError } from '../../errors.ts';
import { formatDateTime, slaPromise } from '../format.ts';
import { fieldMessages, formBody, text, type FormBody } from '../forms.ts';
import { requireUser } from '../middleware.ts';
import { grantFollow, page, portalT, viewerOf, type Guards } from '../pages.ts';
import type { PortalDeps, Viewer } from '../types.ts';
import { confirmResolution, followByCode, openTicket, rate, reopen, reply, ticketsOf, ticketView, type FollowDeps } from '../use-cases/follow.ts';
import { openAttachment, sendAttachment } from '../use-cases/portal-data.ts';

/** The action forms' paths, without the `:number` parameter (so router.param does not run for the guards). */
const TICKET_ACTIONS = /^\/tickets\/[^/]+\/(?:reply|confirm|reopen|rate)\/?$/i;

/** A requester's action on a ticket, as the use cases in use-cases/follow.ts perform it. */
type Action = (deps: FollowDeps, viewer: Viewer, ticket: TicketRecord, body: FormBody) => Promise<void>;

export function ticketRoutes(deps: PortalDeps, { limits, requireCsrf }: Guards): Router {
  const router = Router();

  router.param('number', async (req, _res, next, number: string) => {
    req.ticket = await openTicket(deps, viewerOf(req), number);
    next();
  });

  router.get('/tickets', requireUser, myTickets);
  router.get('/tickets/:number', (req, res) => showTicket(req, res));
  router.get('/tickets/:number/attachments/:id', downloadAttachment);
  router.post(TICKET_ACTIONS, formBody, requireCsrf);
  router.post('/tickets/:number/reply', act('reply', reply));
  router.post('/tickets/:number/confirm', act('confirm', confirmResolution));
  router.post('/tickets/:number/reopen', act('reopen', reopen));
  router.post('/tickets/:number/rate', act('rate', rate));

  router.get('/follow', (req, res) => page(req, res, 'follow', { values: { number: text(req.query as FormBody, 'number') } }));
  router.post('/follow', formBody, requireCsrf, limits.follow, doFollow);
  // `:claimed`, not `:number`: the link's number is what its code must prove, not yet a ticket this browser may see.
  router.get('/follow/:claimed/:code', limits.follow, followLink);
  return router;

  async function myTickets(req: Request, res: Response) {
    const viewer = viewerOf(req);
    const t = portalT(deps, req);
    const tickets = await ticketsOf(deps, viewer.user!);
    const rows = tickets.map((ticket) => ({
      number: ticket.number,
      title: ticket.title,
      status: ticket.status,
      statusText: t(`status.${ticket.status}`),
      promise: slaPromise(ticket, t),
      updated: formatDateTime(ticket.updatedAt, viewer.language, viewer.timeZone),
      updatedIso: ticket.updatedAt,
    }));
    const openCount = tickets.filter((x) => OPEN.includes(x.status)).length;
    page(req, res, 'my-tickets', { rows, count: rows.length, openCount });
  }

  async function showTicket(req: Request, res: Response, extra: Record<string, unknown> = {}) {
    const ticket = ticketOf(req);
    const view = await ticketView(deps, viewerOf(req), ticket, portalT(deps, req));
    const followLink = req.session.followLink?.number === ticket.number ? req.session.followLink : undefined;
    if (followLink) delete req.session.followLink;
    page(req, res, 'ticket', { ...view, followLink, ...extra });
  }

  async function downloadAttachment(req: Request, res: Response) {
    const id = Number(req.params.id);
    const file = Number.isSafeInteger(id) ? await openAttachment(deps, ticketOf(req).number, id) : undefined;
    if (!file) throw new HttpError(404, 'NOT_FOUND', 'api:errors.notFound');
    // Its key was destroyed: the file is gone for good, and the page says so in the viewer's language.
    if (file.erased) throw new HttpError(410, 'ATTACHMENT_ERASED', 'portal:errors.attachmentErased');
    sendAttachment(res, file);
  }

  function act(kind: 'reply' | 'confirm' | 'reopen' | 'rate', perform: Action) {
    return async (req: Request, res: Response) => {
      const ticket = ticketOf(req);
      const body = req.body as FormBody;
      try {
        await perform(deps, viewerOf(req), ticket, body);
      } catch (err) {
        // A form problem or a refused action is shown on the ticket page, beside its form.
        if (!(err instanceof HttpError) || err.status >= 500) throw err;
        const errors = err instanceof ValidationError ? fieldMessages(err.fields, portalT(deps, req)) : {};
        const actionError = err instanceof ValidationError ? undefined : req.t(err.messageKey, localizedParams(req.t, err.params));
        res.status(err.status);
        return showTicket(req, res, { errors, actionError, errorFor: kind, values: body });
      }
      req.session.notice = { key: `notice.${kind}` };
      res.redirect(303, `/tickets/${ticket.number}`);
    };
  }

  async function doFollow(req: Request, res: Response) {
    const body = req.body as FormBody;
    try {
      const number = await followByCode(deps, text(body, 'number'), text(body, 'code'));
      grantFollow(req, number);
      res.redirect(303, `/tickets/${number}`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      page(req, res.status(422), 'follow', { values: { number: text(body, 'number') }, errors: fieldMessages(err.fields, portalT(deps, req)) });
    }
  }

  async function followLink(req: Request, res: Response) {
    const number = String(req.params.claimed);
    try {
      grantFollow(req, await followByCode(deps, number, String(req.params.code)));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      throw new HttpError(404, 'NOT_FOUND', 'portal:errors.badFollowLink');
    }
    // The code leaves the address bar: the ticket page's URL carries only the number.
    res.redirect(303, `/tickets/${number}`);
  }
}

function ticketOf(req: Request): TicketRecord {
  if (!req.ticket) throw new Error('router.param("number") did not load the ticket');
  return req.ticket;
}
