/**
 * The digest's schedule (docs/notification-preferences.md): a Temporal Schedule that starts
 * `digestWorkflow` (workflows/digest.ts) every HELPDESK_DIGEST_INTERVAL on the task queue, so each
 * staff member who chose digests gets one mail of what gathered meanwhile. `helpdesk start` and
 * `helpdesk worker` make sure it exists when this process sends mail (runtime/schedules.ts does
 * the rest: compare, SKIP overlap, catch-up).
 */
import type { Client } from '@temporalio/client';
import type { Config } from './config.ts';
import { describeEnsuredSchedule, ensureIntervalSchedule, scheduleIdOn, type EnsureOutcome, type IntervalSchedule } from './schedules.ts';

export const DIGEST_SCHEDULE_ID = 'notification-digest';
export const DIGEST_WORKFLOW_TYPE = 'digestWorkflow';
/** A missed tick is made up within this window; a later one gathers everything anyway. */
export const DIGEST_CATCHUP_WINDOW_MS = 10 * 60_000;

export type DigestConfig = Pick<Config, 'digestIntervalMs'> & { temporal: Pick<Config['temporal'], 'taskQueue'> };

export function digestSchedule(config: DigestConfig): IntervalSchedule {
  return { scheduleId: scheduleIdOn(DIGEST_SCHEDULE_ID, config.temporal.taskQueue), workflowType: DIGEST_WORKFLOW_TYPE, taskQueue: config.temporal.taskQueue, everyMs: config.digestIntervalMs, catchupWindowMs: DIGEST_CATCHUP_WINDOW_MS };
}

export function ensureDigestSchedule(client: Client, config: DigestConfig): Promise<EnsureOutcome> {
  return ensureIntervalSchedule(client, digestSchedule(config));
}

export function describeDigestEnsured(outcome: EnsureOutcome, config: DigestConfig): string {
  return describeEnsuredSchedule('Digest schedule', outcome, digestSchedule(config));
}
