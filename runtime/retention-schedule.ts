/**
 * The retention schedule (docs/retention.md): a Temporal Schedule that starts the retention
 * workflow (workflows/retention.ts) every HELPDESK_RETENTION_INTERVAL on the task queue. It lives
 * in Temporal, not in any process: `helpdesk start` and `helpdesk worker` make sure it exists and
 * says what the configuration says (created, or updated when the interval changed); a restart, a
 * deploy or several workers change nothing. Runs never overlap (SKIP: a tick while a run is under
 * way is dropped, the next run does what is due by then); after an outage of Temporal, one missed
 * tick within the catch-up window is run when it comes back.
 *
 * The schedule part shared with the history archive's is runtime/schedules.ts.
 *
 * `helpdesk privacy retention` runs one now through the same schedule (runRetentionNow), queued
 * behind a run under way, so no two runs ever act at once.
 */
import { ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleHandle, type ScheduleOptions, type ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { Config } from './config.ts';
import { describeEnsuredSchedule, ensureIntervalSchedule, intervalScheduleChanges, intervalScheduleOptions, scheduleIdOn, type EnsureOutcome, type IntervalSchedule, type ScheduleChange } from './schedules.ts';
import type { RetentionRunSummary } from '../workflows/activity-types.ts';

export type { EnsureOutcome } from './schedules.ts';

/** The schedule's id on the default task queue; other task queues (deployments sharing a namespace) get their own. */
export const RETENTION_SCHEDULE_ID = 'privacy-retention';
export const RETENTION_WORKFLOW_TYPE = 'retentionWorkflow';
/** A tick missed while Temporal was unavailable is still run if Temporal is back within a day. */
export const RETENTION_CATCHUP_WINDOW_MS = 86_400_000;

type RetentionConfig = Pick<Config, 'retentionIntervalMs'> & { temporal: Pick<Config['temporal'], 'taskQueue'> };

export function retentionScheduleId(taskQueue: string): string {
  return scheduleIdOn(RETENTION_SCHEDULE_ID, taskQueue);
}

/** The retention schedule as the shared interval schedule (runtime/schedules.ts). */
function retentionSchedule(config: RetentionConfig): IntervalSchedule {
  return { scheduleId: retentionScheduleId(config.temporal.taskQueue), workflowType: RETENTION_WORKFLOW_TYPE, taskQueue: config.temporal.taskQueue, everyMs: config.retentionIntervalMs, catchupWindowMs: RETENTION_CATCHUP_WINDOW_MS };
}

/** The schedule the configuration asks for. Each run's workflow id is `<schedule id>-run-<the instant>` (Temporal appends it). */
export function retentionScheduleOptions(config: RetentionConfig): ScheduleOptions<ScheduleOptionsStartWorkflowAction<Workflow>> {
  return intervalScheduleOptions(retentionSchedule(config));
}

/** What differs between the schedule Temporal has and the one the configuration asks for: [] when nothing. */
export function scheduleChanges(d: Pick<ScheduleDescription, 'spec' | 'action' | 'policies'>, config: RetentionConfig): ScheduleChange[] {
  return intervalScheduleChanges(d, retentionSchedule(config));
}

/**
 * Creates the retention schedule, or brings the existing one in line with the configuration.
 * Idempotent and safe from several processes at once. A schedule an operator paused stays paused.
 */
export function ensureRetentionSchedule(client: Client, config: RetentionConfig): Promise<EnsureOutcome> {
  return ensureIntervalSchedule(client, retentionSchedule(config));
}

/** The log line for an outcome of {@link ensureRetentionSchedule}. */
export function describeEnsured(outcome: EnsureOutcome, config: RetentionConfig): string {
  return describeEnsuredSchedule('Retention schedule', outcome, retentionSchedule(config));
}

export class RetentionRunTimeout extends Error {
  constructor(readonly workflowId: string | undefined, readonly waitedMs: number) {
    super(workflowId
      ? `The retention run ${workflowId} has not finished within ${Math.round(waitedMs / 1000)} s. Is a worker running on the task queue (\`helpdesk start\` or \`helpdesk worker\`)? The run goes on in Temporal; what it erases and deletes is recorded in the audit log.`
      : `The retention run did not start within ${Math.round(waitedMs / 1000)} s (a run under way goes first). It is queued in Temporal; what it erases and deletes will be recorded in the audit log.`);
  }
}

const runKey = (a: { workflow: { workflowId: string; firstExecutionRunId: string } }) => `${a.workflow.workflowId}/${a.workflow.firstExecutionRunId}`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The runs the schedule has started (the latest few) and those under way. */
async function knownRuns(handle: ScheduleHandle): Promise<Array<{ workflow: { workflowId: string; firstExecutionRunId: string } }>> {
  const d = await handle.describe();
  return [...d.info.recentActions.map((r) => r.action), ...d.info.runningActions];
}

/**
 * Runs retention now: triggers the schedule (creating it first if no worker has yet), queued
 * behind a run under way (BUFFER_ALL), then waits for the run it started and returns its summary.
 * A failed run throws the workflow's failure.
 */
export async function runRetentionNow(client: Client, config: RetentionConfig, timeoutMs = 120_000): Promise<{ workflowId: string; summary: RetentionRunSummary }> {
  await ensureRetentionSchedule(client, config);
  const handle = client.schedule.getHandle(retentionScheduleId(config.temporal.taskQueue));
  const before = new Set((await knownRuns(handle)).map(runKey));
  await handle.trigger(ScheduleOverlapPolicy.BUFFER_ALL);
  const deadline = Date.now() + timeoutMs;
  let started: { workflowId: string; firstExecutionRunId: string } | undefined;
  while (!started) {
    started = (await knownRuns(handle)).find((a) => !before.has(runKey(a)))?.workflow;
    if (started) break;
    if (Date.now() > deadline) throw new RetentionRunTimeout(undefined, timeoutMs);
    await pause(200);
  }
  const { workflowId, firstExecutionRunId } = started;
  const run = client.workflow.getHandle(workflowId, firstExecutionRunId);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RetentionRunTimeout(workflowId, timeoutMs)), Math.max(0, deadline - Date.now()));
  });
  try {
    const summary = (await Promise.race([run.result(), late])) as RetentionRunSummary;
    return { workflowId, summary };
  } finally {
    clearTimeout(timer);
  }
}
