/**
 * A staff member reads a ticket: check the number → load the ticket (opened: plain words, or
 * ERASED where a person was erased) with its attachments' names and its live SLA clocks → record
 * the read in the access log (who, what, when; channel `web`) → hand it to the page. Nothing is
 * shown that was not recorded: when the entry cannot be written, the read fails with 503
 * (services/privacy/access-log.ts). A bad number records nothing.
 *
 * A reason is given by a form the staff member sends themselves (POST with the CSRF token,
 * api/agent/index.ts), never by a link: recordReadWithReason checks it, records the read with it
 * and the page then shows the ticket as already recorded. A bad reason records nothing.
 */
import type { AccessLogRepo } from '../../db/access-log-repo.ts';
import type { PortalRepo } from '../../db/portal-repo.ts';
import { TICKET_NUMBER_PATTERN, type TicketRecord, type TicketsRepo } from '../../db/tickets-repo.ts';
import type { UserRecord } from '../../db/users-repo.ts';
import type { Vault } from '../../db/vault.ts';
import { accessReason, recordTicketRead, staffViewer } from '../../services/privacy/access-log.ts';
import { ticketSla, type SlaView, type TicketDeps } from '../../services/tickets/index.ts';
import { HttpError, NotFoundError, UnavailableError } from '../errors.ts';
import { listAttachments, type OpenedAttachmentMeta } from '../portal/use-cases/portal-data.ts';

export interface ReadTicketDeps extends Pick<TicketDeps, 'temporal' | 'clock'> {
  tickets: Pick<TicketsRepo, 'get'>;
  portal: PortalRepo;
  vault: Vault;
  personalData: { accessLog: Pick<AccessLogRepo, 'record'> };
  log?: ((line: string) => void) | undefined;
}

export interface StaffRead {
  ticket: TicketRecord;
  /** The live clocks; undefined when the ticket's workflow did not answer in time. */
  sla: SlaView | undefined;
  attachments: OpenedAttachmentMeta[];
  reason: string | null;
}

/** How long the page waits for the workflow's clocks before it shows the read model's SLA alone. */
export const CLOCKS_WAIT_MS = 3_000;

/**
 * A ticket number as staff type it: trimmed, upper-cased; 400 with a sentence when it is not one
 * (`keys`: the sentences' message keys, the staff pages' unless a surface has its own).
 */
export function ticketNumberOf(raw: unknown, keys: { missing: string; malformed: string } = { missing: 'staff:errors.ticketNumberMissing', malformed: 'staff:errors.ticketNumber' }): string {
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) throw new HttpError(400, 'TICKET_NUMBER_MISSING', keys.missing);
  const number = typeof raw === 'string' ? raw.trim().toUpperCase() : '';
  if (!TICKET_NUMBER_PATTERN.test(number)) throw new HttpError(400, 'BAD_TICKET_NUMBER', keys.malformed, { number: typeof raw === 'string' ? raw.trim().slice(0, 40) : '' });
  return number;
}

/** The reason typed in a form: one text at most, checked as the access log requires. */
export function reasonOf(raw: unknown): string | null {
  if (raw === undefined) return null;
  if (typeof raw !== 'string') throw new HttpError(400, 'BAD_QUERY', 'privacy:errors.badQuery', { name: 'reason' });
  return accessReason(raw);
}

async function liveClocks(deps: ReadTicketDeps, number: string): Promise<SlaView | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), CLOCKS_WAIT_MS);
  });
  try {
    return await Promise.race([ticketSla(deps, number), late]);
  } catch (err) {
    // The read model's SLA is still shown; the line names the fault, not the ticket's contents.
    deps.log?.(`[staff] the SLA clocks of ${number} could not be read: ${err instanceof Error ? err.name : 'error'}`);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

async function ticketOf(deps: Pick<ReadTicketDeps, 'tickets'>, number: string): Promise<TicketRecord> {
  const ticket = await deps.tickets.get(number).catch((err: unknown) => {
    throw new UnavailableError(err);
  });
  if (!ticket) throw new NotFoundError('staff:errors.ticketNotFound', { number });
  return ticket;
}

/**
 * Records that the staff member reads this ticket, with the reason they typed (a form they sent):
 * the number and reason checked (400), the ticket found (404), the entry written (503 when it
 * cannot be). The page is shown next, by readTicketAsStaff with `recorded`.
 */
export async function recordReadWithReason(deps: Pick<ReadTicketDeps, 'tickets' | 'personalData'>, staff: UserRecord, rawNumber: unknown, rawReason: unknown): Promise<{ number: string; reason: string | null }> {
  const number = ticketNumberOf(rawNumber);
  const reason = reasonOf(rawReason === '' ? undefined : rawReason);
  const ticket = await ticketOf(deps, number);
  await recordTicketRead(deps.personalData, staffViewer(staff), ticket, { channel: 'web', reason });
  return { number, reason };
}

/**
 * The ticket for its page. Recorded here as a read without a reason — unless `recorded` says the
 * read was recorded just before (recordReadWithReason), with that reason.
 */
export async function readTicketAsStaff(deps: ReadTicketDeps, staff: UserRecord, rawNumber: unknown, opts: { recorded?: { reason: string | null } } = {}): Promise<StaffRead> {
  const number = ticketNumberOf(rawNumber);
  const [ticket, attachments] = await Promise.all([ticketOf(deps, number), listAttachments(deps, number)]).catch((err: unknown) => {
    throw err instanceof HttpError ? err : new UnavailableError(err);
  });
  const sla = await liveClocks(deps, number);
  // Last before the answer: an entry that cannot be written leaves the page unshown (503).
  if (!opts.recorded) await recordTicketRead(deps.personalData, staffViewer(staff), ticket, { channel: 'web', reason: null });
  return { ticket, sla, attachments, reason: opts.recorded?.reason ?? null };
}
