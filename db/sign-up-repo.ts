/**
 * Sign-ups waiting for their address to be proven, and the mail about accounts
 * (`account_mail_outbox`, delivered by the notifications). A pending sign-up keeps only a
 * SHA-256 of its link's token — but the mail carrying the link holds it in plain text until it
 * is sent: the mailer marks it `delivered`, which blanks the link (see docs/portal.md). Even
 * with the link, finishing a sign-up takes the password chosen at sign-up, which is kept only
 * as an argon2id hash. Plain records only.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

export type AccountMailKind = 'sign_up_link' | 'sign_up_existing';

export interface AccountMail {
  recipient: string;
  language: string;
  kind: AccountMailKind;
  /** What the mail says, already in the recipient's language, and its link. */
  payload: { subject: string; text: string; link: string };
}

export interface PendingSignUp {
  email: string;
  displayName: string;
  locale: string;
  timeZone: string;
  passwordHash: string;
  expiresAt: Date;
  usedAt: Date | null;
}

export type NewPendingSignUp = Omit<PendingSignUp, 'usedAt'> & { tokenHash: string };

export type Completion = { ok: true; userId: number } | { ok: false; reason: 'unknown' | 'used' | 'expired' | 'taken' };

interface PendingRow { email: string; display_name: string; locale: string; time_zone: string; password_hash: string; expires_at: Date; used_at: Date | null }

const toPending = (r: PendingRow): PendingSignUp => ({
  email: r.email, displayName: r.display_name, locale: r.locale, timeZone: r.time_zone, passwordHash: r.password_hash, expiresAt: r.expires_at, usedAt: r.used_at,
});

export function createSignUpRepo(sequelize: Sequelize) {
  const insertMail = (mail: AccountMail, transaction: Transaction) =>
    sequelize.query(
      `INSERT INTO account_mail_outbox (recipient, language, kind, payload) VALUES (:recipient, :language, :kind, :payload)`,
      { replacements: { ...mail, payload: JSON.stringify(mail.payload) }, transaction },
    );

  return {
    /**
     * Queues a sign-up's mail and, when `keep`, stores its pending sign-up, in one transaction.
     * The same statements run either way (the pending row is inserted only when kept), so a known
     * address and a new one take the same time; sign-ups whose link expired a week ago are swept
     * (by the index on expires_at, migration 0010) on every call.
     */
    async queue(mail: AccountMail, p: NewPendingSignUp, keep: boolean): Promise<void> {
      await sequelize.transaction(async (tx) => {
        // Forgotten: their link is then simply unknown.
        await sequelize.query(`DELETE FROM pending_sign_ups WHERE expires_at < now() - interval '7 days'`, { transaction: tx });
        await sequelize.query(
          `INSERT INTO pending_sign_ups (token_hash, email, display_name, locale, time_zone, password_hash, expires_at)
           SELECT :tokenHash, :email, :displayName, :locale, :timeZone, :passwordHash, CAST(:expiresAt AS timestamptz) WHERE CAST(:keep AS boolean)`,
          { replacements: { ...p, keep }, transaction: tx },
        );
        await insertMail(mail, tx);
      });
    },

    /**
     * For the mailer, once a mail is sent: marks it delivered and blanks its link (also in its
     * text), so the database no longer holds a sign-up link anyone could open.
     */
    async delivered(id: number): Promise<void> {
      await sequelize.query(
        `UPDATE account_mail_outbox
            SET delivered_at = now(),
                payload = jsonb_set(payload - 'link', '{text}', to_jsonb(replace(payload->>'text', payload->>'link', '[…]')))
          WHERE id = :id AND delivered_at IS NULL`,
        { replacements: { id } },
      );
    },

    async pending(tokenHash: string): Promise<PendingSignUp | undefined> {
      const [row] = await sequelize.query<PendingRow>(
        `SELECT email, display_name, locale, time_zone, password_hash, expires_at, used_at FROM pending_sign_ups WHERE token_hash = :tokenHash`,
        { replacements: { tokenHash }, type: QueryTypes.SELECT },
      );
      return row && toPending(row);
    },

    /**
     * Creates the account of a sign-up whose link was opened: a verified requester (the link
     * proves the address). A requester row the service desk already has without a password (an
     * operator's `helpdesk user add`, the demo seed) gets the password, is verified, and takes
     * the sign-up's language and time zone; its name stays the one the desk knows. Once: every
     * other pending sign-up of the address is used up with it. An address that got a password
     * meanwhile, or is staff, is not touched ('taken').
     */
    async complete(tokenHash: string): Promise<Completion> {
      return sequelize.transaction(async (tx): Promise<Completion> => {
        const [row] = await sequelize.query<PendingRow & { now: Date }>(
          `SELECT email, display_name, locale, time_zone, password_hash, expires_at, used_at, now() AS now FROM pending_sign_ups WHERE token_hash = :tokenHash FOR UPDATE`,
          { replacements: { tokenHash }, type: QueryTypes.SELECT, transaction: tx },
        );
        if (!row) return { ok: false, reason: 'unknown' };
        if (row.used_at) return { ok: false, reason: 'used' };
        if (row.expires_at <= row.now) return { ok: false, reason: 'expired' };
        const created = await sequelize.query<{ id: string }>(
          `INSERT INTO users (email, display_name, locale, time_zone, role, password_hash, email_verified_at)
           VALUES (:email, :displayName, :locale, :timeZone, 'requester', :passwordHash, now())
           ON CONFLICT (email) DO UPDATE
             SET password_hash = EXCLUDED.password_hash, locale = EXCLUDED.locale, time_zone = EXCLUDED.time_zone,
                 email_verified_at = COALESCE(users.email_verified_at, now())
             WHERE users.password_hash IS NULL AND users.role = 'requester'
           RETURNING id::text AS id`,
          { replacements: { email: row.email, displayName: row.display_name, locale: row.locale, timeZone: row.time_zone, passwordHash: row.password_hash }, type: QueryTypes.SELECT, transaction: tx },
        );
        await sequelize.query(`UPDATE pending_sign_ups SET used_at = now() WHERE email = :email AND used_at IS NULL`, { replacements: { email: row.email }, transaction: tx });
        const id = created[0]?.id;
        return id === undefined ? { ok: false, reason: 'taken' } : { ok: true, userId: Number(id) };
      });
    },
  };
}

export type SignUpRepo = ReturnType<typeof createSignUpRepo>;
