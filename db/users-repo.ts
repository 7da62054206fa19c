/**
 * Users: requesters, agents (with a team and so a tier), process owners, auditors
 * and admins. Returns plain records; the password hash never leaves this module
 * except to the password check.
 */
import type { Options as ArgonOptions } from '@node-rs/argon2';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createAuditRepo } from './audit-repo.ts';

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
  const audit = createAuditRepo(sequelize);
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

    /**
     * An operator's `helpdesk user add`: creates the user, or sets the name, role and team of an
     * existing one. A creation (`user.created`) or a change of role or team (`user.role_changed`)
     * is recorded in the audit log in the same transaction, by the user's id only.
     */
    async upsert(u: { email: string; displayName: string; role: Role; teamId: string | null; locale: string }, actor = 'system'): Promise<UserRecord> {
      const id = await sequelize.transaction(async (transaction) => {
        const before = await sequelize.query<{ role: string; team_id: string | null }>(
          `SELECT role, team_id FROM users WHERE email = :email FOR UPDATE`,
          { replacements: { email: u.email.trim().toLowerCase() }, type: QueryTypes.SELECT, transaction },
        );
        const rows = await sequelize.query<{ id: string; inserted: boolean }>(
          // An operator vouches for a new address; an address someone already claimed by sign-up stays
          // unverified, or the stranger's password would be handed that address's tickets.
          `INSERT INTO users (email, display_name, role, team_id, locale, email_verified_at)
           VALUES (:email, :displayName, :role, :teamId, :locale, now())
           ON CONFLICT (email) DO UPDATE SET display_name = EXCLUDED.display_name, role = EXCLUDED.role, team_id = EXCLUDED.team_id,
             email_verified_at = COALESCE(users.email_verified_at, CASE WHEN users.password_hash IS NULL THEN now() END)
           RETURNING id::text AS id, (xmax = 0) AS inserted`,
          { replacements: { ...u, email: u.email.trim().toLowerCase() }, type: QueryTypes.SELECT, transaction },
        );
        const row = rows[0]!;
        const was = before[0];
        const subject = `user:${row.id}`;
        if (row.inserted) {
          await audit.append({ actor, action: 'user.created', subject, details: { role: u.role, teamId: u.teamId } }, transaction);
        } else if (!was || was.role !== u.role || was.team_id !== u.teamId) {
          // No row before but a conflict: someone else created the user a moment ago, with another role maybe.
          const details = { from: was ? { role: was.role, teamId: was.team_id } : null, to: { role: u.role, teamId: u.teamId } };
          await audit.append({ actor, action: 'user.role_changed', subject, details }, transaction);
        }
        return Number(row.id);
      });
      return (await this.findById(id))!;
    },
  };
}

export type UsersRepo = ReturnType<typeof createUsersRepo>;

/**
 * Password hashing: argon2id (algorithm 2) with @node-rs/argon2's defaults of
 * 19 MiB memory, 2 passes, 1 lane — OWASP's recommended minimum.
 */
export const ARGON2_OPTIONS = { algorithm: 2 } as const satisfies ArgonOptions;
