/**
 * Every side effect of a ticket's lifecycle, and every decision that reads the
 * world (rules, calendars, the directory); the retention run's (retention.ts) and the what-if
 * run's (what-if.ts).
 * Built from its dependencies so tests pass real ones and nothing reaches for a global.
 */
import type { ActivityDeps } from './deps.ts';
import { createClockActivities } from './clocks.ts';
import { createClassifyActivities } from './classify.ts';
import { createRetentionActivities } from './retention.ts';
import { createWhatIfActivities } from './what-if.ts';
import { createApplyRulesActivities } from './apply-rules.ts';
import { createAuditCheckpointActivities } from './audit-checkpoint.ts';
import { createArchiveActivities } from './archive.ts';
import { createAuditPeriodActivities } from './audit-run.ts';
import { createNotifyActivities, startDeliveries } from './notify.ts';
import { createMailPollActivities } from './mail-poll.ts';
import { createWebhookActivities, startWebhookDeliveries } from './webhooks.ts';
import { activityContext } from './run-log.ts';
import type { RecordEventInput, RetentionActivities, TicketActivities } from '../workflows/activity-types.ts';
import type { WhatIfActivities } from '../workflows/what-if-types.ts';
import type { ApplyRulesActivities } from '../workflows/apply-rules-types.ts';
import type { AuditPeriodActivities } from '../workflows/audit-run-types.ts';
import type { NotificationActivities } from '../workflows/notification-types.ts';
import type { MailPollActivities } from '../workflows/mail-poll.ts';
import type { WebhookActivities } from '../workflows/webhook-types.ts';

export type { ActivityDeps } from './deps.ts';

export function createActivities(deps: ActivityDeps) {
  return {
    /**
     * Writes one event, the ticket after it, and the event's notifications (outbox) in one
     * transaction. Idempotent: keyed by ticket and seq, so a retry or replay writes nothing twice.
     */
    async recordEvent(args: RecordEventInput): Promise<void> {
      const projected = await deps.tickets.project(args.snapshot, args.event, args.notify);
      // The event's notifications leave through their own delivery workflows (docs/mail.md), started
      // here from the worker's client; one already started is left alone, so a retry starts none twice.
      // A retry (the event was written before) looks its rows up: the first try may not have started them.
      const ctx = activityContext();
      if (deps.notifications && ctx && args.notify?.roles.length) {
        const rows = projected.written ? projected.outbox.map((id) => ({ source: 'ticket' as const, id })) : await deps.notifications.eventRows(args.snapshot.number, args.event.seq);
        await startDeliveries(ctx.client, ctx.info.taskQueue, rows);
      }
      // So do its webhooks (docs/webhooks.md), one workflow per delivery.
      if (deps.webhooks && ctx) {
        const ids = projected.written ? projected.webhooks : await deps.webhooks.eventDeliveries(args.snapshot.number, args.event.seq);
        if (ids.length) await startWebhookDeliveries(ctx.client, ctx.info.taskQueue, ids, deps.webhooks.started);
      }
      // The one plain-text copy of the ticket's words, for search (sealed tickets only; see db/search-repo.ts).
      if (args.event.type === 'created' && args.snapshot.requester) {
        const { number, title, description, locale } = args.snapshot;
        const [t, d] = [await deps.vault.open(title, 'title', number), await deps.vault.open(description, 'description', number)];
        if (t !== null && d !== null) await deps.search.index(number, locale, `${t}\n${d}`);
      }
    },
    ...createClassifyActivities(deps),
    ...createClockActivities(),
    ...createRetentionActivities(deps),
    ...createWhatIfActivities(deps),
    ...createApplyRulesActivities(deps),
    ...createAuditCheckpointActivities(deps),
    ...createArchiveActivities(deps),
    ...createAuditPeriodActivities(deps),
    ...createNotifyActivities(deps),
    ...createMailPollActivities(deps),
    ...createWebhookActivities(deps),
  } satisfies TicketActivities & RetentionActivities & WhatIfActivities & ApplyRulesActivities & AuditPeriodActivities & NotificationActivities & MailPollActivities & WebhookActivities;
}

export type Activities = ReturnType<typeof createActivities>;
