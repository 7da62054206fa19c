/**
 * Webhooks' and SMS's settings (HELPDESK_OUTBOUND_ALLOW, HELPDESK_SMS_URL, HELPDESK_SMS_TOKEN,
 * HELPDESK_SMS_FROM), read by runtime/config.ts's loadConfig: a wrong value is a ConfigError naming
 * its variable. The token is never repeated in a message.
 */
import { parseOutboundPolicy, type OutboundPolicy } from '../services/outbound/http.ts';
import { ConfigError } from './config-error.ts';

export interface IntegrationsConfig {
  /** What outgoing requests may reach besides public addresses (HELPDESK_OUTBOUND_ALLOW). */
  outbound: OutboundPolicy;
  /** The SMS gateway (SMSAPI), when HELPDESK_SMS_URL is set. */
  sms: { baseUrl: string; token: string; from: string } | undefined;
}

type Get = (k: 'outboundAllow' | 'smsUrl' | 'smsToken' | 'smsFrom') => string;

export function integrationsConfig(get: Get): IntegrationsConfig {
  let outbound: OutboundPolicy;
  try {
    outbound = parseOutboundPolicy(get('outboundAllow'));
  } catch (err) {
    throw new ConfigError(`HELPDESK_OUTBOUND_ALLOW must list IP addresses or CIDR ranges, comma-separated, or say private: ${(err as Error).message}`);
  }
  const url = get('smsUrl').trim();
  if (!url) return { outbound, sms: undefined };
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new ConfigError(`HELPDESK_SMS_URL must be the gateway's base URL, such as https://api.smsapi.pl; got "${url}"`);
  const token = get('smsToken').trim();
  if (!token) throw new ConfigError('HELPDESK_SMS_TOKEN must be set when HELPDESK_SMS_URL is: the API token from the SMS gateway\'s panel');
  const from = get('smsFrom').trim();
  if (from && !/^[A-Za-z0-9 .-]{1,11}$/.test(from)) throw new ConfigError(`HELPDESK_SMS_FROM must be a sender name of up to 11 letters, digits, spaces, dots or dashes; got "${from}"`);
  return { outbound, sms: { baseUrl: url, token, from } };
}
