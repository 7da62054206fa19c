/**
 * Delivering one outbox row (docs/mail.md), in the steps workflows/notification.ts runs as
 * activities: `plan` (who gets a message, in which language, with which Message-ID — written once),
 * `send` one message (skipped when already sent), `fail` one for good, and `settle` the row
 * (delivered; the follow link and the sign-up link then leave the database). Addresses and texts
 * are opened here, when the message is sent, and never written back or logged.
 */
import type { i18n } from 'i18next';
import type { DeliveriesRepo, DeliveryRow, OutboxRef } from '../../db/notification-deliveries-repo.ts';
import type { TicketRecord } from '../../db/tickets-repo.ts';
import type { UserRecord } from '../../db/users-repo.ts';
import { AccountContext } from '../../db/account-sealing.ts';
import { isSealed, type SealedField } from '../../db/vault.ts';
import { languageOf, peopleOf, recipientsOf, type RecipientDeps } from './recipients.ts';
import { composeAccountMail, composeDigest, composeSms, composeTicketMail, type ComposedMail, type MailEventData } from './compose.ts';
import { channelsFor, type PreferenceDeps } from './preferences.ts';
import type { SmsProvider } from './sms.ts';
import { messageIdFor, rootMessageId, type ThreadKey } from './threading.ts';
import { PermanentMailError, type MailTransport } from './transport.ts';
import type { NotificationEngine } from '../../activities/notify.ts';

export interface DeliveryDeps extends RecipientDeps, PreferenceDeps {
  deliveries: DeliveriesRepo;
  /** The read model, opened (db/tickets-repo through services/privacy/ticket-data.ts). */
  tickets: { get(number: string): Promise<TicketRecord | undefined> };
  users: RecipientDeps['users'] & { findById(id: number): Promise<UserRecord | undefined> };
  vault: RecipientDeps['vault'] & { open(value: string, field: SealedField, context: string): Promise<string | null> };
  /** Account mails: marking one delivered blanks its link (db/sign-up-repo.ts). */
  signUps: { delivered(id: number): Promise<void> };
  i18n: i18n;
  transport: MailTransport;
  /** The From address's domain and the thread secret: of every Message-ID (threading.ts). */
  mail: ThreadKey;
  publicUrl: string;
  /** The SMS gateway (HELPDESK_SMS_URL), when one is configured. */
  sms?: SmsProvider | undefined;
}

/** The delivery steps as the activities call them (activities/notify.ts), implemented here. */
export type DeliveryEngine = NotificationEngine;

/** The fields of an outbox payload that carry someone's words, and the seal field of each. */
const TEXT_FIELDS: Readonly<Record<string, SealedField>> = { message: 'message', reason: 'note', note: 'note' };

