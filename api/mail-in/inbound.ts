/**
 * A message taken in by mail (docs/mail.md), from the SMTP/LMTP listener (listener.ts) or an IMAP
 * mailbox: once per Message-ID; automatic answers, bounces, lists and our own mail ignored
 * (loops.ts); at most HELPDESK_MAIL_IN_DAILY_CAP a sender a day. A reply lands on its ticket —
 * found by our Message-IDs in In-Reply-To/References, else by the number in the subject — as the
 * requester's reply (which resumes a pending ticket), with the quoted text and signature cut off
 * (email-reply-parser); only when it comes from the ticket's requester and the ticket takes replies.
 * Anything else is a new ticket (channel `email`) from the sender, in their account's language,
 * else the mail's Content-Language, else HELPDESK_MAIL_IN_LANGUAGE. Attachments are kept within the
 * portal's limits (types, size, count); others are left out and said so in the text.
 *
 * The outcome is recorded only after the ticket or the reply is durable, so a fault answers the
 * sender's server "try again later" (the listener's 451) and nothing is lost or taken twice.
 */
import EmailReplyParser from 'email-reply-parser';
import type { i18n } from 'i18next';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { InboundChannel, InboundMailRepo, InboundOutcome } from '../../db/inbound-mail-repo.ts';
import { messageKey } from '../../db/inbound-mail-repo.ts';
import type { PortalRepo } from '../../db/portal-repo.ts';
import type { UsersRepo } from '../../db/users-repo.ts';
import type { Vault } from '../../db/vault.ts';
import { ServiceError } from '../../services/errors.ts';
import type { Language } from '../../services/languages.ts';
import { ticketOfMessageId, type ThreadKey } from '../../services/notifications/threading.ts';
import { languageIn } from '../../services/notifications/recipients.ts';
import { sendRequesterReply, type ActionDeps } from '../../services/tickets/actions.ts';
import { createTicket, type IntakeDeps } from '../../services/tickets/intake.ts';
import { FINAL } from '../../workflows/lifecycle.ts';
import { checkFiles, MAX_FILE_BYTES, MAX_FILES } from '../portal/attachments.ts';
import { sealAttachments } from '../portal/use-cases/portal-data.ts';
import { whyIgnored } from './loops.ts';

export interface MailInSettings {
  /** The From address the helpdesk sends with (its own mail coming back is a loop). */
  ourAddress: string;
  /** The domain of our Message-IDs. */
  domain: string;
  /** The secret of our Message-IDs' thread tags (db/mail-thread-secret.ts). */
  threadSecret: string;
  /** Messages a sender may send in 24 hours; more are ignored. */
  dailyCap: number;
  /** The language of a new ticket when neither the sender's account nor the mail says. */
  defaultLanguage: Language;
}

export interface MailInDeps extends IntakeDeps, ActionDeps {
  inbound: InboundMailRepo;
  users: Pick<UsersRepo, 'findByEmail'>;
  portal: Pick<PortalRepo, 'addAttachments'>;
  vault: Vault;
  settings: MailInSettings;
  i18n: i18n;
  log?: (line: string) => void;
}

export interface MailInResult {
  outcome: InboundOutcome | 'duplicate';
  ticket: string | null;
}

const NUMBER_IN_SUBJECT = /\[([A-Z]{1,8}-\d{4}-\d{6,})\]/;
const REPLY_PREFIX = /^\s*((re|aw|odp|fwd?|wg|pd|sv|antw)\s*(\[\d+\])?\s*:\s*)+/i;

function senderOf(m: ParsedMail): string | undefined {
  const a = m.from?.value?.[0]?.address?.trim();
  return a && /^[^\s@]+@[^\s@]+$/.test(a) ? a.toLowerCase() : undefined;
}

/** The ticket the mail answers, by our Message-IDs first (the thread), then the subject's number. */
function threadOf(m: ParsedMail, key: ThreadKey): string | undefined {
  const refs = [m.inReplyTo ?? '', ...(Array.isArray(m.references) ? m.references : m.references ? [m.references] : [])]
    .flatMap((r) => r.split(/\s+/)).filter(Boolean);
  for (const r of refs.reverse()) {
    const n = ticketOfMessageId(r, key);
    if (n) return n;
  }
  return NUMBER_IN_SUBJECT.exec(m.subject ?? '')?.[1];
}

/** The most of a mail's text looked at (a ticket's description takes 20,000 characters). */
const MAX_TEXT = 20_000;
/**
 * Lines are cut into pieces of at most this many characters before the reply parser reads them:
 * its quote-header patterns take time that grows with the cube of a line's length (a crafted
 * 12 KB line took 104 s), and no "On … wrote:" line is longer. 40 such lines take about 70 ms.
 */
const MAX_LINE = 500;

/** The words the sender wrote: quoted text and signature cut off. */
export function ownWords(text: string): string {
  const bounded = text.replace(/\r\n/g, '\n').slice(0, MAX_TEXT).split('\n')
    .flatMap((line) => (line.length <= MAX_LINE ? [line] : line.match(new RegExp(`.{1,${MAX_LINE}}`, 'gs')) ?? [line]))
    .join('\n');
  return new EmailReplyParser().read(bounded).getVisibleText().trim();
}

