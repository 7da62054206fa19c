/**
 * The web process: `createApp(deps)` returns the Express app; only the entry point
 * listens, so tests start it on port 0. It builds nothing itself: runtime/compose.ts
 * (appDeps) builds the repositories and the ticket service's deps and hands them in.
 */
import { localizeErased } from '../services/privacy/ticket-data.ts';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { i18n } from 'i18next';
import * as middleware from 'i18next-http-middleware';
import type { Pool } from 'pg';
import type { Sequelize } from 'sequelize';
import type { ApiTokensRepo } from '../db/api-tokens-repo.ts';
import type { KbRepo } from '../db/kb-repo.ts';
import type { PortalRepo } from '../db/portal-repo.ts';
import type { SignUpRepo } from '../db/sign-up-repo.ts';
import type { UsersRepo } from '../db/users-repo.ts';
import type { TicketDeps } from '../services/tickets/index.ts';
import type { PersonalDataRepos } from '../services/privacy/export.ts';
import type { ErasureDeps } from '../services/privacy/erase.ts';
import type { RulesAdmin } from '../services/rules-admin/index.ts';
import type { People } from '../services/people/index.ts';
import { CODEC_PATH, codecRoutes, type CodecDeps } from './codec/index.ts';
import { HttpError, isDependencyFault, localizedParams, UnavailableError, type FieldProblem } from './errors.ts';
import { healthz } from './health.ts';
import { metricsRoute, requestTelemetry } from './telemetry.ts';
import type { Logger } from '../observability/logger.ts';
import { openApiDocument } from './openapi.ts';
import { portal, staticFiles, viewEngine, viewsDir, type PortalOptions } from './portal/index.ts';
import { renderErrorPage, wantsHtml } from './portal/error-page.ts';
import { privacyRoutes } from './routes/privacy.ts';
import { peopleRoutes } from './routes/people.ts';
import { integrationApiRoutes } from './routes/integrations.ts';
import { rulesAdminRoutes } from './routes/rules-admin.ts';
import { auditRoutes, type AuditRoutesDeps } from './routes/audit.ts';
import { auditRunsRoutes } from './routes/audit-runs.ts';
import { ticketBulkRoutes } from './routes/ticket-bulk.ts';
import type { AuditRuns } from '../services/audit/runs.ts';
import { ticketRoutes } from './routes/tickets.ts';
import { ticketListRoutes } from './routes/ticket-list.ts';
import { ticketMergeRoutes } from './routes/ticket-merge.ts';
import { ticketContextRoutes } from './routes/ticket-context.ts';
import { agentWorkspaceRoutes } from './routes/agent-workspace.ts';
import { staff, type StaffOptions } from './staff/index.ts';
import type { AgentWorkspace } from '../services/agent/workspace.ts';
import type { Mailbox } from '../services/notifications/mailbox.ts';
import type { DeliveriesRepo } from '../db/notification-deliveries-repo.ts';
import type { Integrations } from '../services/webhooks/admin.ts';
import type { NotificationSettings } from '../services/notifications/settings.ts';
import { apiAnswerHeaders, JSON_TYPES, requireJsonBody, strictTransportSecurity } from './transport.ts';

