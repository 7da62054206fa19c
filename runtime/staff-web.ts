/**
 * The staff surface's part of the composition (runtime/compose.ts): its options for createApp —
 * the second-factor repository, the audit log, the keys that seal TOTP secrets (the service key
 * ring, HELPDESK_SERVICE_KEYS or the service key file) and the sign-in settings (the session limits
 * among them) — and the one staff-access decision for other surfaces (the codec endpoint's
 * staffFromSession), under the same limits.
 */
import type { Request } from 'express';
import type { Pool } from 'pg';
import { createSessionReader, createStaffAccess, type StaffOptions } from '../api/staff/index.ts';
import type { AuditRepo } from '../db/audit-repo.ts';
import type { StaffAuthRepo } from '../db/staff-auth-repo.ts';
import type { UserRecord, UsersRepo } from '../db/users-repo.ts';
import type { Config } from './config.ts';
import { loadKeyRing } from './payload-codec.ts';

export interface StaffWeb {
  options: StaffOptions;
  /** The staff member of a request's web session (second factor passed), or undefined. */
  staffFromSession(req: Request): Promise<UserRecord | undefined>;
}

export function staffWeb(
  config: Config,
  db: { users: UsersRepo; staffAuth: StaffAuthRepo; audit: AuditRepo },
  sessions: { pgPool: Pool; sessionSecret: string },
): StaffWeb {
  const access = createStaffAccess({ users: db.users, staffAuth: db.staffAuth, secondFactor: config.staff.secondFactor, limits: config.staff.session, sessions: createSessionReader(sessions) });
  return {
    options: { staffAuth: db.staffAuth, audit: db.audit, sealingKeys: loadKeyRing(config), secondFactor: config.staff.secondFactor, oidc: config.staff.oidc, session: config.staff.session },
    staffFromSession: access.staffFromSession,
  };
}
