/**
 * Composes the runtime pieces — Temporal (given or the embedded dev server),
 * PostgreSQL (given or embedded), migrations, a worker and the web process — for
 * `helpdesk start` and for tests. The repositories and services are built in
 * runtime/compose.ts and handed down from here.
 */
import { componentLogger } from '../observability/logger.ts';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import type { Worker, WorkflowBundle } from '@temporalio/worker';
import type { ActivityDeps } from '../activities/deps.ts';
import type { Sequelize } from 'sequelize';
import pg from 'pg';
import { createApp } from '../api/app.ts';
import { CODEC_PATH } from '../api/codec/index.ts';
import { connect } from '../db/sequelize.ts';
import { migrate } from '../db/migrate.ts';
import { seedKnowledgeBase } from '../db/kb-seed.ts';
import { deleteTickets, eraseTicketData } from '../services/privacy/erase.ts';
import { runWhatIf } from '../services/rules-admin/what-if.ts';
import { runApply } from '../services/rules-admin/apply-runs.ts';
import { ensureAdminAssets } from '../admin-ui/assets.ts';
import { appDeps, createRepositories, erasureDeps, publishDefaultIfEmpty, ticketDeps, type Repositories } from './compose.ts';
import type { Config } from './config.ts';
import { loadMasterKeyRing } from './master-key.ts';
import { auditCheckpointsFor } from './audit-signing-key.ts';
import { auditPeriodEngine } from './audit-runs.ts';
import { sealAccountsOnOpen } from './legacy-accounts.ts';
import { openDatabaseTarget, type DatabaseTargetOptions } from './database-target.ts';
import type { EmbeddedPg } from './embedded-postgres.ts';
import { describeFailure, isAddressInUse, PortInUseError } from './failure.ts';
import { ensureTemporalCli } from './temporal-cli.ts';
import { startDevServer, type DevServer } from './temporal-dev-server.ts';
import { closeClient, connectClient, createWorker, targetFromConfig } from './temporal.ts';
import { createTicketFeed } from './ticket-feed.ts';
import { createI18n } from '../api/i18n.ts';
import { createDeliveriesRepo } from '../db/notification-deliveries-repo.ts';
import { createDeliveryEngine } from '../services/notifications/delivery.ts';
import { createMailTransport } from '../services/notifications/transport.ts';
import { createSmsApiProvider } from '../services/notifications/sms.ts';
import { createWebhookEngine } from '../services/webhooks/delivery.ts';
import { createInboundMailRepo } from '../db/inbound-mail-repo.ts';
import { receiveMail, type MailInDeps } from '../api/mail-in/inbound.ts';
import { startMailIn, type MailInListener } from '../api/mail-in/listener.ts';
import { mailPollerFor } from './mail-poll.ts';
import { mailThreadSecret } from '../db/mail-thread-secret.ts';

export type Log = (line: string) => void;

/** The database and every repository over it (runtime/compose.ts). */
export interface Database extends Repositories {
  url: string;
  sequelize: Sequelize;
  /** The embedded PostgreSQL this process started, if it did (`helpdesk start` supervises it). */
  embedded: EmbeddedPg | undefined;
  close(): Promise<void>;
}

/**
 * Connects to DATABASE_URL, or the embedded PostgreSQL of a helpdesk running from the data
 * folder, or starts the embedded one (see runtime/database-target.ts); then migrates and
 * publishes the shipped default rules as version 1 if no version exists.
 */
export async function openDatabase(config: Config, log: Log, opts: DatabaseTargetOptions = {}): Promise<Database> {
  const target = await openDatabaseTarget(config, log, opts);
  const url = target.url;
  const sequelize = connect({ url, poolMax: config.dbPool });
  const repos = createRepositories(sequelize, () => loadMasterKeyRing(config));
  try {
    await sequelize.authenticate().catch((err: unknown) => {
      throw new Error(`Cannot reach PostgreSQL at ${new URL(url).host}${config.databaseUrl ? ' (DATABASE_URL)' : ''}: ${describeFailure(err)}`);
    });
    const applied = await migrate(sequelize, log);
    if (applied.length) log(`Applied migrations: ${applied.join(', ')}`);
    const seeded = await publishDefaultIfEmpty(repos.rules);
    if (seeded.published) log(`Published the default rules as version ${seeded.version}`);
    // The shipped knowledge-base articles (pl, en, de); safe to run on every start.
    await seedKnowledgeBase(sequelize);
    // Accounts written before migration 0015 are sealed now (the master key made first on a fresh data folder).
    await sealAccountsOnOpen(config, sequelize, repos.vault, log, target.embedded !== undefined);
  } catch (err) {
    await sequelize.close();
    await target.release();
    throw err;
  }
  return {
    ...repos,
    url,
    sequelize,
    embedded: target.embedded,
    async close() {
      try {
        await sequelize.close();
      } finally {
        await target.release();
      }
    },
  };
}

