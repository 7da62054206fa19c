/**
 * Users: requesters, agents (with a team and so a tier), process owners, auditors
 * and admins. Returns plain records; the password hash never leaves this module
 * except to the password check. The address and name are stored sealed (migration 0015).
 */
import type { Options as ArgonOptions } from '@node-rs/argon2';
import { QueryTypes, type Sequelize } from 'sequelize';
import { AccountContext, linkPerson, lockPersons, openColumn, sealIdentity, sealPlainUser, type SealedIdentity } from './account-sealing.ts';
import { createAuditRepo } from './audit-repo.ts';
import { ErasedError, type Vault } from './vault.ts';

export const Role = { requester: 'requester', agent: 'agent', process_owner: 'process_owner', auditor: 'auditor', admin: 'admin' } as const;
export type Role = (typeof Role)[keyof typeof Role];

/** The roles that are staff: everyone but requesters. The one list every staff check reads. */
export const STAFF_ROLES = ['agent', 'process_owner', 'auditor', 'admin'] as const satisfies readonly Role[];
export type StaffRole = (typeof STAFF_ROLES)[number];
export const isStaffRole = (role: string): role is StaffRole => (STAFF_ROLES as readonly string[]).includes(role);

export interface UserRecord {
  id: number;
  email: string;
  displayName: string;
  locale: string;
  timeZone: string;
  role: Role;
  teamId: string | null;
  /** The support tier of the agent's team (L1/L2/L3), null for everyone else. */
  tier: string | null;
  vip: boolean;
  hasPassword: boolean;
  /**
   * Whether the address is known to be this person's (users.email_verified_at is set:
   * demo users, accounts made by an operator, sign-ups finished through the link mailed to
   * the address). Accounts signed up before migration 0008 made no such proof.
   */
  emailVerified: boolean;
  /** False while the account is deactivated (migration 0020): it then signs in nowhere (docs/people.md). */
  active: boolean;
}

/** Which staff a listing shows (services/people/): a role, a team (null: no team), active or deactivated; all when absent. */
export interface StaffFilter { role?: Role; teamId?: string | null; active?: boolean }

/** A staff member as the people pages list them: the account, whether they lead their team (users.team_lead) and whether a second factor is set up. */
export type StaffRecord = UserRecord & { deactivatedAt: Date | null; secondFactor: boolean; teamLead: boolean };

/**
 * What `helpdesk user add` gives for an account. `teamLead` (agents only; the command checks) sets
 * users.team_lead; absent, an agent keeps theirs. Any other role leads no team.
 */
export interface AccountInput { email: string; displayName: string; role: Role; teamId: string | null; locale: string; teamLead?: boolean }

interface UserRow {
  id: string; email: string | null; display_name: string | null; email_sealed: string | null; display_name_sealed: string | null;
  locale: string; time_zone: string; role: string;
  team_id: string | null; tier: string | null; vip: boolean; password_hash: string | null; email_verified_at: Date | null;
  deactivated_at: Date | null;
}

const COLUMNS = `u.id::text AS id, u.email, u.display_name, u.email_sealed, u.display_name_sealed, u.locale, u.time_zone, u.role, u.team_id, t.tier, u.vip,
                 u.password_hash, u.email_verified_at, u.deactivated_at`;
const FROM = 'FROM users u LEFT JOIN teams t ON t.id = u.team_id';
const SELECT = `SELECT ${COLUMNS} ${FROM}`;
const STAFF_SELECT = `SELECT ${COLUMNS}, u.team_lead, EXISTS (SELECT 1 FROM staff_second_factors f WHERE f.user_id = u.id) AS second_factor ${FROM} WHERE u.role <> 'requester'`;

/**
 * Accounts: the address and the name are sealed under the person's own key and the row is found
 * by the address's keyed blind index (db/account-sealing.ts); what leaves here is the plain
 * record, opened. An account whose person was erased (their key destroyed) is no one's.
 */
