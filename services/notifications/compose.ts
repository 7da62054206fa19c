/**
 * A mail's words (docs/mail.md): subject, plain text and HTML for one event, one audience
 * (requester or staff) and one language — the recipient's, from locales/{pl,en,de}/mail.json, the
 * status and the SLA promise from the portal's words (the portal's ticket page says the same). The
 * HTML is one table-based, inline-styled template (templates/ticket.html.hbs) that mail clients
 * show alike, narrow screens included; the plain text carries the same content. Nothing here
 * reads the world: the caller passes the opened ticket and the event's opened texts.
 */
import fs from 'node:fs';
import Handlebars from 'handlebars';
import type { i18n, TFunction } from 'i18next';
import type { TicketSla, TicketStatus } from '../../workflows/types.ts';
import type { Language } from '../languages.ts';
import { slaPromise } from '../sla-promise.ts';
import { threadSubject } from './threading.ts';

const template = (name: string, noEscape: boolean) =>
  Handlebars.compile(fs.readFileSync(new URL(`./templates/${name}`, import.meta.url), 'utf8'), { noEscape, strict: false });
const html = template('ticket.html.hbs', false);
const text = template('ticket.txt.hbs', true);

export interface MailTicket {
  number: string;
  title: string;
  status: TicketStatus;
  priority: string | null;
  tier: string | null;
  sla: TicketSla | null;
}

/** What the event said, opened: the message, reason or note it carries, the target of a merge, the clock of an SLA mark. */
export interface MailEventData {
  message?: string | null;
  reason?: string | null;
  note?: string | null;
  into?: string | null;
  clock?: string | null;
  priority?: string | null;
}

export interface ComposeInput {
  kind: string;
  audience: 'requester' | 'staff';
  language: Language;
  ticket: MailTicket;
  data: MailEventData;
  /** Where the mail's button leads: the portal's ticket page, the agent's, or the follow link. */
  href: string;
}

export interface ComposedMail {
  subject: string;
  text: string;
  html: string;
}

/** The kinds whose mail quotes a text of the event, and which one. */
const QUOTED: Readonly<Record<string, keyof MailEventData>> = {
  agent_response: 'message', requester_reply: 'message', pending: 'reason', resolved: 'note', reopened: 'reason', escalated: 'reason', deescalated: 'reason',
};

function words(t: TFunction, kind: string, audience: string, params: Record<string, unknown>): { heading: string; intro: string } {
  const base = t(`kinds.${kind}.${audience}.heading`, { defaultValue: '' }) ? `kinds.${kind}.${audience}` : 'generic';
  return { heading: t(`${base}.heading`, params), intro: t(`${base}.intro`, params) };
}

export function composeTicketMail(i18next: i18n, input: ComposeInput): ComposedMail {
  const t = i18next.getFixedT(input.language, 'mail');
  const portal = i18next.getFixedT(input.language, 'portal');
  const { ticket, data } = input;
  const params = {
    number: ticket.number,
    into: data.into ?? '',
    tier: ticket.tier ?? '',
    priority: data.priority ?? ticket.priority ?? '',
    clock: data.clock ? t(`clock.${data.clock}`, { defaultValue: data.clock }) : '',
  };
  const { heading, intro } = words(t, input.kind, input.audience, params);
  const quotedField = QUOTED[input.kind];
  const quote = quotedField ? (data[quotedField] ?? '').trim() : '';
  const facts = [
    { label: t('facts.status'), value: portal(`status.${ticket.status}`, { defaultValue: ticket.status }) },
    ...(input.audience === 'requester' ? [{ label: t('facts.promise'), value: slaPromise(ticket, portal) }] : []),
    ...(input.audience === 'staff' && ticket.priority ? [{ label: t('facts.priority'), value: ticket.priority }] : []),
  ];
  const link = { href: input.href, text: t(input.kind === 'follow_link' ? 'followOpen' : 'open') };
  const model = { language: input.language, number: ticket.number, subject: threadSubject(ticket.number, ticket.title), heading, intro, quote, facts, link, footer: t('footer', { number: ticket.number }) };
  return { subject: model.subject, text: text(model).replace(/\n{3,}/g, '\n\n'), html: html(model) };
}