export interface TemporalEndpoint {
  address: string;
  uiUrl: string | undefined;
  devServer: DevServer | undefined;
}

/** TEMPORAL_ADDRESS when set; otherwise the dev server on a SQLite file under the data folder. */
export async function openTemporal(config: Config, log: Log): Promise<TemporalEndpoint> {
  if (config.temporal.address) return { address: config.temporal.address, uiUrl: undefined, devServer: undefined };
  const cliPath = await ensureTemporalCli(config.temporal.cliPath, log);
  const devServer = await startDevServer({
    cliPath,
    dbFile: path.join(config.dataDir, 'temporal.sqlite'),
    port: config.temporal.devServerPort,
    uiPort: config.temporal.devServerUiPort,
    // The UI asks the web process to decode payloads, as the signed-in auditor or admin.
    uiCodecEndpoint: `${config.publicUrl}${CODEC_PATH}`,
    namespace: config.temporal.namespace,
  });
  return { address: devServer.address, uiUrl: devServer.uiUrl, devServer };
}

/** The outbox's delivery engine over a pooled SMTP transport to `smtpUrl` (services/notifications/delivery.ts), and SMS when a gateway is configured. */
async function deliveryEngine(config: Config, db: Database, smtpUrl: string) {
  const transport = createMailTransport({ ...config.mail, smtpUrl });
  const sms = config.integrations.sms ? createSmsApiProvider({ ...config.integrations.sms, policy: config.integrations.outbound }) : undefined;
  const engine = createDeliveryEngine({
    deliveries: createDeliveriesRepo(db.sequelize), tickets: db.tickets, users: db.users, vault: db.vault, signUps: db.signUps,
    i18n: await createI18n(), transport, mail: { domain: config.mail.domain, secret: await mailThreadSecret(db.sequelize) }, publicUrl: config.publicUrl,
    settings: db.notificationSettings, smsEnabled: sms !== undefined, sms,
    dutyManagers: async () => (await Promise.all((await db.notificationSettings.dutyManagerIds()).map((id) => db.users.findById(id)))).filter((u) => u !== undefined),
  });
  return { engine, transport };
}

/** A worker on the configured task queue with the activities' real dependencies; `bundle` reuses pre-built workflow code. */
export async function startWorker(config: Config, address: string, db: Database, bundle?: WorkflowBundle): Promise<{ worker: Worker; done: Promise<void> }> {
  // The retention run erases and deletes through the erasure machinery, bound here (activities do not import services).
  const erasure = erasureDeps(config, db);
  const mail = config.mail.smtpUrl ? await deliveryEngine(config, db, config.mail.smtpUrl) : undefined;
  const deps = {
    tickets: db.tickets, rules: db.rules, directory: db.directory, vault: db.vault, search: db.search, retention: db.retention,
    erasure: { eraseTicketData: (t: string[], actor: string) => eraseTicketData(erasure, t, actor), deleteTickets: (t: string[], actor: string) => deleteTickets(erasure, t, actor) },
    decisions: db.decisions,
    shadowDecisions: db.shadowDecisions,
    whatIfRuns: db.whatIfRuns,
    // The what-if run's activity runs the service's what-if, bound here (activities do not import services).
    whatIf: { run: (...args: Parameters<ActivityDeps['whatIf']['run']>) => runWhatIf({ decisions: db.decisions, rules: db.rules }, ...args) },
    applyRuns: db.applyRuns,
    // Applying a rules version to open tickets: the service's run, signalling through the worker's own client.
    applyRules: {
      countOlder: (version: number) => db.openTickets.countOlder(version),
      run: (temporal, ...args) => runApply({ openTickets: db.openTickets, rules: db.rules, runs: db.applyRuns, users: db.users, privacy: db.ticketPrivacy, temporal }, ...args),
    } satisfies ActivityDeps['applyRules'],
    // The periodic audit-log checkpoint (activities/audit-checkpoint.ts), signed with the key outside the database.
    historyArchive: db.historyArchive,
    auditCheckpoint: auditCheckpointsFor(config, db, (line) => console.error(`[worker] ${line}`)),
    // The period replay check's runs (activities/audit-run.ts): the auditors' service over the worker's own client.
    auditRuns: db.auditRuns,
    auditPeriod: auditPeriodEngine(config, db),
    // The outbox's delivery (docs/mail.md): only with an SMTP server to send through; without one, rows wait.
    notifications: mail?.engine,
    // Webhooks, Slack and Teams (docs/webhooks.md): always; each endpoint says where.
    webhooks: createWebhookEngine({ webhooks: db.webhooks, tickets: db.tickets, i18n: await createI18n(), policy: config.integrations.outbound, publicUrl: config.publicUrl }),
    // The IMAP mailbox's poll (docs/mail-in.md), when HELPDESK_IMAP_URL names one.
    mailPoll: mailPollerFor(config, db),
  };
  const worker = await createWorker({ target: targetFromConfig(config, address), taskQueue: config.temporal.taskQueue, deps, temporalMetricsAddress: config.metrics.temporalAddress, tuning: config.worker, ...(bundle ? { bundle } : {}) });
  // The worker's own connection (and its SMTP pool) is closed once it has stopped, however it stopped.
  const closeConnection = () => {
    mail?.transport.close();
    return worker.connection?.close().catch(() => undefined);
  };
  const done = worker.run().then(
    async () => {
      await closeConnection();
    },
    async (err: unknown) => {
      await closeConnection();
      throw err;
    },
  );
  // Whoever awaits `done` gets its failure; until someone does, it is not an unhandled rejection
  // (the SDK can fail a worker's final shutdown step, "Worker still in use", after shutdown() was
  // asked for; the workflow sandbox turns an unhandled rejection into a process-wide error).
  done.catch(() => undefined);
  return { worker, done };
}