export function createDeliveryEngine(deps: DeliveryDeps): DeliveryEngine {
  const open = async (value: unknown, field: SealedField, context: string): Promise<string | null> => {
    if (typeof value !== 'string') return null;
    if (!isSealed(value)) return value;
    return deps.vault.open(value, field, context).catch(() => null);
  };

  async function planTicket(ref: OutboxRef): Promise<DeliveryRow[]> {
    const row = await deps.deliveries.ticketOutbox(ref.id);
    if (!row) return [];
    const ticket = await deps.tickets.get(row.ticketNumber);
    // Not recorded yet (a follow link is queued while intake may still be recording the ticket): planned again after a pause.
    if (!ticket) throw new Error(`Ticket ${row.ticketNumber} is not in the read model yet; its notification is planned again shortly.`);
    const siblings = row.eventSeq > 0 ? await deps.deliveries.ticketOutboxRoles(row.ticketNumber, row.eventSeq) : [{ id: row.id, role: row.role }];
    const recipients = await recipientsOf(deps, row, siblings, ticket, row.actor);
    // Every role of the event that names each person: one row reaches them, an SMS alert may name another of their roles.
    const rolesOf = new Map<string, Set<string>>();
    for (const sibling of siblings) {
      for (const p of await peopleOf(deps, sibling.role, ticket)) rolesOf.set(p.key, (rolesOf.get(p.key) ?? new Set()).add(sibling.role));
    }
    const planned = [];
    for (const r of recipients) {
      for (const channel of await channelsFor(deps, r.key, { kind: row.kind, roles: [...(rolesOf.get(r.key) ?? [row.role])] }, ticket.priority)) {
        // A mail's Message-ID is the recipient's; an SMS's or a digest line's reference is its own.
        const messageId = messageIdFor(ref, channel === 'email' ? r.key : `${r.key}#${channel}`, deps.mail, { number: row.ticketNumber, eventSeq: row.eventSeq });
        planned.push({ recipient: r.key, channel, language: r.language, messageId });
      }
    }
    return deps.deliveries.plan(ref, planned);
  }

  async function planAccount(ref: OutboxRef): Promise<DeliveryRow[]> {
    const row = await deps.deliveries.accountOutbox(ref.id);
    // A mail from before sealing names no pseudonym: there is nobody to open it for.
    if (!row || !row.recipientRef) return [];
    const key = `person:${row.recipientRef}`;
    return deps.deliveries.plan(ref, [{ recipient: key, channel: 'email', language: languageOf(row.language), messageId: messageIdFor(ref, key, deps.mail) }]);
  }

  /** The recipient's address as it is now (null: erased, deactivated, gone). */
  async function addressOf(key: string): Promise<string | null> {
    const [kind, id] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    if (kind === 'user') {
      const u = await deps.users.findById(Number(id));
      return u && u.active ? u.email : null;
    }
    return kind === 'person' ? ((await deps.vault.addressOf(id)) ?? null) : null;
  }

  async function composeTicket(d: DeliveryRow): Promise<{ mail: ComposedMail; thread: string; number: string } | null> {
    const row = await deps.deliveries.ticketOutbox(d.ref.id);
    const ticket = row && (await deps.tickets.get(row.ticketNumber));
    if (!row || !ticket) return null;
    const number = row.ticketNumber;
    const data: MailEventData = { into: typeof row.payload.into === 'string' ? row.payload.into : null, clock: typeof row.payload.clock === 'string' ? row.payload.clock : null, priority: typeof row.payload.priority === 'string' ? row.payload.priority : null };
    for (const [k, field] of Object.entries(TEXT_FIELDS)) (data as Record<string, string | null>)[k] = await open(row.payload[k], field, number);
    const requester = d.recipient.startsWith('person:');
    let href = `${deps.publicUrl}/${requester ? 'tickets' : 'agent/tickets'}/${number}`;
    if (row.kind === 'follow_link') {
      const link = await open(row.payload.link, 'link', number);
      if (!link) return null;
      href = link;
    }
    const mail = composeTicketMail(deps.i18n, { kind: row.kind, audience: requester ? 'requester' : 'staff', language: languageOf(d.language), ticket, data, href });
    return { mail, thread: rootMessageId(number, deps.mail), number };
  }

  async function composeAccount(d: DeliveryRow): Promise<ComposedMail | null> {
    const row = await deps.deliveries.accountOutbox(d.ref.id);
    if (!row?.payloadSealed || row.deliveredAt) return null;
    const opened = await deps.vault.open(row.payloadSealed, 'mail', AccountContext.mail).catch(() => null);
    if (!opened) return null;
    const p = JSON.parse(opened) as { subject?: string; text?: string };
    return composeAccountMail(deps.i18n, { language: languageOf(d.language), subject: p.subject ?? '', text: p.text ?? '' });
  }

  /** One SMS: the staff member's number now, the text in their language; the gateway refuses a repeat of its reference. `mail`: no gateway or no number any more. */
  async function sendSms(d: DeliveryRow): Promise<'sent' | 'mail'> {
    const userId = Number(d.recipient.slice('user:'.length));
    const user = d.recipient.startsWith('user:') ? await deps.users.findById(userId) : undefined;
    const phone = user?.active ? (await deps.settings.profile(userId)).phone : null;
    if (!deps.sms || !phone) return 'mail';
    const row = await deps.deliveries.ticketOutbox(d.ref.id);
    const ticket = row && (await deps.tickets.get(row.ticketNumber));
    if (!row || !ticket) throw new PermanentMailError('What the SMS was about is gone (erased or deleted), so it was not sent.');
    const p = row.payload;
    const data = { clock: typeof p.clock === 'string' ? p.clock : null, priority: typeof p.priority === 'string' ? p.priority : null, into: typeof p.into === 'string' ? p.into : null, fraction: typeof p.fraction === 'number' ? p.fraction : null };
    const text = composeSms(deps.i18n, { kind: row.kind, language: languageOf(d.language), ticket, data, href: `${deps.publicUrl}/agent/tickets/${ticket.number}` });
    await deps.deliveries.attempt(d.id);
    await deps.sms.send({ to: phone, text, reference: d.messageId });
    await deps.deliveries.sent(d.id);
    return 'sent';
  }

  return {
    async plan(ref) {
      const rows = ref.source === 'ticket' ? await planTicket(ref) : await planAccount(ref);
      // A digest line waits for the digest (services/notifications/digest.ts), not for this row's workflow.
      return rows.filter((r) => r.status === 'pending' && r.channel !== 'digest').map((r) => r.id);
    },

    async send(id) {
      const d = await deps.deliveries.get(id);
      if (d?.status === 'failed') throw new PermanentMailError(d.lastError ?? 'The message failed for good before.');
      if (!d || d.status !== 'pending' || d.channel === 'digest') return 'already';
      // An SMS to one whose number is gone goes as a mail instead: they are still told.
      if (d.channel === 'sms' && (await sendSms(d)) === 'sent') return 'sent';
      const to = await addressOf(d.recipient);
      if (!to) throw new PermanentMailError('The recipient has no address any more (erased, deactivated or removed), so the message was not sent.');
      const composed = d.ref.source === 'ticket' ? await composeTicket(d) : await composeAccount(d);
      if (!composed) throw new PermanentMailError('What the message was about is gone (erased or deleted), so it was not sent.');
      const { mail, thread, number } = 'mail' in composed ? composed : { mail: composed, thread: undefined, number: undefined };
      await deps.deliveries.attempt(id);
      await deps.transport.send({ to, ...mail, messageId: d.messageId, thread, language: d.language, ticket: number });
      await deps.deliveries.sent(id);
      return 'sent';
    },

    retrying: (id, message) => deps.deliveries.retrying(id, message),
    fail: (id, message) => deps.deliveries.failed(id, message),

    async eventRows(ticketNumber, eventSeq) {
      return (await deps.deliveries.ticketOutboxRoles(ticketNumber, eventSeq)).map((r) => ({ source: 'ticket' as const, id: r.id }));
    },

    undelivered: (olderThanMs, limit) => deps.deliveries.undelivered({ olderThanMs, limit }),

    async digests(limit, beat) {
      let digests = 0;
      let lines = 0;
      let later = 0;
      for (const recipient of await deps.deliveries.digestRecipients(limit)) {
        const waiting = await deps.deliveries.digestLines(recipient, 100);
        if (!waiting.length) continue;
        // A digest stamped before (sent, maybe, before a crash) goes again with exactly its lines and its Message-ID.
        const digestId = waiting[0]!.digestId ?? `<digest.${recipient.replace(':', '-')}.${waiting[0]!.id}@${deps.mail.domain}>`;
        const rows = waiting.filter((r) => (waiting[0]!.digestId ? r.digestId === digestId : true));
        const ids = rows.map((r) => r.id);
        if (!waiting[0]!.digestId) await deps.deliveries.stampDigest(ids, digestId);
        const to = await addressOf(recipient);
        if (!to) {
          await deps.deliveries.settleLines(ids, { sent: false, error: 'The recipient has no address any more (erased, deactivated or removed), so the digest was not sent.' });
          continue;
        }
        const text = (p: Record<string, unknown>, k: string) => (typeof p[k] === 'string' ? (p[k] as string) : null);
        const mail = composeDigest(deps.i18n, {
          language: languageOf(rows[0]!.language),
          lines: rows.map((r) => ({ number: r.ticketNumber, kind: r.kind, data: { clock: text(r.payload, 'clock'), priority: text(r.payload, 'priority'), into: text(r.payload, 'into') }, href: `${deps.publicUrl}/agent/tickets/${r.ticketNumber}` })),
          settingsHref: `${deps.publicUrl}/staff/notifications`,
        });
        try {
          await deps.transport.send({ to, ...mail, messageId: digestId, language: rows[0]!.language });
        } catch (err) {
          if (err instanceof PermanentMailError) await deps.deliveries.settleLines(ids, { sent: false, error: err.message });
          // Another's digest is not held up by this one: it goes again on the next run, with the same lines.
          else later++;
          continue;
        }
        await deps.deliveries.settleLines(ids, { sent: true });
        digests++;
        lines += rows.length;
        beat();
      }
      return { digests, lines, later };
    },

    async abandon(ref) {
      await this.settle(ref);
      await deps.deliveries.abandoned(ref);
    },

    async settle(ref) {
      if (ref.source === 'account') await deps.signUps.delivered(ref.id);
      else await deps.deliveries.forgetFollowLink(ref.id);
      await deps.deliveries.settle(ref);
    },
  };
}
