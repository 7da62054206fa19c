/**
 * What the period replay check's workflow (audit-run.ts) asks of its activities, as types: the
 * workflow proxies this interface and activities/audit-run.ts implements it. A run is named by its
 * row in audit_runs; the period, the counts and the differing tickets stay there, never in a
 * workflow's history.
 */

export interface AuditPeriodRunInput {
  /** The audit_runs row's id. */
  runId: string;
}

/** How a run ended, as the activity saw it (the row holds the counts). */
export interface AuditPeriodRunOutcome {
  runId: string;
  status: 'done' | 'cancelled' | 'skipped';
  done: number;
  total: number;
}

export interface AuditPeriodSettleInput {
  runId: string;
  status: 'cancelled' | 'failed';
  /** Why it failed: the failure's message (the activity's own code, or Temporal's words); null for a cancellation. */
  error: string | null;
}

export interface AuditPeriodActivities {
  /** Runs the row's period check: claims it, heartbeats, writes its progress, stops when cancelled, writes the counts. */
  checkAuditPeriod(input: AuditPeriodRunInput): Promise<AuditPeriodRunOutcome>;
  /** Marks a run that is not finished as cancelled or failed (a finished one stays as it is). */
  settleAuditPeriod(input: AuditPeriodSettleInput): Promise<void>;
}

/** The workflow id of a run. */
export const auditPeriodWorkflowId = (runId: string): string => `audit-period-${runId}`;
