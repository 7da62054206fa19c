/**
 * Sign-ups waiting for their address to be proven, and the mail about accounts
 * (`account_mail_outbox`, delivered by the notifications). A pending sign-up keeps only a
 * SHA-256 of its link's token — but the mail carrying the link holds it (sealed under the
 * recipient's key) until it is sent: the mailer marks it `delivered`, which blanks the link (see
 * docs/portal.md). Even with the link, finishing a sign-up takes the password chosen at sign-up,
 * which is kept only as an argon2id hash. Addresses, names and mails are sealed per person and
 * found by the address's blind index (db/account-sealing.ts). Plain records only.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import { AccountContext, linkPerson, lockPersons, normaliseEmail, openColumn, sealIdentity, sealPlainUser, type SealedIdentity } from './account-sealing.ts';
import { ErasedError, type Vault } from './vault.ts';

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

/** A queued account mail, opened, for the mailer (and a person's export). */
export interface QueuedAccountMail extends AccountMail {
  id: number;
  deliveredAt: Date | null;
}

interface PendingRow {
  email: string | null; display_name: string | null; email_sealed: string | null; display_name_sealed: string | null;
  locale: string; time_zone: string; password_hash: string; expires_at: Date; used_at: Date | null;
}

interface MailRow { id: string; recipient: string | null; recipient_ref: string | null; language: string; kind: AccountMailKind; payload: AccountMail['payload'] | null; payload_sealed: string | null; delivered_at: Date | null }

const PENDING = `SELECT email, display_name, email_sealed, display_name_sealed, locale, time_zone, password_hash, expires_at, used_at FROM pending_sign_ups`;

