/**
 * The one module that reads the environment. Every setting has a default, an
 * environment variable and a line of documentation; the README's configuration
 * table is checked against {@link settings} by a test.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { parseDuration } from '../rules/duration.ts';
import { ConfigError } from './config-error.ts';
import { mailConfig, type MailConfig } from './mail-config.ts';
import { integrationsConfig, type IntegrationsConfig } from './integrations-config.ts';

export interface Setting {
  env: string;
  default: string;
  doc: string;
}

export const settings = {
  dataDir: { env: 'HELPDESK_DATA_DIR', default: '.data', doc: 'Folder for the embedded Temporal SQLite file and the embedded PostgreSQL cluster.' },
  databaseUrl: { env: 'DATABASE_URL', default: '', doc: 'PostgreSQL connection URL. When empty, an embedded PostgreSQL is started under the data folder.' },
  embeddedPgPort: { env: 'EMBEDDED_PG_PORT', default: '54329', doc: 'Port of the embedded PostgreSQL (only when DATABASE_URL is empty).' },
  temporalAddress: { env: 'TEMPORAL_ADDRESS', default: '', doc: 'host:port of a Temporal frontend. When empty, `helpdesk start` runs the Temporal CLI dev server on 127.0.0.1:7233.' },
  temporalNamespace: { env: 'TEMPORAL_NAMESPACE', default: 'default', doc: 'Temporal namespace.' },
  temporalApiKey: { env: 'TEMPORAL_API_KEY', default: '', doc: 'API key for Temporal Cloud (implies TLS).' },
  temporalTlsCert: { env: 'TEMPORAL_TLS_CERT', default: '', doc: 'Path to a client certificate (PEM) for mTLS to a Temporal cluster.' },
  temporalTlsKey: { env: 'TEMPORAL_TLS_KEY', default: '', doc: 'Path to the client certificate key (PEM) for mTLS.' },
  taskQueue: { env: 'HELPDESK_TASK_QUEUE', default: 'helpdesk-tickets', doc: 'Temporal task queue of the ticket workflows and their activities.' },
  temporalCliPath: { env: 'TEMPORAL_CLI_PATH', default: '', doc: 'Path to a `temporal` CLI binary. Otherwise one on PATH, else the cached build in ~/.cache/helpdesk/bin, else it is built with `go install`.' },
  devServerPort: { env: 'TEMPORAL_DEV_PORT', default: '7233', doc: 'Port of the embedded Temporal dev server.' },
  devServerUiPort: { env: 'TEMPORAL_DEV_UI_PORT', default: '8233', doc: 'Port of the embedded Temporal Web UI.' },
  host: { env: 'HOST', default: '127.0.0.1', doc: 'Address the web process listens on.' },
  port: { env: 'PORT', default: '3000', doc: 'Port the web process listens on.' },
  publicUrl: { env: 'PUBLIC_URL', default: '', doc: 'Base URL shown to users and in links (default http://HOST:PORT).' },
  trustProxy: { env: 'TRUST_PROXY', default: '', doc: 'Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (the client address for rate limits; HTTPS for secure cookies): `loopback`, IP addresses or CIDR ranges (comma-separated), or a hop count. When empty, no proxy is trusted and the client is the socket address.' },
  codecCorsOrigins: { env: 'HELPDESK_CODEC_CORS_ORIGINS', default: '', doc: 'Origins of the Temporal Web UI that may call the codec endpoint (/api/codec) from the browser, with cookies: comma-separated, as `https://temporal.example.com`. `helpdesk start` adds its dev server\'s UI itself.' },
  ticketPrefix: { env: 'TICKET_PREFIX', default: 'HD', doc: 'Prefix of ticket numbers (HD-2026-000042).' },
  seedDemo: { env: 'HELPDESK_SEED_DEMO', default: 'true', doc: 'Seed demo users, teams and tickets once on first start (`helpdesk start` only).' },
  intakeWaitMs: { env: 'HELPDESK_INTAKE_WAIT_MS', default: '10000', doc: 'How long POST /tickets waits for the workflow to record the ticket before answering 202 Accepted.' },
  serviceKeys: { env: 'HELPDESK_SERVICE_KEYS', default: '', doc: 'Service keys that encrypt every Temporal payload (AES-256-GCM): `id:base64-of-32-bytes`, comma-separated; the first one writes, all of them read (rotation: put the new key first, keep the old ones). When empty, the service key file is used.' },
  serviceKeyFile: { env: 'HELPDESK_SERVICE_KEY_FILE', default: '', doc: 'File of service keys, one `id:base64` a line, the first one writes (default: service-keys in the data folder; `helpdesk start` generates it with mode 0600 when missing and no keys are set).' },
  staffSecondFactor: { env: 'HELPDESK_STAFF_SECOND_FACTOR', default: 'required', doc: 'Staff web sign-in: `required` (every agent, process owner, admin and auditor passes a TOTP code, a recovery code or single sign-on before any staff page) or `optional` (staff who have not set up a code may use the staff pages after their password). See docs/staff-sign-in.md.' },
  oidcIssuer: { env: 'HELPDESK_OIDC_ISSUER', default: '', doc: 'OpenID Connect issuer URL for staff single sign-on (its discovery document is read from it). When empty, there is no single sign-on.' },
  oidcClientId: { env: 'HELPDESK_OIDC_CLIENT_ID', default: '', doc: 'The helpdesk\'s client id at the OpenID Connect provider (required with HELPDESK_OIDC_ISSUER).' },
  oidcClientSecret: { env: 'HELPDESK_OIDC_CLIENT_SECRET', default: '', doc: 'The client secret at the OpenID Connect provider (client_secret_basic); when empty, a public client with PKCE only.' },
  oidcRedirectUrl: { env: 'HELPDESK_OIDC_REDIRECT_URL', default: '', doc: 'Where the provider sends staff back (register it there; default PUBLIC_URL + /staff/sso/callback).' },
  oidcAllowedDomains: { env: 'HELPDESK_OIDC_ALLOWED_DOMAINS', default: '', doc: 'E-mail domains whose addresses may sign in through single sign-on, comma-separated (`example.com,example.pl`; exact domains, no subdomains); others are refused. When empty, any address of a staff member.' },
  staffSessionHours: { env: 'HELPDESK_STAFF_SESSION_HOURS', default: '12', doc: 'A staff session ends this many hours after its second factor (or single sign-on), whatever happens meanwhile: whole hours, 1-168.' },
  staffIdleMinutes: { env: 'HELPDESK_STAFF_IDLE_MINUTES', default: '60', doc: 'A staff session ends after this many minutes without a staff request: whole minutes, 1-1440.' },
  masterKey: { env: 'HELPDESK_MASTER_KEY', default: '', doc: 'Master keys that wrap every person\'s data keys (personal data is sealed per person, see docs/privacy.md): `id:base64-of-32-bytes`, comma-separated; the first one wraps new data keys, all of them unwrap (rotation: put the new key first, then `helpdesk privacy rotate-master-key`). When empty, the master key file is used.' },
  masterKeyFile: { env: 'HELPDESK_MASTER_KEY_FILE', default: '', doc: 'File of master keys, one `id:base64` a line, the first one wraps (default: master-key in the data folder; `helpdesk start` generates it with mode 0600 when missing and no key is set).' },
  erasureLedger: { env: 'HELPDESK_ERASURE_LEDGER', default: '', doc: 'The erasure ledger (one line per erasure, pseudonymous), re-applied after a database restore by `helpdesk privacy reapply-erasures`; keep it apart from the database backups (default: erasure-ledger.jsonl in the data folder).' },
  auditSigningKey: { env: 'HELPDESK_AUDIT_SIGNING_KEY', default: '', doc: 'The Ed25519 key that signs the audit log\'s checkpoints and evidence bundles (see docs/audit-proof.md): the private key as PKCS#8 PEM text (starting `-----BEGIN PRIVATE KEY-----`), or the path of a file holding it. When empty, audit-signing-key in the data folder, generated with mode 0600 on first use.' },
  retentionInterval: { env: 'HELPDESK_RETENTION_INTERVAL', default: '1h', doc: 'How often the retention schedule (a Temporal Schedule that `helpdesk start` and `helpdesk worker` create) runs the retention workflow, which erases and deletes what the rules\' retention periods make due: a duration such as `30m`, `1h` or `1d`, from 1 minute to 7 days. See docs/retention.md.' },
  archiveInterval: { env: 'HELPDESK_ARCHIVE_INTERVAL', default: '5m', doc: 'How often the history archive\'s schedule (a Temporal Schedule that `helpdesk start` and `helpdesk worker` create) copies the histories of ticket runs that have closed into PostgreSQL, so auditors read them after Temporal\'s retention: a duration such as `5m` or `1h`, from 1 minute to 6 hours (well inside the namespace\'s retention). See docs/audit-archive.md.' },
  smtpUrl: { env: 'HELPDESK_SMTP_URL', default: '', doc: 'The SMTP server notifications are sent through: `smtp://user:password@host:587` (STARTTLS when the server offers it) or `smtps://user:password@host:465`. When empty, `helpdesk start` runs a local SMTP server on 127.0.0.1 (HELPDESK_MAIL_SINK_PORT) that keeps every message under the data folder\'s `mail/` and shows them to admins at /admin/mail; a `helpdesk worker` without it sends nothing, and notifications wait in the outbox. See docs/mail.md.' },
  mailFrom: { env: 'HELPDESK_MAIL_FROM', default: 'Helpdesk <helpdesk@localhost>', doc: 'The From of every mail the helpdesk sends (`Name <address>` or an address); its domain is the domain of the Message-IDs.' },
  smtpPool: { env: 'HELPDESK_SMTP_POOL', default: '3', doc: 'How many SMTP connections a worker keeps open to HELPDESK_SMTP_URL at most (pooled, reused for many messages): 1-20.' },
  dkimKey: { env: 'HELPDESK_DKIM_KEY', default: '', doc: 'A DKIM private key (PEM text, or the path of a file holding it) to sign outgoing mail with, for the From address\'s domain; empty: not signed (the SMTP server may sign).' },
  dkimSelector: { env: 'HELPDESK_DKIM_SELECTOR', default: 'helpdesk', doc: 'The DKIM selector of HELPDESK_DKIM_KEY (its public key is published at `<selector>._domainkey.<domain>`).' },
  outboxSweepInterval: { env: 'HELPDESK_OUTBOX_SWEEP_INTERVAL', default: '1m', doc: 'How often the outbox sweep (a Temporal Schedule that `helpdesk start` and `helpdesk worker` create) starts the delivery of every notification and webhook still waiting after 30 s — one whose delivery could not be started when it was written: a duration such as `1m` or `5m`, from 1 minute to 1 hour.' },
  mailInPort: { env: 'HELPDESK_MAIL_IN_PORT', default: '', doc: 'Port of the mail-in listener the web process runs: the mail server hands the helpdesk\'s mail to it over SMTP (or LMTP, HELPDESK_MAIL_IN_LMTP), and each message becomes a ticket or a reply (docs/mail.md). When empty, there is no listener.' },
  mailInHost: { env: 'HELPDESK_MAIL_IN_HOST', default: '127.0.0.1', doc: 'Address the mail-in listener listens on: the mail server that hands mail over must reach it; it takes no authentication, so keep it off the internet.' },
  mailInLmtp: { env: 'HELPDESK_MAIL_IN_LMTP', default: 'false', doc: 'Whether the mail-in listener speaks LMTP (`true`, as Postfix\'s `lmtp:` transport and Dovecot deliver) instead of SMTP.' },
  mailInDailyCap: { env: 'HELPDESK_MAIL_IN_DAILY_CAP', default: '50', doc: 'How many messages one sender may send in 24 hours before further ones are ignored (recorded, not taken in): 1-10000.' },
  mailInLanguage: { env: 'HELPDESK_MAIL_IN_LANGUAGE', default: 'en', doc: 'The language (pl, en or de) of a ticket made from a mail when neither the sender\'s account nor the mail\'s Content-Language says.' },
  imapUrl: { env: 'HELPDESK_IMAP_URL', default: '', doc: 'An IMAP mailbox the workers poll for the helpdesk\'s mail (docs/mail-in.md): `imaps://user:password@host:993/INBOX`, or `imap://user:password@host:143/INBOX` (STARTTLS when the server offers it); characters such as `@`, `:` or `/` in the user or password percent-encoded. Each new message becomes a ticket or a reply, once, and is marked read. When empty, no mailbox is polled.' },
  imapPollInterval: { env: 'HELPDESK_IMAP_POLL_INTERVAL', default: '1m', doc: 'How often the mailbox poll (a Temporal Schedule that `helpdesk start` and `helpdesk worker` create when HELPDESK_IMAP_URL is set) reads HELPDESK_IMAP_URL\'s new messages: a duration such as `1m` or `5m`, from 1 minute to 1 hour.' },
  imapTlsInsecure: { env: 'HELPDESK_IMAP_TLS_INSECURE', default: 'false', doc: 'Whether the IMAP server\'s TLS certificate is taken without checking it (`true`: a test server with a self-signed certificate only; the password then goes to whoever answers).' },
  outboundAllow: { env: 'HELPDESK_OUTBOUND_ALLOW', default: '', doc: 'Private, loopback or reserved addresses that webhooks, Slack, Teams and the SMS gateway may still be sent to (every other such address is refused, against SSRF): IP addresses and CIDR ranges, comma-separated (`10.20.0.0/16,127.0.0.1`), or `private` for all of them. When empty, only public addresses. See docs/webhooks.md.' },
  smsUrl: { env: 'HELPDESK_SMS_URL', default: '', doc: 'The SMS gateway\'s base URL (SMSAPI: `https://api.smsapi.pl` or `https://api.smsapi.com`); when empty, no SMS is sent and SMS choices fall back to mail. See docs/notification-preferences.md.' },
  smsToken: { env: 'HELPDESK_SMS_TOKEN', default: '', doc: 'The SMS gateway\'s API token (OAuth Bearer token from the SMSAPI panel); required with HELPDESK_SMS_URL.' },
  smsFrom: { env: 'HELPDESK_SMS_FROM', default: '', doc: 'The sender name registered at the SMS gateway (up to 11 letters or digits); when empty, the gateway\'s default sender.' },
  digestInterval: { env: 'HELPDESK_DIGEST_INTERVAL', default: '1h', doc: 'How often the digest schedule (a Temporal Schedule that `helpdesk start` and `helpdesk worker` create when mail is sent) mails each staff member who chose digests the notifications gathered since the last one: a duration such as `30m`, `1h` or `1d`, from 5 minutes to 1 day.' },
  mailSinkPort: { env: 'HELPDESK_MAIL_SINK_PORT', default: '2525', doc: 'Port of the local SMTP server `helpdesk start` runs on 127.0.0.1 when HELPDESK_SMTP_URL is empty.' },
  logLevel: { env: 'LOG_LEVEL', default: 'info', doc: 'debug, info, warn or error.' },
  logFormat: { env: 'HELPDESK_LOG_FORMAT', default: '', doc: 'The servers\' logs: `json` (pino, one object a line with time, level, component, message and, where known, the request id, ticket and workflow id; never personal data) or `text` (the lines as a person reads them). When empty, JSON unless the output is a terminal.' },
  metricsToken: { env: 'HELPDESK_METRICS_TOKEN', default: '', doc: 'The bearer token Prometheus sends to scrape `/metrics` (the web\'s, and a worker\'s on HELPDESK_METRICS_ADDRESS). When empty, `/metrics` answers only requests from this machine (127.0.0.1, ::1).' },
  metricsAddress: { env: 'HELPDESK_METRICS_ADDRESS', default: '', doc: 'Where `helpdesk worker` serves its own `/metrics` (breach lateness, outbox delivery lag): `host:port`, e.g. `0.0.0.0:9464`. When empty, a worker serves none (`helpdesk start` serves them on the web\'s `/metrics`).' },
  temporalMetricsAddress: { env: 'HELPDESK_TEMPORAL_METRICS_ADDRESS', default: '', doc: 'Where the Temporal SDK serves the worker\'s own Prometheus metrics (task slots, sticky cache, poll and schedule-to-start latencies): `host:port`, e.g. `0.0.0.0:9465`. When empty, none.' },
  dbPool: { env: 'HELPDESK_DB_POOL', default: '10', doc: 'How many PostgreSQL connections each helpdesk process (web, worker) keeps open at most: 1-100. The server\'s max_connections must cover every process\'s pool.' },
  workflowCache: { env: 'HELPDESK_WORKFLOW_CACHE', default: '', doc: 'How many ticket workflows a worker keeps in memory (the Temporal SDK\'s sticky cache, `maxCachedWorkflows`); the rest are replayed from history when their next timer or action comes. Bounds a worker\'s memory with many open tickets (see the README\'s performance section). When empty, the SDK\'s default from the heap size.' },
  workflowTaskSlots: { env: 'HELPDESK_WORKFLOW_TASK_SLOTS', default: '', doc: 'How many workflow tasks a worker runs at once (`maxConcurrentWorkflowTaskExecutions`): 2-1000. When empty, the SDK\'s default (40).' },
} as const satisfies Record<string, Setting>;

export type SettingKey = keyof typeof settings;

export interface Config {
  dataDir: string;
  databaseUrl: string | undefined;
  embeddedPgPort: number;
  temporal: {
    address: string | undefined;
    namespace: string;
    apiKey: string | undefined;
    tlsCert: string | undefined;
    tlsKey: string | undefined;
    taskQueue: string;
    cliPath: string | undefined;
    devServerPort: number;
    devServerUiPort: number;
  };
  host: string;
  port: number;
  publicUrl: string;
  /** Express's `trust proxy`: false (none), a hop count, or addresses, ranges and names (loopback, linklocal, uniquelocal). */
  trustProxy: TrustProxy;
  /** Browser origins allowed to call the codec endpoint (api/codec/), credentials included. */
  codecCorsOrigins: string[];
  ticketPrefix: string;
  seedDemo: boolean;
  intakeWaitMs: number;
  /** HELPDESK_SERVICE_KEYS as given (`id:base64,…`), or undefined to use {@link serviceKeyFile}. */
  serviceKeys: string | undefined;
  serviceKeyFile: string;
  /** HELPDESK_MASTER_KEY as given (`id:base64,…`), or undefined to use {@link masterKeyFile}. */
  masterKey: string | undefined;
  masterKeyFile: string;
  erasureLedger: string;
  /** The audit signing key (runtime/audit-signing-key.ts): PEM text given, or a file (generated on first use only when it is the data folder's default). */
  auditSigningKey: { pem: string } | { file: string; generate: boolean };
  /** How often the retention schedule runs the retention workflow, in ms (HELPDESK_RETENTION_INTERVAL). @default 3_600_000 */
  retentionIntervalMs: number;
  /** How often the history archive's schedule sweeps closed runs into PostgreSQL, in ms (HELPDESK_ARCHIVE_INTERVAL). @default 300_000 */
  archiveIntervalMs: number;
  /** Staff web sign-in (api/staff/): whether the second factor is required, and single sign-on. */
  staff: StaffSignInConfig;
  /** Outgoing mail (runtime/mail-config.ts). */
  mail: MailConfig;
  /** How often the outbox sweep's schedule runs, in ms (HELPDESK_OUTBOX_SWEEP_INTERVAL). @default 60_000 */
  outboxSweepIntervalMs: number;
  /** Webhooks' and SMS's settings (runtime/integrations-config.ts). */
  integrations: IntegrationsConfig;
  /** How often the digest schedule runs, in ms (HELPDESK_DIGEST_INTERVAL). @default 3_600_000 */
  digestIntervalMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Metrics (observability/metrics.ts): who may scrape, where a worker serves them, the SDK's own. */
  metrics: { token: string | null; address: { host: string; port: number } | null; temporalAddress: string | null };
  /** PostgreSQL connections per process (HELPDESK_DB_POOL). */
  dbPool: number;
  /** The worker's tuning; null: the SDK's default. */
  worker: { cachedWorkflows: number | null; workflowTaskSlots: number | null };
}