function attachmentsOf(m: ParsedMail) {
  const usable = m.attachments.filter((a) => a.contentDisposition !== 'inline' || a.filename);
  const files = usable.slice(0, MAX_FILES).filter((a) => a.size <= MAX_FILE_BYTES)
    .map((a) => ({ originalname: a.filename ?? 'attachment', size: a.size, buffer: a.content }) as Express.Multer.File);
  const checked = checkFiles(files);
  return { files: checked.problem ? [] : checked.files, leftOut: checked.problem ? usable.length : usable.length - files.length };
}

export async function receiveMail(deps: MailInDeps, raw: Buffer, envelope: { from: string | false | undefined; channel: InboundChannel }): Promise<MailInResult> {
  const m = await simpleParser(raw);
  const key = messageKey(m.messageId, raw);
  // Claimed first: a second delivery of the message (an MTA's retry racing the first, a poll) is a duplicate.
  if (!(await deps.inbound.claim(key, envelope.channel))) return { outcome: 'duplicate', ticket: (await deps.inbound.seen(key))?.ticketNumber ?? null };
  try {
    return await takeIn(deps, m, key, envelope);
  } catch (err) {
    // Not taken in: unclaimed, so the sending server's retry (the listener's 451) or the next poll takes it.
    await deps.inbound.release(key).catch(() => undefined);
    throw err;
  }
}

async function takeIn(deps: MailInDeps, m: ParsedMail, key: string, envelope: { from: string | false | undefined; channel: InboundChannel }): Promise<MailInResult> {
  const sender = senderOf(m);
  const bidx = sender ? await deps.vault.blindIndex(sender) : null;
  const done = async (outcome: InboundOutcome, ticket: string | null = null): Promise<MailInResult> => {
    await deps.inbound.record({ key, senderBidx: bidx, channel: envelope.channel, outcome, ticketNumber: ticket });
    // The outcome only, never who sent it or what it says.
    deps.log?.(`[mail-in] a message by ${envelope.channel}: ${outcome}${ticket ? ` (${ticket})` : ''}`);
    return { outcome, ticket };
  };
  const ignored = whyIgnored(m, { envelopeFrom: envelope.from, ourAddress: deps.settings.ourAddress, sender });
  if (ignored) return done(ignored);
  if (!sender || !bidx) return done('bounce');
  if ((await deps.inbound.sentLately(bidx)) >= deps.settings.dailyCap) return done('capped');

  const words = ownWords(m.text ?? '');
  const { files, leftOut } = attachmentsOf(m);
  const thread = threadOf(m, { domain: deps.settings.domain, secret: deps.settings.threadSecret });
  if (thread) {
    const t = await deps.tickets.get(thread);
    if (t && t.requesterEmail.toLowerCase() === sender && !FINAL.has(t.status) && (words || files.length)) {
      try {
        const requester = t.requester ?? (await deps.vault.personRef(sender));
        if (files.length) await deps.portal.addAttachments(t.number, requester, await sealAttachments(deps.vault, t.number, requester, files));
        const note = attachmentNote(deps, languageIn(t.locale) ?? deps.settings.defaultLanguage, files.length, leftOut);
        await sendRequesterReply(deps, t.number, { author: sender, message: [words, note].filter(Boolean).join('\n\n') });
        return done('replied', t.number);
      } catch (err) {
        // A reply the ticket does not take (it ended meanwhile) becomes a ticket of its own below; a fault is the caller's 451.
        if (!(err instanceof ServiceError) || err.status !== 409) throw err;
      }
    }
  }
  const title = (m.subject ?? '').replace(NUMBER_IN_SUBJECT, '').replace(REPLY_PREFIX, '').replace(/\s+/g, ' ').trim().slice(0, 200) || words.split('\n')[0]?.slice(0, 200).trim() || '';
  if (!title && !words && !files.length) return done('empty');
  const account = await deps.users.findByEmail(sender);
  const language = languageIn(account?.locale, m.headers.get('content-language') as string | undefined) ?? deps.settings.defaultLanguage;
  const description = [words || title, attachmentNote(deps, language, 0, leftOut)].filter(Boolean).join('\n\n').slice(0, 20_000);
  const result = await createTicket(deps, { title: title || description.slice(0, 200), description, requesterEmail: sender, locale: language, channel: 'email' }, { idempotencyKey: `email:${key.slice(0, 64)}`, language });
  const number = result.kind === 'recorded' ? result.ticket.number : result.number;
  if (files.length) {
    const requester = (result.kind === 'recorded' ? result.ticket.requester : undefined) ?? (await deps.vault.personRef(sender));
    await deps.portal.addAttachments(number, requester, await sealAttachments(deps.vault, number, requester, files));
  }
  return done('created', number);
}

/** Said in the ticket's text, in its language: attachments left out (too many, too big, of a type the portal refuses), or a reply of attachments alone. */
function attachmentNote(deps: Pick<MailInDeps, 'i18n'>, language: Language, kept: number, leftOut: number): string {
  const t = deps.i18n.getFixedT(language, 'api');
  if (leftOut) return t('mailIn.attachmentsLeftOut', { count: leftOut });
  return kept ? t('mailIn.attachmentsOnly', { count: kept }) : '';
}
