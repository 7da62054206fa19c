/**
 * `helpdesk start`: everything in one process — the data folder's lock, the Temporal dev server
 * (unless TEMPORAL_ADDRESS), PostgreSQL (embedded unless DATABASE_URL), a worker and the web
 * process — with the embedded parts and the worker supervised: one that ends on its own is
 * started again on the same data. Stopping goes web → worker → database → dev server, then
 * the lock is released.
 */
import path from 'node:path';
import type { Worker } from '@temporalio/worker';
import type { Config } from './config.ts';
import { acquireDataLock } from './data-lock.ts';
import { refuseOrphanPostgres } from './embedded-postgres.ts';
import { describeFailure } from './failure.ts';
import { ensureServiceKeyFile } from './payload-codec.ts';
import { ensureMasterKeyFile } from './master-key.ts';
import { openDatabase, openTemporal, startWeb, startWorker, type Database, type Log, type TemporalEndpoint, type WebServer } from './stack.ts';
import { supervise, type Supervised, type Supervisor } from './supervisor.ts';
import { describeEnsured, ensureRetentionSchedule } from './retention-schedule.ts';
import { describeArchiveEnsured, ensureArchiveSchedule } from './archive-schedule.ts';
import { describeOutboxEnsured, ensureOutboxSchedule } from './outbox-schedule.ts';
import { describeDigestEnsured, ensureDigestSchedule } from './digest-schedule.ts';
import { describeMailPollEnsured, ensureMailPollSchedule } from './imap-schedule.ts';
import { startMailSink, type MailSink } from './mail-sink.ts';
import { LOCAL_MAILBOX_CONTEXT } from '../services/notifications/mailbox.ts';
import { ticketScope } from '../db/vault.ts';
import { bundleWorkflows } from './temporal.ts';
import { devUiOrigins, refuseOrphanDevServer, refusePortInUse } from './temporal-dev-server.ts';

export interface Running {
  config: Config;
  temporal: TemporalEndpoint;
  db: Database;
  web: WebServer;
  /** Stops everything in order (once; later calls wait for the first). */
  stop(): Promise<void>;
  /** Resolves with the reason when a part could not be kept running (the caller stops and exits 1). */
  gaveUp: Promise<string>;
}

/** Everything that would stop this start, said before anything is started. */
async function preflight(config: Config): Promise<void> {
  if (!config.temporal.address) refuseOrphanDevServer(path.join(config.dataDir, 'temporal.sqlite'));
  if (!config.databaseUrl) refuseOrphanPostgres(config.dataDir);
  await refusePortInUse(config.host, config.port, 'PORT', 'web process');
  if (!config.temporal.address) {
    await refusePortInUse('127.0.0.1', config.temporal.devServerPort, 'TEMPORAL_DEV_PORT', 'Temporal dev server', ', or TEMPORAL_ADDRESS to use a server that already runs');
    await refusePortInUse('127.0.0.1', config.temporal.devServerUiPort, 'TEMPORAL_DEV_UI_PORT', 'Temporal Web UI');
  }
  if (!config.databaseUrl) await refusePortInUse('127.0.0.1', config.embeddedPgPort, 'EMBEDDED_PG_PORT', 'embedded PostgreSQL');
  if (!config.mail.smtpUrl) await refusePortInUse('127.0.0.1', config.mail.sinkPort, 'HELPDESK_MAIL_SINK_PORT', 'local mail server', ', or HELPDESK_SMTP_URL to send through an SMTP server');
}

/**
 * Without HELPDESK_SMTP_URL, the local mail sink (runtime/mail-sink.ts): a real SMTP server on
 * 127.0.0.1 that keeps every message under the data folder, shown to admins at /admin/mail. The
 * worker sends there, and the web process shows its mailbox.
 */
async function mailSink(config: Config, db: Database, log: Log): Promise<{ config: Config; sink: MailSink | undefined }> {
  if (config.mail.smtpUrl) {
    log(`Mail goes out through ${new URL(config.mail.smtpUrl).host} (HELPDESK_SMTP_URL)`);
    return { config, sink: undefined };
  }
  // Each message sealed before it is kept: a ticket's mail under the ticket's key (whoever it went to, it
  // quotes the requester: erasing them, or the ticket's retention, leaves it unreadable), any other
  // under its recipient's key. The data folder holds no one's mail in plain text.
  const seal = async (recipients: string[], message: Buffer) => {
    const head = message.subarray(0, 64 * 1024).toString('latin1').split(/\r?\n\r?\n/)[0] ?? '';
    const number = /^X-Helpdesk-Ticket:\s*(\S+)/im.exec(head)?.[1];
    const requester = number ? (await db.tickets.get(number))?.requester : undefined;
    // A requester erased meanwhile has no key to seal under (the mail then names them as [erased]): the recipient's.
    if (number && requester) {
      const sealed = await db.vault.seal(requester, ticketScope(number), 'mail', LOCAL_MAILBOX_CONTEXT, message).catch(() => undefined);
      if (sealed) return sealed;
    }
    return db.vault.seal(await db.vault.personRef(recipients[0]!), 'person', 'mail', LOCAL_MAILBOX_CONTEXT, message);
  };
  const sink = await startMailSink({ dir: config.mail.sinkDir, port: config.mail.sinkPort, log, seal });
  log(`Mail: a local SMTP server at ${sink.url} keeps every message the helpdesk sends under ${config.mail.sinkDir}; admins read them at ${config.publicUrl}/admin/mail (set HELPDESK_SMTP_URL to send real mail)`);
  return { config: { ...config, mail: { ...config.mail, smtpUrl: sink.url, localSink: true } }, sink };
}

