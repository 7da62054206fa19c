/**
 * Users: requesters, agents (with a team and so a tier), process owners, auditors
 * and admins. Returns plain records; the password hash never leaves this module
 * except to the password check.
 */
import type { Options as ArgonOptions } from '@node-rs/argon2';
import { QueryTypes, type Sequelize } from 'sequelize';

export const Role = { requester: 'requester', agent: 'agent', process_owner: 'process_owner', auditor: 'auditor', admin: 'admin' } as const;
export type Role = (typeof Role)[keyof typeof Role];

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
}

interface UserRow {
  id: string; email: string; display_name: string; locale: string; time_zone: string; role: string;
  team_id: string | null; tier: string | null; vip: boolean; password_hash: string | null; email_verified_at: Date | null;
}

function toRecord(r: UserRow): UserRecord {
  return {
    id: Number(r.id), email: r.email, displayName: r.display_name, locale: r.locale, timeZone: r.time_zone,
    role: r.role as Role, teamId: r.team_id, tier: r.tier, vip: r.vip, hasPassword: r.password_hash !== null,
    emailVerified: r.email_verified_at !== null,
  };
}

const SELECT = `SELECT u.id::text AS id, u.email, u.display_name, u.locale, u.time_zone, u.role, u.team_id, t.tier, u.vip, u.password_hash, u.email_verified_at
                  FROM users u LEFT JOIN teams t ON t.id = u.team_id`;

export function createUsersRepo(sequelize: Sequelize) {
  async function one(where: string, replacements: Record<string, unknown>): Promise<UserRow | undefined> {
    const rows = await sequelize.query<UserRow>(`${SELECT} WHERE ${where}`, { replacements, type: QueryTypes.SELECT });
    return rows[0];
  }
  return {
    async findById(id: number): Promise<UserRecord | undefined> {
      const r = await one('u.id = :id', { id });
      return r && toRecord(r);
    },

    async findByEmail(email: string): Promise<UserRecord | undefined> {
      const r = await one('u.email = :email', { email: email.trim().toLowerCase() });
      return r && toRecord(r);
    },

    /** The user and their password hash, for the sign-in check only. */
    async findCredentials(email: string): Promise<{ user: UserRecord; passwordHash: string | null } | undefined> {
      const r = await one('u.email = :email', { email: email.trim().toLowerCase() });
      return r && { user: toRecord(r), passwordHash: r.password_hash };
    },

    async setPassword(email: string, passwordHash: string): Promise<void> {
      await sequelize.query(`UPDATE users SET password_hash = :passwordHash WHERE email = :email`, { replacements: { email: email.toLowerCase(), passwordHash } });
    },

    async setLocale(id: number, locale: string): Promise<void> {
      await sequelize.query(`UPDATE users SET locale = :locale WHERE id = :id`, { replacements: { id, locale } });
    },

    /** An operator's `helpdesk user add`: creates the user, or sets the name, role and team of an existing one. */
    async upsert(u: { email: string; displayName: string; role: Role; teamId: string | null; locale: string }): Promise<UserRecord> {
      const rows = await sequelize.query<{ id: string }>(
        // An operator vouches for a new address; an address someone already claimed by sign-up stays
        // unverified, or the stranger's password would be handed that address's tickets.
        `INSERT INTO users (email, display_name, role, team_id, locale, email_verified_at)
         VALUES (:email, :displayName, :role, :teamId, :locale, now())
         ON CONFLICT (email) DO UPDATE SET display_name = EXCLUDED.display_name, role = EXCLUDED.role, team_id = EXCLUDED.team_id,
           email_verified_at = COALESCE(users.email_verified_at, CASE WHEN users.password_hash IS NULL THEN now() END)
         RETURNING id::text AS id`,
        { replacements: { ...u, email: u.email.trim().toLowerCase() }, type: QueryTypes.SELECT },
      );
      return (await this.findById(Number(rows[0]!.id)))!;
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;

/**
 * Password hashing: argon2id (algorithm 2) with @node-rs/argon2's defaults of
 * 19 MiB memory, 2 passes, 1 lane — OWASP's recommended minimum.
 */
export const ARGON2_OPTIONS = { algorithm: 2 } as const satisfies ArgonOptions;