export function createUsersRepo(sequelize: Sequelize, vault: Vault) {
  const audit = createAuditRepo(sequelize);

  async function toRecord(r: UserRow): Promise<UserRecord | undefined> {
    const [email, displayName] = await Promise.all([
      openColumn(vault, r.email_sealed, r.email, 'email', AccountContext.user),
      openColumn(vault, r.display_name_sealed, r.display_name, 'name', AccountContext.user),
    ]);
    if (email === null || displayName === null) return undefined;
    return {
      id: Number(r.id), email, displayName, locale: r.locale, timeZone: r.time_zone,
      role: r.role as Role, teamId: r.team_id, tier: r.tier, vip: r.vip, hasPassword: r.password_hash !== null,
      emailVerified: r.email_verified_at !== null, active: r.deactivated_at === null,
    };
  }

  async function one(where: string, replacements: Record<string, unknown>): Promise<UserRow | undefined> {
    const rows = await sequelize.query<UserRow>(`${SELECT} WHERE ${where}`, { replacements, type: QueryTypes.SELECT });
    return rows[0];
  }

  async function staff(where: string[], replacements: Record<string, unknown>): Promise<StaffRecord[]> {
    const rows = await sequelize.query<UserRow & { second_factor: boolean; team_lead: boolean }>(
      `${STAFF_SELECT}${where.map((w) => ` AND ${w}`).join('')} ORDER BY u.id`,
      { replacements, type: QueryTypes.SELECT },
    );
    const opened = await Promise.all(rows.map(async (r) => {
      const user = await toRecord(r);
      return user && { ...user, deactivatedAt: r.deactivated_at, secondFactor: r.second_factor, teamLead: r.team_lead };
    }));
    return opened.filter((u): u is StaffRecord => u !== undefined);
  }

  const byEmail = async (email: string) => one('u.email_bidx = :bidx', { bidx: await vault.blindIndex(email) });

  /** The upsert's transaction; undefined when the person was erased meanwhile (nothing is written). */
  async function write(u: AccountInput, actor: string): Promise<{ id: number; teamLead: boolean } | undefined> {
    let sealed: SealedIdentity;
    try {
      sealed = await sealIdentity(vault, u.email, u.displayName, AccountContext.user);
    } catch (err) {
      if (err instanceof ErasedError) return undefined;
      throw err;
    }
    return sequelize.transaction(async (transaction) => {
      // The person first, as an erasure locks them (db/account-sealing.ts lockPersons).
      if (!(await lockPersons(sequelize, [sealed.personId], transaction))) return undefined;
      // An account of the address from before sealing is this one, sealed now.
      await sealPlainUser(sequelize, vault, sealed, u.email, transaction);
      const before = await sequelize.query<{ role: string; team_id: string | null; team_lead: boolean }>(
        `SELECT role, team_id, team_lead FROM users WHERE email_bidx = :bidx FOR UPDATE`,
        { replacements: { bidx: sealed.bidx }, type: QueryTypes.SELECT, transaction },
      );
      const rows = await sequelize.query<{ id: string; inserted: boolean; team_lead: boolean }>(
        // An operator vouches for a new address; an address someone already claimed by sign-up stays
        // unverified, or the stranger's password would be handed that address's tickets.
        // Only an agent leads a team: another role clears the flag; an agent without --team-lead/--no-team-lead keeps theirs.
        `INSERT INTO users (email_bidx, email_sealed, display_name_sealed, person_id, role, team_id, team_lead, locale, email_verified_at)
         VALUES (:bidx, :emailSealed, :nameSealed, :personId, :role, :teamId, (:role = 'agent' AND COALESCE(CAST(:teamLead AS boolean), false)), :locale, now())
         ON CONFLICT (email_bidx) DO UPDATE SET display_name_sealed = EXCLUDED.display_name_sealed, role = EXCLUDED.role, team_id = EXCLUDED.team_id,
           team_lead = (EXCLUDED.role = 'agent' AND COALESCE(CAST(:teamLead AS boolean), users.role = 'agent' AND users.team_lead)),
           email_verified_at = COALESCE(users.email_verified_at, CASE WHEN users.password_hash IS NULL THEN now() END)
         RETURNING id::text AS id, (xmax = 0) AS inserted, team_lead`,
        { replacements: { ...sealed, role: u.role, teamId: u.teamId, teamLead: u.teamLead ?? null, locale: u.locale }, type: QueryTypes.SELECT, transaction },
      );
      const row = rows[0]!;
      await linkPerson(sequelize, sealed.personId, Number(row.id), transaction);
      const was = before[0];
      const subject = `user:${row.id}`;
      if (row.inserted) {
        await audit.append({ actor, action: 'user.created', subject, details: { role: u.role, teamId: u.teamId, teamLead: row.team_lead } }, transaction);
      } else if (!was || was.role !== u.role || was.team_id !== u.teamId) {
        // No row before but a conflict: someone else created the user a moment ago, with another role maybe.
        const details = { from: was ? { role: was.role, teamId: was.team_id, teamLead: was.team_lead } : null, to: { role: u.role, teamId: u.teamId, teamLead: row.team_lead } };
        await audit.append({ actor, action: 'user.role_changed', subject, details }, transaction);
      } else if (was.team_lead !== row.team_lead) {
        // Only the team lead flag: recorded as the people pages record it.
        await audit.append({ actor, action: 'user.changed', subject, details: { from: { teamLead: was.team_lead }, to: { teamLead: row.team_lead }, nameChanged: false } }, transaction);
      }
      return { id: Number(row.id), teamLead: row.team_lead };
    });
  }

  return {
    async findById(id: number): Promise<UserRecord | undefined> {
      const r = await one('u.id = :id', { id });
      return r && toRecord(r);
    },

    /**
     * Staff (everyone but requesters) matching the filter, opened, by name; an erased person's
     * account (its key destroyed) is left out. Read only here, never by raw SQL elsewhere.
     */
    async listStaff(filter: StaffFilter = {}): Promise<StaffRecord[]> {
      const where: string[] = [];
      if (filter.role) where.push('u.role = :role');
      if (filter.teamId !== undefined) where.push(filter.teamId === null ? 'u.team_id IS NULL' : 'u.team_id = :teamId');
      if (filter.active !== undefined) where.push(filter.active ? 'u.deactivated_at IS NULL' : 'u.deactivated_at IS NOT NULL');
      const found = await staff(where, { role: filter.role ?? null, teamId: filter.teamId ?? null });
      return found.sort((a, b) => a.displayName.localeCompare(b.displayName) || a.id - b.id);
    },

    /** One staff member by id (undefined for a requester, an erased person or no one). */
    async findStaff(id: number): Promise<StaffRecord | undefined> {
      return (await staff(['u.id = :id'], { id }))[0];
    },

    async findByEmail(email: string): Promise<UserRecord | undefined> {
      const r = await byEmail(email);
      return r && toRecord(r);
    },

    /** The user and their password hash, for the sign-in check only. */
    async findCredentials(email: string): Promise<{ user: UserRecord; passwordHash: string | null } | undefined> {
      const r = await byEmail(email);
      const user = r && (await toRecord(r));
      return user && { user, passwordHash: r.password_hash };
    },

    async setPassword(email: string, passwordHash: string): Promise<void> {
      await sequelize.query(`UPDATE users SET password_hash = :passwordHash WHERE email_bidx = :bidx`, { replacements: { bidx: await vault.blindIndex(email), passwordHash } });
    },

    async setLocale(id: number, locale: string): Promise<void> {
      await sequelize.query(`UPDATE users SET locale = :locale WHERE id = :id`, { replacements: { id, locale } });
    },

    /**
     * An operator's `helpdesk user add`: creates the user, or sets the name, role, team and team
     * lead flag of an existing one. A creation (`user.created`), a change of role or team
     * (`user.role_changed`) or of the team lead flag alone (`user.changed`) is recorded in the
     * audit log in the same transaction, by the user's id only.
     */
    async upsert(u: AccountInput, actor = 'system'): Promise<UserRecord & { teamLead: boolean }> {
      // Erased while this ran (the person is then gone): once more, as a new person.
      const done = (await write(u, actor)) ?? (await write(u, actor));
      if (done === undefined) throw new Error('The person with this address was erased while their account was being written, twice; run the command again.');
      return { ...(await this.findById(done.id))!, teamLead: done.teamLead };
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;

/**
 * Password hashing: argon2id (algorithm 2) with @node-rs/argon2's defaults of
 * 19 MiB memory, 2 passes, 1 lane — OWASP's recommended minimum.
 */
export const ARGON2_OPTIONS = { algorithm: 2 } as const satisfies ArgonOptions;
