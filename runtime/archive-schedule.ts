/**
 * The history archive's schedule (docs/audit-archive.md): a Temporal Schedule that starts
 * `historyArchiveWorkflow` (workflows/archive.ts) every HELPDESK_ARCHIVE_INTERVAL on the task
 * queue; the workflow sweeps the ticket runs that have closed into PostgreSQL and then signs a
 * checkpoint of the audit log when it has grown. What it shares with the retention schedule
 * (ensure, compare, SKIP overlap, catch-up) is runtime/schedules.ts; `helpdesk start` and
 * `helpdesk worker` make sure it exists beside the retention schedule.
 */
import type { Client } from '@temporalio/client';
import type { Config } from './config.ts';
import { describeEnsuredSchedule, ensureIntervalSchedule, scheduleIdOn, type EnsureOutcome, type IntervalSchedule } from './schedules.ts';

export const ARCHIVE_SCHEDULE_ID = 'history-archive';
export const ARCHIVE_WORKFLOW_TYPE = 'historyArchiveWorkflow';
/** A missed tick is worth running only soon after: the next one sweeps everything due anyway. */
export const ARCHIVE_CATCHUP_WINDOW_MS = 3_600_000;

export type ArchiveConfig = Pick<Config, 'archiveIntervalMs'> & { temporal: Pick<Config['temporal'], 'taskQueue'> };

export function archiveScheduleId(taskQueue: string): string {
  return scheduleIdOn(ARCHIVE_SCHEDULE_ID, taskQueue);
}

export function archiveSchedule(config: ArchiveConfig): IntervalSchedule {
  return { scheduleId: archiveScheduleId(config.temporal.taskQueue), workflowType: ARCHIVE_WORKFLOW_TYPE, taskQueue: config.temporal.taskQueue, everyMs: config.archiveIntervalMs, catchupWindowMs: ARCHIVE_CATCHUP_WINDOW_MS };
}

/** Creates the archive's schedule, or brings the existing one in line with the configuration (a paused one stays paused). */
export function ensureArchiveSchedule(client: Client, config: ArchiveConfig): Promise<EnsureOutcome> {
  return ensureIntervalSchedule(client, archiveSchedule(config));
}

/** The log line for an outcome of {@link ensureArchiveSchedule}. */
export function describeArchiveEnsured(outcome: EnsureOutcome, config: ArchiveConfig): string {
  return describeEnsuredSchedule('History archive schedule', outcome, archiveSchedule(config));
}
