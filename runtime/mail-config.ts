/**
 * Outgoing mail's settings (HELPDESK_SMTP_URL, HELPDESK_MAIL_FROM, HELPDESK_SMTP_POOL,
 * HELPDESK_DKIM_KEY, HELPDESK_DKIM_SELECTOR, HELPDESK_MAIL_SINK_PORT), mail in's (HELPDESK_MAIL_IN_*,
 * HELPDESK_IMAP_*), read by runtime/config.ts's loadConfig: a wrong value is a ConfigError naming
 * its variable, never a mail that fails later.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseDuration } from '../rules/duration.ts';
import { ConfigError } from './config-error.ts';
import type { ImapMailbox } from '../api/mail-in/imap.ts';

export interface MailConfig {
  /** HELPDESK_SMTP_URL; undefined: `helpdesk start` runs the local mail sink and sends there. */
  smtpUrl: string | undefined;
  /** HELPDESK_MAIL_FROM, parsed. */
  from: { name: string; address: string };
  /** The domain of the From address: of every Message-ID, and of the DKIM signature. */
  domain: string;
  /** HELPDESK_SMTP_POOL: pooled connections at most. @default 3 */
  poolSize: number;
  /** DKIM signing of every message, when HELPDESK_DKIM_KEY is set. */
  dkim: { domainName: string; keySelector: string; privateKey: string } | undefined;
  /** HELPDESK_MAIL_SINK_PORT. @default 2525 */
  sinkPort: number;
  /** Where the local mail sink keeps the messages: the data folder's `mail/`. */
  sinkDir: string;
  /** Mail in (api/mail-in/): the listener's port (undefined: none), address, protocol; the per-sender cap and the default language. */
  in: { port: number | undefined; host: string; lmtp: boolean; dailyCap: number; defaultLanguage: 'pl' | 'en' | 'de'; maxBytes: number };
  /** The IMAP mailbox the workers poll (HELPDESK_IMAP_URL, api/mail-in/imap.ts); undefined: none. */
  imap: ImapConfig | undefined;
  /** True when `smtpUrl` is the local mail sink `helpdesk start` runs (never from the environment): admins then read its mailbox. */
  localSink: boolean;
}

/** HELPDESK_IMAP_URL taken apart (the mailbox as api/mail-in/imap.ts connects to it), with HELPDESK_IMAP_POLL_INTERVAL. The password is never logged. */
export interface ImapConfig extends ImapMailbox {
  /** HELPDESK_IMAP_POLL_INTERVAL in ms. @default 60_000 */
  pollIntervalMs: number;
}

type Get = (k: 'smtpUrl' | 'mailFrom' | 'smtpPool' | 'dkimKey' | 'dkimSelector' | 'mailSinkPort' | 'mailInPort' | 'mailInHost' | 'mailInLmtp' | 'mailInDailyCap' | 'mailInLanguage' | 'imapUrl' | 'imapPollInterval' | 'imapTlsInsecure') => string;

const ADDRESS = /^[^\s@<>"]+@([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*)$/i;

/** `Name <address>` or a bare address. */
export function parseFrom(value: string): { name: string; address: string; domain: string } {
  const v = value.trim();
  const m = /^(.*?)\s*<([^<>]+)>$/.exec(v);
  const name = (m ? m[1]! : '').replace(/^"(.*)"$/, '$1').trim();
  const address = (m ? m[2]! : v).trim();
  const a = ADDRESS.exec(address);
  if (!a) throw new ConfigError(`HELPDESK_MAIL_FROM must be an address such as helpdesk@example.com or "Helpdesk <helpdesk@example.com>"; got "${value}"`);
  return { name, address, domain: a[1]!.toLowerCase() };
}

function smtpUrl(value: string): string | undefined {
  const v = value.trim();
  if (!v) return undefined;
  const url = URL.canParse(v) ? new URL(v) : undefined;
  if (!url || !/^smtps?:$/.test(url.protocol) || !url.hostname) {
    throw new ConfigError('HELPDESK_SMTP_URL must be an SMTP URL such as smtp://user:password@mail.example.com:587 or smtps://user:password@mail.example.com:465');
  }
  return v;
}

export function mailConfig(get: Get, cwd: string, dataDir: string): MailConfig {
  const from = parseFrom(get('mailFrom'));
  const pool = /^\d+$/.test(get('smtpPool').trim()) ? Number(get('smtpPool').trim()) : NaN;
  if (!(pool >= 1 && pool <= 20)) throw new ConfigError(`HELPDESK_SMTP_POOL must be a whole number of connections from 1 to 20, got "${get('smtpPool')}"`);
  const sinkPort = Number(get('mailSinkPort'));
  if (!Number.isInteger(sinkPort) || sinkPort < 0 || sinkPort > 65535) throw new ConfigError(`HELPDESK_MAIL_SINK_PORT must be a port number (0-65535), got "${get('mailSinkPort')}"`);
  const key = get('dkimKey').trim();
  let dkim: MailConfig['dkim'];
  if (key) {
    const pem = key.startsWith('-----BEGIN') ? key : readKey(path.resolve(cwd, key));
    const selector = get('dkimSelector').trim();
    if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i.test(selector)) throw new ConfigError(`HELPDESK_DKIM_SELECTOR must be a DNS label such as helpdesk, got "${selector}"`);
    dkim = { domainName: from.domain, keySelector: selector, privateKey: pem };
  }
  return { smtpUrl: smtpUrl(get('smtpUrl')), in: mailIn(get), imap: imapSettings(get), from: { name: from.name, address: from.address }, domain: from.domain, poolSize: pool, dkim, sinkPort, sinkDir: path.join(dataDir, 'mail'), localSink: false };
}

