/**
 * What the helpdesk's Temporal Schedules share (the retention schedule, runtime/retention-schedule.ts;
 * the history archive's, runtime/archive-schedule.ts): one workflow started every interval on the
 * task queue, runs never overlapping (SKIP: a tick while a run is under way is dropped, the next run
 * does what is due by then), a missed tick run if Temporal is back within the catch-up window. The
 * schedule lives in Temporal, not in any process: `helpdesk start` and `helpdesk worker` make sure
 * it exists and says what the configuration says (created, or updated when it differs); a restart,
 * a deploy or several workers change nothing, and a schedule an operator paused stays paused.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import { settings } from './config.ts';

/** One of the helpdesk's interval schedules, as the configuration asks for it. */
export interface IntervalSchedule {
  scheduleId: string;
  workflowType: string;
  taskQueue: string;
  everyMs: number;
  catchupWindowMs: number;
}

export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

export type ScheduleChange = 'interval' | 'action' | 'policies';

/** `base` on the default task queue; other task queues (deployments sharing a namespace) get `<base>-<task queue>`. */
export function scheduleIdOn(base: string, taskQueue: string): string {
  return taskQueue === settings.taskQueue.default ? base : `${base}-${taskQueue}`;
}

/** The schedule's options. Each run's workflow id is `<schedule id>-run-<the instant>` (Temporal appends it). */
export function intervalScheduleOptions(s: IntervalSchedule): ScheduleOptions<ScheduleOptionsStartWorkflowAction<Workflow>> {
  return {
    scheduleId: s.scheduleId,
    spec: { intervals: [{ every: s.everyMs }] },
    action: { type: 'startWorkflow', workflowType: s.workflowType, taskQueue: s.taskQueue, workflowId: `${s.scheduleId}-run`, args: [] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: s.catchupWindowMs },
  };
}

/** What differs between the schedule Temporal has and the one wanted: [] when nothing. */
export function intervalScheduleChanges(d: Pick<ScheduleDescription, 'spec' | 'action' | 'policies'>, s: IntervalSchedule): ScheduleChange[] {
  const changes: ScheduleChange[] = [];
  const intervals = d.spec.intervals ?? [];
  const extra = d.spec.calendars?.length ?? 0;
  if (intervals.length !== 1 || intervals[0]?.every !== s.everyMs || (intervals[0]?.offset ?? 0) !== 0 || extra > 0) changes.push('interval');
  if (d.action.workflowType !== s.workflowType || d.action.taskQueue !== s.taskQueue) changes.push('action');
  if (d.policies.overlap !== ScheduleOverlapPolicy.SKIP || d.policies.catchupWindow !== s.catchupWindowMs) changes.push('policies');
  return changes;
}

/**
 * Creates the schedule, or brings the existing one in line with `s`. Idempotent and safe from
 * several processes at once. A schedule an operator paused stays paused.
 */
export async function ensureIntervalSchedule(client: Client, s: IntervalSchedule): Promise<EnsureOutcome> {
  const wanted = intervalScheduleOptions(s);
  try {
    await client.schedule.create(wanted);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(wanted.scheduleId);
  if (intervalScheduleChanges(await handle.describe(), s).length === 0) return 'unchanged';
  await handle.update((previous) => ({
    spec: wanted.spec,
    action: wanted.action,
    policies: wanted.policies,
    state: { paused: previous.state.paused, ...(previous.state.note ? { note: previous.state.note } : {}), ...(previous.state.remainingActions !== undefined ? { remainingActions: previous.state.remainingActions } : {}) },
  }));
  return 'updated';
}

/** The log line for an outcome of {@link ensureIntervalSchedule}, e.g. `Retention schedule privacy-retention: every 60 min`. */
export function describeEnsuredSchedule(label: string, outcome: EnsureOutcome, s: Pick<IntervalSchedule, 'scheduleId' | 'everyMs'>): string {
  const every = `every ${Math.round(s.everyMs / 60_000)} min`;
  return outcome === 'unchanged' ? `${label} ${s.scheduleId}: ${every}` : `${label} ${s.scheduleId} ${outcome}: ${every}`;
}
