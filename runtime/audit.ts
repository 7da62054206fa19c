/**
 * The auditors' service (services/audit/) bound to this process's parts: the rules versions, the
 * vault, the payload codec, the production workflow bundle (built on first use: webpack, a few
 * seconds), the ticket histories (the archive's where archived, else Temporal's) and what the
 * timeline reads (the opened tickets, their notifications, the words, the access log).
 */
import type { Client } from '@temporalio/client';
import type { WorkflowBundle } from '@temporalio/worker';
import { createAuditTicketsRepo } from '../db/audit-tickets-repo.ts';
import { createAudit, type Audit } from '../services/audit/index.ts';
import type { HistorySource } from '../services/audit/types.ts';
import type { Config } from './config.ts';
import { payloadCodec } from './payload-codec.ts';
import type { Sequelize } from 'sequelize';
import type { RulesVersions } from '../rules/versions.ts';
import type { Vault } from '../db/vault.ts';
import type { HistoryArchiveRepo } from '../db/history-archive-repo.ts';
import { createTicketsRepo, type TicketsRepo } from '../db/tickets-repo.ts';
import type { AccessLogRepo } from '../db/access-log-repo.ts';
import { createHistorySource } from '../services/audit/histories.ts';
import { createI18n } from '../api/i18n.ts';
import { bundleWorkflows, installRuntime } from './temporal.ts';

let bundle: Promise<WorkflowBundle> | undefined;
/** The production bundle, once per process. */
export function productionBundle(): Promise<WorkflowBundle> {
  installRuntime();
  bundle ??= bundleWorkflows();
  return bundle;
}

/** A ticket's histories: from the archive where archived (services/audit/histories.ts), else from Temporal (none without a client: the archive alone). */
export function ticketHistories(config: Config, db: { historyArchive: HistoryArchiveRepo }, client: Client | undefined): HistorySource {
  return createHistorySource({ client, archive: db.historyArchive, taskQueue: config.temporal.taskQueue });
}

let words: ReturnType<typeof createI18n> | undefined;

/**
 * The auditors' service over a database and a Temporal client. `db.tickets` is the opening repo
 * (runtime/compose.ts): the timeline shows a ticket's words and people as staff pages do, and
 * records each read in `db.accessLog`.
 */
export function auditService(
  config: Config,
  db: { rules: RulesVersions; vault: Vault; sequelize: Sequelize; historyArchive: HistoryArchiveRepo; tickets: Pick<TicketsRepo, 'get' | 'outbox'>; accessLog: Pick<AccessLogRepo, 'record'> },
  client: Client | undefined,
): Audit {
  let stored: TicketsRepo | undefined;
  return createAudit({
    timeline: {
      ticket: (n) => db.tickets.get(n),
      storedTicket: (n) => (stored ??= createTicketsRepo(db.sequelize)).get(n),
      notifications: (n) => db.tickets.outbox(n),
      rulesVersion: (v) => db.rules.get(v),
      i18n: () => (words ??= createI18n()),
      accessLog: db.accessLog,
    },
    histories: ticketHistories(config, db, client),
    rules: db.rules,
    tickets: createAuditTicketsRepo(db.sequelize),
    bundle: productionBundle,
    codec: payloadCodec(config),
    open: (sealed, field, ticket) => db.vault.open(sealed, field, ticket),
  });
}