/** How long a shutdown waits for the worker: it drains at once, unless the Temporal server hangs (then the SDK waits 30 s for it). */
export const WORKER_STOP_GRACE_MS = 10_000;

export async function startHelpdesk(config: Config, log: Log, opts: { policy?: Parameters<typeof supervise>[1]['policy']; workerStopGraceMs?: number } = {}): Promise<Running> {
  // The data folder is used only by the embedded parts: with neither, there is nothing to lock.
  const embedded = !config.temporal.address || !config.databaseUrl;
  const lock = embedded
    ? acquireDataLock(config.dataDir, {
        command: 'helpdesk start',
        shares: true,
        portal: `${config.publicUrl}/`,
        postgres: config.databaseUrl ? 'external' : 'starting',
        temporal: config.temporal.address ?? `127.0.0.1:${config.temporal.devServerPort}`,
      })
    : undefined;
  // What has started, stopped in reverse order by the way out (on a failed start too); a step
  // may say how it went instead of its name.
  const undo: Array<{ name: string; stop: () => Promise<string | void> }> = [];
  const unwind = async () => {
    while (undo.length) {
      const step = undo.pop()!;
      await step.stop().then(
        (said) => log(`  ${said ?? step.name}`),
        (err: unknown) => log(`  ${step.name}: ${describeFailure(err)}`),
      );
    }
    lock?.release();
  };
  try {
    await preflight(config);
    ensureServiceKeyFile(config, log);
    ensureMasterKeyFile(config, log);
    const temporal = await openTemporal(config, log);
    if (temporal.devServer) undo.push({ name: 'dev server stopped', stop: () => temporal.devServer!.stop() });
    log(`Temporal ${temporal.devServer ? 'dev server' : 'server'} at ${temporal.address}`);
    const db = await openDatabase(config, log, { lock });
    undo.push({ name: 'database closed', stop: () => db.close() });
    const mail = await mailSink(config, db, log);
    if (mail.sink) undo.push({ name: 'mail server stopped', stop: () => mail.sink!.close() });
    // From here on, the worker and the web process see the mail server this start uses.
    config = mail.config;
    const bundle = await bundleWorkflows();
    let worker: { worker: Worker; done: Promise<void> } = await startWorker(config, temporal.address, db, bundle);
    undo.push({
      name: 'worker stopped',
      async stop() {
        if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
        // The SDK cannot be told to give up sooner; the process exits once everything is stopped.
        const graceMs = opts.workerStopGraceMs ?? WORKER_STOP_GRACE_MS;
        let timer: NodeJS.Timeout | undefined;
        const drained = await Promise.race([
          worker.done.then(() => true, () => true),
          new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
        ]);
        clearTimeout(timer);
        if (!drained) return `worker still stopping after ${graceMs / 1000} s (the Temporal server does not answer); going on without it`;
      },
    });
    // The dev server's Web UI calls the codec endpoint from its own origin (README: Temporal Web UI).
    const webConfig = temporal.uiUrl ? { ...config, codecCorsOrigins: [...config.codecCorsOrigins, ...devUiOrigins(temporal.uiUrl)] } : config;
    const web = await startWeb(webConfig, temporal.address, db, log);
    undo.push({ name: 'web stopped', stop: () => web.close() });
    // Retention runs on a Temporal Schedule, not in this process: made sure of once per start.
    log(describeEnsured(await ensureRetentionSchedule(web.client, config), config));
    // So does the history archive's sweep (docs/audit-archive.md).
    log(describeArchiveEnsured(await ensureArchiveSchedule(web.client, config), config));
    // And the outbox sweep, which starts any delivery whose start was lost (docs/mail.md).
    log(describeOutboxEnsured(await ensureOutboxSchedule(web.client, config), config));
    // And the digests of those who chose them (docs/notification-preferences.md).
    log(describeDigestEnsured(await ensureDigestSchedule(web.client, config), config));
    // And the IMAP mailbox's poll, when HELPDESK_IMAP_URL names one (docs/mail-in.md).
    if (config.mail.imap) log(describeMailPollEnsured(await ensureMailPollSchedule(web.client, config), config));

    const parts: Supervised[] = [
      {
        name: 'The worker',
        ended: () => worker.done.then(() => 'stopped', (err: unknown) => `stopped (${describeFailure(err).split('\n')[0]})`),
        restart: async () => {
          worker = await startWorker(config, temporal.address, db, bundle);
        },
      },
    ];
    const devServer = temporal.devServer;
    if (devServer) parts.push({ name: 'Temporal dev server', ended: async () => `exited (${await devServer.ended()})`, restart: async () => `at ${(await devServer.restart(), devServer.address)}` });
    const pg = db.embedded;
    if (pg) parts.push({ name: 'Embedded PostgreSQL', ended: async () => `exited (${await pg.ended()})`, restart: async () => `on port ${(await pg.restart(), pg.port)}` });

    let supervisor: Supervisor | undefined;
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        // No restart begins now, and one under way ends first: what it started is stopped too.
        await supervisor?.stop();
        await unwind();
      })();
      return stopping;
    };
    const gaveUp = new Promise<string>((resolve) => {
      supervisor = supervise(parts, { log, onGiveUp: resolve, ...(opts.policy ? { policy: opts.policy } : {}) });
    });
    return { config, temporal, db, web, stop, gaveUp };
  } catch (err) {
    await unwind();
    throw err;
  }
}
