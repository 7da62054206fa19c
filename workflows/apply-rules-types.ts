/**
 * What the apply-rules workflow (apply-rules.ts) asks of its activities, as types: the workflow
 * proxies this interface and activities/apply-rules.ts implements it. A run is named by its row
 * in rules_apply_runs; the version, the reason and the counts stay there, never in a workflow's
 * history.
 */

export interface ApplyRulesRunInput {
  /** The rules_apply_runs row's id. */
  runId: string;
}

/** How a run ended, as the activity saw it (the row holds the counts). */
export interface ApplyRulesRunOutcome {
  runId: string;
  status: 'done' | 'cancelled' | 'skipped';
  seen: number;
  sent: number;
}

export interface ApplyRulesSettleInput {
  runId: string;
  status: 'cancelled' | 'failed';
  /** Why it failed: a code the run's page says in words (admin-apply:runError.<code>); null for a cancellation. */
  error: string | null;
}

export interface ApplyRulesActivities {
  /** Carries out the run of the row: claims it, signals the tickets, writes its progress, heartbeats, stops when cancelled, ends it. */
  applyRules(input: ApplyRulesRunInput): Promise<ApplyRulesRunOutcome>;
  /** Ends a run that has not ended as cancelled or failed (a finished one stays as it is). */
  settleApplyRules(input: ApplyRulesSettleInput): Promise<void>;
}

/** The workflow id of a run. */
export const applyRulesWorkflowId = (runId: string): string => `apply-rules-${runId}`;

/** The activity failure types that end a run at once, each a code of admin-apply:runError. */
export const APPLY_STOP_CODES = ['superseded', 'requesterGone'] as const;
