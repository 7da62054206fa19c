/**
 * Recording staff reads of personal data, and reading the record (docs/access-log.md). Every
 * surface that shows staff a ticket's personal data — the REST API, the staff pages, an export,
 * the command line — calls recordTicketRead (or exportPerson, services/privacy/export.ts) before
 * it answers; when the entry cannot be written the read fails (503): an unlogged read must not
 * happen. A requester reading their own tickets is not a staff read and is not recorded.
 */
import { AccessKind, REASON_MAX, type AccessChannel, type AccessEntry, type AccessLogRepo, type ViewerRole } from '../../db/access-log-repo.ts';
import { TICKET_NUMBER_PATTERN, type TicketsRepo } from '../../db/tickets-repo.ts';
import type { Role } from '../../db/users-repo.ts';
import { ServiceError, UnavailableError, ValidationError } from '../errors.ts';
import { validate } from '../validation.ts';
import type { Vault } from '../../db/vault.ts';

export { AccessKind, AccessChannel, REASON_MAX } from '../../db/access-log-repo.ts';

/** Who reads: a staff member (`user:<id>` and their role) or an operator at the command line (`cli:<os user>`). */
export interface StaffViewer {
  label: string;
  userId: number | null;
  role: ViewerRole;
}

/** The viewer an entry names for this signed-in user; undefined for a requester (their own reads are not logged). */
export function staffViewer(user: { id: number; role: Role }): StaffViewer | undefined {
  return user.role === 'requester' ? undefined : { label: `user:${user.id}`, userId: user.id, role: user.role };
}

/** The viewer an entry names for a command line operator (`actor` as db/audit-repo.ts cliActor() gives it). */
export function operatorViewer(actor: string): StaffViewer {
  return { label: actor, userId: null, role: 'operator' };
}

const EMAIL_IN_TEXT = /[^\s@]+@[^\s@]+\.[^\s@]+/;

/**
 * A reason as staff typed it, checked: trimmed, at most 500 characters, one line, and no e-mail
 * address (a reason is kept for good and must not hold personal data). Empty: no reason.
 */
export function accessReason(raw: string | null | undefined): string | null {
  const reason = (raw ?? '').trim();
  if (reason === '') return null;
  if ([...reason].length > REASON_MAX) throw new ServiceError(400, 'BAD_ACCESS_REASON', 'privacy:errors.reasonTooLong', { max: REASON_MAX });
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(reason)) throw new ServiceError(400, 'BAD_ACCESS_REASON', 'privacy:errors.reasonOneLine');
  if (EMAIL_IN_TEXT.test(reason)) throw new ServiceError(400, 'BAD_ACCESS_REASON', 'privacy:errors.reasonPersonalData');
  return reason;
}

/**
 * A reason from the X-Access-Reason header: percent-encoded UTF-8 (as encodeURIComponent makes it;
 * plain ASCII passes as it is), or raw UTF-8 bytes.
 */
export function accessReasonHeader(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  let text: string;
  try {
    text = /%[0-9A-Fa-f]{2}/.test(raw) ? decodeURIComponent(raw) : new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(raw, 'latin1'));
  } catch {
    throw new ServiceError(400, 'BAD_ACCESS_REASON', 'privacy:errors.reasonEncoding');
  }
  return accessReason(text);
}

export interface ReadOptions {
  channel: AccessChannel;
  reason: string | null;
  /** @default ticket.read */
  what?: AccessKind;
}

/**
 * Records that a staff member reads this ticket's personal data; nothing for a requester
 * (viewer undefined). Throws UnavailableError (503) when the entry cannot be written.
 */
export async function recordTicketRead(
  deps: { accessLog: Pick<AccessLogRepo, 'record'> },
  viewer: StaffViewer | undefined,
  ticket: { number: string; requester?: string | undefined },
  opts: ReadOptions,
): Promise<void> {
  if (!viewer) return;
  await deps.accessLog.record({
    viewer: viewer.label, viewerUserId: viewer.userId, viewerRole: viewer.role,
    ticketNumber: ticket.number, person: ticket.requester ?? null,
    what: opts.what ?? AccessKind.ticketRead, channel: opts.channel, reason: opts.reason,
  }).catch((err: unknown) => {
    throw new UnavailableError(err);
  });
}

/** A ticket listed to the same staff member again within this window is not recorded again. */
export const LISTED_WINDOW_MS = 15 * 60_000;

/**
 * Records that a staff member sees these tickets' rows in a list (their titles and requesters):
 * `ticket.listed` naming each ticket's requester, once per ticket and staff member in LISTED_WINDOW_MS. Nothing for a requester
 * (viewer undefined: their own tickets). Throws UnavailableError (503) when it cannot be written:
 * the list is then not shown.
 */
