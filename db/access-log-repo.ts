/**
 * The access log (migration 0014): who of the staff read which ticket's personal data, when,
 * through which channel and why. Append-only: there is deliberately no update or delete here
 * (and a trigger refuses both). Entries hold no personal data — pseudonyms, staff ids and ticket
 * numbers only — so they are kept when a person is erased. Plain records only.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import { AccountContext, openColumn } from './account-sealing.ts';
import { createAuditRepo, type AuditEntryInput } from './audit-repo.ts';
import type { Vault } from './vault.ts';

/** What was read. */
export const AccessKind = {
  /** A ticket's page or API answer (the whole ticket, with its people and words). */
  ticketRead: 'ticket.read',
  /** A ticket as part of a person's export. */
  ticketExport: 'ticket.export',
  /** Everything held about a person (their account, tickets and access-log entries). */
  personExport: 'person.export',
  /** A ticket's row in a list (its title and requester): a queue, a team page, `GET /api/v1/tickets`, likely duplicates, the requester card's other tickets. */
  ticketListed: 'ticket.listed',
  /** Temporal payloads decoded with the service key (the codec endpoint, api/codec/): no ticket or person is named, the request does not say. */
  temporalDecode: 'temporal.decode',
} as const;
export type AccessKind = (typeof AccessKind)[keyof typeof AccessKind];

/** Through what it was read. */
export const AccessChannel = { api: 'api', web: 'web', cli: 'cli' } as const;
export type AccessChannel = (typeof AccessChannel)[keyof typeof AccessChannel];

/** The roles an entry names: staff roles, and `operator` for someone running the command line. */
export type ViewerRole = 'agent' | 'process_owner' | 'admin' | 'auditor' | 'operator';

export interface AccessEntryInput {
  /** `user:<id>` for a staff member, `cli:<os user>` for a command (as the audit log's actor). */
  viewer: string;
  /** The staff member's user id; null for a command. */
  viewerUserId: number | null;
  viewerRole: ViewerRole;
  ticketNumber: string | null;
  /** The ticket's requester (or the exported person) by pseudonym; null for tickets reported before sealing. */
  person: string | null;
  what: AccessKind;
  channel: AccessChannel;
  /** Why, as typed by staff (at most 500 characters, no personal data); null when none was given. */
  reason: string | null;
  /** For `temporal.decode`: the namespace the caller named (null when none), and how many payloads it sent. */
  decode?: { namespace: string | null; payloads: number };
}

export interface AccessEntry extends Omit<AccessEntryInput, 'decode'> {
  id: number;
  /** For `temporal.decode` entries: the namespace named and the number of payloads; null for every other entry. */
  decode: { namespace: string | null; payloads: number } | null;
  occurredAt: string;
  /** The staff member's address (their work account), for admins and auditors; null for a command or a removed user. */
  viewerEmail: string | null;
}

/** Which entries: about one ticket, and/or about a person (their pseudonym, and the tickets they reported), and/or naming one pseudonym. */
export interface AccessQuery {
  ticket?: string;
  person?: { ref: string | null; tickets: string[] };
  /** Only entries whose `person` is this pseudonym (what is left to find a person by once they are erased). */
  pseudonym?: string;
  /** Newest first, at most this many. @default 100 */
  limit?: number;
}

export const REASON_MAX = 500;

interface Row {
  id: string; occurred_at: Date; viewer: string; viewer_user_id: string | null; viewer_role: ViewerRole; viewer_email: string | null; viewer_email_sealed: string | null;
  ticket_number: string | null; person: string | null; what: AccessKind; channel: AccessChannel; reason: string | null;
  namespace: string | null; payload_count: number | null;
}

const toEntry = (r: Row, viewerEmail: string | null): AccessEntry => ({
  id: Number(r.id), occurredAt: r.occurred_at.toISOString(), viewer: r.viewer, viewerUserId: r.viewer_user_id === null ? null : Number(r.viewer_user_id),
  viewerRole: r.viewer_role, viewerEmail, ticketNumber: r.ticket_number, person: r.person, what: r.what, channel: r.channel, reason: r.reason,
  decode: r.payload_count === null ? null : { namespace: r.namespace, payloads: r.payload_count },
});

