/**
 * A person's export (right of access and portability; docs/access-log.md): everything held about
 * them — their account, their tickets with the messages they wrote and the responses they got,
 * status, SLA promise, attachments' names and ratings, and the access-log entries about them — as
 * one JSON document.
 *
 * The adapter decides what of each ticket goes in (`shape`): the requester's own export from the
 * portal uses the requester's shape (api/access.ts publicTicket), so no internal note, rules
 * explanation or staff address reaches them through it; an admin's export (API or command line)
 * may use the whole record. Each export is recorded before it is given: an audit-log entry
 * `privacy.exported` (subject `person:<pseudonym>`, never the address) and, when staff export,
 * access-log entries (`person.export`, and `ticket.export` for each ticket), in one transaction.
 * The requester's own summary page is a preview (`record: false`): it shows them what the download
 * holds and records nothing; the download is the export. An address nobody here has answers 404
 * and records nothing.
 *
 * An export makes nothing: the person's pseudonym is the one they have (vault.knownRef), or null
 * for someone known only by an account or by tickets from before personal data was sealed. Such
 * an export is recorded under `user:<account id>` (or `person:unsealed`), and its access-log
 * entries are the tickets' (`ticket.export`): an entry about the person as a whole needs a pseudonym.
 */
import type { AccessEntry, AccessEntryInput, AccessLogRepo, ViewerRole } from '../../db/access-log-repo.ts';
import type { ExportedAccount, PersonExportRepo } from '../../db/person-export-repo.ts';
import type { PortalRepo, RatingRecord } from '../../db/portal-repo.ts';
import type { TicketRecord, TicketsRepo } from '../../db/tickets-repo.ts';
import { ServiceError, UnavailableError } from '../errors.ts';
import { validate } from '../validation.ts';
import { AccessKind, accessReason, PERSON_TICKETS_MAX, personAddress, REASON_MAX, type AccessChannel } from './access-log.ts';
import { ERASED } from './ticket-data.ts';
import type { Vault } from '../../db/vault.ts';

export const EXPORT_FORMAT = 'helpdesk.person-export/1';

/** `requester`: the person's own export (the public side of each ticket); `full`: an admin's (every event, internal notes too). */
export type ExportScope = 'requester' | 'full';

/** The body of an admin's export request (POST /api/v1/privacy/exports), as the OpenAPI document publishes it. */
export const personExportRequest = {
  type: 'object',
  additionalProperties: false,
  required: ['email'],
  properties: {
    email: { ...personAddress, description: 'The address of the person to export.' },
    reason: { type: 'string', maxLength: REASON_MAX, description: 'Why (kept in the access log): at most 500 characters, one line, no personal data.' },
  },
} as const;

export interface ExportAttachment {
  filename: string;
  contentType: string;
  sizeBytes: number;
  createdAt: string;
}

export type ExportedTicket<T> = T & { attachments: ExportAttachment[]; rating: RatingRecord | null };

/** An access-log entry as an export shows it: the staff member by id and role; their address only in an admin's export. */
export type ExportAccessEntry = Omit<AccessEntry, 'viewerEmail' | 'viewerUserId' | 'person' | 'decode'> & { viewerEmail?: string | null };

export interface PersonExport<T> {
  format: typeof EXPORT_FORMAT;
  generatedAt: string;
  scope: ExportScope;
  /** `pseudonym` is null for someone who has none (an account or tickets from before sealing only). */
  person: { pseudonym: string | null; address: string; account: Omit<ExportedAccount, 'id'> | null };
  tickets: Array<ExportedTicket<T>>;
  accessLog: ExportAccessEntry[];
}

/** The repositories behind the access log and exports, as runtime/compose.ts hands them to the adapters. */
export interface PersonalDataRepos {
  accessLog: AccessLogRepo;
  people: Pick<PersonExportRepo, 'account'>;
  /** Attachments' names and ratings. */
  portal: Pick<PortalRepo, 'attachments' | 'rating'>;
}

export interface ExportDeps {
  tickets: Pick<TicketsRepo, 'list' | 'get'>;
  vault: Pick<Vault, 'knownRef' | 'open'>;
  accessLog: Pick<AccessLogRepo, 'recordExport' | 'query'>;
  people: Pick<PersonExportRepo, 'account'>;
  portal: Pick<PortalRepo, 'attachments' | 'rating'>;
  /** Now, in epoch milliseconds. @default Date.now */
  clock?: () => number;
}

export interface ExportRequest<T> {
  email: string;
  scope: ExportScope;
  /** What of each ticket goes in (the adapter's decision: api/access.ts). */
  shape: (record: TicketRecord) => T;
  /** Who asks: `user:<id>` with their role (a requester for themselves), or `cli:<os user>` as operator. */
  by: { label: string; userId: number | null; role: ViewerRole | 'requester' };
  channel: AccessChannel;
  /** What the export is given as (recorded in the audit log). @default json */
  format?: 'json' | 'html';
  reason?: string | null | undefined;
  /** Only the tickets this account reported itself: an account whose address is not proven (see canSee in api/portal/use-cases/follow.ts). */
  submittedBy?: number | undefined;
  /**
   * False for a requester's preview of their own data (the portal's summary page): nothing is
   * recorded; the download is the recorded export. Staff exports are always recorded. @default true
   */
  record?: boolean;
}

