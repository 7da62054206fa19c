/**
 * Staff sign-in's second factor (migration 0013): the sealed TOTP secret and the step of the last
 * code accepted, the recovery codes' argon2id hashes, and the audit entries of what happens to
 * them. Every change that is audited is appended in the same transaction (db/audit-repo.ts).
 *
 * Audit actions: `staff.second_factor_enrolled`, `staff.second_factor_reset`,
 * `staff.recovery_code_used`, `staff.sso_signed_in`, `staff.sign_in_refused`, `staff.password_set`, and (migration 0016,
 * db/staff-links-repo.ts) `staff.enrolment_code_issued`, `staff.sso_linked`. Subjects are
 * `user:<id>` (or `staff:sso` for an address that is no one's); details never hold an address.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import { createAuditRepo, type AuditJson } from './audit-repo.ts';
import { staffLinks } from './staff-links-repo.ts';

export { ENROLMENT_CODE_HOURS, type EnrolmentCodeCheck, type SsoLink } from './staff-links-repo.ts';

export interface SecondFactorRecord {
  userId: number;
  /** `v1:<key id>:<base64url>` (api/staff/sealed-secret.ts). */
  sealedSecret: string;
  /** floor(unix seconds / 30) of the last code accepted. */
  lastStep: number;
  enrolledAt: Date;
  /** Recovery codes not used yet. */
  recoveryCodesLeft: number;
}

export interface RecoveryCodeHash {
  n: number;
  hash: string;
}

/** Why a staff sign-in was refused, as the audit log records it. */
export type RefusalReason =
  | 'wrong_code' | 'replayed_code' | 'not_staff'
  | 'no_enrolment_code' | 'wrong_enrolment_code' | 'expired_enrolment_code' | 'spent_enrolment_code'
  | 'sso_not_staff' | 'sso_unverified_email' | 'sso_domain_not_allowed' | 'sso_other_account' | 'sso_account_taken'
  /** A single sign-on of a deactivated account (migration 0020). */
  | 'account_deactivated'
  /** The first sign-in with an enrolment code for an account that has a password already (routes/first-sign-in.ts). */
  | 'has_password';

/** How confirming an enrolment ended. */
export type EnrolOutcome = 'enrolled' | 'already_enrolled' | 'enrolment_code_spent';

/** Thrown inside the enrolment's transaction to undo it when the person has a second factor already. */
class AlreadyEnrolled extends Error {}

interface Row { user_id: string; totp_secret_sealed: string; totp_last_step: string; enrolled_at: Date; left: string }

