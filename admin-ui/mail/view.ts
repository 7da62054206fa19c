/**
 * What the mail pages show, in the viewer's words: a message as a row of the list, and one
 * message's facts — the headers that matter for threading and loop protection, the envelope, the
 * bodies, the attachments — with dates in the viewer's language and time zone; and the ticket
 * numbers its subject names (`[HD-2026-000042] …`), whose reads are recorded before it is shown.
 */
import type { Request } from 'express';
import type { i18n, TFunction } from 'i18next';
import { formatBytes, formatDateTime } from '../../api/portal/format.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import { TICKET_NUMBER_PATTERN } from '../../db/tickets-repo.ts';
import type { MailboxEntry, MailboxMessage } from '../../services/notifications/mailbox.ts';

export interface MailWords {
  t: TFunction;
  language: string;
  timeZone: string;
}

export function mailWords(deps: { i18n: i18n }, req: Request): MailWords {
  const { language, timeZone } = viewerOf(req);
  return { t: deps.i18n.getFixedT(language, 'admin-mail'), language, timeZone };
}

/** A ticket number in brackets anywhere in a subject, with any prefix: `Re: [HD-2026-000042] …`. */
const IN_SUBJECT = new RegExp(`\\[(${TICKET_NUMBER_PATTERN.source.replace(/^\^/, '').replace(/\$$/, '')})\\]`, 'g');

/** The ticket numbers a subject names in brackets, each once, in order. */
export function ticketNumbersIn(subject: string): string[] {
  return [...new Set([...subject.matchAll(IN_SUBJECT)].map((m) => m[1]!))];
}

/** A row of the list. */
export function shownEntry(w: MailWords, e: MailboxEntry) {
  return {
    id: e.id,
    href: `/admin/mail/${e.id}`,
    received: formatDateTime(e.receivedAt, w.language, w.timeZone),
    receivedAt: e.receivedAt,
    from: e.from || e.envelope.from || w.t('message.notSet'),
    to: (e.to.length ? e.to : e.envelope.to).join(', '),
    subject: e.subject || w.t('list.noSubject'),
  };
}

/** The headers the page shows first, in this order. */
export const HEADERS_SHOWN = ['From', 'To', 'Subject', 'Date', 'Message-ID', 'In-Reply-To', 'References', 'Auto-Submitted', 'X-Auto-Response-Suppress'] as const;

const headerValue = (m: MailboxMessage, name: string): string | undefined => m.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];

/** A Date header in the viewer's words, the header as written when it is no date. */
function shownDate(w: MailWords, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const at = new Date(raw);
  return Number.isNaN(at.getTime()) ? raw : formatDateTime(at.toISOString(), w.language, w.timeZone);
}

/** The page's model of one message. */
export function shownMessage(w: MailWords, m: MailboxMessage) {
  const values: Record<(typeof HEADERS_SHOWN)[number], string | undefined> = {
    From: m.from || undefined,
    To: m.to.length ? m.to.join(', ') : undefined,
    Subject: m.subject || undefined,
    Date: shownDate(w, headerValue(m, 'Date')),
    'Message-ID': m.messageId ?? undefined,
    'In-Reply-To': m.inReplyTo ?? undefined,
    References: m.references.length ? m.references.join(' ') : undefined,
    'Auto-Submitted': headerValue(m, 'Auto-Submitted'),
    'X-Auto-Response-Suppress': headerValue(m, 'X-Auto-Response-Suppress'),
  };
  return {
    ...shownEntry(w, m),
    headersShown: HEADERS_SHOWN.map((name) => ({ name, key: name.toLowerCase(), value: values[name] ?? '', set: values[name] !== undefined })),
    envelope: { from: m.envelope.from ? `<${m.envelope.from}>` : w.t('message.nullSender'), to: m.envelope.to.map((a) => `<${a}>`).join(', ') },
    size: formatBytes(m.size, w.language),
    text: m.text,
    html: m.html,
    attachments: m.attachments.map((a) => ({ filename: a.filename ?? w.t('message.unnamed'), contentType: a.contentType, size: formatBytes(a.size, w.language) })),
    headers: m.headers.map(([name, value]) => ({ name, value })),
    tickets: ticketNumbersIn(m.subject),
  };
}
