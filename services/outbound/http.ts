/**
 * Every request the helpdesk makes to an address someone typed in (webhooks, Slack, Teams, the SMS
 * provider) goes through here, and nowhere else: a POST with a time limit whose connection is
 * refused when the name resolves to a private, loopback, link-local or otherwise reserved address
 * (SSRF) — checked on the address actually connected to, so DNS rebinding gains nothing
 * (request-filtering-agent) — unless HELPDESK_OUTBOUND_ALLOW lets it. Redirects are not followed.
 * What comes back is the status and the first few kilobytes of the body, nothing more.
 */
import http from 'node:http';
import https from 'node:https';
import dns from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

/** HELPDESK_OUTBOUND_ALLOW, parsed: `private` lets every non-public address through; otherwise addresses and CIDR ranges. */
export interface OutboundPolicy {
  allowPrivate: boolean;
  allow: string[];
}

export const STRICT: OutboundPolicy = { allowPrivate: false, allow: [] };

export interface OutboundResponse {
  status: number;
  /** The first 4 KB of the body, as text. */
  body: string;
  durationMs: number;
}

/** A destination the policy refuses (a private or reserved address): a sentence an admin can act on. */
export class OutboundRefused extends Error {
  override name = 'OutboundRefused';
}

const MAX_BODY = 4096;

/** Parses HELPDESK_OUTBOUND_ALLOW (`private`, or addresses and CIDR ranges, comma-separated); throws a sentence naming what is wrong. */
export function parseOutboundPolicy(value: string): OutboundPolicy {
  const parts = value.split(',').map((p) => p.trim()).filter(Boolean);
  const policy: OutboundPolicy = { allowPrivate: false, allow: [] };
  for (const p of parts) {
    if (p.toLowerCase() === 'private') policy.allowPrivate = true;
    else if (ipaddr.isValid(p)) policy.allow.push(`${p}/${ipaddr.parse(p).kind() === 'ipv4' ? 32 : 128}`);
    else if (isCidr(p)) policy.allow.push(p);
    else throw new Error(`"${p}" is neither an IP address, a CIDR range such as 10.0.0.0/8, nor the word private`);
  }
  return policy;
}

function isCidr(value: string): boolean {
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}

/** Whether one address may be connected to under the policy. */
export function addressAllowed(address: string, policy: OutboundPolicy): boolean {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  for (const c of policy.allow) {
    const [range, bits] = ipaddr.parseCIDR(c);
    if (range.kind() === ip.kind() && ip.match([range, bits])) return true;
  }
  return policy.allowPrivate ? ip.range() !== 'unspecified' : ip.range() === 'unicast';
}

/** Why a destination is refused before it is saved, as a code the admin page says in the viewer's language. */
export type DestinationProblem = { code: 'notUrl' | 'scheme' | 'credentials' } | { code: 'unresolved' | 'private'; host: string };

/**
 * Checks a URL before it is saved (an admin registering an endpoint): http(s), no credentials in
 * it, and every address its host resolves to allowed. Null when fine.
 */
export async function checkDestination(url: string, policy: OutboundPolicy, lookup: (host: string) => Promise<string[]> = resolveAll): Promise<DestinationProblem | null> {
  if (!URL.canParse(url)) return { code: 'notUrl' };
  const u = new URL(url);
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return { code: 'scheme' };
  if (u.username || u.password) return { code: 'credentials' };
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: string[];
  try {
    addresses = ipaddr.isValid(host) ? [host] : await lookup(host);
  } catch {
    return { code: 'unresolved', host };
  }
  if (!addresses.length) return { code: 'unresolved', host };
  return addresses.every((a) => addressAllowed(a, policy)) ? null : { code: 'private', host };
}

const refusal = (host: string) => `${host} is a private, loopback or reserved address, which the helpdesk does not send to (HELPDESK_OUTBOUND_ALLOW lets chosen addresses through).`;

async function resolveAll(host: string): Promise<string[]> {
  const found = await dns.lookup(host, { all: true });
  return found.map((a) => a.address);
}

/** The agent of one request: blocks what the policy does not allow, at connection time. */
function agentFor(url: URL, policy: OutboundPolicy): http.Agent {
  const options = { allowPrivateIPAddress: policy.allowPrivate, allowIPAddressList: policy.allow, keepAlive: false };
  return url.protocol === 'https:' ? new RequestFilteringHttpsAgent(options) : new RequestFilteringHttpAgent(options);
}

/** POSTs `body` to `url` with `headers`; answers the status whatever it is, or throws (refused, unreachable, too slow) with a sentence. */
export async function postOutbound(url: string, body: string, opts: { headers: Record<string, string>; timeoutMs: number; policy: OutboundPolicy }): Promise<OutboundResponse> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  // An address literal is checked here too (the agent checks names at lookup and literals at connect).
  if (ipaddr.isValid(host) && !addressAllowed(host, opts.policy)) throw new OutboundRefused(refusal(host));
  const started = performance.now();
  const agent = agentFor(target, opts.policy);
  const send = target.protocol === 'https:' ? https.request : http.request;
  try {
    return await new Promise<OutboundResponse>((resolve, reject) => {
      const req = send(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'helpdesk-engine', ...opts.headers }, timeout: opts.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_BODY) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY), durationMs: Math.round(performance.now() - started) }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`No answer from ${target.host} within ${Math.round(opts.timeoutMs / 1000)} s.`)));
      req.on('error', (err) => reject(describe(err, host)));
      req.end(body);
    });
  } finally {
    agent.destroy();
  }
}

function describe(err: Error & { code?: string }, host: string): Error {
  if (/is not allowed/.test(err.message)) return new OutboundRefused(refusal(host));
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return new Error(`The name ${host} cannot be resolved.`);
  if (err.code === 'ECONNREFUSED') return new Error(`${host} refused the connection.`);
  if (err.code === 'ECONNRESET') return new Error(`${host} closed the connection before answering.`);
  if (/^No answer from/.test(err.message)) return err;
  return new Error(`The request to ${host} failed (${err.code ?? err.message}).`);
}
