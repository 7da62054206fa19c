/**
 * The IMAP mailbox's poll schedule (docs/mail-in.md): a Temporal Schedule that starts
 * `mailPollWorkflow` (workflows/mail-poll.ts) every HELPDESK_IMAP_POLL_INTERVAL on the task queue,
 * runs never overlapping (a tick while a poll is under way is dropped: the next poll reads what
 * came meanwhile). What it shares with the other schedules is runtime/schedules.ts; `helpdesk
 * start` and `helpdesk worker` make sure it exists when HELPDESK_IMAP_URL is set.
 */
import type { Client } from '@temporalio/client';
import type { Config } from './config.ts';
import type { ImapConfig } from './mail-config.ts';
import { describeEnsuredSchedule, ensureIntervalSchedule, scheduleIdOn, type EnsureOutcome, type IntervalSchedule } from './schedules.ts';

export const MAIL_POLL_SCHEDULE_ID = 'mail-poll';
export const MAIL_POLL_WORKFLOW_TYPE = 'mailPollWorkflow';
/** A missed tick need not be made up: the next poll reads everything new by then. */
export const MAIL_POLL_CATCHUP_WINDOW_MS = 60_000;

export type MailPollScheduleConfig = { temporal: Pick<Config['temporal'], 'taskQueue'>; mail: { imap: Pick<ImapConfig, 'pollIntervalMs'> | undefined } };

export function mailPollSchedule(config: MailPollScheduleConfig): IntervalSchedule {
  if (!config.mail.imap) throw new Error('The mailbox poll schedule needs HELPDESK_IMAP_URL');
  return { scheduleId: scheduleIdOn(MAIL_POLL_SCHEDULE_ID, config.temporal.taskQueue), workflowType: MAIL_POLL_WORKFLOW_TYPE, taskQueue: config.temporal.taskQueue, everyMs: config.mail.imap.pollIntervalMs, catchupWindowMs: MAIL_POLL_CATCHUP_WINDOW_MS };
}

export function ensureMailPollSchedule(client: Client, config: MailPollScheduleConfig): Promise<EnsureOutcome> {
  return ensureIntervalSchedule(client, mailPollSchedule(config));
}

export function describeMailPollEnsured(outcome: EnsureOutcome, config: MailPollScheduleConfig): string {
  return describeEnsuredSchedule('Mailbox poll schedule', outcome, mailPollSchedule(config));
}