/** Everything held about the person with this address; 404 (UNKNOWN_PERSON) when there is no one, and nothing is recorded. */
export async function exportPerson<T>(deps: ExportDeps, req: ExportRequest<T>): Promise<PersonExport<T>> {
  validate(personExportRequest, { email: req.email, ...(req.reason ? { reason: req.reason } : {}) });
  // Every staff read of personal data is recorded: only a requester looking at their own data may preview it.
  if (req.record === false && req.by.role !== 'requester') throw new Error('a staff export is always recorded');
  const reason = accessReason(req.reason);
  const address = req.email.trim().toLowerCase();
  const generatedAt = new Date((deps.clock ?? Date.now)()).toISOString();

  const [known, account, snapshots] = await unavailableOnFault(() => Promise.all([
    deps.vault.knownRef(address),
    deps.people.account(address),
    deps.tickets.list({ requesterEmail: address, ...(req.submittedBy !== undefined ? { submittedBy: req.submittedBy } : {}), limit: PERSON_TICKETS_MAX }),
  ]));
  if (!known && !account && snapshots.length === 0) throw new ServiceError(404, 'UNKNOWN_PERSON', 'privacy:errors.unknownPerson');

  // Nothing is made: someone known by an account or old tickets only has no pseudonym, and the export says so.
  const pseudonym = known ?? null;
  const tickets = await unavailableOnFault(() => ticketsOf(deps, snapshots.map((s) => s.number)));

  if (req.record !== false) {
    await deps.accessLog.recordExport(accessEntries(req, pseudonym, reason, tickets), {
      actor: req.by.label, action: 'privacy.exported', subject: subjectOf(pseudonym, account),
      details: { scope: req.scope, channel: req.channel, format: req.format ?? 'json', tickets: tickets.length, ...(reason ? { reason } : {}) },
    }).catch((err: unknown) => {
      throw new UnavailableError(err);
    });
  }

  const numbers = new Set(tickets.map((t) => t.number));
  const entries = await unavailableOnFault(() => deps.accessLog.query({ person: { ref: pseudonym, tickets: [...numbers] }, limit: PERSON_TICKETS_MAX }));
  return {
    format: EXPORT_FORMAT,
    generatedAt,
    scope: req.scope,
    person: { pseudonym, address, account: account ? withoutId(account) : null },
    tickets: await unavailableOnFault(() => Promise.all(tickets.map((t) => exportedTicket(deps, t, req.shape)))),
    // An account whose address is not proven sees the entries about the tickets it reported only.
    accessLog: entries
      .filter((e) => (e.ticketNumber ? numbers.has(e.ticketNumber) : req.submittedBy === undefined))
      .map((e) => exportedEntry(e, req.scope)),
  };
}

/** Whom the audit entry names: the pseudonym; else the account by id; else (tickets from before sealing only) no one by name. */
function subjectOf(pseudonym: string | null, account: ExportedAccount | undefined): string {
  if (pseudonym) return `person:${pseudonym}`;
  return account ? `user:${account.id}` : 'person:unsealed';
}

function withoutId(account: ExportedAccount): Omit<ExportedAccount, 'id'> {
  const { id: _id, ...rest } = account;
  return rest;
}

/** The tickets, opened, oldest first; one at a time, so a large export does not take every connection. */
async function ticketsOf(deps: Pick<ExportDeps, 'tickets'>, numbers: string[]): Promise<TicketRecord[]> {
  const out: TicketRecord[] = [];
  for (const n of numbers.reverse()) {
    const r = await deps.tickets.get(n);
    if (r) out.push(r);
  }
  return out;
}

function accessEntries<T>(req: ExportRequest<T>, pseudonym: string | null, reason: string | null, tickets: TicketRecord[]): AccessEntryInput[] {
  const by = req.by;
  if (by.role === 'requester') return [];
  const base = { viewer: by.label, viewerUserId: by.userId, viewerRole: by.role, channel: req.channel, reason };
  return [
    // An entry names a ticket or a person: without a pseudonym the tickets' entries are the record (and the audit log's).
    ...(pseudonym ? [{ ...base, ticketNumber: null, person: pseudonym, what: AccessKind.personExport }] : []),
    ...tickets.map((t) => ({ ...base, ticketNumber: t.number, person: t.requester ?? null, what: AccessKind.ticketExport })),
  ];
}

async function exportedTicket<T>(deps: Pick<ExportDeps, 'portal' | 'vault'>, r: TicketRecord, shape: (r: TicketRecord) => T): Promise<ExportedTicket<T>> {
  const [attachments, rating] = await Promise.all([deps.portal.attachments(r.number), deps.portal.rating(r.number)]);
  return {
    ...shape(r),
    attachments: await Promise.all(attachments.map(async (a) => ({
      filename: (await deps.vault.open(a.filename, 'filename', r.number)) ?? ERASED,
      contentType: a.contentType, sizeBytes: a.sizeBytes, createdAt: a.createdAt,
    }))),
    // A rating comment is sealed like the rest (api/portal/use-cases/portal-data.ts); ERASED where its key is gone.
    rating: rating ? { ...rating, comment: rating.comment === null ? null : ((await deps.vault.open(rating.comment, 'comment', r.number)) ?? ERASED) } : null,
  };
}

function exportedEntry(e: AccessEntry, scope: ExportScope): ExportAccessEntry {
  const { viewerEmail, viewerUserId: _id, person: _person, decode: _decode, ...rest } = e;
  return scope === 'full' ? { ...rest, viewerEmail } : rest;
}

/** A fault reading the database is 503, nothing recorded; the errors a user causes pass as they are. */
async function unavailableOnFault<R>(fn: () => Promise<R>): Promise<R> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ServiceError) throw err;
    throw new UnavailableError(err);
  }
}
