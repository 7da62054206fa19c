/**
 * The messages taken in by mail (migration 0028): each once, by a hash of its Message-ID; how many
 * a sender sent lately (by blind index: no address is stored). See api/mail-in/.
 */
import { createHash } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';

export type InboundOutcome = 'created' | 'replied' | 'auto_reply' | 'bounce' | 'list' | 'loop' | 'capped' | 'empty';
/** What a stored row may say: an outcome, or that it is being taken in now. */
type StoredOutcome = InboundOutcome | 'processing';
export type InboundChannel = 'smtp' | 'lmtp' | 'imap';

/** The key a message is known by: its Message-ID (or, without one, its bytes), hashed. */
export function messageKey(messageId: string | undefined, raw: Buffer): string {
  return createHash('sha256').update(messageId ? `id:${messageId.trim().toLowerCase()}` : raw).digest('hex');
}

export function createInboundMailRepo(sequelize: Sequelize) {
  return {
    /** What became of a message taken in before, or undefined. */
    async seen(key: string): Promise<{ outcome: StoredOutcome; ticketNumber: string | null } | undefined> {
      const [r] = await sequelize.query<{ outcome: StoredOutcome; ticket_number: string | null }>(`SELECT outcome, ticket_number FROM inbound_mail WHERE message_key = :key`, { replacements: { key }, type: QueryTypes.SELECT });
      return r && { outcome: r.outcome, ticketNumber: r.ticket_number };
    },
    /** How many messages from this sender were taken in (in any outcome) in the last 24 hours. */
    async sentLately(senderBidx: string): Promise<number> {
      const [r] = await sequelize.query<{ n: string }>(`SELECT count(*)::text AS n FROM inbound_mail WHERE sender_bidx = :senderBidx AND received_at > now() - interval '1 day'`, { replacements: { senderBidx }, type: QueryTypes.SELECT });
      return Number(r?.n ?? 0);
    },
    /**
     * Claims a message before it is taken in: true when this caller may take it (new, or a claim a
     * crash left more than 10 minutes ago); false when it was taken in, or is being taken in now.
     */
    async claim(key: string, channel: InboundChannel): Promise<boolean> {
      const rows = await sequelize.query<{ id: string }>(
        `INSERT INTO inbound_mail (message_key, channel, outcome) VALUES (:key, :channel, 'processing')
         ON CONFLICT (message_key) DO UPDATE SET received_at = now()
           WHERE inbound_mail.outcome = 'processing' AND inbound_mail.received_at < now() - interval '10 minutes'
         RETURNING id`,
        { replacements: { key, channel }, type: QueryTypes.SELECT },
      );
      return rows.length > 0;
    },
    /** A claimed message could not be taken in now (a fault): unclaimed, so the sender's retry takes it. */
    async release(key: string): Promise<void> {
      await sequelize.query(`DELETE FROM inbound_mail WHERE message_key = :key AND outcome = 'processing'`, { replacements: { key } });
    },
    /** What became of a claimed message. */
    async record(r: { key: string; senderBidx: string | null; channel: InboundChannel; outcome: InboundOutcome; ticketNumber: string | null }): Promise<void> {
      await sequelize.query(
        `UPDATE inbound_mail SET sender_bidx = :senderBidx, channel = :channel, outcome = :outcome, ticket_number = :ticketNumber WHERE message_key = :key`,
        { replacements: r },
      );
    },
  };
}

export type InboundMailRepo = ReturnType<typeof createInboundMailRepo>;