export interface StaffSignInConfig {
  /** @default 'required' */
  secondFactor: 'required' | 'optional';
  /** OpenID Connect single sign-on; undefined when HELPDESK_OIDC_ISSUER is empty. */
  oidc: OidcConfig | undefined;
  /** How long a staff session lasts: since its second factor, and without a staff request. */
  session: StaffSessionLimits;
}

export interface StaffSessionLimits {
  /** HELPDESK_STAFF_SESSION_HOURS in ms. @default 43_200_000 (12 h) */
  maxMs: number;
  /** HELPDESK_STAFF_IDLE_MINUTES in ms. @default 3_600_000 (1 h) */
  idleMs: number;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  /** Undefined: a public client (PKCE only). */
  clientSecret: string | undefined;
  /** HELPDESK_OIDC_REDIRECT_URL; undefined: PUBLIC_URL (or the request's origin) + /staff/sso/callback. */
  redirectUrl: string | undefined;
  /** HELPDESK_OIDC_ALLOWED_DOMAINS, lower case; empty: any domain. */
  allowedDomains: string[];
}

export { ConfigError };

function port(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${name} must be a port number (0-65535), got "${value}"`);
  return n;
}

export type TrustProxy = false | number | string[];

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** TRUST_PROXY: empty or "false" → no proxy; a whole number → that many hops; else names, addresses and CIDR ranges. */
export function parseTrustProxy(value: string): TrustProxy {
  const v = value.trim();
  if (v === '' || v === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  const items = v.split(',').map((x) => x.trim()).filter(Boolean);
  for (const item of items) {
    const [addr = '', bits, ...rest] = item.split('/');
    const family = isIP(addr);
    const okBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!(PROXY_NAMES.includes(item) || (family !== 0 && okBits && rest.length === 0))) {
      throw new ConfigError(`TRUST_PROXY must be empty, a number of hops, or a comma-separated list of ${PROXY_NAMES.join(', ')}, IP addresses and CIDR ranges; "${item}" is none of these`);
    }
  }
  return items;
}

/** HELPDESK_CODEC_CORS_ORIGINS: comma-separated origins (scheme://host[:port], nothing after). */
export function parseOrigins(value: string): string[] {
  return value.split(',').map((x) => x.trim().replace(/\/$/, '')).filter(Boolean).map((item) => {
    const url = URL.canParse(item) ? new URL(item) : undefined;
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== item) throw new ConfigError(`HELPDESK_CODEC_CORS_ORIGINS must list origins such as https://temporal.example.com (scheme, host and port only), comma-separated; "${item}" is not one`);
    return item;
  });
}