export function createStaffAuthRepo(sequelize: Sequelize) {
  const audit = createAuditRepo(sequelize);
  const subject = (userId: number) => `user:${userId}`;
  const links = staffLinks(sequelize, audit, subject);

  return {
    ...links,

    async find(userId: number): Promise<SecondFactorRecord | undefined> {
      const rows = await sequelize.query<Row>(
        `SELECT f.user_id::text AS user_id, f.totp_secret_sealed, f.totp_last_step::text AS totp_last_step, f.enrolled_at,
                (SELECT count(*) FROM staff_recovery_codes c WHERE c.user_id = f.user_id AND c.used_at IS NULL)::text AS left
           FROM staff_second_factors f WHERE f.user_id = :userId`,
        { replacements: { userId }, type: QueryTypes.SELECT },
      );
      const r = rows[0];
      return r && { userId: Number(r.user_id), sealedSecret: r.totp_secret_sealed, lastStep: Number(r.totp_last_step), enrolledAt: r.enrolled_at, recoveryCodesLeft: Number(r.left) };
    },

    /**
     * Keeps a confirmed enrolment: the sealed secret, the step of the code that confirmed it (so
     * that code cannot be used again) and the recovery codes' hashes, and spends the enrolment
     * code it was started with — all or nothing. `already_enrolled`: the person has a second factor
     * already (enrolling twice at once: the first one stays); `enrolment_code_spent`: the code was
     * used, replaced or has expired meanwhile.
     */
    async enrol(userId: number, e: { sealedSecret: string; step: number; recoveryHashes: string[]; enrolmentCodeId: number }): Promise<EnrolOutcome> {
      try {
        return await sequelize.transaction(async (transaction) => {
          if (!(await links.spendEnrolmentCode(userId, e.enrolmentCodeId, transaction))) {
            const enrolled = await sequelize.query(`SELECT 1 FROM staff_second_factors WHERE user_id = :userId`, { replacements: { userId }, type: QueryTypes.SELECT, transaction });
            return enrolled.length ? 'already_enrolled' : 'enrolment_code_spent';
          }
          const inserted = await sequelize.query<{ user_id: string }>(
            `INSERT INTO staff_second_factors (user_id, totp_secret_sealed, totp_last_step) VALUES (:userId, :sealed, :step)
             ON CONFLICT (user_id) DO NOTHING RETURNING user_id::text AS user_id`,
            { replacements: { userId, sealed: e.sealedSecret, step: e.step }, type: QueryTypes.SELECT, transaction },
          );
          // The code stays unspent: undo.
          if (inserted.length === 0) throw new AlreadyEnrolled();
          for (const [i, hash] of e.recoveryHashes.entries()) {
            await sequelize.query(`INSERT INTO staff_recovery_codes (user_id, n, code_hash) VALUES (:userId, :n, :hash)`, { replacements: { userId, n: i + 1, hash }, transaction });
          }
          await audit.append({ actor: subject(userId), action: 'staff.second_factor_enrolled', subject: subject(userId), details: { method: 'totp', recoveryCodes: e.recoveryHashes.length } }, transaction);
          return 'enrolled';
        });
      } catch (err) {
        if (err instanceof AlreadyEnrolled) return 'already_enrolled';
        throw err;
      }
    },

    /**
     * Takes a TOTP code's step: only when it is later than the last one accepted, in one
     * statement, so the same code sent twice at once passes once. False: used already (replay).
     */
    async acceptStep(userId: number, step: number): Promise<boolean> {
      const rows = await sequelize.query(
        `UPDATE staff_second_factors SET totp_last_step = :step WHERE user_id = :userId AND totp_last_step < :step RETURNING user_id`,
        { replacements: { userId, step }, type: QueryTypes.SELECT },
      );
      return rows.length === 1;
    },

    async unusedRecoveryCodes(userId: number): Promise<RecoveryCodeHash[]> {
      return sequelize.query<RecoveryCodeHash>(
        `SELECT n, code_hash AS hash FROM staff_recovery_codes WHERE user_id = :userId AND used_at IS NULL ORDER BY n`,
        { replacements: { userId }, type: QueryTypes.SELECT },
      );
    },

    /** Spends recovery code `n` (once: false when it was spent meanwhile), audited with how many are left. */
    async spendRecoveryCode(userId: number, n: number): Promise<{ ok: boolean; left: number }> {
      return sequelize.transaction(async (transaction) => {
        const spent = await sequelize.query(
          `UPDATE staff_recovery_codes SET used_at = now() WHERE user_id = :userId AND n = :n AND used_at IS NULL RETURNING n`,
          { replacements: { userId, n }, type: QueryTypes.SELECT, transaction },
        );
        const [row] = await sequelize.query<{ left: string }>(
          `SELECT count(*)::text AS left FROM staff_recovery_codes WHERE user_id = :userId AND used_at IS NULL`,
          { replacements: { userId }, type: QueryTypes.SELECT, transaction },
        );
        const left = Number(row!.left);
        if (spent.length === 1) await audit.append({ actor: subject(userId), action: 'staff.recovery_code_used', subject: subject(userId), details: { left } }, transaction);
        return { ok: spent.length === 1, left };
      });
    },

    /**
     * An operator's reset: the second factor and its recovery codes are deleted, the single
     * sign-on links forgotten (a replaced account at the provider links anew), and the person's
     * web sessions ended (a lost phone may be in someone else's hands with a session open).
     * Audited whether or not there was one. Answers whether there was one.
     */
    async reset(userId: number, actor: string): Promise<boolean> {
      return sequelize.transaction(async (transaction) => {
        const deleted = await sequelize.query(`DELETE FROM staff_second_factors WHERE user_id = :userId RETURNING user_id`, { replacements: { userId }, type: QueryTypes.SELECT, transaction });
        const sessions = await sequelize.query(
          `DELETE FROM portal_sessions WHERE sess->>'userId' = :id OR sess->'staffPending'->>'userId' = :id RETURNING sid`,
          { replacements: { id: String(userId) }, type: QueryTypes.SELECT, transaction },
        );
        const ssoLinksRemoved = await links.unlinkSso(userId, transaction);
        await audit.append({ actor, action: 'staff.second_factor_reset', subject: subject(userId), details: { hadSecondFactor: deleted.length === 1, ssoLinksRemoved, sessionsEnded: sessions.length } }, transaction);
        return deleted.length === 1;
      });
    },

    /**
     * The first staff sign-in of an account without a password (api/staff/routes/first-sign-in.ts):
     * sets its password hash, audited `staff.password_set`, only while the account is staff, active,
     * still has no password and enrolment code `codeId` is live — in one transaction. False: not so
     * (a password was set meanwhile, the code replaced or spent, the account deactivated); nothing changed.
     */
    async setFirstPassword(userId: number, codeId: number, passwordHash: string): Promise<boolean> {
      return sequelize.transaction(async (transaction) => {
        const set = await sequelize.query(
          `UPDATE users SET password_hash = :passwordHash
            WHERE id = :userId AND password_hash IS NULL AND deactivated_at IS NULL AND role <> 'requester'
              AND EXISTS (SELECT 1 FROM staff_enrolment_codes c WHERE c.user_id = :userId AND c.id = :codeId AND c.expires_at > now())
           RETURNING id`,
          { replacements: { userId, codeId, passwordHash }, type: QueryTypes.SELECT, transaction },
        );
        if (set.length !== 1) return false;
        await audit.append({ actor: subject(userId), action: 'staff.password_set', subject: subject(userId), details: { via: 'enrolment_code' } }, transaction);
        return true;
      });
    },

    /** A sign-in through single sign-on (it counts as the second factor). */
    async recordSsoSignIn(userId: number, issuer: string): Promise<void> {
      await sequelize.transaction((transaction) => audit.append({ actor: subject(userId), action: 'staff.sso_signed_in', subject: subject(userId), details: { issuer } }, transaction).then(() => undefined));
    },

    /** A refused staff sign-in: of a known person (`userId`), or through single sign-on for an address that is no staff member's. */
    async recordRefusal(userId: number | undefined, reason: RefusalReason, details: { [key: string]: AuditJson } = {}): Promise<void> {
      const who = userId === undefined ? 'staff:sso' : subject(userId);
      await sequelize.transaction((transaction) =>
        audit.append({ actor: userId === undefined ? 'system:staff-sign-in' : who, action: 'staff.sign_in_refused', subject: who, details: { reason, ...details } }, transaction).then(() => undefined),
      );
    },
  };
}

export type StaffAuthRepo = ReturnType<typeof createStaffAuthRepo>;