export function createSignUpRepo(sequelize: Sequelize, vault: Vault) {
  /** A pending sign-up opened; undefined when its person was erased. */
  async function toPending(r: PendingRow): Promise<PendingSignUp | undefined> {
    const [email, displayName] = await Promise.all([
      openColumn(vault, r.email_sealed, r.email, 'email', AccountContext.signUp),
      openColumn(vault, r.display_name_sealed, r.display_name, 'name', AccountContext.signUp),
    ]);
    if (email === null || displayName === null) return undefined;
    return { email, displayName, locale: r.locale, timeZone: r.time_zone, passwordHash: r.password_hash, expiresAt: r.expires_at, usedAt: r.used_at };
  }

  /** A mail's sealed payload: under the recipient's own key, bound to the outbox. */
  const sealPayload = (recipient: string, payload: object) => vault.seal(recipient, 'person', 'mail', AccountContext.mail, JSON.stringify(payload));

  /** The queue's work: the queued mail's id; false when a person was erased meanwhile (nothing is written). */
  async function queueOnce(mail: AccountMail, p: NewPendingSignUp, keep: boolean): Promise<number | false> {
    let sealed: SealedIdentity, recipient: string, payloadSealed: string;
    try {
      sealed = await sealIdentity(vault, p.email, p.displayName, AccountContext.signUp);
      recipient = await vault.personRef(mail.recipient);
      payloadSealed = await sealPayload(recipient, mail.payload);
    } catch (err) {
      if (err instanceof ErasedError) return false;
      throw err;
    }
    return sequelize.transaction(async (tx) => {
      // The persons first, as an erasure locks them (db/account-sealing.ts lockPersons).
      if (!(await lockPersons(sequelize, [sealed.personId, recipient], tx))) return false;
      // Forgotten: their link is then simply unknown.
      await sequelize.query(`DELETE FROM pending_sign_ups WHERE expires_at < now() - interval '7 days'`, { transaction: tx });
      await sequelize.query(
        `INSERT INTO pending_sign_ups (token_hash, email_bidx, email_sealed, display_name_sealed, person_id, locale, time_zone, password_hash, expires_at)
         SELECT :tokenHash, :bidx, :emailSealed, :nameSealed, CAST(:personId AS uuid), :locale, :timeZone, :passwordHash, CAST(:expiresAt AS timestamptz) WHERE CAST(:keep AS boolean)`,
        { replacements: { ...sealed, tokenHash: p.tokenHash, locale: p.locale, timeZone: p.timeZone, passwordHash: p.passwordHash, expiresAt: p.expiresAt, keep }, transaction: tx },
      );
      const [queued] = await sequelize.query<{ id: string }>(
        `INSERT INTO account_mail_outbox (recipient_ref, language, kind, payload_sealed) VALUES (CAST(:recipient AS uuid), :language, :kind, :payloadSealed) RETURNING id`,
        { replacements: { recipient, language: mail.language, kind: mail.kind, payloadSealed }, transaction: tx, type: QueryTypes.SELECT },
      );
      return Number(queued!.id);
    });
  }

  return {
    /**
     * Queues a sign-up's mail and, when `keep`, stores its pending sign-up, in one transaction.
     * The same work runs either way (the pending sign-up is sealed always and inserted only when
     * kept), so a known address and a new one take the same time; sign-ups whose link expired a
     * week ago are swept (by the index on expires_at, migration 0010) on every call. The address,
     * the name and the mail are sealed under the person's key; the mail names its recipient by pseudonym.
     */
    /** Answers the queued mail's id (account_mail_outbox), for starting its delivery. */
    async queue(mail: AccountMail, p: NewPendingSignUp, keep: boolean): Promise<number> {
      // Erased while this ran (the person is then gone): once more, as a new person.
      const id = (await queueOnce(mail, p, keep)) || (await queueOnce(mail, p, keep));
      if (id === false) throw new Error('The person with this address was erased while their sign-up was being written, twice; ask again.');
      return id;
    },

    /** The account mail queued for an address, oldest first, opened (an erased recipient's is left out). */
    async mailsTo(email: string): Promise<QueuedAccountMail[]> {
      const ref = await vault.knownRef(email);
      if (!ref) return [];
      const rows = await sequelize.query<MailRow>(`SELECT * FROM account_mail_outbox WHERE recipient_ref = :ref ORDER BY id`, { replacements: { ref }, type: QueryTypes.SELECT });
      const out: QueuedAccountMail[] = [];
      for (const r of rows) {
        const payload = r.payload_sealed === null ? r.payload : await vault.open(r.payload_sealed, 'mail', AccountContext.mail);
        if (payload === null) continue;
        out.push({ id: Number(r.id), recipient: normaliseEmail(email), language: r.language, kind: r.kind, payload: typeof payload === 'string' ? JSON.parse(payload) as AccountMail['payload'] : payload, deliveredAt: r.delivered_at });
      }
      return out;
    },

    /**
     * For the mailer, once a mail is sent: marks it delivered and blanks its link (also in its
     * text), so the database no longer holds a sign-up link anyone could open.
     */
    async delivered(id: number): Promise<void> {
      const [row] = await sequelize.query<MailRow>(`SELECT * FROM account_mail_outbox WHERE id = :id AND delivered_at IS NULL`, { replacements: { id }, type: QueryTypes.SELECT });
      if (!row) return;
      const opened = row.payload_sealed === null || row.recipient_ref === null ? null : await vault.open(row.payload_sealed, 'mail', AccountContext.mail);
      if (opened === null) {
        // From before sealing (plain jsonb), or its recipient was erased.
        await sequelize.query(
          `UPDATE account_mail_outbox
              SET delivered_at = now(),
                  payload = CASE WHEN payload IS NULL THEN NULL ELSE jsonb_set(payload - 'link', '{text}', to_jsonb(replace(payload->>'text', payload->>'link', '[…]'))) END
            WHERE id = :id AND delivered_at IS NULL`,
          { replacements: { id } },
        );
        return;
      }
      const { link, ...rest } = JSON.parse(opened) as AccountMail['payload'];
      const payloadSealed = await sealPayload(row.recipient_ref!, { ...rest, text: rest.text.replaceAll(link, '[…]') });
      await sequelize.query(`UPDATE account_mail_outbox SET delivered_at = now(), payload_sealed = :payloadSealed WHERE id = :id AND delivered_at IS NULL`, { replacements: { id, payloadSealed } });
    },

    async pending(tokenHash: string): Promise<PendingSignUp | undefined> {
      const [row] = await sequelize.query<PendingRow>(`${PENDING} WHERE token_hash = :tokenHash`, { replacements: { tokenHash }, type: QueryTypes.SELECT });
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
      // Sealed for the account before the transaction (sealing may make the person's key, on connections of its own).
      const found = await this.pending(tokenHash);
      if (!found) return { ok: false, reason: 'unknown' };
      const account = await sealIdentity(vault, found.email, found.displayName, AccountContext.user).catch((err: unknown) => {
        if (err instanceof ErasedError) return undefined; // erased just now: the sign-up went with them
        throw err;
      });
      if (!account) return { ok: false, reason: 'unknown' };
      return sequelize.transaction(async (tx): Promise<Completion> => {
        // The person first, as an erasure locks them (db/account-sealing.ts lockPersons). Erased
        // meanwhile: their sign-up is gone with them, so the link is unknown.
        if (!(await lockPersons(sequelize, [account.personId], tx))) return { ok: false, reason: 'unknown' };
        const [row] = await sequelize.query<{ expires_at: Date; used_at: Date | null; now: Date }>(
          `SELECT expires_at, used_at, now() AS now FROM pending_sign_ups WHERE token_hash = :tokenHash FOR UPDATE`,
          { replacements: { tokenHash }, type: QueryTypes.SELECT, transaction: tx },
        );
        if (!row) return { ok: false, reason: 'unknown' };
        if (row.used_at) return { ok: false, reason: 'used' };
        if (row.expires_at <= row.now) return { ok: false, reason: 'expired' };
        // An account of the address from before sealing is this one, sealed now (it keeps its name).
        await sealPlainUser(sequelize, vault, account, found.email, tx);
        const created = await sequelize.query<{ id: string }>(
          `INSERT INTO users (email_bidx, email_sealed, display_name_sealed, person_id, locale, time_zone, role, password_hash, email_verified_at)
           VALUES (:bidx, :emailSealed, :nameSealed, :personId, :locale, :timeZone, 'requester', :passwordHash, now())
           ON CONFLICT (email_bidx) DO UPDATE
             SET password_hash = EXCLUDED.password_hash, locale = EXCLUDED.locale, time_zone = EXCLUDED.time_zone,
                 email_verified_at = COALESCE(users.email_verified_at, now())
             WHERE users.password_hash IS NULL AND users.role = 'requester'
           RETURNING id::text AS id`,
          { replacements: { ...account, locale: found.locale, timeZone: found.timeZone, passwordHash: found.passwordHash }, type: QueryTypes.SELECT, transaction: tx },
        );
        await sequelize.query(`UPDATE pending_sign_ups SET used_at = now() WHERE email_bidx = :bidx AND used_at IS NULL`, { replacements: { bidx: account.bidx }, transaction: tx });
        const id = created[0]?.id;
        if (id === undefined) return { ok: false, reason: 'taken' };
        await linkPerson(sequelize, account.personId, Number(id), tx);
        return { ok: true, userId: Number(id) };
      });
    },
  };
}

export type SignUpRepo = ReturnType<typeof createSignUpRepo>;
