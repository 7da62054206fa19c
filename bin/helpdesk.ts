/**
 * The one command line: start (everything), worker, web, migrate, seed, rules …
 */
import { lineLogger } from '../observability/logger.ts';
import { startMetricsServer } from '../runtime/metrics-server.ts';
import { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../runtime/config.ts';
import { TemporalCliUnavailableError } from '../runtime/temporal-cli.ts';
import { commandWords } from '../runtime/database-target.ts';
import { describeFailure, StartRefusedError } from '../runtime/failure.ts';
import { openDatabase, startWeb, startWorker, type Log } from '../runtime/stack.ts';
import { startHelpdesk } from '../runtime/start.ts';
import { describeEnsured, ensureRetentionSchedule } from '../runtime/retention-schedule.ts';
import { describeArchiveEnsured, ensureArchiveSchedule } from '../runtime/archive-schedule.ts';
import { describeOutboxEnsured, ensureOutboxSchedule } from '../runtime/outbox-schedule.ts';
import { describeDigestEnsured, ensureDigestSchedule } from '../runtime/digest-schedule.ts';
import { describeMailPollEnsured, ensureMailPollSchedule } from '../runtime/imap-schedule.ts';
import { closeClient, connectClient, targetFromConfig } from '../runtime/temporal.ts';
import { seedDemo } from './seed-demo.ts';
import { registerAuditCommands } from './audit-commands.ts';
import { registerPrivacyCommands } from './privacy-commands.ts';
import { registerRulesCommands } from './rules-commands.ts';
import { registerUserCommands } from './user-commands.ts';
import { registerTemporalServerCommands } from './temporal-server-commands.ts';

// The commands' lines; the servers' (start, web, worker) are JSON (pino) unless HELPDESK_LOG_FORMAT=text
// or a terminal (observability/logger.ts).
let write: Log = (line) => console.log(line);
const log: Log = (line) => write(line);
function serverLogs(): void {
  write = lineLogger('helpdesk');
}

function onShutdown(stop: () => Promise<void>): void {
  let stoppingSince = 0;
  const handler = (signal: string) => {
    // A terminal's Ctrl-C reaches both tsx and this process: only a second press, later, forces.
    if (stoppingSince) {
      if (Date.now() - stoppingSince > 1500) {
        console.log('Forcing exit.');
        process.exit(1);
      }
      return;
    }
    stoppingSince = Date.now();
    console.log(`\n${signal} received — stopping…`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`Stopping failed: ${describeFailure(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

async function start(config: Config): Promise<void> {
  log('Starting the helpdesk…');
  const starting = startHelpdesk(config, log);
  // A Ctrl-C while it starts stops it once what has started is up (a failed start undoes itself).
  const stop = async () => {
    const started = await starting.catch(() => undefined);
    // A start that failed has undone itself; its error ends the process with its own exit code.
    if (!started) return new Promise<never>(() => undefined);
    await started.stop();
    log('Stopped.');
  };
  onShutdown(stop);
  const running = await starting;
  const { temporal, db, web } = running;
  if (config.seedDemo) {
    const seeded = await seedDemo(db, web.client, config).catch(async (err: unknown) => {
      await running.stop();
      throw err;
    });
    if (seeded.tickets.length) {
      log(`Seeded demo data: teams, users (password demo-password-1) and tickets ${seeded.tickets.join(', ')}`);
      log(`API token of the demo L1 agent (shown once): ${seeded.agentToken}`);
      for (const c of seeded.enrolmentCodes) log(`Staff pages (${web.url}/staff/sign-in): enrolment code of ${c.email} for the second factor (shown once, 72 hours): ${c.code}`);
    }
  }
  log('');
  log('The helpdesk is running:');
  log(`  Portal        ${web.url}/`);
  log(`  API           ${web.url}/api/v1  (OpenAPI: ${web.url}/api/v1/openapi.json)`);
  log(`  Health        ${web.url}/healthz`);
  if (temporal.uiUrl) log(`  Temporal UI   ${temporal.uiUrl}`);
  // running.config carries the mail server this start uses (the local one unless HELPDESK_SMTP_URL).
  log(`  Mail          ${running.config.mail.localSink ? `${web.url}/admin/mail  (every mail it sends, kept by the local mail server at ${running.config.mail.smtpUrl})` : `through ${new URL(running.config.mail.smtpUrl!).host}`}`);
  log(`  Data          ${config.databaseUrl ? 'DATABASE_URL' : config.dataDir}`);
  log('Press Ctrl-C to stop.');
  // A part that cannot be kept running stops everything in order, and says why.
  void running.gaveUp.then(async (reason) => {
    console.error(`${reason} Stopping the helpdesk.`);
    await stop().catch((err: unknown) => console.error(describeFailure(err)));
    process.exit(1);
  });
}

async function runWorker(config: Config): Promise<void> {
  if (!config.temporal.address) throw new ConfigError('`helpdesk worker` needs TEMPORAL_ADDRESS (use `helpdesk start` for the all-in-one dev setup)');
  const db = await openDatabase(config, log, { command: 'helpdesk worker', shares: true });
  const { worker, done } = await startWorker(config, config.temporal.address, db);
  log(`Worker polling ${config.temporal.taskQueue} on ${config.temporal.address}`);
  const metricsServer = config.metrics.address ? await startMetricsServer(config.metrics.address, config.metrics.token) : undefined;
  if (metricsServer) log(`[worker] metrics at ${metricsServer.url}`);
  // The retention schedule lives in Temporal; every worker makes sure it says what the configuration says.
  const client = await connectClient(targetFromConfig(config, config.temporal.address));
  try {
    log(describeEnsured(await ensureRetentionSchedule(client, config), config));
    log(describeArchiveEnsured(await ensureArchiveSchedule(client, config), config));
    // The outbox sweep also starts webhook deliveries whose start was lost, so every worker makes sure of it.
    log(describeOutboxEnsured(await ensureOutboxSchedule(client, config), config));
    if (config.mail.smtpUrl) log(describeDigestEnsured(await ensureDigestSchedule(client, config), config));
    else log('No HELPDESK_SMTP_URL: this worker sends no mail, and notifications wait in the outbox until a worker that does runs');
    // The IMAP mailbox's poll only where HELPDESK_IMAP_URL names one (docs/mail-in.md).
    if (config.mail.imap) log(describeMailPollEnsured(await ensureMailPollSchedule(client, config), config));
  } finally {
    await closeClient(client);
  }
  onShutdown(async () => {
    worker.shutdown();
    await done;
    await metricsServer?.close();
    await db.close();
  });
  await done;
  await metricsServer?.close();
}

async function runWeb(config: Config): Promise<void> {
  if (!config.temporal.address) throw new ConfigError('`helpdesk web` needs TEMPORAL_ADDRESS (use `helpdesk start` for the all-in-one dev setup)');
  const db = await openDatabase(config, log, { command: 'helpdesk web', shares: true });
  const web = await startWeb(config, config.temporal.address, db, log);
  log(`Web listening on ${web.url}`);
  onShutdown(async () => {
    await web.close();
    await db.close();
  });
}

const program = new Command('helpdesk').description('IT helpdesk engine').showHelpAfterError();
program.command('start').description('Run everything: Temporal dev server (unless TEMPORAL_ADDRESS), PostgreSQL (embedded unless DATABASE_URL), migrations, a worker and the web process').action(() => (serverLogs(), start(loadConfig())));
program.command('worker').description('Run a worker (needs TEMPORAL_ADDRESS and DATABASE_URL); scale out by running several').action(() => (serverLogs(), runWorker(loadConfig())));
program.command('web').description('Run a web process (needs TEMPORAL_ADDRESS and DATABASE_URL); scale out by running several').action(() => (serverLogs(), runWeb(loadConfig())));
program.command('migrate').description('Apply database migrations').action(async () => {
  const db = await openDatabase(loadConfig(), log);
  await db.close();
});

registerRulesCommands(program);
registerUserCommands(program);
registerAuditCommands(program);
registerPrivacyCommands(program);
registerTemporalServerCommands(program);

function debugLogging(): boolean {
  try {
    return loadConfig().logLevel === 'debug';
  } catch {
    return false;
  }
}

/**
 * Every failure ends as a sentence (and its stack only with LOG_LEVEL=debug): 2 when the operator
 * must change something first (configuration, a held data folder, a busy port), else 1.
 */
program.parseAsync(process.argv).catch((err: unknown) => {
  const refused = err instanceof ConfigError || err instanceof TemporalCliUnavailableError || err instanceof StartRefusedError;
  console.error(refused ? describeFailure(err) : `${commandWords()} failed: ${describeFailure(err)}`);
  if (debugLogging() && err instanceof Error && err.stack) console.error(err.stack);
  else if (!refused) console.error('(Set LOG_LEVEL=debug to see where it failed.)');
  process.exit(refused ? 2 : 1);
});
