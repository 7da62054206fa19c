/**
 * The messages that could not be delivered (docs/mail-sink.md), as the admins' mail page shows
 * them: a delivery the SMTP server refused for good or that ran out of retries
 * (db/notification-deliveries-repo.ts failures), newest first — when it failed, its ticket (linked
 * to the agents' ticket page), what kind of notification it was in the viewer's words, who it was
 * for by role only ("the requester", "an agent", and the language it was written in), how many
 * times it was tried and the server's reason. Never an address or a name: the recipient is a key
 * (`user:12`, `person:<uuid>`) that is not shown, and the reason was stored without addresses.
 * Shown whether or not there is a local mailbox: in production this is what admins act on.
 */
import type { FailedDelivery } from '../../db/notification-deliveries-repo.ts';
import { formatDateTime } from '../../api/portal/format.ts';
import { LANGUAGES } from '../../services/languages.ts';
import type { MailWords } from './view.ts';

/** Failures shown at most, newest first. */
export const FAILURES_SHOWN = 50;

/**
 * The notification kinds with words of their own on the page (`failures.kind.<kind>`): every
 * ticket notification (locales/<lng>/mail.json `kinds`) and every account mail. Another kind is
 * named by `failures.kind.other` with its code.
 */
export const FAILURE_KINDS = [
  'classified', 'assigned', 'agent_response', 'pending', 'resolved', 'reopened', 'resumed', 'requester_reply', 'priority_changed',
  'sla_warning', 'sla_breached', 'escalated', 'deescalated', 'escalation_step', 'merged', 'follow_link', 'sign_up_link', 'sign_up_existing',
] as const;

/** Who a failed message was for, by role: an account mail's person, a ticket's requester, or a staff member (an agent). */
export function recipientRole(f: Pick<FailedDelivery, 'ref' | 'recipient'>): 'account' | 'requester' | 'agent' {
  if (f.ref.source === 'account') return 'account';
  return f.recipient.startsWith('person:') ? 'requester' : 'agent';
}

/** The languages a message is written in (services/languages.ts), each with its words ("in Polish", "po polsku"). */
const MAIL_LANGUAGES: readonly string[] = LANGUAGES;

/** Which language the message was written in, in the viewer's words; another code as it is. */
export function inLanguage(w: MailWords, code: string): string {
  return MAIL_LANGUAGES.includes(code) ? w.t(`failures.language.${code}`) : w.t('failures.language.other', { code });
}

/** A row of the failures table. */
export function shownFailure(w: MailWords, f: FailedDelivery) {
  const role = recipientRole(f);
  const known = (FAILURE_KINDS as readonly string[]).includes(f.kind);
  // The acknowledgement and the team's notice of a new ticket share a kind: the audience tells them apart.
  const kind = known ? w.t(`failures.kind.${f.kind}`, { context: role === 'requester' ? 'requester' : role === 'agent' ? 'staff' : undefined }) : w.t('failures.kind.other', { kind: f.kind });
  return {
    id: f.id,
    failed: formatDateTime(f.failedAt ?? f.createdAt, w.language, w.timeZone),
    failedAt: f.failedAt ?? f.createdAt,
    ticket: f.ticketNumber ? { number: f.ticketNumber, href: `/agent/tickets/${f.ticketNumber}` } : undefined,
    kind,
    recipient: w.t(`failures.recipient.${role}`, { language: inLanguage(w, f.language) }),
    attempts: w.t('failures.attempts', { count: f.attempts }),
    reason: f.lastError ?? w.t('failures.noReason'),
  };
}

/** The section's model: the rows, and whether older failures were left off. */
export function shownFailures(w: MailWords, found: FailedDelivery[]) {
  const rows = found.slice(0, FAILURES_SHOWN).map((f) => shownFailure(w, f));
  return { rows, count: rows.length, more: found.length > FAILURES_SHOWN, shown: FAILURES_SHOWN };
}
