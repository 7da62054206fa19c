/**
 * The auditors' service (services/audit/) bound to this process's parts: the rules versions, the
 * vault, the payload codec, the production workflow bundle (built on first use: webpack, a few
 * seconds) and the ticket histories (the archive's where archived, else Temporal's).
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
import { createHistorySource } from '../services/audit/histories.ts';
import { bundleWorkflows, installRuntime } from './temporal.ts';

let bundle: Promise<WorkflowBundle> | undefined;
/** The production bundle, once per process. */
export function productionBundle(): Promise<WorkflowBundle> {
  installRuntime();
  bundle ??= bundleWorkflows();
  return bundle;
}

/** A ticket's histories: from the archive where archived (services/audit/histories.ts), else from Temporal. */
export function ticketHistories(config: Config, db: { historyArchive: HistoryArchiveRepo }, client: Client): HistorySource {
  return createHistorySource({ client, archive: db.historyArchive, taskQueue: config.temporal.taskQueue });
}

/** The auditors' service over a database and a Temporal client. */
export function auditService(config: Config, db: { rules: RulesVersions; vault: Vault; sequelize: Sequelize; historyArchive: HistoryArchiveRepo }, client: Client): Audit {
  return createAudit({
    histories: ticketHistories(config, db, client),
    rules: db.rules,
    tickets: createAuditTicketsRepo(db.sequelize),
    bundle: productionBundle,
    codec: payloadCodec(config),
    open: (sealed, field, ticket) => db.vault.open(sealed, field, ticket),
  });
}
