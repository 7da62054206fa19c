/**
 * How far each polled IMAP mailbox has been read (migration 0029): its UIDVALIDITY and the last
 * UID taken in, by a key that holds no password and no account name. See api/mail-in/imap.ts.
 */
import { QueryTypes, type Sequelize } from 'sequelize';

export interface MailboxStart {
  /** The highest UID taken in under the mailbox's current UIDVALIDITY (0: none yet). */
  lastUid: number;
  /** The UIDVALIDITY the mailbox had before this poll; null on the first poll of the mailbox. */
  previousUidValidity: string | null;
}

export function createImapMailboxesRepo(sequelize: Sequelize) {
  return {
    /**
     * Begins a poll of the mailbox under `uidValidity`: answers where to go on from, and the
     * UIDVALIDITY recorded before. A UIDVALIDITY other than the recorded one starts the mailbox
     * from its first message again (its UIDs were renumbered).
     */
    async begin(key: string, uidValidity: string): Promise<MailboxStart> {
      const [r] = await sequelize.query<{ last_uid: string; previous: string | null }>(
        `WITH before AS (SELECT uid_validity FROM imap_mailboxes WHERE mailbox_key = :key)
         INSERT INTO imap_mailboxes AS m (mailbox_key, uid_validity, last_uid, polled_at) VALUES (:key, :uidValidity, 0, now())
         ON CONFLICT (mailbox_key) DO UPDATE SET
           last_uid = CASE WHEN m.uid_validity = EXCLUDED.uid_validity THEN m.last_uid ELSE 0 END,
           uid_validity = EXCLUDED.uid_validity,
           polled_at = now()
         RETURNING m.last_uid::text AS last_uid, (SELECT uid_validity::text FROM before) AS previous`,
        { replacements: { key, uidValidity }, type: QueryTypes.SELECT },
      );
      return { lastUid: Number(r!.last_uid), previousUidValidity: r!.previous };
    },
    /** The message `uid` is taken in: the next poll goes on after it. Never moves back; a stale UIDVALIDITY changes nothing. */
    async advance(key: string, uidValidity: string, uid: number): Promise<void> {
      await sequelize.query(
        `UPDATE imap_mailboxes SET last_uid = GREATEST(last_uid, :uid), taken_at = now() WHERE mailbox_key = :key AND uid_validity = :uidValidity`,
        { replacements: { key, uidValidity, uid } },
      );
    },
  };
}

export type ImapMailboxesRepo = ReturnType<typeof createImapMailboxesRepo>;
