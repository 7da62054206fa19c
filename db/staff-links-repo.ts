/**
 * The two gates before a staff member's sign-in factors exist (migration 0016), part of the staff
 * sign-in repository (db/staff-auth-repo.ts):
 *
 * - enrolment codes: an operator issues one (shown once, an argon2id hash kept, expiring); an
 *   authenticator can be set up only by someone who types it, and completing the enrolment spends
 *   it in the same transaction;
 * - single sign-on links: the provider's account (issuer, SHA-256 of `sub`) bound to a staff
 *   member at their first single sign-on, and required from then on.
 *
 * Audit actions: `staff.enrolment_code_issued`, `staff.sso_linked`. Never an address or a code.
 */
import { createHash, randomInt } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { createAuditRepo } from './audit-repo.ts';
import { ARGON2_OPTIONS } from './users-repo.ts';

/** How long an enrolment code can be used after it is issued. */
export const ENROLMENT_CODE_HOURS = 72;

/** No 0/O, 1/I/L or U: nothing to misread when read out or typed from a message. */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Twelve characters (about 59 bits), shown as XXXX-XXXX-XXXX. */
export function newEnrolmentCode(): string {
  const chars = Array.from({ length: 12 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return chars.replace(/^(.{4})(.{4})/, '$1-$2-');
}

/** What was typed, as it is hashed: capitals, without spaces and dashes. */
const normalize = (typed: string): string => typed.toUpperCase().replace(/[\s-]/g, '');

export type EnrolmentCodeCheck =
  | { ok: true; codeId: number }
  | { ok: false; reason: 'no_enrolment_code' | 'wrong_enrolment_code' | 'expired_enrolment_code' };

/** The outcome of a single sign-on's account against the links: new, the linked one, or refused. */
export type SsoLink = 'linked' | 'same' | 'other_account' | 'account_taken';

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

export function staffLinks(sequelize: Sequelize, audit: ReturnType<typeof createAuditRepo>, subject: (userId: number) => string) {
  return {
    /**
     * Issues a new enrolment code for a person (replacing any earlier one), audited; answers the
     * code, to be shown this once, and when it expires.
     */
    async issueEnrolmentCode(userId: number, actor: string, hours = ENROLMENT_CODE_HOURS): Promise<{ code: string; expiresAt: Date }> {
      const code = newEnrolmentCode();
      const codeHash = await hash(normalize(code), ARGON2_OPTIONS);
      return sequelize.transaction(async (transaction) => {
        const [row] = await sequelize.query<{ expires_at: Date; replaced: boolean }>(
          `INSERT INTO staff_enrolment_codes (user_id, code_hash, issued_by, expires_at) VALUES (:userId, :codeHash, :actor, now() + make_interval(hours => :hours))
           ON CONFLICT (user_id) DO UPDATE SET id = nextval(pg_get_serial_sequence('staff_enrolment_codes', 'id')), code_hash = EXCLUDED.code_hash,
             issued_by = EXCLUDED.issued_by, issued_at = now(), expires_at = EXCLUDED.expires_at
           RETURNING expires_at, (xmax <> 0) AS replaced`,
          { replacements: { userId, codeHash, actor, hours }, type: QueryTypes.SELECT, transaction },
        );
        await audit.append({ actor, action: 'staff.enrolment_code_issued', subject: subject(userId), details: { hours, replaced: row!.replaced } }, transaction);
        return { code, expiresAt: row!.expires_at };
      });
    },

    /** Checks a typed enrolment code (it stays live until an enrolment with it completes). */
    async checkEnrolmentCode(userId: number, typed: string): Promise<EnrolmentCodeCheck> {
      const [row] = await sequelize.query<{ id: string; code_hash: string; live: boolean }>(
        `SELECT id::text AS id, code_hash, expires_at > now() AS live FROM staff_enrolment_codes WHERE user_id = :userId`,
        { replacements: { userId }, type: QueryTypes.SELECT },
      );
      if (!row) return { ok: false, reason: 'no_enrolment_code' };
      const code = normalize(typed);
      if (code === '' || code.length > 40 || !(await verify(row.code_hash, code))) return { ok: false, reason: 'wrong_enrolment_code' };
      // Only who has the right code learns that it has expired.
      return row.live ? { ok: true, codeId: Number(row.id) } : { ok: false, reason: 'expired_enrolment_code' };
    },

    /** Spends enrolment code `codeId` (inside the enrolment's transaction): false when it was spent, replaced or has expired meanwhile. */
    async spendEnrolmentCode(userId: number, codeId: number, transaction: Transaction): Promise<boolean> {
      const spent = await sequelize.query(
        `DELETE FROM staff_enrolment_codes WHERE user_id = :userId AND id = :codeId AND expires_at > now() RETURNING id`,
        { replacements: { userId, codeId }, type: QueryTypes.SELECT, transaction },
      );
      return spent.length === 1;
    },

    /**
     * A single sign-on of `sub` at `issuer` for a staff member: the first one binds the account
     * to them (audited `staff.sso_linked`); afterwards only that account passes. In one statement,
     * so two first sign-ins at once bind one account.
     */
    async linkSso(userId: number, issuer: string, sub: string): Promise<SsoLink> {
      const digest = sha256(sub);
      return sequelize.transaction(async (transaction) => {
        const inserted = await sequelize.query(
          `INSERT INTO staff_sso_links (user_id, issuer, subject_sha256) VALUES (:userId, :issuer, :digest) ON CONFLICT DO NOTHING RETURNING user_id`,
          { replacements: { userId, issuer, digest }, type: QueryTypes.SELECT, transaction },
        );
        if (inserted.length === 1) {
          await audit.append({ actor: subject(userId), action: 'staff.sso_linked', subject: subject(userId), details: { issuer } }, transaction);
          return 'linked';
        }
        const [mine] = await sequelize.query<{ subject_sha256: string }>(
          `SELECT subject_sha256 FROM staff_sso_links WHERE user_id = :userId AND issuer = :issuer`,
          { replacements: { userId, issuer }, type: QueryTypes.SELECT, transaction },
        );
        if (!mine) return 'account_taken';
        return mine.subject_sha256 === digest ? 'same' : 'other_account';
      });
    },

    /** Forgets a person's single sign-on links (an operator's reset); answers how many there were. */
    async unlinkSso(userId: number, transaction: Transaction): Promise<number> {
      const rows = await sequelize.query(`DELETE FROM staff_sso_links WHERE user_id = :userId RETURNING issuer`, { replacements: { userId }, type: QueryTypes.SELECT, transaction });
      return rows.length;
    },
  };
}
