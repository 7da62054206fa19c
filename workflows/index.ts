export { ticketWorkflow } from './ticket.ts';
export { retentionWorkflow } from './retention.ts';
export { whatIfRun } from './what-if.ts';
export { applyRulesRun } from './apply-rules.ts';
export { historyArchiveWorkflow } from './archive.ts';
export { auditPeriodRun } from './audit-run.ts';
export { notificationWorkflow, outboxSweepWorkflow } from './notification.ts';
export { mailPollWorkflow } from './mail-poll.ts';
export { webhookDeliveryWorkflow } from './webhook.ts';
