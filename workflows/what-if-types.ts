/**
 * What the what-if workflow (what-if.ts) asks of its activities, as types: the workflow proxies
 * this interface and activities/what-if.ts implements it. A run is named by its row in
 * what_if_runs; the candidate rules and the figures stay there, never in a workflow's history.
 */

export interface WhatIfRunInput {
  /** The what_if_runs row's id. */
  runId: string;
}

/** How a run ended, as the activity saw it (the row holds the figures). */
export interface WhatIfRunOutcome {
  runId: string;
  status: 'done' | 'cancelled' | 'failed' | 'skipped';
  done: number;
  total: number;
}

export interface WhatIfSettleInput {
  runId: string;
  status: 'cancelled' | 'failed';
  /** Why it failed, a sentence (null for a cancellation). */
  error: string | null;
}

export interface WhatIfActivities {
  /** Runs the what-if of the row: claims it, writes its progress, heartbeats, stops when cancelled, writes the result. */
  runWhatIf(input: WhatIfRunInput): Promise<WhatIfRunOutcome>;
  /** Marks a run that is not finished as cancelled or failed (a finished one stays as it is). */
  settleWhatIf(input: WhatIfSettleInput): Promise<void>;
}

/** The workflow id of a run. */
export const whatIfWorkflowId = (runId: string): string => `what-if-${runId}`;
