/**
 * The messages taken in by mail (migration 0028): each once, by a hash of its Message-ID; how many
 * a sender sent lately (by blind index: no address is stored). See api/mail-in/.
 */
import { createHash } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';

export type InboundOutcome = 'created' | 'replied' | 'auto_reply' | 'bounce' | 'list' | 'loop' | 'capped' | 'empty';
export type InboundChannel = 'smtp' | 'lmtp' | 'imap';

/** The key a message is known by: its Message-ID (or, without one, its bytes), hashed. */
export function messageKey(messageId: string | undefined, raw: Buffer): string {
  return createHash('sha256').update(messageId ? `id:${messageId.trim().toLowerCase()}` : raw).digest('hex');
}

export function createInboundMailRepo(sequelize: Sequelize) {
  return {
    /** What became of a message taken in before, or undefined. */
    async seen(key: string): Promise<{ outcome: InboundOutcome; ticketNumber: string | null } | undefined> {
      const [r] = await sequelize.query<{ outcome: InboundOutcome; ticket_number: string | null }>(`SELECT outcome, ticket_number FROM inbound_mail WHERE message_key = :key`, { replacements: { key }, type: QueryTypes.SELECT });
      return r && { outcome: r.outcome, ticketNumber: r.ticket_number };
    },
    /** How many messages from this sender were taken in (in any outcome) in the last 24 hours. */
    async sentLately(senderBidx: string): Promise<number> {
      const [r] = await sequelize.query<{ n: string }>(`SELECT count(*)::text AS n FROM inbound_mail WHERE sender_bidx = :senderBidx AND received_at > now() - interval '1 day'`, { replacements: { senderBidx }, type: QueryTypes.SELECT });
      return Number(r?.n ?? 0);
    },
    /** Records a message taken in; a second record of the same message keeps the first. */
    async record(r: { key: string; senderBidx: string | null; channel: InboundChannel; outcome: InboundOutcome; ticketNumber: string | null }): Promise<void> {
      await sequelize.query(
        `INSERT INTO inbound_mail (message_key, sender_bidx, channel, outcome, ticket_number) VALUES (:key, :senderBidx, :channel, :outcome, :ticketNumber) ON CONFLICT (message_key) DO NOTHING`,
        { replacements: r },
      );
    },
  };
}

export type InboundMailRepo = ReturnType<typeof createInboundMailRepo>;
