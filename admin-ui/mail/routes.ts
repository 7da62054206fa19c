/**
 * The local mailbox's pages (/admin/mail, docs/mail-sink.md), for admins only: the messages the
 * local mail sink (runtime/mail-sink.ts) kept, newest first, 50 a page; one message with the
 * headers that matter, its plain text, its HTML in a sandboxed frame and its attachments' facts;
 * the raw .eml as a download. A message whose subject names a ticket (`[HD-2026-000042] …`) is a
 * read of that ticket's personal data: recorded in the access log (ticket.read, channel web)
 * before anything of it is shown or downloaded, a 503 when the entry cannot be written; the list
 * records its tickets as listed (ticket.listed), as the agents' queues do. Above the mailbox, and
 * also without one (HELPDESK_SMTP_URL set: production), the messages that could not be delivered
 * (admin-ui/mail/failures.ts): ticket numbers, kinds, roles and the server's reasons, no person's
 * data, so nothing is recorded for them. Without a mailbox the page says where mail goes instead.
 */
import { Router, type Request, type Response } from 'express';
import { HttpError, NotFoundError, UnavailableError } from '../../api/errors.ts';
import { folderPages } from '../../api/staff/pages.ts';
import type { StaffDeps } from '../../api/staff/types.ts';
import type { TicketRecord } from '../../db/tickets-repo.ts';
import type { Mailbox } from '../../services/notifications/mailbox.ts';
import { isMailId } from '../../services/notifications/mailbox.ts';
import { recordTicketRead, recordTicketsListed, staffViewer } from '../../services/privacy/access-log.ts';
import type { AdminGuards } from '../types.ts';
import { FAILURES_SHOWN, shownFailures } from './failures.ts';
import { mailWords, shownEntry, shownMessage, ticketNumbersIn, type MailWords } from './view.ts';

/** Who may read the local mailbox: every message names its recipients. */
export const MAIL_READERS = ['admin'] as const;

/** Messages on one page of the list. */
export const PAGE_SIZE = 50;

const pages = folderPages({ views: new URL('./views/', import.meta.url), prefix: 'admin-mail', helpers: { am: 'admin-mail', at: 'admin' } });

/** A fault of the folder (unreadable, a disk gone) is none of the viewer's: 503, nothing shown. */
const unavailable = (err: unknown): never => {
  throw new UnavailableError(err);
};

export function mailRoutes(deps: StaffDeps, { access }: AdminGuards): Router {
  const router = Router();
  const readers = access.requireStaff(MAIL_READERS);
  // The admin home links here for admins only (admin-ui/views/home.hbs reads `mailLink`).
  router.use('/admin', (req, res, next) => {
    res.locals.mailLink = req.staffUser?.role === 'admin';
    next();
  });
  router.get('/admin/mail', readers, list);
  router.get('/admin/mail/:id', readers, show);
  router.get('/admin/mail/:id/raw', readers, raw);
  return router;

  function noMailbox(req: Request, res: Response, status: number) {
    const w = mailWords(deps, req);
    pages.render(deps, req, res, 'none', { title: w.t('title') }, status);
  }

  /** The failed deliveries' section (one more than shown: whether older ones were left off); none without the deliveries' repository. */
  async function failures(w: MailWords) {
    if (!deps.deliveries) return undefined;
    return shownFailures(w, await deps.deliveries.failures({ limit: FAILURES_SHOWN + 1 }).catch(unavailable));
  }

  async function list(req: Request, res: Response) {
    const { mailbox } = deps;
    const w = mailWords(deps, req);
    if (!mailbox) return pages.render(deps, req, res, 'list', { title: w.t('title'), mailbox: false, failures: await failures(w) });
    const before = req.query.before;
    if (before !== undefined && !isMailId(before)) throw new HttpError(400, 'BAD_QUERY', 'admin-mail:errors.badPage');
    // On the first page only (older pages go on with the mailbox's messages); read before anything is recorded as listed.
    const failed = before === undefined ? await failures(w) : undefined;
    // One more than a page: whether there are older ones.
    const found = await mailbox.list({ limit: PAGE_SIZE + 1, before }).catch(unavailable);
    const entries = found.entries.slice(0, PAGE_SIZE);
    // The subjects name tickets and the rows their requesters: listed, as a queue lists them.
    const numbers = entries.flatMap((e) => ticketNumbersIn(e.subject));
    await recordTicketsListed(deps.personalData, staffViewer(req.staffUser!), numbers, { channel: 'web' });
    const older = found.entries.length > PAGE_SIZE ? `/admin/mail?before=${entries.at(-1)!.id}` : undefined;
    pages.render(deps, req, res, 'list', {
      title: w.t('title'),
      mailbox: true,
      failures: failed,
      rows: entries.map((e) => shownEntry(w, e)),
      total: found.total,
      paged: before !== undefined,
      older,
      pager: before !== undefined || older !== undefined,
    });
  }

  /** The message `:id`, after its tickets' reads are on record; a 404 with a sentence when there is none. */
  async function readable(req: Request, mailbox: Mailbox) {
    const id = String(req.params.id ?? '');
    const message = isMailId(id) ? await mailbox.read(id).catch(unavailable) : undefined;
    if (!message) throw new NotFoundError('admin-mail:errors.noMessage');
    const tickets: TicketRecord[] = [];
    for (const number of ticketNumbersIn(message.subject)) {
      const ticket = await deps.tickets.get(number).catch(unavailable);
      if (ticket) tickets.push(ticket);
    }
    // Last before the answer: an entry that cannot be written leaves the message unshown (503).
    for (const ticket of tickets) await recordTicketRead(deps.personalData, staffViewer(req.staffUser!), ticket, { channel: 'web', reason: null });
    return { message, tickets };
  }

  async function show(req: Request, res: Response) {
    const { mailbox } = deps;
    if (!mailbox) return noMailbox(req, res, 404);
    const { message, tickets } = await readable(req, mailbox);
    const w = mailWords(deps, req);
    const shown = shownMessage(w, message);
    // The message's HTML keeps its inline styles (the frame's document inherits this page's
    // policy); scripts stay refused by the policy and by the frame's sandbox, remote images by img-src.
    const policy = res.get('Content-Security-Policy');
    if (policy) res.set('Content-Security-Policy', policy.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"));
    pages.render(deps, req, res, 'message', {
      title: w.t('message.title', { subject: shown.subject }),
      message: shown,
      tickets: tickets.map((t) => ({ number: t.number, href: `/agent/tickets/${t.number}` })),
    });
  }

  async function raw(req: Request, res: Response) {
    const { mailbox } = deps;
    if (!mailbox) throw new NotFoundError('admin-mail:errors.noMailbox');
    const { message } = await readable(req, mailbox);
    const bytes = await mailbox.raw(message.id).catch(unavailable);
    if (!bytes) throw new NotFoundError('admin-mail:errors.noMessage');
    res.set({ 'Content-Type': 'message/rfc822', 'Content-Disposition': `attachment; filename="${message.id}.eml"`, 'X-Content-Type-Options': 'nosniff' });
    res.send(bytes);
  }
}