/** Reads and validates the configuration once; call at process start and pass the result down. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const get = (k: SettingKey): string => {
    const raw = env[settings[k].env];
    return raw === undefined || raw === '' ? settings[k].default : raw;
  };
  const opt = (k: SettingKey): string | undefined => get(k) || undefined;
  const level = get('logLevel');
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new ConfigError(`LOG_LEVEL must be debug, info, warn or error, got "${level}"`);
  const prefix = get('ticketPrefix');
  if (!/^[A-Z]{1,8}$/.test(prefix)) throw new ConfigError(`TICKET_PREFIX must be 1-8 capital letters, got "${prefix}"`);
  const wait = Number(get('intakeWaitMs'));
  if (!Number.isInteger(wait) || wait < 0) throw new ConfigError(`HELPDESK_INTAKE_WAIT_MS must be a whole number of milliseconds`);
  const host = get('host');
  const p = port(settings.port.env, get('port'));
  const dataDir = path.resolve(cwd, get('dataDir'));
  return {
    dataDir,
    databaseUrl: opt('databaseUrl'),
    embeddedPgPort: port(settings.embeddedPgPort.env, get('embeddedPgPort')),
    temporal: {
      address: opt('temporalAddress'),
      namespace: get('temporalNamespace'),
      apiKey: opt('temporalApiKey'),
      tlsCert: opt('temporalTlsCert'),
      tlsKey: opt('temporalTlsKey'),
      taskQueue: get('taskQueue'),
      cliPath: opt('temporalCliPath'),
      devServerPort: port(settings.devServerPort.env, get('devServerPort')),
      devServerUiPort: port(settings.devServerUiPort.env, get('devServerUiPort')),
    },
    host,
    port: p,
    publicUrl: get('publicUrl') || `http://${host}:${p}`,
    trustProxy: parseTrustProxy(get('trustProxy')),
    codecCorsOrigins: parseOrigins(get('codecCorsOrigins')),
    ticketPrefix: prefix,
    seedDemo: ['1', 'true', 'yes'].includes(get('seedDemo').toLowerCase()),
    intakeWaitMs: wait,
    serviceKeys: opt('serviceKeys'),
    serviceKeyFile: opt('serviceKeyFile') ? path.resolve(cwd, get('serviceKeyFile')) : path.join(dataDir, 'service-keys'),
    staff: staffSignIn(get),
    masterKey: opt('masterKey'),
    masterKeyFile: opt('masterKeyFile') ? path.resolve(cwd, get('masterKeyFile')) : path.join(dataDir, 'master-key'),
    erasureLedger: opt('erasureLedger') ? path.resolve(cwd, get('erasureLedger')) : path.join(dataDir, 'erasure-ledger.jsonl'),
    auditSigningKey: auditSigningKey(get('auditSigningKey'), cwd, dataDir),
    retentionIntervalMs: retentionInterval(get('retentionInterval')),
    archiveIntervalMs: durationSetting(settings.archiveInterval.env, get('archiveInterval'), 60_000, 6 * 3_600_000, '1m and 6h', '5m, 30m or 1h'),
    mail: mailConfig(get, cwd, dataDir),
    outboxSweepIntervalMs: durationSetting(settings.outboxSweepInterval.env, get('outboxSweepInterval'), 60_000, 3_600_000, '1m and 1h', '1m or 5m'),
    integrations: integrationsConfig(get),
    digestIntervalMs: durationSetting(settings.digestInterval.env, get('digestInterval'), 300_000, 86_400_000, '5m and 1d', '30m, 1h or 1d'),
    logLevel: level as Config['logLevel'],
    metrics: {
      token: get('metricsToken').trim() || null,
      address: hostPort(settings.metricsAddress.env, get('metricsAddress')),
      temporalAddress: hostPort(settings.temporalMetricsAddress.env, get('temporalMetricsAddress')) ? get('temporalMetricsAddress').trim() : null,
    },
    dbPool: wholeNumber(settings.dbPool.env, get('dbPool'), 1, 100, 'connections'),
    worker: workerTuning(get),
  };
}

/** HELPDESK_WORKFLOW_CACHE and HELPDESK_WORKFLOW_TASK_SLOTS: each task needs its workflow cached, so slots ≤ cache. */
function workerTuning(get: (k: SettingKey) => string): Config['worker'] {
  const cache = get('workflowCache').trim() ? wholeNumber(settings.workflowCache.env, get('workflowCache'), 0, 1_000_000, 'workflows') : null;
  if (cache === 1) throw new ConfigError(`${settings.workflowCache.env} must be 0 (no cache) or at least 2 workflows, got "1"`);
  const slots = get('workflowTaskSlots').trim() ? wholeNumber(settings.workflowTaskSlots.env, get('workflowTaskSlots'), 2, 1000, 'tasks') : null;
  if (slots !== null && cache !== null && cache > 0 && slots > cache) {
    throw new ConfigError(`${settings.workflowTaskSlots.env} (${slots}) must not exceed ${settings.workflowCache.env} (${cache}): a workflow task runs only on a cached workflow. Lower the slots or raise the cache.`);
  }
  return { cachedWorkflows: cache, workflowTaskSlots: slots };
}