export async function recordTicketsListed(
  deps: { accessLog: Pick<AccessLogRepo, 'recordListed'> },
  viewer: StaffViewer | undefined,
  numbers: readonly string[],
  opts: { channel: AccessChannel },
): Promise<void> {
  if (!viewer || numbers.length === 0) return;
  const valid = [...new Set(numbers)].filter((n) => TICKET_NUMBER_PATTERN.test(n));
  await deps.accessLog.recordListed({ viewer: viewer.label, viewerUserId: viewer.userId, viewerRole: viewer.role, channel: opts.channel }, valid, LISTED_WINDOW_MS).catch((err: unknown) => {
    throw new UnavailableError(err);
  });
}

/**
 * Records that a staff member had Temporal payloads decoded with the service key (the codec
 * endpoint): the request does not say which workflow they belong to, so the entry names no
 * ticket and no person, only the namespace named and how many payloads. Throws UnavailableError
 * (503) when the entry cannot be written: the payloads are then not decoded.
 */
export async function recordDecode(
  deps: { accessLog: Pick<AccessLogRepo, 'record'> },
  viewer: StaffViewer,
  decode: { channel: AccessChannel; namespace: string | null; payloads: number },
): Promise<void> {
  await deps.accessLog.record({
    viewer: viewer.label, viewerUserId: viewer.userId, viewerRole: viewer.role, ticketNumber: null, person: null,
    what: AccessKind.temporalDecode, channel: decode.channel, reason: null, decode: { namespace: decode.namespace, payloads: decode.payloads },
  }).catch((err: unknown) => {
    throw new UnavailableError(err);
  });
}

/** An address, as the API and the command line take it. */
export const personAddress = { type: 'string', format: 'email', maxLength: 254 } as const;
const personQuery = { type: 'object', properties: { person: personAddress } } as const;
/** A pseudonym (persons.id) as the access log names people: a UUID. */
export const PSEUDONYM_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The most tickets of one person a query or an export reads. */
export const PERSON_TICKETS_MAX = 10_000;

export interface AccessLogQueryInput {
  ticket?: string | undefined;
  /** The person's address. */
  person?: string | undefined;
  /** The person's pseudonym: the entries naming it (an erased person is found by it alone). */
  pseudonym?: string | undefined;
  /** @default 100, at most 1000 */
  limit?: number | undefined;
}

export type AccessLogDeps = { accessLog: Pick<AccessLogRepo, 'query'>; vault: Pick<Vault, 'knownRef'>; tickets: Pick<TicketsRepo, 'list'> };

/**
 * The entries about a ticket and/or a person, newest first. A person is found by their pseudonym
 * and by the tickets reported for their address (tickets reported before sealing carry no
 * pseudonym); after an erasure the address leads to no one, and `pseudonym` (the one the erasure
 * reported) finds the entries naming it. Filters given together all apply. A bad ticket number
 * is 400, a bad address, pseudonym or limit 422, an address nobody here has 404.
 */
export async function queryAccessLog(deps: AccessLogDeps, q: AccessLogQueryInput): Promise<AccessEntry[]> {
  if (q.ticket !== undefined && !TICKET_NUMBER_PATTERN.test(q.ticket)) throw new ServiceError(400, 'BAD_TICKET_NUMBER', 'errors.badTicketNumber', { number: q.ticket.slice(0, 40) });
  const limit = q.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new ValidationError([{ field: 'limit', key: 'invalid' }]);
  if (q.pseudonym !== undefined && !PSEUDONYM_PATTERN.test(q.pseudonym.trim())) throw new ServiceError(422, 'BAD_PSEUDONYM', 'privacy:errors.badPseudonym');
  if (q.person !== undefined) validate(personQuery, { person: q.person });
  const person = q.person !== undefined ? await personOf(deps, q.person) : undefined;
  return deps.accessLog.query({
    ...(q.ticket ? { ticket: q.ticket } : {}), ...(person ? { person } : {}), ...(q.pseudonym !== undefined ? { pseudonym: q.pseudonym.trim().toLowerCase() } : {}), limit,
  });
}

/** A person's pseudonym and ticket numbers; NotFound (404) when the address is unknown here. */
export async function personOf(deps: Omit<AccessLogDeps, 'accessLog'>, email: string): Promise<{ ref: string | null; tickets: string[] }> {
  const address = email.trim().toLowerCase();
  const ref = (await deps.vault.knownRef(address)) ?? null;
  const tickets = (await deps.tickets.list({ requesterEmail: address, limit: PERSON_TICKETS_MAX })).map((t) => t.number);
  if (!ref && tickets.length === 0) throw new ServiceError(404, 'UNKNOWN_PERSON', 'privacy:errors.unknownPerson');
  return { ref, tickets };
}