/** An account mail (the sign-up link, "someone tried to sign up"): its subject and text were written in the recipient's language when it was queued. */
export function composeAccountMail(i18next: i18n, input: { language: Language; subject: string; text: string }): ComposedMail {
  const t = i18next.getFixedT(input.language, 'mail');
  const escaped = Handlebars.escapeExpression(input.text).replace(/\n/g, '<br>');
  const body = `<!doctype html><html lang="${input.language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${Handlebars.escapeExpression(input.subject)}</title></head>`
    + `<body style="margin:0;padding:24px 12px;background:#f3f4f6;"><div style="max-width:600px;margin:0 auto;background:#fff;border-radius:6px;padding:24px;font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1f2937;">`
    + `<p style="margin:0 0 16px;">${escaped}</p><p style="margin:0;font-size:12px;color:#4b5563;">${Handlebars.escapeExpression(t('footerAccount'))}</p></div></body></html>`;
  return { subject: input.subject, text: `${input.text}\n\n-- \n${t('footerAccount')}\n`, html: body };
}

/** An SMS's words (integrations.json `sms.*`) in the recipient's language: the number, the priority, what happened, the title cut short, the link. */
export function composeSms(i18next: i18n, input: { kind: string; language: Language; ticket: MailTicket; data: MailEventData & { fraction?: number | null }; href: string }): string {
  const t = i18next.getFixedT(input.language, 'integrations');
  const mail = i18next.getFixedT(input.language, 'mail');
  const { ticket, data } = input;
  const title = ticket.title.length > 60 ? `${ticket.title.slice(0, 59)}…` : ticket.title;
  const params = {
    number: ticket.number, priority: data.priority ?? ticket.priority ?? '-', tier: ticket.tier ?? '', title, link: input.href,
    clock: data.clock ? mail(`clock.${data.clock}`, { defaultValue: data.clock }) : '',
    event: words(mail, input.kind, 'staff', { number: ticket.number, tier: ticket.tier ?? '', priority: ticket.priority ?? '', clock: '', into: data.into ?? '' }).heading,
  };
  const breach = typeof data.fraction === 'number' ? data.fraction >= 1 : input.kind === 'sla_breached';
  const key = input.kind === 'sla_breached' ? 'breach'
    : input.kind === 'escalated' ? (breach && data.clock ? 'escalatedBreach' : 'escalated')
    : input.kind === 'escalation_step' && breach && data.clock ? 'breach'
    : input.kind === 'sla_warning' ? 'warning' : 'other';
  return t(`sms.${key}`, params);
}

/** One line of a digest: what happened on which ticket, and the link to it. */
export interface DigestLine {
  number: string;
  kind: string;
  data: MailEventData;
  href: string;
}

/** A digest mail (mail.json `digest.*`): one line per notification, each in the words its own mail would have had as its heading. */
export function composeDigest(i18next: i18n, input: { language: Language; lines: DigestLine[]; settingsHref: string }): ComposedMail {
  const t = i18next.getFixedT(input.language, 'mail');
  const esc = Handlebars.escapeExpression;
  const lines = input.lines.map((l) => ({
    href: l.href,
    heading: words(t, l.kind, 'staff', { number: l.number, tier: '', priority: l.data.priority ?? '', into: l.data.into ?? '', clock: l.data.clock ? t(`clock.${l.data.clock}`, { defaultValue: l.data.clock }) : '' }).heading,
  }));
  const subject = t('digest.subject', { count: lines.length });
  const text = `${t('digest.heading')}\n\n${lines.map((l) => `- ${l.heading}\n  ${l.href}`).join('\n')}\n\n${t('digest.intro')}\n${input.settingsHref}\n\n-- \n${t('digest.footer')}\n`;
  const html = `<!doctype html><html lang="${input.language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(subject)}</title></head>`
    + `<body style="margin:0;padding:24px 12px;background:#f3f4f6;"><div style="max-width:600px;margin:0 auto;background:#fff;border-radius:6px;padding:24px;font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#1f2937;">`
    + `<h1 style="font-size:20px;margin:0 0 16px;">${esc(t('digest.heading'))}</h1><ul style="padding-left:20px;margin:0 0 16px;">`
    + lines.map((l) => `<li style="margin:0 0 8px;"><a href="${esc(l.href)}" style="color:#1d4ed8;">${esc(l.heading)}</a></li>`).join('')
    + `</ul><p style="margin:0 0 16px;">${esc(t('digest.intro'))} <a href="${esc(input.settingsHref)}" style="color:#1d4ed8;">${esc(t('digest.settings'))}</a></p>`
    + `<p style="margin:0;font-size:12px;color:#4b5563;">${esc(t('digest.footer'))}</p></div></body></html>`;
  return { subject, text, html };
}