function mailIn(get: Get): MailConfig['in'] {
  const rawPort = get('mailInPort').trim();
  const port = rawPort === '' ? undefined : Number(rawPort);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new ConfigError(`HELPDESK_MAIL_IN_PORT must be a port number (0-65535) or empty, got "${rawPort}"`);
  const lmtp = get('mailInLmtp').trim().toLowerCase();
  if (!['true', 'false', '1', '0', 'yes', 'no'].includes(lmtp)) throw new ConfigError(`HELPDESK_MAIL_IN_LMTP must be true or false, got "${get('mailInLmtp')}"`);
  const cap = /^\d+$/.test(get('mailInDailyCap').trim()) ? Number(get('mailInDailyCap').trim()) : NaN;
  if (!(cap >= 1 && cap <= 10_000)) throw new ConfigError(`HELPDESK_MAIL_IN_DAILY_CAP must be a whole number of messages from 1 to 10000, got "${get('mailInDailyCap')}"`);
  const language = get('mailInLanguage').trim().toLowerCase();
  if (language !== 'pl' && language !== 'en' && language !== 'de') throw new ConfigError(`HELPDESK_MAIL_IN_LANGUAGE must be pl, en or de, got "${get('mailInLanguage')}"`);
  return { port, host: get('mailInHost').trim() || '127.0.0.1', lmtp: ['true', '1', 'yes'].includes(lmtp), dailyCap: cap, defaultLanguage: language, maxBytes: 30 * 1024 * 1024 };
}

const IMAP_URL_FORM = 'an IMAP URL such as imaps://user:password@mail.example.com:993/INBOX or imap://user:password@mail.example.com:143/INBOX';

/** HELPDESK_IMAP_URL and its two companions; a wrong URL is said without its value, which holds a password. */
function imapSettings(get: Get): ImapConfig | undefined {
  let pollIntervalMs: number;
  try {
    pollIntervalMs = parseDuration(get('imapPollInterval').trim());
  } catch {
    throw new ConfigError(`HELPDESK_IMAP_POLL_INTERVAL must be a duration such as 1m or 5m; got "${get('imapPollInterval')}"`);
  }
  if (pollIntervalMs < 60_000 || pollIntervalMs > 3_600_000) throw new ConfigError(`HELPDESK_IMAP_POLL_INTERVAL must be between 1m and 1h; got "${get('imapPollInterval')}"`);
  const insecure = get('imapTlsInsecure').trim().toLowerCase();
  if (!['true', 'false', '1', '0', 'yes', 'no'].includes(insecure)) throw new ConfigError(`HELPDESK_IMAP_TLS_INSECURE must be true or false, got "${get('imapTlsInsecure')}"`);
  const v = get('imapUrl').trim();
  if (!v) return undefined;
  const url = URL.canParse(v) ? new URL(v) : undefined;
  if (!url || !/^imaps?:$/.test(url.protocol) || !url.hostname) throw new ConfigError(`HELPDESK_IMAP_URL must be ${IMAP_URL_FORM} (its value is not repeated here: it holds a password)`);
  const decode = (part: string, what: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new ConfigError(`HELPDESK_IMAP_URL's ${what} is not percent-encoded correctly: write characters such as @, : or / in it as %40, %3A and %2F`);
    }
  };
  const user = decode(url.username, 'user name');
  const password = decode(url.password, 'password');
  if (!user || !password) throw new ConfigError(`HELPDESK_IMAP_URL must name the mailbox's user and password: ${IMAP_URL_FORM}`);
  if (url.search || url.hash) throw new ConfigError(`HELPDESK_IMAP_URL must end with the mailbox's path (such as /INBOX), without ? or #: ${IMAP_URL_FORM}`);
  const secure = url.protocol === 'imaps:';
  const mailbox = decode(url.pathname.replace(/^\//, ''), 'mailbox path') || 'INBOX';
  return {
    secure, host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: url.port ? Number(url.port) : secure ? 993 : 143, user, password, mailbox,
    tlsInsecure: ['true', '1', 'yes'].includes(insecure), pollIntervalMs,
  };
}

function readKey(file: string): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    if (!text.includes('-----BEGIN')) throw new ConfigError(`HELPDESK_DKIM_KEY names ${file}, which holds no PEM private key`);
    return text;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`HELPDESK_DKIM_KEY names ${file}, which cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): give the PEM text or a readable file`);
  }
}