export function createAccessLogRepo(sequelize: Sequelize, vault: Vault) {
  const audit = createAuditRepo(sequelize);

  async function insert(entries: AccessEntryInput[], transaction?: Transaction): Promise<void> {
    for (const e of entries) {
      await sequelize.query(
        `INSERT INTO access_log (viewer, viewer_user_id, viewer_role, ticket_number, person, what, channel, reason, namespace, payload_count)
         VALUES (:viewer, :viewerUserId, :viewerRole, :ticketNumber, CAST(:person AS uuid), :what, :channel, :reason, :namespace, :payloadCount)`,
        {
          replacements: {
            viewer: e.viewer, viewerUserId: e.viewerUserId, viewerRole: e.viewerRole, ticketNumber: e.ticketNumber, person: e.person,
            what: e.what, channel: e.channel, reason: e.reason, namespace: e.decode?.namespace ?? null, payloadCount: e.decode?.payloads ?? null,
          },
          ...(transaction ? { transaction } : {}),
        },
      );
    }
  }

  return {
    /** Records one read. Throws when it cannot be written: the read must then not be answered. */
    async record(entry: AccessEntryInput): Promise<void> {
      await insert([entry]);
    },

    /**
     * Records that `viewer` had these tickets listed, one `ticket.listed` entry per ticket naming
     * its requester's pseudonym as the read model has it, except a ticket listed to the same viewer
     * within the last `withinMs` (already on record). One statement for the whole page. Throws
     * when it cannot be written.
     */
    async recordListed(viewer: Pick<AccessEntryInput, 'viewer' | 'viewerUserId' | 'viewerRole' | 'channel'>, numbers: string[], withinMs: number): Promise<void> {
      if (numbers.length === 0) return;
      await sequelize.query(
        `INSERT INTO access_log (viewer, viewer_user_id, viewer_role, ticket_number, person, what, channel)
         SELECT :viewer, :viewerUserId, :viewerRole, t.number, t.requester_ref, 'ticket.listed', :channel
           FROM tickets t
          WHERE t.number = ANY(CAST(:numbers AS text[]))
            AND NOT EXISTS (SELECT 1 FROM access_log a
                             WHERE a.what = 'ticket.listed' AND a.viewer = :viewer AND a.ticket_number = t.number
                               AND a.occurred_at > now() - make_interval(secs => :withinS))`,
        {
          replacements: {
            viewer: viewer.viewer, viewerUserId: viewer.viewerUserId, viewerRole: viewer.viewerRole, channel: viewer.channel,
            // A text[] literal; ticket numbers are [A-Z0-9-] only, so none needs quoting.
            numbers: `{${numbers.join(',')}}`, withinS: withinMs / 1000,
          },
        },
      );
    },

    /**
     * Records an export: its access-log entries and its audit-log entry (`privacy.exported`), in
     * one transaction, so both are kept or neither.
     */
    async recordExport(entries: AccessEntryInput[], auditEntry: AuditEntryInput): Promise<void> {
      await sequelize.transaction(async (transaction) => {
        await insert(entries, transaction);
        await audit.append(auditEntry, transaction);
      });
    },

    /** Entries, newest first; with no filter, the newest of all. */
    async query(q: AccessQuery = {}): Promise<AccessEntry[]> {
      const person = q.person;
      const rows = await sequelize.query<Row>(
        `SELECT a.id::text AS id, a.occurred_at, a.viewer, a.viewer_user_id::text AS viewer_user_id, a.viewer_role, u.email AS viewer_email, u.email_sealed AS viewer_email_sealed,
                a.ticket_number, a.person::text AS person, a.what, a.channel, a.reason, a.namespace, a.payload_count
           FROM access_log a LEFT JOIN users u ON u.id = a.viewer_user_id
          WHERE (:ticket::text IS NULL OR a.ticket_number = :ticket)
            AND (NOT :byPerson OR a.person = CAST(:ref AS uuid) OR a.ticket_number = ANY(CAST(:tickets AS text[])))
            AND (CAST(:pseudonym AS uuid) IS NULL OR a.person = CAST(:pseudonym AS uuid))
          ORDER BY a.id DESC LIMIT :limit`,
        {
          replacements: {
            ticket: q.ticket ?? null, byPerson: person !== undefined, ref: person?.ref ?? null, pseudonym: q.pseudonym ?? null,
            // A text[] literal; ticket numbers are [A-Z0-9-] only, so none needs quoting.
            tickets: `{${(person?.tickets ?? []).join(',')}}`, limit: q.limit ?? 100,
          },
          type: QueryTypes.SELECT,
        },
      );
      // The staff member's address is sealed in their account (db/account-sealing.ts); null once they are erased.
      return Promise.all(rows.map(async (r) => toEntry(r, await openColumn(vault, r.viewer_email_sealed, r.viewer_email, 'email', AccountContext.user))));
    },
  };
}

export type AccessLogRepo = ReturnType<typeof createAccessLogRepo>;