/** `host:port` (a port from 1 to 65535), or null when empty. */
function hostPort(env: string, value: string): { host: string; port: number } | null {
  const v = value.trim();
  if (!v) return null;
  const m = /^(\[[0-9a-fA-F:]+\]|[\w.-]+):(\d{1,5})$/.exec(v);
  const port = m ? Number(m[2]) : 0;
  if (!m || port < 1 || port > 65_535) throw new ConfigError(`${env} must be host:port, for example 0.0.0.0:9464; got "${v}".`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

/** HELPDESK_AUDIT_SIGNING_KEY: PEM text when it starts with -----BEGIN, else a file's path; empty: the data folder's generated key. */
function auditSigningKey(value: string, cwd: string, dataDir: string): Config['auditSigningKey'] {
  const v = value.trim();
  if (v.startsWith('-----BEGIN')) return { pem: v };
  return v ? { file: path.resolve(cwd, v), generate: false } : { file: path.join(dataDir, 'audit-signing-key'), generate: true };
}

/** HELPDESK_RETENTION_INTERVAL: a duration of the rules' form ("1h", "30m", "1d"), 1 minute to 7 days. */
function retentionInterval(value: string): number {
  return durationSetting(settings.retentionInterval.env, value, 60_000, 7 * 86_400_000, '1m and 7d', '30m, 1h or 1d');
}

/** A duration of the rules' form ("5m", "1h", "1d") from `minMs` to `maxMs`, or a ConfigError naming the variable. */
function durationSetting(name: string, value: string, minMs: number, maxMs: number, range: string, examples: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch {
    throw new ConfigError(`${name} must be a duration such as ${examples}; got "${value}"`);
  }
  if (ms < minMs || ms > maxMs) throw new ConfigError(`${name} must be between ${range}; got "${value}"`);
  return ms;
}

/** A whole number from `min` to `max`, or a ConfigError naming the variable. */
function wholeNumber(name: string, value: string, min: number, max: number, unit: string): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!(n >= min && n <= max)) throw new ConfigError(`${name} must be a whole number of ${unit} from ${min} to ${max}, got "${value}"`);
  return n;
}

