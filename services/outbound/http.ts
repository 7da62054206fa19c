/**
 * Every request the helpdesk makes to an address someone typed in (webhooks, Slack, Teams, the SMS
 * provider) goes through here, and nowhere else: a POST with a hard time limit (connecting,
 * sending and reading together) whose connection is refused when the name resolves to a private,
 * loopback, link-local or otherwise reserved address (SSRF) unless HELPDESK_OUTBOUND_ALLOW lets it.
 * The check is made in the connection's own DNS lookup, on every address the name resolves to, so
 * the address connected to is one that was checked (DNS rebinding gains nothing); an address
 * literal is checked before any connection. Redirects are not followed. What comes back is the
 * status and the first 4 KB of the body; the rest is not read.
 *
 * The ranges are ipaddr.js's. We first used request-filtering-agent, which does the same in an
 * http.Agent, but with an allow list of IPv4 addresses it logged a stack trace for every IPv6
 * destination (it matches each entry against every address family) and its allow list cannot be
 * given per family; the lookup below is the same check in a few lines.
 */
import http from 'node:http';
import https from 'node:https';
import net, { type LookupFunction } from 'node:net';
import dns from 'node:dns';
import ipaddr from 'ipaddr.js';

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
    // Only the usual written forms: `10` or `0x7f.1` are not taken for addresses.
    else if (net.isIP(p)) policy.allow.push(`${p}/${net.isIPv4(p) ? 32 : 128}`);
    else if (isCidr(p)) policy.allow.push(p);
    else throw new Error(`"${p}" is neither an IP address, a CIDR range such as 10.0.0.0/8, nor the word private`);
  }
  return policy;
}

function isCidr(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0 || !net.isIP(value.slice(0, slash)) || !/^\d{1,3}$/.test(value.slice(slash + 1))) return false;
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}

/** IPv4-compatible IPv6 (`::a.b.c.d`, deprecated): never a destination. */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/** Whether one address may be connected to under the policy. */
export function addressAllowed(address: string, policy: OutboundPolicy): boolean {
  if (!net.isIP(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  for (const c of policy.allow) {
    const [range, bits] = ipaddr.parseCIDR(c);
    if (range.kind() === ip.kind() && ip.match([range, bits])) return true;
  }
  if (ip.kind() === 'ipv6' && ip.match(IPV4_COMPATIBLE)) return false;
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
    addresses = net.isIP(host) ? [host] : await lookup(host);
  } catch {
    return { code: 'unresolved', host };
  }
  if (!addresses.length) return { code: 'unresolved', host };
  return addresses.every((a) => addressAllowed(a, policy)) ? null : { code: 'private', host };
}

const refusal = (host: string) => `${host} is a private, loopback or reserved address, which the helpdesk does not send to (HELPDESK_OUTBOUND_ALLOW lets chosen addresses through).`;

async function resolveAll(host: string): Promise<string[]> {
  const found = await dns.promises.lookup(host, { all: true });
  return found.map((a) => a.address);
}

/** The connection's DNS lookup: every address the name resolves to must be allowed, or the connection is refused. */
function guardedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      if (!addresses.length || addresses.some((a) => !addressAllowed(a.address, policy))) return callback(Object.assign(new OutboundRefused(refusal(hostname)), { code: 'EREFUSED_ADDRESS' }), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** POSTs `body` to `url` with `headers`; answers the status whatever it is, or throws (refused, unreachable, too slow) with a sentence. */
export async function postOutbound(url: string, body: string, opts: { headers: Record<string, string>; timeoutMs: number; policy: OutboundPolicy }): Promise<OutboundResponse> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(host) && !addressAllowed(host, opts.policy)) throw new OutboundRefused(refusal(host));
  const started = performance.now();
  const send = target.protocol === 'https:' ? https.request : http.request;
  // One deadline for all of it: a receiver that drips its answer is cut off too.
  const deadline = AbortSignal.timeout(opts.timeoutMs);
  return new Promise<OutboundResponse>((resolve, reject) => {
    const req = send(target, {
      method: 'POST', agent: false, lookup: guardedLookup(opts.policy), signal: deadline,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'helpdesk-engine', ...opts.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY), durationMs: Math.round(performance.now() - started) });
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        // Enough of it: the status and the start of the body are all that is kept.
        if (size >= MAX_BODY) {
          done();
          res.destroy();
        }
      });
      res.on('end', done);
      res.on('error', () => done());
    });
    req.on('error', (err) => reject(describe(err as Error & { code?: string }, host, deadline.aborted ? opts.timeoutMs : undefined)));
    req.end(body);
  });
}

function describe(err: Error & { code?: string }, host: string, timedOutAfterMs: number | undefined): Error {
  if (err instanceof OutboundRefused) return err;
  if (timedOutAfterMs !== undefined) return new Error(`No answer from ${host} within ${Math.round(timedOutAfterMs / 1000)} s.`);
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return new Error(`The name ${host} cannot be resolved.`);
  if (err.code === 'ECONNREFUSED') return new Error(`${host} refused the connection.`);
  if (err.code === 'ECONNRESET') return new Error(`${host} closed the connection before answering.`);
  return new Error(`The request to ${host} failed (${err.code ?? err.message}).`);
}
