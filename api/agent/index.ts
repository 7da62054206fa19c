/**
 * The agents' pages (README, "Where the staff surfaces go"). Today: the read-only ticket page
 * every staff role may open, and opening a ticket by its number from the staff home. The
 * agents' workspace (queues, actions on a ticket) grows here, on the same guard and the same
 * services as the REST API (services/tickets/). Mounted by the staff router (api/staff/index.ts),
 * after the portal's middleware: sessions, CSRF, who is looking, language and time zone.
 */
import { Router, type Request, type Response } from 'express';
import { viewerOf } from '../portal/pages.ts';
import type { StaffGuards } from '../staff/guards.ts';
import { staffPage, staffT } from '../staff/pages.ts';
import { STAFF_ROLES, type StaffDeps, type StaffRole } from '../staff/types.ts';
import { readTicketAsStaff, reasonOf, ticketNumberOf } from './read-ticket.ts';
import { staffTicketView } from './ticket-view.ts';
import type { Words } from './words.ts';

/** Who may open a ticket's page: every staff role (staff see the whole ticket, api/access.ts). */
export const TICKET_READERS: readonly StaffRole[] = STAFF_ROLES;

export function agentPages(deps: StaffDeps, { access }: StaffGuards): Router {
  const router = Router();

  router.get('/staff/tickets', access.requireStaff(TICKET_READERS), openByNumber);
  router.get('/staff/tickets/:number', access.requireStaff(TICKET_READERS), ticketPage);
  return router;

  /** The staff home's form: to the ticket's page, with the reason if one was typed. */
  function openByNumber(req: Request, res: Response) {
    const number = ticketNumberOf(req.query.number);
    const reason = reasonOf(req.query.reason === '' ? undefined : req.query.reason);
    res.redirect(303, `/staff/tickets/${number}${reason ? `?reason=${encodeURIComponent(reason)}` : ''}`);
  }

  async function ticketPage(req: Request, res: Response) {
    const viewer = viewerOf(req);
    const reason = req.query.reason === '' ? undefined : req.query.reason;
    const read = await readTicketAsStaff(deps, req.staffUser!, req.params.number, reason);
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
