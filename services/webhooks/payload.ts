/**
 * What a webhook carries (docs/webhooks.md), in the endpoint's format: a Standard Webhooks JSON
 * event (`type`, `timestamp`, `data`), a Slack incoming-webhook message (text and blocks), or a
 * Microsoft Teams Workflows message with an Adaptive Card. Every format carries the ticket's
 * number, title, status, priority, tier and team, the event's type and time, and the link to the
 * agent's page — never the requester, an agent's address, or the ticket's or a reply's words.
 */
import type { i18n } from 'i18next';
import type { WebhookEndpoint } from '../../db/webhooks-repo.ts';
import type { TicketStatus } from '../../workflows/types.ts';

export interface WebhookTicket {
  number: string;
  title: string;
  status: TicketStatus;
  priority: string | null;
  category: string | null;
  tier: string | null;
  teamId: string | null;
  channel: string;
}

export interface WebhookEvent {
  seq: number;
  type: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

/** The event's fields that say what happened, never who or in which words. */
const EVENT_FIELDS = ['clock', 'fraction', 'fromTier', 'toTier', 'team', 'priority', 'from', 'to', 'code', 'into', 'ladder', 'step', 'moved', 'firstResponse', 'channel', 'category'] as const;

export function eventFacts(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of EVENT_FIELDS) {
    const v = data[k];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}

/** The one sentence of the event in `language` (chats and SMS). */
export function eventSentence(i18next: i18n, language: string, ticket: WebhookTicket, event: WebhookEvent): string {
  const t = i18next.getFixedT(language, 'integrations');
  const mail = i18next.getFixedT(language, 'mail');
  const clock = typeof event.data.clock === 'string' ? mail(`clock.${event.data.clock}`, { defaultValue: event.data.clock }) : '';
  const params = { number: ticket.number, priority: ticket.priority ?? '', tier: ticket.tier ?? '', clock, into: typeof event.data.into === 'string' ? event.data.into : '' };
  return t(`events.${event.type}`, { ...params, defaultValue: t('generic', params) });
}

export interface WebhookBody {
  body: string;
  /** Standard Webhooks only: the body is signed. */
  signed: boolean;
}

export function webhookBody(i18next: i18n, endpoint: Pick<WebhookEndpoint, 'format' | 'language'>, ticket: WebhookTicket, event: WebhookEvent, link: string): WebhookBody {
  if (endpoint.format === 'standard') {
    return {
      signed: true,
      body: JSON.stringify({
        type: `ticket.${event.type}`,
        timestamp: event.occurredAt,
        data: {
          ticket: { number: ticket.number, title: ticket.title, status: ticket.status, priority: ticket.priority, category: ticket.category, tier: ticket.tier, team: ticket.teamId, channel: ticket.channel, url: link },
          event: { seq: event.seq, type: event.type, occurredAt: event.occurredAt, ...eventFacts(event.data) },
        },
      }),
    };
  }
  const t = i18next.getFixedT(endpoint.language, 'integrations');
  const portal = i18next.getFixedT(endpoint.language, 'portal');
  const heading = eventSentence(i18next, endpoint.language, ticket, event);
  const facts = [
    { title: t('facts.status'), value: portal(`status.${ticket.status}`, { defaultValue: ticket.status }) },
    ...(ticket.priority ? [{ title: t('facts.priority'), value: ticket.priority }] : []),
    ...(ticket.tier ? [{ title: t('facts.tier'), value: ticket.tier }] : []),
    ...(ticket.teamId ? [{ title: t('facts.team'), value: ticket.teamId }] : []),
  ];
  if (endpoint.format === 'slack') {
    // Slack reads &, < and > as its own markup (`<!channel>`, `<url|text>`) in every text field: a title may not use them.
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    return {
      signed: false,
      body: JSON.stringify({
        text: `${esc(heading)}: ${esc(ticket.title)}`,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `*<${link}|${esc(heading)}>*\n${esc(ticket.title)}` } },
          { type: 'context', elements: [{ type: 'mrkdwn', text: facts.map((f) => `${esc(f.title)}: ${esc(f.value)}`).join(' · ') }] },
        ],
      }),
    };
  }
  return {
    signed: false,
    body: JSON.stringify({
      type: 'message',
      attachments: [{
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          // TextRuns, not TextBlocks: a TextBlock renders Markdown, so a title could bring its own links.
          body: [
            { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: heading, weight: 'Bolder', size: 'Medium' }] },
            { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: ticket.title }] },
            { type: 'FactSet', facts },
          ],
          actions: [{ type: 'Action.OpenUrl', title: t('open'), url: link }],
        },
      }],
    }),
  };
}
