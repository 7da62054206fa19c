/**
 * The one composition point: every repository and service is built here, once, and
 * handed down — to the worker's activities, to the web process (createApp), to the CLI
 * and to tests. No adapter (api/, bin/) or service builds a repository of its own.
 */
import type { Logger } from '../observability/logger.ts';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Sequelize } from 'sequelize';
import type { AppDeps } from '../api/app.ts';
import { createI18n } from '../api/i18n.ts';
import type { PortalOptions } from '../api/portal/index.ts';
import { createAccessLogRepo } from '../db/access-log-repo.ts';
import { createApiTokensRepo } from '../db/api-tokens-repo.ts';
import { createAuditRepo } from '../db/audit-repo.ts';
import { createAuditCheckpointsRepo } from '../db/audit-checkpoints-repo.ts';
import { createAuditPopulationRepo } from '../db/audit-population-repo.ts';
import { createHistoryArchiveRepo } from '../db/history-archive-repo.ts';
import { createDirectoryRepo } from '../db/directory-repo.ts';
import { createKbRepo } from '../db/kb-repo.ts';
import { createPersonExportRepo } from '../db/person-export-repo.ts';
import { createPortalRepo } from '../db/portal-repo.ts';
import { createRetentionRepo } from '../db/retention-repo.ts';
import { createRulesRepo } from '../db/rules-repo.ts';
import { createRulesDraftsRepo } from '../db/rules-drafts-repo.ts';
import { createShadowDecisionsRepo } from '../db/shadow-decisions-repo.ts';
import { createRulesAdmin } from '../services/rules-admin/index.ts';
import { createWhatIfRuns } from '../services/rules-admin/what-if-runs.ts';
import { createRulesApply } from '../services/rules-admin/apply-runs.ts';
import { createRulesApplyRunsRepo } from '../db/rules-apply-runs-repo.ts';
import { createOpenTicketsRepo } from '../db/open-tickets-repo.ts';
import { createSignUpRepo } from '../db/sign-up-repo.ts';
import { createStaffAuthRepo } from '../db/staff-auth-repo.ts';
import { createTicketsRepo } from '../db/tickets-repo.ts';
import { createTicketDecisionsRepo } from '../db/ticket-decisions-repo.ts';
import { createWhatIfRunsRepo } from '../db/what-if-runs-repo.ts';
import { createAuditRunsRepo } from '../db/audit-runs-repo.ts';
import { createUsersRepo } from '../db/users-repo.ts';
import { createPersonsRepo } from '../db/persons-repo.ts';
import { createPeopleRepo } from '../db/people-repo.ts';
import { createPeople, type People } from '../services/people/index.ts';
import { createSearchRepo } from '../db/search-repo.ts';
import { createVault } from '../db/vault.ts';
import { createTicketPrivacy } from '../services/privacy/ticket-data.ts';
import type { ErasureDeps } from '../services/privacy/erase.ts';
import { createLedger } from '../services/privacy/ledger.ts';
import type { KeyRing } from './key-ring.ts';
import { createRulesVersions, loadDefaultRulesText } from '../rules/versions.ts';
import type { TicketDeps } from '../services/tickets/index.ts';
import type { Config } from './config.ts';
import { staffWeb } from './staff-web.ts';
import { payloadCodec } from './payload-codec.ts';
import { webAudit } from './audit-evidence.ts';
import { auditRunsService } from './audit-runs.ts';
import { createAgentWorkspace } from './agent-workspace.ts';
import type { TicketFeed } from '../services/agent/workspace.ts';
import { LOCAL_MAILBOX_CONTEXT, openMailbox } from '../services/notifications/mailbox.ts';
import { createDeliveriesRepo } from '../db/notification-deliveries-repo.ts';
import { createWebhooksRepo } from '../db/webhooks-repo.ts';
import { createNotificationSettingsRepo } from '../db/notification-settings-repo.ts';
import { startDeliveries } from '../activities/notify.ts';
import { startWebhookDeliveries } from '../activities/webhooks.ts';
import { createIntegrations } from '../services/webhooks/admin.ts';
import { createNotificationSettings } from '../services/notifications/settings.ts';

