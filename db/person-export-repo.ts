/**
 * What a person's export (services/privacy/export.ts) reads about their account beyond what the
 * other repositories give: the account row as it is stored (its name opened), without the
 * password hash. Plain records only.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import { AccountContext, openColumn } from './account-sealing.ts';
import type { Role } from './users-repo.ts';
import type { Vault } from './vault.ts';

export interface ExportedAccount {
  id: number;
  displayName: string;
  role: Role;
  locale: string;
  timeZone: string;
  teamId: string | null;
  vip: boolean;
  serviceLevel: string | null;
  organisation: string | null;
  department: string | null;
  /** Whether the account has a password (the hash itself is never exported). */
  hasPassword: boolean;
  emailVerifiedAt: string | null;
  createdAt: string;
}

interface Row {
  id: string; display_name: string | null; display_name_sealed: string | null; role: Role; locale: string; time_zone: string; team_id: string | null; vip: boolean;
  service_level: string | null; organisation: string | null; department: string | null; has_password: boolean;
  email_verified_at: Date | null; created_at: Date;
}

export function createPersonExportRepo(sequelize: Sequelize, vault: Vault) {
  return {
    /** The account of this address, or undefined. */
    async account(email: string): Promise<ExportedAccount | undefined> {
      const [r] = await sequelize.query<Row>(
        `SELECT id::text AS id, display_name, display_name_sealed, role, locale, time_zone, team_id, vip, service_level, organisation, department,
                password_hash IS NOT NULL AS has_password, email_verified_at, created_at
           FROM users WHERE email_bidx = :bidx`,
        { replacements: { bidx: await vault.blindIndex(email) }, type: QueryTypes.SELECT },
      );
      if (!r) return undefined;
      const displayName = await openColumn(vault, r.display_name_sealed, r.display_name, 'name', AccountContext.user);
      // An account whose person was erased is no one's.
      if (displayName === null) return undefined;
      return {
        id: Number(r.id), displayName, role: r.role, locale: r.locale, timeZone: r.time_zone, teamId: r.team_id, vip: r.vip,
        serviceLevel: r.service_level, organisation: r.organisation, department: r.department, hasPassword: r.has_password,
        emailVerifiedAt: r.email_verified_at?.toISOString() ?? null, createdAt: r.created_at.toISOString(),
      };
    },
  };
}

export type PersonExportRepo = ReturnType<typeof createPersonExportRepo>;
