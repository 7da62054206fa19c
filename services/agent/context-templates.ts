/**
 * Reply templates for agents (locales/{pl,en,de}/agent-templates.json): each template's name
 * in the agent's language, its body in the ticket's language (the requester reads it), with the
 * ticket's number and — when known — the requester's name filled in, a greeting and a sign-off.
 * A template that counts (days without an answer) takes the count's plural form.
 */
import type { i18n } from 'i18next';
import { LANGUAGES } from '../languages.ts';

export const TEMPLATE_NS = 'agent-templates';

/** The templates, in the order an agent reaches for them. */
export const TEMPLATE_IDS = ['acknowledge', 'password_reset', 'confirm_fixed', 'closing_no_response', 'escalated'] as const;
export type TemplateId = (typeof TEMPLATE_IDS)[number];

export interface ReplyTemplate {
  id: string;
  /** In the agent's language. */
  name: string;
  /** In the ticket's language, placeholders filled. */
  body: string;
}

const DAY_MS = 86_400_000;

/** One of the shipped languages: `lng` itself or its base ("de-AT" → "de"), English otherwise. */
export function shippedLanguage(lng: string | null | undefined): string {
  const base = (lng ?? '').toLowerCase().split(/[-_]/)[0] ?? '';
  return (LANGUAGES as readonly string[]).includes(base) ? base : 'en';
}

export interface TemplateInput {
  number: string;
  /** The ticket's language: the bodies' language. */
  locale: string;
  /** The ticket's last change: how many days the requester has not answered (closing template). */
  updatedAt: string;
}

/** Whole days since the ticket last changed, at least 1. */
export function quietDays(updatedAt: string, nowMs: number): number {
  const since = Date.parse(updatedAt);
  return Number.isFinite(since) ? Math.max(1, Math.floor((nowMs - since) / DAY_MS)) : 1;
}

export function replyTemplates(i18n: i18n, ticket: TemplateInput, agentLanguage: string, requesterName: string | null, nowMs: number): ReplyTemplate[] {
  const names = i18n.getFixedT(shippedLanguage(agentLanguage), TEMPLATE_NS);
  const words = i18n.getFixedT(shippedLanguage(ticket.locale), TEMPLATE_NS);
  const name = requesterName?.trim() || null;
  const greeting = name ? words('greeting.named', { name }) : words('greeting.anonymous');
  const params = { number: ticket.number, count: quietDays(ticket.updatedAt, nowMs) };
  return TEMPLATE_IDS.map((id) => ({
    id,
    name: names(`templates.${id}.name`),
    body: `${greeting}\n\n${words(`templates.${id}.body`, params)}\n\n${words('signoff')}`,
  }));
}
