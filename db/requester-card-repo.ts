/**
 * What the agents' requester card reads (services/agent/context.ts): the requester's account —
 * found by pseudonym (users.person_id), by the blind index of the address, or by the plain
 * address of an account from before sealing — and their other tickets, found by the tickets'
 * requester pseudonym (requester_ref) or, for tickets from before sealing, by the plain address
 * they carry. Plain rows only: names, addresses and titles come out as stored (sealed or plain);
 * the service opens them.
 */
import { QueryTypes, type Sequelize } from 'sequelize';

/** Who the requester is, as a ticket names them. */
export interface RequesterKey {
  /** The ticket's requester pseudonym (persons.id), null for a ticket from before sealing whose address has no person. */
  ref: string | null;
  /** The keyed blind index of the address, when the address is known. */
  bidx: string | null;
  /** The address in plain, lower-cased (tickets and accounts from before sealing hold it so). */
  email: string | null;
}

export interface AccountRow {
  email: string | null;
  display_name: string | null;
  email_sealed: string | null;
  display_name_sealed: string | null;
  locale: string;
  vip: boolean;
  service_level: string | null;
  organisation: string | null;
  department: string | null;
}

export interface TicketBriefRow {
  number: string;
  title: string;
  status: string;
  priority: string | null;
  created_at: Date;
  updated_at: Date;
}

/** Tickets of this requester: by pseudonym, or by plain address where a ticket from before sealing has no pseudonym. */
export const REQUESTER_MATCH = `(t.requester_ref = :ref::uuid OR (t.requester_ref IS NULL AND t.requester_email = :email::text))`;

export function createRequesterCardRepo(sequelize: Sequelize) {
  const brief = (open: boolean) => `
    SELECT t.number, t.title, t.status, t.priority, t.created_at, t.updated_at
      FROM tickets t
     WHERE t.number <> :number AND ${REQUESTER_MATCH} AND ${open ? '' : 'NOT '}(t.status IN (:open))
     ORDER BY t.created_at DESC, t.number DESC
     LIMIT :limit`;

  return {
    /** Whether the person with this pseudonym was erased (their keys destroyed); false for no such person. */
    async personErased(ref: string): Promise<boolean> {
      const rows = await sequelize.query<{ erased: boolean }>(
        `SELECT erased_at IS NOT NULL AS erased FROM persons WHERE id = :ref::uuid`,
        { replacements: { ref }, type: QueryTypes.SELECT },
      );
      return rows[0]?.erased === true;
    },

    /** The requester's account: by pseudonym first, then blind index, then a plain address from before sealing; undefined without one. */
    async account(key: RequesterKey): Promise<AccountRow | undefined> {
      if (!key.ref && !key.bidx && !key.email) return undefined;
      const rows = await sequelize.query<AccountRow>(
        `SELECT u.email, u.display_name, u.email_sealed, u.display_name_sealed, u.locale, u.vip, u.service_level, u.organisation, u.department
           FROM users u
          WHERE u.person_id = :ref::uuid OR u.email_bidx = :bidx::text OR (u.email_bidx IS NULL AND lower(u.email) = :email::text)
          ORDER BY (u.person_id = :ref::uuid) DESC NULLS LAST, (u.email_bidx = :bidx::text) DESC NULLS LAST, u.id
          LIMIT 1`,
        { replacements: { ref: key.ref, bidx: key.bidx, email: key.email }, type: QueryTypes.SELECT },
      );
      return rows[0];
    },

    /** The requester's other tickets, open (status in `openStatuses`) and past, newest first, up to `limit` each, `number` left out. */
    async otherTickets(number: string, key: RequesterKey, openStatuses: readonly string[], limit = 10): Promise<{ open: TicketBriefRow[]; past: TicketBriefRow[] }> {
      if (!key.ref && !key.email) return { open: [], past: [] };
      const replacements = { number, ref: key.ref, email: key.email, open: [...openStatuses], limit };
      const [open, past] = await Promise.all([true, false].map((o) => sequelize.query<TicketBriefRow>(brief(o), { replacements, type: QueryTypes.SELECT })));
      return { open: open!, past: past! };
    },
  };
}

export type RequesterCardRepo = ReturnType<typeof createRequesterCardRepo>;
