/**
 * Merging from the ticket page: the form's target and reason checked (422 naming the field), then
 * A's mergeTicket (services/tickets/merge.ts: the refusals — into itself, into a merged or finished
 * ticket, a source no longer open — are its 409s, an unknown target its 404, shown beside the form).
 * For a target, the tickets merged into it (mergedSources, the read model's merged_into) are read —
 * each read recorded in the access log, as the page's own — so the page links their conversation
 * and attachments rather than copying them.
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
import type { MergedSource } from './page.ts';

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

/** The tickets merged into this one, each read (and recorded) for the page. */
export async function mergedOf(deps: StaffDeps, me: UserRecord, ticket: TicketRecord): Promise<MergedSource[]> {
  const numbers = await mergedSources(deps, ticket.number).catch((err: unknown) => {
    throw new UnavailableError(err);
  });
  const out: MergedSource[] = [];
  for (const number of numbers) {
    const [source, attachments] = await Promise.all([deps.tickets.get(number), listAttachments(deps, number)]).catch((err: unknown) => {
      throw new UnavailableError(err);
    });
    if (!source) continue;
    await recordTicketRead(deps.personalData, staffViewer(me), source, { channel: 'web', reason: null });
    out.push({ ticket: source, attachments });
  }
  return out;
}