/** The ticket service's deps (services/tickets/deps.ts), and what the web adapters read besides. */
export interface AppDeps extends TicketDeps {
  i18n: i18n;
  /** /healthz asks PostgreSQL on a connection of its own (api/health.ts). */
  sequelize: Sequelize;
  /** The REST API's bearer tokens. */
  apiTokens: ApiTokensRepo;
  /** The access log every staff read is recorded in, and what a person's export reads (services/privacy/). */
  personalData: PersonalDataRepos;
  /** Erasure by an admin through the API (POST /api/v1/privacy/erasures); the CLI builds its own. */
  erasure?: ErasureDeps;
  /** Rules administration (drafts, publication, versions) for the admin pages and the API; without it, neither. */
  rulesAdmin?: RulesAdmin;
  /** The auditors' service (services/audit/) and the audit log, for /api/v1/audit and the auditors' pages (/audit, with the evidence export); without it, neither. */
  audit?: AuditRoutesDeps['audit'];
  /** The period replay check's runs (services/audit/runs.ts) for /api/v1/audit/runs and /audit/runs; without it, neither. */
  auditRuns?: AuditRuns;
  /** People and teams (services/people/) for /admin/people and /api/v1/people; without it, neither. */
  people?: People;
  /** The agents' workspace (services/agent/): queues, countdowns, the live feed, the ticket's context; for /agent and the agent API. */
  agent?: AgentWorkspace;
  /** The local mail sink's messages for the admins' mail page (/admin/mail); undefined when mail goes out through HELPDESK_SMTP_URL. */
  mailbox?: Mailbox | undefined;
  /** The deliveries that failed for good, for the admins' mail page (/admin/mail), with or without a mailbox. */
  deliveries?: Pick<DeliveriesRepo, 'failures'> | undefined;
  /** Webhooks, SMS alerts and duty managers for the admins' integrations page (/admin/integrations). */
  integrations?: Integrations | undefined;
  /** The SMS gateway's host, when one is configured. */
  smsGateway?: string | undefined;
  /** Each staff member's own notification settings (/staff/notifications). */
  notificationSettings?: NotificationSettings | undefined;
  /** HELPDESK_DIGEST_INTERVAL in ms. */
  digestIntervalMs?: number | undefined;
  log?: (line: string) => void;
  /** Structured request logs (observability/logger.ts); without it (text logs, tests), none. */
  logger?: Logger | null;
  /** HELPDESK_METRICS_TOKEN: who may scrape GET /metrics (api/telemetry.ts); null: this machine only. */
  metricsToken?: string | null;
  /** Express's `trust proxy` (TRUST_PROXY): which proxies' X-Forwarded-For is believed. @default false */
  trustProxy?: boolean | number | string[];
  /** The self-service portal; without it the app serves the JSON API only. */
  portal?: {
    /** What only the portal reads: accounts, articles, attachments and follow links, sign-ups. */
    repos: { users: UsersRepo; kb: KbRepo; portal: PortalRepo; signUps: SignUpRepo };
    /** Pool for the session store (sessions live in PostgreSQL). */
    pgPool: Pool;
    /** Signs session cookies; the same for every web process (see db/portal-repo.ts sessionSecret). */
    sessionSecret: string;
    options?: PortalOptions;
  };
  /** Staff sign-in and pages (api/staff/); served only with the portal, whose sessions they share. */
  staff?: StaffOptions;
  /** The codec endpoint for the Temporal Web UI (api/codec/); without it, none. */
  codec?: Pick<CodecDeps, 'payloadCodec' | 'corsOrigins' | 'staffFromSession'>;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  const log = deps.log ?? ((line: string) => console.error(line));
  app.disable('x-powered-by');
  // First: every request gets its id, log line and metrics, whatever answers it (api/telemetry.ts).
  app.use(requestTelemetry(deps.logger ?? null));
  // X-Forwarded-For names the client only through proxies the operator trusts (TRUST_PROXY); by default none.
  app.set('trust proxy', deps.trustProxy ?? false);
  const hbs = viewEngine(deps.i18n);
  app.engine('.hbs', hbs.engine);
  app.set('view engine', '.hbs');
  app.set('views', viewsDir);
  app.use(staticFiles());
  app.use(middleware.handle(deps.i18n));
  app.use(strictTransportSecurity);
  // Before the JSON API's parser: the codec endpoint has CORS, roles and a body limit of its own.
  if (deps.codec) app.use(CODEC_PATH, codecRoutes({ ...deps.codec, apiTokens: deps.apiTokens, accessLog: deps.personalData.accessLog, log }));
  app.use('/api', apiAnswerHeaders, requireJsonBody, express.json({ limit: '1mb', type: JSON_TYPES }));
  // Erased personal data reads as "[erased]" in the caller's language in every API answer.
  app.use('/api', (req: Request, res: Response, next: NextFunction) => {
    const json = res.json.bind(res);
    res.json = (body: unknown) => json(localizeErased(body, req.t('privacy.erased', { ns: 'api' })));
    next();
  });

