/**
 * The one command line: start (everything), worker, web, migrate, seed, rules …
 */
import { Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '../runtime/config.ts';
import { TemporalCliUnavailableError } from '../runtime/temporal-cli.ts';
import { openDatabase, openTemporal, startWeb, startWorker, type Log } from '../runtime/stack.ts';
import { seedDemo } from './seed-demo.ts';
import { registerRulesCommands } from './rules-commands.ts';
import { registerUserCommands } from './user-commands.ts';

const log: Log = (line) => console.log(line);

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
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => handler('SIGINT'));
  process.on('SIGTERM', () => handler('SIGTERM'));
}

async function start(config: Config): Promise<void> {
  log('Starting the helpdesk…');
  const temporal = await openTemporal(config, log);
  log(`Temporal ${temporal.devServer ? 'dev server' : 'server'} at ${temporal.address}`);
  const db = await openDatabase(config, log).catch(async (err: unknown) => {
    await temporal.devServer?.stop();
    throw err;
  });
  const { worker, done } = await startWorker(config, temporal.address, db);
  const web = await startWeb(config, temporal.address, db, log);
  if (config.seedDemo) {
    const seeded = await seedDemo(db, web.client, config);
    if (seeded.tickets.length) {
      log(`Seeded demo data: teams, users (password demo-password-1) and tickets ${seeded.tickets.join(', ')}`);
      log(`API token of the demo L1 agent (shown once): ${seeded.agentToken}`);
    }
  }
  log('');
  log('The helpdesk is running:');
  log(`  Portal        ${web.url}/`);
  log(`  API           ${web.url}/api/v1  (OpenAPI: ${web.url}/api/v1/openapi.json)`);
  log(`  Health        ${web.url}/healthz`);
  if (temporal.uiUrl) log(`  Temporal UI   ${temporal.uiUrl}`);
  log(`  Data          ${config.databaseUrl ? 'DATABASE_URL' : config.dataDir}`);
  log('Press Ctrl-C to stop.');
  const stop = async () => {
    await web.close();
    log('  web stopped');
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await done.catch(() => undefined);
    log('  worker stopped');
    await db.close();
    log('  database closed');
    await temporal.devServer?.stop();
    log('Stopped.');
  };
  onShutdown(stop);
  // A worker that fails (its connection lost for good, say) stops everything in order, and says why.
  done.catch(async (err: unknown) => {
    console.error('The worker stopped:', err);
    await stop().catch(() => undefined);
    process.exit(1);
  });
}

async function runWorker(config: Config): Promise<void> {
  if (!config.temporal.address) throw new ConfigError('`helpdesk worker` needs TEMPORAL_ADDRESS (use `helpdesk start` for the all-in-one dev setup)');
  const db = await openDatabase(config, log);
  const { worker, done } = await startWorker(config, config.temporal.address, db);
  log(`Worker polling ${config.temporal.taskQueue} on ${config.temporal.address}`);
  onShutdown(async () => {
    worker.shutdown();
    await done;
    await db.close();
  });
  await done;
}

async function runWeb(config: Config): Promise<void> {
  if (!config.temporal.address) throw new ConfigError('`helpdesk web` needs TEMPORAL_ADDRESS (use `helpdesk start` for the all-in-one dev setup)');
  const db = await openDatabase(config, log);
  const web = await startWeb(config, config.temporal.address, db, log);
  log(`Web listening on ${web.url}`);
  onShutdown(async () => {
    await web.close();
    await db.close();
  });
}

const program = new Command('helpdesk').description('IT helpdesk engine').showHelpAfterError();
program.command('start').description('Run everything: Temporal dev server (unless TEMPORAL_ADDRESS), PostgreSQL (embedded unless DATABASE_URL), migrations, a worker and the web process').action(() => start(loadConfig()));
program.command('worker').description('Run a worker (needs TEMPORAL_ADDRESS and DATABASE_URL); scale out by running several').action(() => runWorker(loadConfig()));
program.command('web').description('Run a web process (needs TEMPORAL_ADDRESS and DATABASE_URL); scale out by running several').action(() => runWeb(loadConfig()));
program.command('migrate').description('Apply database migrations').action(async () => {
  const db = await openDatabase(loadConfig(), log);
  await db.close();
});

registerRulesCommands(program);
registerUserCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof TemporalCliUnavailableError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
