/**
 * What must not become a ticket or a reply (RFC 3834 and what mail servers really send): automatic
 * answers (`Auto-Submitted` other than `no`, `X-Autoreply`, `X-Autorespond`, `Precedence:
 * auto_reply|bulk|junk`), mailing lists (`List-Id`, `List-Unsubscribe`, `Precedence: list`),
 * bounces and delivery reports (a null return path, `multipart/report`, a mailer-daemon sender),
 * and our own mail coming back (from the helpdesk's address, or carrying our `X-Helpdesk-Loop`).
 * Answering any of those is how auto-reply loops start (Zammad #4941).
 */
import type { ParsedMail } from 'mailparser';

export type Ignored = 'auto_reply' | 'bounce' | 'list' | 'loop';

const header = (m: ParsedMail, name: string): string => {
  const v = m.headers.get(name);
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && 'value' in (v as object)) return String((v as { value: unknown }).value ?? '');
  if (typeof v === 'object' && 'text' in (v as object)) return String((v as { text: unknown }).text ?? '');
  return String(v);
};

/** Why this message is to be ignored, or null to take it in. `envelopeFrom` is the SMTP MAIL FROM (false or '' for the null path `<>`). */
export function whyIgnored(m: ParsedMail, opts: { envelopeFrom: string | false | undefined; ourAddress: string; sender: string | undefined }): Ignored | null {
  const our = opts.ourAddress.toLowerCase();
  if (opts.sender && opts.sender.toLowerCase() === our) return 'loop';
  if (header(m, 'x-helpdesk-loop')) return 'loop';
  if (opts.envelopeFrom === false || opts.envelopeFrom === '' || /^<\s*>$/.test(header(m, 'return-path').trim())) return 'bounce';
  const contentType = header(m, 'content-type').toLowerCase();
  if (contentType.startsWith('multipart/report') || /^(mailer-daemon|postmaster)@/i.test(opts.sender ?? '')) return 'bounce';
  const auto = header(m, 'auto-submitted').trim().toLowerCase();
  if (auto && !auto.startsWith('no')) return 'auto_reply';
  if (header(m, 'x-autoreply') || header(m, 'x-autorespond') || header(m, 'x-auto-reply')) return 'auto_reply';
  const precedence = header(m, 'precedence').trim().toLowerCase();
  if (precedence === 'auto_reply' || precedence === 'bulk' || precedence === 'junk') return 'auto_reply';
  if (precedence === 'list' || header(m, 'list-id') || header(m, 'list-unsubscribe')) return 'list';
  return null;
}
