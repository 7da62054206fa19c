/**
 * The agents' pages (README, "Where the staff surfaces go"). Today: the read-only ticket page
 * every staff role may open, and opening a ticket by its number from the staff home. The
 * agents' workspace (queues, actions on a ticket) grows here, on the same guard and the same
 * services as the REST API (services/tickets/). Mounted by the staff router (api/staff/index.ts),
 * after the portal's middleware: sessions, CSRF, who is looking, language and time zone.
 *
 * Every view of the page is a read in the access log. A reason for reading is given only by a
 * form the staff member sends (POST, with the CSRF token): a link cannot put words in their
 * mouth, and the reason is in no URL (so in no server, proxy or browser history log). The form
 * records the read with the reason, then redirects to the page, which shows the ticket once
 * without recording it again; any other view of the page records a read without a reason.
 */
import { Router, type Request, type Response } from 'express';
import { formBody, type FormBody } from '../portal/forms.ts';
import { viewerOf } from '../portal/pages.ts';
import type { StaffGuards } from '../staff/guards.ts';
import { staffPage, staffT } from '../staff/pages.ts';
import { STAFF_ROLES, type StaffDeps, type StaffRole } from '../staff/types.ts';
import { readTicketAsStaff, recordReadWithReason, ticketNumberOf } from './read-ticket.ts';
import { staffTicketView } from './ticket-view.ts';
import type { Words } from './words.ts';

declare module 'express-session' {
  interface SessionData {
    /** A read the staff member just recorded with a form (its reason), shown once by the page it redirects to. */
    staffRead?: { number: string; reason: string | null; at: number };
  }
}

/** Who may open a ticket's page: every staff role (staff see the whole ticket, api/access.ts). */
export const TICKET_READERS: readonly StaffRole[] = STAFF_ROLES;

/** How long a read recorded by the form stands for the page it redirects to. */
export const RECORDED_READ_MS = 60_000;

export function agentPages(deps: StaffDeps, { access, requireCsrf }: StaffGuards): Router {
  const router = Router();
  const readers = access.requireStaff(TICKET_READERS);

  router.get('/staff/tickets', readers, openByNumber);
  router.post('/staff/tickets', formBody, requireCsrf, readers, openWithReason);
  router.get('/staff/tickets/:number', readers, ticketPage);
  router.post('/staff/tickets/:number', formBody, requireCsrf, readers, openWithReason);
  return router;

  /** A link or bookmark by number: to the ticket's page (a read without a reason). */
  function openByNumber(req: Request, res: Response) {
    if (req.query.number === undefined) return res.redirect(303, '/staff');
    res.redirect(303, `/staff/tickets/${ticketNumberOf(req.query.number)}`);
  }

  /** The staff home's form and the page's own: the read recorded with the reason typed, then the page. */
  async function openWithReason(req: Request, res: Response) {
    const body = req.body as FormBody;
    const { number, reason } = await recordReadWithReason(deps, req.staffUser!, req.params.number ?? body.number, body.reason);
    req.session.staffRead = { number, reason, at: Date.now() };
    res.redirect(303, `/staff/tickets/${number}`);
  }

  async function ticketPage(req: Request, res: Response) {
    const viewer = viewerOf(req);
    const just = req.session.staffRead;
    delete req.session.staffRead;
    const recorded = just && just.number === req.params.number && Date.now() - just.at < RECORDED_READ_MS ? { reason: just.reason } : undefined;
    const read = await readTicketAsStaff(deps, req.staffUser!, req.params.number, recorded ? { recorded } : {});
    const w: Words = {
      language: viewer.language,
      staff: staffT(deps, req),
      api: deps.i18n.getFixedT(viewer.language, 'api'),
      portal: deps.i18n.getFixedT(viewer.language, 'portal'),
    };
    const view = staffTicketView(read.ticket, read.sla, read.attachments, w, viewer);
    staffPage(deps, req, res, 'ticket', {
      title: w.staff('ticket.pageTitle', { number: view.number }),
      view,
      reason: read.reason,
      eventCount: view.timeline.length,
    });
  }
}