/**
 * Every repository over one connection pool, the rules versions (compiled once, shared) and the
 * vault that seals personal data — accounts included (db/account-sealing.ts). The master key ring
 * is read on first use, so commands that touch no personal data run without one.
 */
export function createRepositories(sequelize: Sequelize, masterRing: () => KeyRing) {
  const persons = createPersonsRepo(sequelize);
  const rawTickets = createTicketsRepo(sequelize);
  let ring: KeyRing | undefined;
  const master: KeyRing = {
    get current() { return (ring ??= masterRing()).current; },
    get keys() { return (ring ??= masterRing()).keys; },
  };
  const vault = createVault({ persons, master });
  // Every read of the read model is opened (services/privacy/ticket-data.ts): what a reader gets has addresses and words, or ERASED.
  const ticketPrivacy = createTicketPrivacy(vault, rawTickets);
  return {
    persons,
    vault,
    ticketPrivacy,
    search: createSearchRepo(sequelize),
    tickets: ticketPrivacy.openingRepo(),
    directory: createDirectoryRepo(sequelize, vault),
    rules: createRulesVersions(createRulesRepo(sequelize)),
    rulesDrafts: createRulesDraftsRepo(sequelize),
    shadowDecisions: createShadowDecisionsRepo(sequelize),
    apiTokens: createApiTokensRepo(sequelize, vault),
    users: createUsersRepo(sequelize, vault),
    people: createPeopleRepo(sequelize, vault),
    kb: createKbRepo(sequelize),
    portal: createPortalRepo(sequelize),
    signUps: createSignUpRepo(sequelize, vault),
    audit: createAuditRepo(sequelize),
    auditCheckpoints: createAuditCheckpointsRepo(sequelize),
    auditPopulation: createAuditPopulationRepo(sequelize),
    historyArchive: createHistoryArchiveRepo(sequelize),
    staffAuth: createStaffAuthRepo(sequelize),
    retention: createRetentionRepo(sequelize),
    accessLog: createAccessLogRepo(sequelize, vault),
    personExport: createPersonExportRepo(sequelize, vault),
    decisions: createTicketDecisionsRepo(sequelize),
    whatIfRuns: createWhatIfRunsRepo(sequelize),
    openTickets: createOpenTicketsRepo(sequelize),
    applyRuns: createRulesApplyRunsRepo(sequelize, createAuditRepo(sequelize)),
    auditRuns: createAuditRunsRepo(sequelize, createAuditRepo(sequelize)),
    webhooks: createWebhooksRepo(sequelize),
    notificationSettings: createNotificationSettingsRepo(sequelize, vault),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;

/** The ticket service's one Deps shape, from the repositories, a Temporal client and the configuration. */
export function ticketDeps(config: Config, repos: Pick<Repositories, 'tickets' | 'directory' | 'rules' | 'vault' | 'ticketPrivacy'>, temporal: Client): TicketDeps {
  return {
    tickets: repos.tickets,
    vault: repos.vault,
    privacy: repos.ticketPrivacy,
    directory: repos.directory,
    rules: repos.rules,
    temporal,
    taskQueue: config.temporal.taskQueue,
    ticketPrefix: config.ticketPrefix,
    intakeWaitMs: config.intakeWaitMs,
    // Rows the web process writes (the follow link, sign-up mails) are mailed at once when mail is sent.
    outbox: config.mail.smtpUrl ? { deliver: async (refs) => void (await startDeliveries(temporal, config.temporal.taskQueue, refs)) } : undefined,
  };
}

export interface WebOptions {
  log?: (line: string) => void;
  /** The self-service portal: the pool its sessions and rate limits live in, and its options. Without it, the JSON API only. */
  portal?: { pgPool: Pool; options?: PortalOptions };
  /** The web process's live feed of changed tickets (runtime/ticket-feed.ts), for /agent/stream; without it the stream answers 503. */
  feed?: TicketFeed;
  /** Structured request logs; null with text logs. */
  logger?: Logger | null;
  /** HELPDESK_METRICS_TOKEN (null: /metrics for this machine only). */
  metricsToken?: string | null;
}

/** People and teams (services/people/) for the admin pages, the API and the CLI. */
export function peopleService(db: Pick<Repositories, 'users' | 'people' | 'staffAuth' | 'rules'>): People {
  return createPeople({ users: db.users, people: db.people, staffAuth: db.staffAuth, rules: db.rules });
}

/** Everything createApp needs, built from the database's repositories, a Temporal client and the configuration. */
export async function appDeps(config: Config, db: Repositories & { sequelize: Sequelize }, temporal: Client, web: WebOptions = {}): Promise<AppDeps> {
  // Staff sign-in shares the portal's sessions; without the portal there is none.
  const staff = web.portal ? staffWeb(config, db, { pgPool: web.portal.pgPool, sessionSecret: await db.portal.sessionSecret() }) : undefined;
  const i18n = await createI18n();
  return {
    ...ticketDeps(config, db, temporal),
    i18n,
    sequelize: db.sequelize,
    apiTokens: db.apiTokens,
    personalData: { accessLog: db.accessLog, people: db.personExport, portal: db.portal },
    erasure: erasureDeps(config, db),
    rulesAdmin: createRulesAdmin({
      drafts: db.rulesDrafts, rules: db.rules, audit: db.audit, decisions: db.decisions, shadowDecisions: db.shadowDecisions,
      whatIfRuns: createWhatIfRuns({ runs: db.whatIfRuns, temporal, taskQueue: config.temporal.taskQueue }),
      apply: createRulesApply({ runs: db.applyRuns, openTickets: db.openTickets, rules: db.rules, temporal, taskQueue: config.temporal.taskQueue }),
    }),
    people: peopleService(db),
    audit: webAudit(config, db, temporal, web.log ?? ((line) => console.error(line))),
    auditRuns: auditRunsService(config, db, temporal),
    agent: createAgentWorkspace({ db, i18n, ...(web.feed ? { feed: web.feed } : {}) }),
    mailbox: config.mail.smtpUrl && !config.mail.localSink ? undefined : openMailbox(config.mail.sinkDir, (sealed) => db.vault.openBytes(sealed, 'mail', LOCAL_MAILBOX_CONTEXT)),
    deliveries: createDeliveriesRepo(db.sequelize),
    integrations: createIntegrations({
      webhooks: db.webhooks, settings: db.notificationSettings, users: db.users, policy: config.integrations.outbound,
      audit: { append: async (entry) => void (await db.sequelize.transaction((t) => db.audit.append(entry, t))) },
      start: async (ids) => void (await startWebhookDeliveries(temporal, config.temporal.taskQueue, ids, db.webhooks.started)),
    }),
    smsGateway: config.integrations.sms ? new URL(config.integrations.sms.baseUrl).host : undefined,
    notificationSettings: createNotificationSettings({ settings: db.notificationSettings }),
    digestIntervalMs: config.digestIntervalMs,
    trustProxy: config.trustProxy,
    codec: {
      payloadCodec: payloadCodec(config),
      corsOrigins: config.codecCorsOrigins,
      // Staff web sign-in (api/staff/) wires the signed-in staff member in here.
      staffFromSession: staff?.staffFromSession ?? (async () => undefined),
    },
    ...(staff ? { staff: staff.options } : {}),
    ...(web.log ? { log: web.log } : {}),
    logger: web.logger ?? null,
    metricsToken: web.metricsToken ?? null,
    ...(web.portal
      ? {
          portal: {
            repos: { users: db.users, kb: db.kb, portal: db.portal, signUps: db.signUps },
            pgPool: web.portal.pgPool,
            sessionSecret: await db.portal.sessionSecret(),
            options: web.portal.options ?? {},
          },
        }
      : {}),
  };
}

/** What erasure and retention need: the database, the vault, the audit log and the erasure ledger (HELPDESK_ERASURE_LEDGER). */
export function erasureDeps(config: Pick<Config, 'erasureLedger'>, db: Repositories & { sequelize: Sequelize }): ErasureDeps {
  return { sequelize: db.sequelize, vault: db.vault, persons: db.persons, audit: db.audit, ledger: createLedger(config.erasureLedger) };
}

/**
 * Publishes rules/default.rules.json as version 1 when no rules version exists yet. Call once at
 * start, after migrations; idempotent and safe from several processes at once.
 */
export function publishDefaultIfEmpty(rules: Repositories['rules']): Promise<{ published: boolean; version: number }> {
  return rules.ensureDefaultPublished(loadDefaultRulesText());
}
