/**
 * The auditors' service (services/audit/) bound to this process's parts: the rules versions, the
 * vault, the payload codec, the production workflow bundle (built on first use: webpack, a few
 * seconds) and the ticket histories (Temporal's; the archive's once it holds them).
 */
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { WorkflowBundle } from '@temporalio/worker';
import { createAuditTicketsRepo } from '../db/audit-tickets-repo.ts';
import { createAudit, type Audit } from '../services/audit/index.ts';
import type { HistoryJson, HistorySource, RunHistory, TicketHistories } from '../services/audit/types.ts';
import { workflowIdFor } from '../workflows/types.ts';
import type { Config } from './config.ts';
import { payloadCodec } from './payload-codec.ts';
import type { Sequelize } from 'sequelize';
import type { RulesVersions } from '../rules/versions.ts';
import type { Vault } from '../db/vault.ts';
import { bundleWorkflows, installRuntime } from './temporal.ts';

let bundle: Promise<WorkflowBundle> | undefined;
/** The production bundle, once per process. */
export function productionBundle(): Promise<WorkflowBundle> {
  installRuntime();
  bundle ??= bundleWorkflows();
  return bundle;
}

const STATUS: Record<string, string> = { RUNNING: 'running', COMPLETED: 'completed', CONTINUED_AS_NEW: 'continued_as_new', FAILED: 'failed', CANCELLED: 'cancelled', TERMINATED: 'terminated', TIMED_OUT: 'timed_out' };

/** Every run of a ticket's workflow that Temporal still holds, oldest first. */
export function temporalHistories(client: Client): HistorySource {
  return {
    async forTicket(number: string): Promise<TicketHistories> {
      const workflowId = workflowIdFor(number);
      const runs: RunHistory[] = [];
      const listed: Array<{ runId: string; status: string; startedAt: string | null; closedAt: string | null }> = [];
      for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, '')}'` })) {
        listed.push({ runId: w.runId, status: STATUS[w.status.name] ?? w.status.name.toLowerCase(), startedAt: w.startTime.toISOString(), closedAt: w.closeTime?.toISOString() ?? null });
      }
      listed.sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? ''));
      for (const r of listed) {
        const text = historyToJSON(await client.workflow.getHandle(workflowId, r.runId).fetchHistory());
        const history = JSON.parse(text) as HistoryJson;
        runs.push({ workflowId, runId: r.runId, status: r.status, origin: 'temporal', eventCount: history.events.length, sha256: createHash('sha256').update(text).digest('hex'), text, history, startedAt: r.startedAt, closedAt: r.closedAt });
      }
      return { number, workflowId, runs, missing: [] };
    },
  };
}

/** The auditors' service over a database and a Temporal client. */
export function auditService(config: Config, db: { rules: RulesVersions; vault: Vault; sequelize: Sequelize }, client: Client): Audit {
  return createAudit({
    histories: temporalHistories(client),
    rules: db.rules,
    tickets: createAuditTicketsRepo(db.sequelize),
    bundle: productionBundle,
    codec: payloadCodec(config),
    open: (sealed, field, ticket) => db.vault.open(sealed, field, ticket),
  });
}
