/**
 * The outbox sweep's schedule (docs/mail.md): a Temporal Schedule that starts `outboxSweepWorkflow`
 * (workflows/notification.ts) every HELPDESK_OUTBOX_SWEEP_INTERVAL on the task queue. Every row's
 * delivery is started when the row is written; the sweep starts it for any row still waiting after
 * 30 s (a start lost to a fault), so nothing waits in the outbox for ever. What it shares with the
 * other schedules (ensure, compare, SKIP overlap, catch-up) is runtime/schedules.ts; `helpdesk
 * start` and `helpdesk worker` make sure it exists when this process sends mail.
 */
import type { Client } from '@temporalio/client';
import type { Config } from './config.ts';
import { describeEnsuredSchedule, ensureIntervalSchedule, scheduleIdOn, type EnsureOutcome, type IntervalSchedule } from './schedules.ts';

export const OUTBOX_SCHEDULE_ID = 'outbox-sweep';
export const OUTBOX_WORKFLOW_TYPE = 'outboxSweepWorkflow';
/** A missed tick need not be made up: the next one sweeps everything waiting by then. */
export const OUTBOX_CATCHUP_WINDOW_MS = 60_000;

export type OutboxConfig = Pick<Config, 'outboxSweepIntervalMs'> & { temporal: Pick<Config['temporal'], 'taskQueue'> };

export function outboxSchedule(config: OutboxConfig): IntervalSchedule {
  return { scheduleId: scheduleIdOn(OUTBOX_SCHEDULE_ID, config.temporal.taskQueue), workflowType: OUTBOX_WORKFLOW_TYPE, taskQueue: config.temporal.taskQueue, everyMs: config.outboxSweepIntervalMs, catchupWindowMs: OUTBOX_CATCHUP_WINDOW_MS };
}

export function ensureOutboxSchedule(client: Client, config: OutboxConfig): Promise<EnsureOutcome> {
  return ensureIntervalSchedule(client, outboxSchedule(config));
}

export function describeOutboxEnsured(outcome: EnsureOutcome, config: OutboxConfig): string {
  return describeEnsuredSchedule('Outbox sweep schedule', outcome, outboxSchedule(config));
}