  // Within a second whatever is down; its checks end by then too (api/health.ts).
  app.get('/healthz', healthz(deps));
  app.get('/metrics', metricsRoute(deps.metricsToken ?? null));
  app.get('/api/v1/openapi.json', (req, res) => {
    res.json(openApiDocument(`${req.protocol}://${req.get('host') ?? 'localhost'}`));
  });
  // Before ticketRoutes: GET /api/v1/tickets, the queues' list; GET /api/v1/tickets/counts (not a ticket number), the saved views, a team's load.
  app.use('/api/v1', ticketListRoutes(deps));
  app.use('/api/v1', agentWorkspaceRoutes(deps));
  app.use('/api/v1', ticketRoutes(deps));
  app.use('/api/v1', ticketMergeRoutes(deps));
  app.use('/api/v1', ticketBulkRoutes(deps));
  if (deps.agent?.context) app.use('/api/v1', ticketContextRoutes({ ...deps, context: deps.agent.context }));
  app.use('/api/v1', privacyRoutes(deps));
  app.use('/api/v1', peopleRoutes(deps));
  app.use('/api/v1', integrationApiRoutes(deps));
  app.use('/api/v1', rulesAdminRoutes(deps));
  app.use('/api/v1', auditRoutes(deps));
  app.use('/api/v1', auditRunsRoutes(deps));
  if (deps.portal) {
    app.use(portal({
      ...deps,
      ...deps.portal.repos,
      pgPool: deps.portal.pgPool,
      sessionSecret: deps.portal.sessionSecret,
      options: deps.portal.options ?? {},
    }));
    // After the portal, whose middleware (sessions, CSRF, viewer, language) it relies on.
    if (deps.staff) {
      app.use(staff({ ...deps, ...deps.portal.repos, pgPool: deps.portal.pgPool, sessionSecret: deps.portal.sessionSecret, options: deps.portal.options ?? {}, ...deps.staff, ...(deps.audit ? { auditor: deps.audit } : {}), log }));
    }
  }

  app.use((_req, _res, next) => next(new HttpError(404, 'NOT_FOUND', 'errors.notFound')));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = toHttpError(err);
    // The route's pattern, not the address: addresses carry follow codes, sign-up tokens and search text.
    if (e.status >= 500) log(`[web] ${req.method} ${routeOf(req)} → ${e.status}: ${describe(err instanceof UnavailableError ? err.causeDetail : err)}`);
    const t = req.t ?? deps.i18n.getFixedT('en');
    const fields = e.fields.map((f: FieldProblem) => ({ field: f.field, message: t(`field.${f.key}`, { field: f.field, ...f.params }) }));
    // Action and status names in a refusal are shown in the reader's words.
    const message = t(e.messageKey, { ...localizedParams(t, e.params), fields: fields.map((f) => f.message).join('; ') });
    const json = () => res.status(e.status).json({ error: { code: e.code, message, ...(fields.length ? { fields } : {}) } });
    // Content negotiation: a browser gets a localized page, everything else the JSON shape.
    if (deps.portal && wantsHtml(req)) return renderErrorPage(req, res, e.status, message, fields, json);
    json();
  });
  return app;
}

/** `/api/v1/tickets/:number/actions/:action` for a matched route, else the path without its query. */
function routeOf(req: Request): string {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  const base = req.originalUrl.startsWith('/api/v1/') ? '/api/v1' : '';
  return typeof pattern === 'string' ? `${base}${pattern}` : req.path.replace(/\/(follow|sign-up\/complete)\/.*/, '/$1/…');
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Maps anything thrown to an HttpError; body-parser's errors carry a status and a type; a dependency's fault is a 503. */
function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const e = err as { status?: number; type?: string };
  if (e?.type === 'entity.parse.failed') return new HttpError(400, 'MALFORMED_JSON', 'errors.malformedJson');
  if (e?.type === 'entity.too.large') return new HttpError(413, 'PAYLOAD_TOO_LARGE', 'errors.payloadTooLarge');
  if (e?.type === 'parameters.too.many') return new HttpError(413, 'PAYLOAD_TOO_LARGE', 'errors.payloadTooLarge');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'errors.unsupportedMediaType');
  // PostgreSQL or Temporal out of reach, wherever a route did not say so itself: 503, try again.
  if (isDependencyFault(err)) return new UnavailableError(err);
  return new HttpError(500, 'INTERNAL', 'errors.internal');
}
