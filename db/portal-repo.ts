/**
 * What the portal keeps beside the ticket read model: secret follow links (hashes
 * only), who reported a ticket while signed in, attachments, satisfaction ratings
 * and shared settings. Plain records only.
 *
 * Personal data arrives here already sealed (api/portal/use-cases/portal-data.ts seals it
 * and opens it again): an attachment's filename and bytes, a rating's comment and the follow
 * link are `sealed:v1:` values, and people are their pseudonyms (persons.id), never
 * addresses. Rows written before sealing keep their plain values; readers tell them apart
 * by the filename (or comment) not being sealed.
 */
import { QueryTypes, type Sequelize } from 'sequelize';

export interface AttachmentMeta {
  id: number;
  ticketNumber: string;
  /** As stored: sealed (field 'filename'), or plain for a row from before sealing. */
  filename: string;
  contentType: string;
  sizeBytes: number;
  createdAt: string;
}

export interface NewAttachment {
  filename: string;
  contentType: string;
  /**
   * How the same file sent again on the same ticket is recognised; stored in the `sha256` column.
   * An upload (api/portal/attachments.ts) carries the SHA-256 of its plain content; sealing it
   * (api/portal/use-cases/portal-data.ts sealAttachments) puts the keyed fingerprint of the
   * content here instead (vault.fingerprint: an HMAC under a key the master key wraps), so nobody
   * with the database alone can test whether a known file is attached. Rows from before keep
   * their plain SHA-256.
   */
  sha256: string;
  /** The plain content's SHA-256, never stored: a file sent again is also recognised by a row from before fingerprints. @default sha256 */
  legacySha256?: string;
  /** What is stored: the sealed bytes (the `sealed:v1:` string's UTF-8 bytes), or plain bytes. */
  data: Buffer;
  /** The plain file's size (what the page shows). @default data.length */
  sizeBytes?: number;
}

export interface RatingRecord {
  score: number;
  /** As stored: sealed (field 'comment'), or plain for a rating from before sealing. */
  comment: string | null;
  createdAt: string;
}

interface AttachmentRow { id: string; ticket_number: string; filename: string; content_type: string; size_bytes: number; created_at: Date }

const toMeta = (r: AttachmentRow): AttachmentMeta => ({
  id: Number(r.id), ticketNumber: r.ticket_number, filename: r.filename, contentType: r.content_type, sizeBytes: r.size_bytes, createdAt: r.created_at.toISOString(),
});

