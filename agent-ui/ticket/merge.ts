/**
 * Merging from the ticket page: the form's target and reason checked (422 naming the field), then
 * A's mergeTicket (services/tickets/merge.ts: the refusals — into itself, into a merged or finished
 * ticket, a source no longer open — are its 409s, an unknown target its 404, shown beside the form).
 * For a target, the tickets merged into it (its `merge_received` timeline events; the newest
 * MERGED_SHOWN in full, the rest by number) are read — each read recorded in the access log, as
 * the page's own — so the page links their conversation and attachments rather than copying them.
 */
import type { FormBody } from '../../api/portal/forms.ts';
import type { StaffDeps } from '../../api/staff/types.ts';
import type { TicketRecord } from '../../db/tickets-repo.ts';
import type { UserRecord } from '../../db/users-repo.ts';
import { ticketNumberOf } from '../../api/agent/read-ticket.ts';
import { HttpError, NotFoundError, UnavailableError, ValidationError, type FieldProblem } from '../../api/errors.ts';
import { listAttachments } from '../../api/portal/use-cases/portal-data.ts';
import { recordTicketRead, staffViewer } from '../../services/privacy/access-log.ts';
import { mergedSources, mergeTicket } from '../../services/tickets/merge.ts';
import type { OpenedAttachmentMeta } from '../../api/portal/use-cases/portal-data.ts';

/** A ticket merged into this one: its conversation and attachments, read from it (linked, not copied). */
export interface MergedSource {
  ticket: TicketRecord;
  attachments: OpenedAttachmentMeta[];
}

/** The form's fields: a ticket number (as staff type it) and a reason. */
function mergeFields(body: FormBody): { into: string; reason: string } {
  const problems: FieldProblem[] = [];
  let into = '';
  try {
    into = ticketNumberOf(body.into);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    problems.push({ field: 'into', key: body.into === undefined || String(body.into).trim() === '' ? 'required' : 'invalid' });
  }
  const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
  if (reason === '') problems.push({ field: 'reason', key: 'required' });
  else if (reason.length > 2000) problems.push({ field: 'reason', key: 'tooLong', params: { max: 2000 } });
  if (problems.length) throw new ValidationError(problems);
  return { into, reason };
}

/** Merges the page's ticket into the one the form names; the notice's words. */
export async function mergeForm(deps: StaffDeps, me: UserRecord, source: string, body: FormBody): Promise<{ key: string; params: Record<string, string> }> {
  const { into, reason } = mergeFields(body);
  try {
    await mergeTicket(deps, source, into, { actor: me.email, reason });
  } catch (err) {
    // An unknown target is the form's problem, not the page's: said beside the field (the page itself exists).
    if (err instanceof NotFoundError) throw new ValidationError([{ field: 'into', key: 'unknownTicket', params: { number: into } }]);
    throw err;
  }
  return { key: 'notice.merge', params: { number: source, into } };
}

/**
 * How many merged tickets a target's page reads and shows in full (the newest merges): each is a
 * read and an access-log entry, so a ticket that collected hundreds of duplicates stays quick to
 * open; the others are listed by number (mergedBeyond) and open on their own pages.
 */
export const MERGED_SHOWN = 20;

/** The tickets merged into this one that the page lists by number only (older than the MERGED_SHOWN newest). */
export function mergedBeyond(ticket: TicketRecord): string[] {
  return mergedSources(ticket).slice(0, -MERGED_SHOWN);
}

/**
 * The tickets merged into this one (the MERGED_SHOWN newest), each read (and recorded) for the
 * page; without their attachments for the live part (`attachments: false`), which shows their
 * messages and timelines only.
 */
export async function mergedOf(deps: StaffDeps, me: UserRecord, ticket: TicketRecord, opts: { attachments?: boolean } = {}): Promise<MergedSource[]> {
  const numbers = mergedSources(ticket).slice(-MERGED_SHOWN);
  const out: MergedSource[] = [];
  for (const number of numbers) {
    const [source, attachments] = await Promise.all([deps.tickets.get(number), opts.attachments === false ? [] : listAttachments(deps, number)]).catch((err: unknown) => {
      throw new UnavailableError(err);
    });
    if (!source) continue;
    await recordTicketRead(deps.personalData, staffViewer(me), source, { channel: 'web', reason: null });
    out.push({ ticket: source, attachments });
  }
  return out;
}
