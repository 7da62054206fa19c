/**
 * Threading by ticket (docs/mail.md): every mail about a ticket names one root Message-ID in
 * `In-Reply-To` and `References` — `<HD-2026-000042@domain>`, made from the number alone, never
 * sent itself — and carries a constant subject with the number, so a mail client keeps one thread
 * per ticket whatever it threads by. Each message's own Message-ID is fixed by its outbox row and
 * recipient (`<HD-2026-000042.e7.3f2a9c0d1b2e4f5a@domain>`): every attempt at one message sends
 * the same one, so a copy sent twice is recognisably the same message. The number can be read back
 * from any of them (an e-mail reply's In-Reply-To or References).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { OutboxRef } from '../../db/notification-deliveries-repo.ts';

const NUMBER = /^[A-Z]{1,8}-\d{4}-\d{6,}$/;

/** What our Message-IDs are made with: the From address's domain, and the secret that signs a ticket's thread tag. */
export interface ThreadKey {
  domain: string;
  secret: string;
}

/** A ticket's thread tag: a keyed hash of its number, so only a Message-ID we made names its thread. */
function tagOf(ticketNumber: string, key: ThreadKey): string {
  return createHmac('sha256', key.secret).update(`thread:${ticketNumber}`).digest('hex').slice(0, 16);
}

export function rootMessageId(ticketNumber: string, key: ThreadKey): string {
  return `<${ticketNumber}.${tagOf(ticketNumber, key)}@${key.domain}>`;
}

/** The Message-ID of the message `recipient` gets for an outbox row; the hash keeps the recipient's key out of it. */
export function messageIdFor(ref: OutboxRef, recipient: string, key: ThreadKey, ticket?: { number: string; eventSeq: number }): string {
  const hash = createHash('sha256').update(`${ref.source}:${ref.id}:${recipient}`).digest('hex').slice(0, 16);
  return ticket ? `<${ticket.number}.${tagOf(ticket.number, key)}.e${ticket.eventSeq}.${hash}@${key.domain}>` : `<account.${ref.id}.${hash}@${key.domain}>`;
}

/** The ticket a Message-ID of ours names (its root or one message's) — only when its thread tag is right — or undefined. */
export function ticketOfMessageId(messageId: string, key: ThreadKey): string | undefined {
  const m = /^<?([^@<>\s]+)@([^<>\s]+?)>?$/.exec(messageId.trim());
  if (!m || m[2]!.toLowerCase() !== key.domain.toLowerCase()) return undefined;
  const [number = '', tag = ''] = m[1]!.split('.');
  if (!NUMBER.test(number) || !/^[0-9a-f]{16}$/.test(tag)) return undefined;
  return timingSafeEqual(Buffer.from(tag), Buffer.from(tagOf(number, key))) ? number : undefined;
}
/** The thread's subject: the same for every mail of the ticket. */
export function threadSubject(ticketNumber: string, title: string): string {
  const oneLine = title.replace(/\s+/g, ' ').trim();
  const short = oneLine.length > 120 ? `${oneLine.slice(0, 119)}…` : oneLine;
  return `[${ticketNumber}] ${short}`;
}

/** The headers of every automatic mail (RFC 3834; Exchange's auto-reply suppression). */
export const AUTOMATIC_HEADERS: Readonly<Record<string, string>> = {
  'Auto-Submitted': 'auto-generated',
  'X-Auto-Response-Suppress': 'All',
};