/** HELPDESK_OIDC_ALLOWED_DOMAINS: comma-separated e-mail domains (example.com), lower case. */
export function parseAllowedDomains(value: string): string[] {
  return value.split(',').map((x) => x.trim().toLowerCase().replace(/^@/, '')).filter(Boolean).map((d) => {
    if (!/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/.test(d)) throw new ConfigError(`HELPDESK_OIDC_ALLOWED_DOMAINS must list e-mail domains such as example.com, comma-separated; "${d}" is not one`);
    return d;
  });
}

function staffSignIn(get: (k: SettingKey) => string): StaffSignInConfig {
  const secondFactor = get('staffSecondFactor');
  if (secondFactor !== 'required' && secondFactor !== 'optional') throw new ConfigError(`HELPDESK_STAFF_SECOND_FACTOR must be required or optional, got "${secondFactor}"`);
  const session = {
    maxMs: wholeNumber(settings.staffSessionHours.env, get('staffSessionHours'), 1, 168, 'hours') * 3_600_000,
    idleMs: wholeNumber(settings.staffIdleMinutes.env, get('staffIdleMinutes'), 1, 1440, 'minutes') * 60_000,
  };
  const allowedDomains = parseAllowedDomains(get('oidcAllowedDomains'));
  const issuer = get('oidcIssuer');
  if (!issuer) {
    if (allowedDomains.length) throw new ConfigError('HELPDESK_OIDC_ALLOWED_DOMAINS is set but HELPDESK_OIDC_ISSUER is not: set the issuer, or leave the domains empty');
    return { secondFactor, oidc: undefined, session };
  }
  const url = (name: string, value: string) => {
    if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) throw new ConfigError(`${name} must be an http(s) URL, got "${value}"`);
    return value;
  };
  const clientId = get('oidcClientId');
  if (!clientId) throw new ConfigError('HELPDESK_OIDC_CLIENT_ID must be set when HELPDESK_OIDC_ISSUER is');
  const redirectUrl = get('oidcRedirectUrl') ? url(settings.oidcRedirectUrl.env, get('oidcRedirectUrl')) : undefined;
  return { secondFactor, oidc: { issuer: url(settings.oidcIssuer.env, issuer), clientId, clientSecret: get('oidcClientSecret') || undefined, redirectUrl, allowedDomains }, session };
}