export interface WebServer {
  url: string;
  client: Client;
  /** The mail-in listener (HELPDESK_MAIL_IN_PORT), when there is one. */
  mailIn: MailInListener | undefined;
  close(): Promise<void>;
}

/** The mail-in listener (api/mail-in/), when HELPDESK_MAIL_IN_PORT is set: each message a ticket or a reply. */
async function startMailInFor(config: Config, db: Database, client: Client, log: Log): Promise<MailInListener | undefined> {
  const port = config.mail.in.port;
  if (port === undefined) return undefined;
  const deps: MailInDeps = {
    ...ticketDeps(config, db, client),
    inbound: createInboundMailRepo(db.sequelize), users: db.users, portal: db.portal, vault: db.vault, i18n: await createI18n(), log,
    settings: { ourAddress: config.mail.from.address, domain: config.mail.domain, threadSecret: await mailThreadSecret(db.sequelize), dailyCap: config.mail.in.dailyCap, defaultLanguage: config.mail.in.defaultLanguage },
  };
  try {
    const listener = await startMailIn({ host: config.mail.in.host, port, lmtp: config.mail.in.lmtp, maxBytes: config.mail.in.maxBytes, receive: (raw, envelope) => receiveMail(deps, raw, envelope), log });
    log(`[web] mail-in: ${config.mail.in.lmtp ? 'LMTP' : 'SMTP'} on ${config.mail.in.host}:${listener.port}`);
    return listener;
  } catch (err) {
    if (isAddressInUse(err)) throw new PortInUseError(port, 'HELPDESK_MAIL_IN_PORT', 'mail-in listener');
    throw err;
  }
}

export async function startWeb(config: Config, address: string, db: Database, log: Log, listen: { host: string; port: number } = { host: config.host, port: config.port }): Promise<WebServer> {
  // The raw JSON editor's bundle (admin-ui/client/): built at install, rebuilt here when its sources are newer; the pages work without it.
  await ensureAdminAssets().catch((err: unknown) => log(`[web] the admin editor's bundle could not be built (the raw view stays a plain text area): ${(err as Error).message}`));
  const client = await connectClient(targetFromConfig(config, address));
  // The portal's sessions live in PostgreSQL (connect-pg-simple) on a small pool of their own.
  const sessionPool = new pg.Pool({ connectionString: db.url, max: 4 });
  // An idle connection that PostgreSQL ends (a restart, a shutdown) is dropped and made anew on
  // the next query; without a listener pg-pool would end the process with an unhandled 'error'.
  sessionPool.on('error', (err) => log(`[web] a PostgreSQL connection of the session pool was closed (${err.message}); the next request opens a new one`));
  // The agents' live workspace (/agent/stream): one LISTEN connection, opened on the first subscriber.
  const feed = createTicketFeed({ databaseUrl: db.url, log });
  const app = createApp(await appDeps(config, db, client, {
    log,
    logger: componentLogger('web'),
    metricsToken: config.metrics.token,
    feed,
    portal: {
      pgPool: sessionPool,
      // Follow links use PUBLIC_URL unless this process listens elsewhere (tests on port 0): then the request's origin.
      options: { publicUrl: listen.port === config.port ? config.publicUrl : '' },
    },
  }));
  const server = http.createServer(app);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listen.port, listen.host, () => resolve());
    });
  } catch (err) {
    await closeClient(client);
    await sessionPool.end();
    await feed.close();
    if (isAddressInUse(err)) throw new PortInUseError(listen.port, 'PORT', 'web process');
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  let mailIn: MailInListener | undefined;
  try {
    mailIn = await startMailInFor(config, db, client, log);
  } catch (err) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await closeClient(client);
    await sessionPool.end();
    await feed.close();
    throw err;
  }
  return {
    url: `http://${listen.host}:${port}`,
    client,
    mailIn,
    async close() {
      await mailIn?.close();
      // Stop accepting, let requests in flight finish (briefly), then cut what is left.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), 3_000);
      await closed;
      clearTimeout(grace);
      await closeClient(client);
      await sessionPool.end();
      await feed.close();
    },
  };
}
