/**
 * SMS out (docs/notification-preferences.md): a provider interface, and the one provider
 * implemented — SMSAPI (smsapi.pl / smsapi.com), a Polish gateway, over its HTTP interface
 * `POST <base>/sms.do` with a Bearer token (HELPDESK_SMS_URL, HELPDESK_SMS_TOKEN), the message as
 * form fields, `format=json`. Each message carries its delivery's reference as `idx` with
 * `check_idx=1`, so a send repeated after a crash is refused by the gateway as a duplicate (its
 * error 53) instead of reaching the phone twice; that answer counts as sent. Requests go through
 * the SSRF-guarded client. Numbers are E.164 (+48…); neither the number nor the text is logged.
 */
import crypto from 'node:crypto';
import { postOutbound, type OutboundPolicy } from '../outbound/http.ts';
import { PermanentMailError } from './transport.ts';

export interface SmsMessage {
  /** E.164: `+48600100200`. */
  to: string;
  text: string;
  /** The delivery's fixed reference: the same for every attempt at one message. */
  reference: string;
}

export interface SmsProvider {
  /** Sends one message; `duplicate` when the gateway had it already. Throws PermanentMailError when refused for good, any other error to be retried. */
  send(message: SmsMessage): Promise<{ duplicate: boolean }>;
}

export interface SmsSettings {
  baseUrl: string;
  token: string;
  /** A sender name registered at the gateway; empty: the gateway's default. */
  from: string;
  policy: OutboundPolicy;
}

/** SMSAPI's error codes that will not get better by trying again (bad token, bad number, no credit, sender not allowed, text refused). */
const PERMANENT = new Set([11, 12, 13, 14, 101, 102, 103, 105, 106, 107, 108, 109, 110, 111, 112]);
const DUPLICATE = 53;

/** At most 36 characters, as the gateway's `idx` takes: a digest of the delivery's reference. */
export const smsIdx = (reference: string): string => crypto.createHash('sha256').update(reference).digest('hex').slice(0, 32);

export function createSmsApiProvider(settings: SmsSettings): SmsProvider {
  const url = `${settings.baseUrl.replace(/\/+$/, '')}/sms.do`;
  return {
    async send(m) {
      const form = new URLSearchParams({ to: m.to.replace(/^\+/, ''), message: m.text, format: 'json', encoding: 'utf-8', idx: smsIdx(m.reference), check_idx: '1' });
      if (settings.from) form.set('from', settings.from);
      const res = await postOutbound(url, form.toString(), { headers: { authorization: `Bearer ${settings.token}`, 'content-type': 'application/x-www-form-urlencoded' }, timeoutMs: 10_000, policy: settings.policy });
      if (res.status === 401 || res.status === 403) throw new PermanentMailError(`The SMS gateway refused the token (HTTP ${res.status}): check HELPDESK_SMS_TOKEN.`);
      if (res.status >= 500 || res.status === 429) throw new Error(`The SMS gateway answered ${res.status}; the message is sent again later.`);
      let answer: { error?: unknown; count?: unknown };
      try {
        answer = JSON.parse(res.body) as typeof answer;
      } catch {
        throw new Error(`The SMS gateway answered ${res.status} with something other than JSON; the message is sent again later.`);
      }
      if (typeof answer.error === 'number') {
        if (answer.error === DUPLICATE) return { duplicate: true };
        if (PERMANENT.has(answer.error)) throw new PermanentMailError(`The SMS gateway refused the message for good (its error ${answer.error}).`);
        throw new Error(`The SMS gateway could not send the message now (its error ${answer.error}); it is sent again later.`);
      }
      if (res.status < 200 || res.status >= 300 || typeof answer.count !== 'number') throw new Error(`The SMS gateway answered ${res.status} without taking the message; it is sent again later.`);
      return { duplicate: false };
    },
  };
}
