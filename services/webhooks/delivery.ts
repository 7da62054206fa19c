/**
 * Delivering one webhook (docs/webhooks.md), one attempt at a time as the activity asks
 * (activities/webhooks.ts): the event and its ticket read from the read model now (nothing of
 * them was stored with the delivery), the body in the endpoint's format, signed as Standard
 * Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`) for the `standard` format, and
 * POSTed through the SSRF-guarded client (services/outbound/http.ts). Every attempt is logged with
 * its status code or what failed; a 2xx delivers, a 410 disables the endpoint, anything else is
 * tried again later.
 */
import crypto from 'node:crypto';
import type { i18n } from 'i18next';
import { Webhook } from 'standardwebhooks';
import type { WebhooksRepo } from '../../db/webhooks-repo.ts';
import type { TicketRecord } from '../../db/tickets-repo.ts';
import type { WebhookAttemptOutcome, WebhookEngine } from '../../activities/webhooks.ts';
import { OutboundRefused, postOutbound, type OutboundPolicy, type OutboundResponse } from '../outbound/http.ts';
import { webhookBody } from './payload.ts';

export interface WebhookDeliveryDeps {
  webhooks: WebhooksRepo;
  tickets: { get(number: string): Promise<TicketRecord | undefined> };
  i18n: i18n;
  policy: OutboundPolicy;
  publicUrl: string;
  /** How long one request may take. @default 10_000 */
  timeoutMs?: number;
}

/** A new endpoint's signing secret, in the Standard Webhooks form (`whsec_` and 24 random bytes in base64). */
export const newWebhookSecret = (): string => `whsec_${crypto.randomBytes(24).toString('base64')}`;

/** The Standard Webhooks headers of one attempt: the delivery's fixed id, now, and the signature of both with the body. */
export function signedHeaders(secret: string, messageId: string, body: string, at = new Date()): Record<string, string> {
  return { 'webhook-id': messageId, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign(messageId, at, body) };
}

export function createWebhookEngine(deps: WebhookDeliveryDeps): WebhookEngine {
  const gone = (message: string): WebhookAttemptOutcome => ({ outcome: 'gone', message });

  return {
    async attempt(id) {
      const d = await deps.webhooks.delivery(id);
      if (!d) return gone('The delivery is gone: its endpoint was deleted.');
      if (d.status !== 'pending') return { outcome: 'already' };
      const endpoint = await deps.webhooks.endpoint(d.endpointId);
      if (!endpoint) return gone('The endpoint was deleted, so the delivery was not sent.');
      if (endpoint.disabledAt) return gone(`The endpoint is disabled (${endpoint.disabledReason === 'gone' ? 'its receiver answered 410 Gone' : 'by an admin'}), so the delivery was not sent.`);
      const ticket = await deps.tickets.get(d.ticketNumber);
      const event = ticket?.timeline.find((e) => e.seq === d.eventSeq);
      if (!ticket || !event) return gone(`Ticket ${d.ticketNumber} or its event is gone (deleted), so the delivery was not sent.`);
      const link = `${deps.publicUrl}/agent/tickets/${ticket.number}`;
      const { body, signed } = webhookBody(deps.i18n, endpoint, { ...ticket, channel: ticket.channel ?? 'portal' }, { seq: event.seq, type: event.type, occurredAt: event.occurredAt, data: event.data ?? {} }, link);
      const headers = signed ? signedHeaders(endpoint.secret, d.messageId, body) : {};
      let res: OutboundResponse;
      try {
        res = await postOutbound(endpoint.url, body, { headers, timeoutMs: deps.timeoutMs ?? 10_000, policy: deps.policy });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        await deps.webhooks.attempted(id, { durationMs: null, statusCode: null, error: message });
        return err instanceof OutboundRefused ? gone(message) : { outcome: 'retry', message };
      }
      if (res.status >= 200 && res.status < 300) {
        await deps.webhooks.attempted(id, { durationMs: res.durationMs, statusCode: res.status, error: null });
        await deps.webhooks.delivered(id);
        return { outcome: 'delivered' };
      }
      if (res.status === 410) {
        const message = 'The receiver answered 410 Gone: the endpoint is disabled; enable it again once the receiver is back.';
        await deps.webhooks.attempted(id, { durationMs: res.durationMs, statusCode: res.status, error: message });
        await deps.webhooks.setDisabled(endpoint.id, 'gone');
        return gone(message);
      }
      const message = `The receiver answered ${res.status}; the delivery is tried again later.`;
      await deps.webhooks.attempted(id, { durationMs: res.durationMs, statusCode: res.status, error: message });
      return { outcome: 'retry', message };
    },
    fail: (id, message) => deps.webhooks.failed(id, message),
    eventDeliveries: (number, seq) => deps.webhooks.eventDeliveries(number, seq),
    started: (ids) => deps.webhooks.started(ids),
    pending: (olderThanMs, limit) => deps.webhooks.pending(olderThanMs, limit),
  };
}
