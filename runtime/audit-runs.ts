/**
 * The period replay check as a durable run, bound to this process's parts: on the worker, the
 * engine its activity runs (activities/audit-run.ts), the auditors' service over the worker's own
 * Temporal client (one per client: the production workflow bundle is built on first use, once per
 * process); in the web process, the runs' service (services/audit/runs.ts) that starts, follows
 * and cancels them.
 */
import type { Client } from '@temporalio/client';
import type { AuditPeriodEngine } from '../activities/audit-run.ts';
import type { Audit } from '../services/audit/index.ts';
import { createAuditRuns, type AuditRuns } from '../services/audit/runs.ts';
import type { AuditRunsRepo } from '../db/audit-runs-repo.ts';
import { auditService } from './audit.ts';
import type { Config } from './config.ts';

type AuditServiceDb = Parameters<typeof auditService>[1];

/** The engine of the worker's period-check activity: the auditors' service, made once per Temporal client (and once without one: the archive alone). */
export function auditPeriodEngine(config: Config, db: AuditServiceDb): AuditPeriodEngine {
  const services = new WeakMap<Client, Audit>();
  let archiveOnly: Audit | undefined;
  const serviceFor = (client: Client | undefined): Audit => {
    if (!client) return (archiveOnly ??= auditService(config, db, undefined));
    let s = services.get(client);
    if (!s) services.set(client, (s = auditService(config, db, client)));
    return s;
  };
  return {
    tickets: (range) => serviceFor(undefined).ticketsEndedBetween(range),
    check: (client, range, opts) => serviceFor(client).checkPeriod(range, opts),
  };
}

/** The runs' service for the web process (appDeps). */
export function auditRunsService(config: Config, db: { auditRuns: AuditRunsRepo }, temporal: Client): AuditRuns {
  return createAuditRuns({ runs: db.auditRuns, temporal, taskQueue: config.temporal.taskQueue });
}