export function createPortalRepo(sequelize: Sequelize) {
  return {
    /** The session-signing secret every web process shares (made by migration 0004). */
    async sessionSecret(): Promise<string> {
      const [row] = await sequelize.query<{ value: string }>(`SELECT value FROM portal_settings WHERE key = 'session_secret'`, { type: QueryTypes.SELECT });
      if (!row) throw new Error('portal_settings has no session_secret: run the migrations');
      return row.value;
    },

    /**
     * Stores the hash of a follow token and queues the e-mail that carries the link
     * (delivery is the notifications' job). One queued link per ticket.
     *
     * `requester` is the requester's pseudonym: requester_tokens.email (a text column named
     * before sealing) holds it instead of an address. The outbox payload is
     * `{ requester, link, locale }` with `link` sealed under the requester's key for the
     * ticket (field 'link', context the ticket number): the delivery opens it with
     * `vault.open(link, 'link', ticketNumber)` and finds the address by `vault.addressOf(requester)`.
     */
    async addFollowToken(t: { tokenHash: string; ticketNumber: string; requester: string; sealedLink: string; locale: string }): Promise<number | undefined> {
      return sequelize.transaction(async (tx) => {
        await sequelize.query(
          `INSERT INTO requester_tokens (token_hash, ticket_number, email) VALUES (:tokenHash, :ticketNumber, :requester)`,
          { replacements: { tokenHash: t.tokenHash, ticketNumber: t.ticketNumber, requester: t.requester }, transaction: tx },
        );
        const queued = await sequelize.query(
          `INSERT INTO notification_outbox (ticket_number, event_seq, role, kind, payload)
           VALUES (:ticketNumber, 0, 'requester', 'follow_link', :payload)
           ON CONFLICT (ticket_number, event_seq, role) DO NOTHING RETURNING id`,
          { replacements: { ticketNumber: t.ticketNumber, payload: JSON.stringify({ requester: t.requester, link: t.sealedLink, locale: t.locale }) }, transaction: tx, type: QueryTypes.SELECT },
        ) as unknown as Array<{ id: string }>;
        return queued[0] ? Number(queued[0].id) : undefined;
      });
    },

    async tokenTicket(tokenHash: string): Promise<string | undefined> {
      const [row] = await sequelize.query<{ ticket_number: string }>(`SELECT ticket_number FROM requester_tokens WHERE token_hash = :tokenHash`, { replacements: { tokenHash }, type: QueryTypes.SELECT });
      return row?.ticket_number;
    },

    /** Records the portal account that reported a ticket while signed in (idempotent: the first one stays). */
    async recordSubmitter(ticketNumber: string, userId: number): Promise<void> {
      await sequelize.query(
        `INSERT INTO ticket_submitters (ticket_number, user_id) VALUES (:ticketNumber, :userId) ON CONFLICT (ticket_number) DO NOTHING`,
        { replacements: { ticketNumber, userId } },
      );
    },

    /** The id of the account that reported this ticket while signed in, if one did. */
    async submitter(ticketNumber: string): Promise<number | undefined> {
      const [row] = await sequelize.query<{ user_id: string }>(`SELECT user_id::text AS user_id FROM ticket_submitters WHERE ticket_number = :ticketNumber`, { replacements: { ticketNumber }, type: QueryTypes.SELECT });
      return row ? Number(row.user_id) : undefined;
    },

    /**
     * Adds a ticket's attachments in one transaction (`uploadedBy`: the uploader's pseudonym).
     * The same content again on the same ticket (the same fingerprint, or for a row from before
     * fingerprints the same plain SHA-256) is recognised and not stored twice, whatever its name:
     * a sealed filename differs at every sealing, so the table's
     * UNIQUE (ticket_number, sha256, filename) no longer catches a repeat. A transaction-scoped
     * advisory lock per ticket makes concurrent sends (a double click) see each other's rows.
     */
    async addAttachments(ticketNumber: string, uploadedBy: string, files: NewAttachment[]): Promise<void> {
      if (files.length === 0) return;
      await sequelize.transaction(async (tx) => {
        await sequelize.query(`SELECT pg_advisory_xact_lock(hashtextextended('ticket_attachments:' || :ticketNumber, 0))`, { replacements: { ticketNumber }, transaction: tx });
        for (const f of files) {
          await sequelize.query(
            `INSERT INTO ticket_attachments (ticket_number, filename, content_type, size_bytes, sha256, data, uploaded_by)
             SELECT :ticketNumber, :filename, :contentType, :size, :sha256, :data, :uploadedBy
             WHERE NOT EXISTS (SELECT 1 FROM ticket_attachments WHERE ticket_number = :ticketNumber AND sha256 IN (:sha256, :legacySha256))
             ON CONFLICT (ticket_number, sha256, filename) DO NOTHING`,
            {
              replacements: {
                ticketNumber, uploadedBy, filename: f.filename, contentType: f.contentType, size: f.sizeBytes ?? f.data.length,
                sha256: f.sha256, legacySha256: f.legacySha256 ?? f.sha256, data: f.data,
              },
              transaction: tx,
            },
          );
        }
      });
    },

    async attachments(ticketNumber: string): Promise<AttachmentMeta[]> {
      const rows = await sequelize.query<AttachmentRow>(
        `SELECT id::text AS id, ticket_number, filename, content_type, size_bytes, created_at FROM ticket_attachments WHERE ticket_number = :ticketNumber ORDER BY id`,
        { replacements: { ticketNumber }, type: QueryTypes.SELECT },
      );
      return rows.map(toMeta);
    },

    async attachment(ticketNumber: string, id: number): Promise<(AttachmentMeta & { data: Buffer }) | undefined> {
      const [row] = await sequelize.query<AttachmentRow & { data: Buffer }>(
        `SELECT id::text AS id, ticket_number, filename, content_type, size_bytes, created_at, data FROM ticket_attachments WHERE ticket_number = :ticketNumber AND id = :id`,
        { replacements: { ticketNumber, id }, type: QueryTypes.SELECT },
      );
      return row && { ...toMeta(row), data: row.data };
    },

    async countAttachments(): Promise<number> {
      const [row] = await sequelize.query<{ n: string }>(`SELECT count(*)::text AS n FROM ticket_attachments`, { type: QueryTypes.SELECT });
      return Number(row?.n ?? 0);
    },

    /** `comment` sealed (field 'comment') and `ratedBy` a pseudonym for a sealed ticket; plain for a ticket from before sealing. */
    async saveRating(ticketNumber: string, r: { score: number; comment: string | null; ratedBy: string }): Promise<void> {
      await sequelize.query(
        `INSERT INTO ticket_ratings (ticket_number, score, comment, rated_by) VALUES (:ticketNumber, :score, :comment, :ratedBy)
         ON CONFLICT (ticket_number) DO UPDATE SET score = EXCLUDED.score, comment = EXCLUDED.comment, rated_by = EXCLUDED.rated_by, created_at = now()`,
        { replacements: { ticketNumber, ...r } },
      );
    },

    async rating(ticketNumber: string): Promise<RatingRecord | undefined> {
      const [row] = await sequelize.query<{ score: number; comment: string | null; created_at: Date }>(
        `SELECT score, comment, created_at FROM ticket_ratings WHERE ticket_number = :ticketNumber`,
        { replacements: { ticketNumber }, type: QueryTypes.SELECT },
      );
      return row && { score: row.score, comment: row.comment, createdAt: row.created_at.toISOString() };
    },
  };
}

export type PortalRepo = ReturnType<typeof createPortalRepo>;
