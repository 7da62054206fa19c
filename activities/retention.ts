/**
 * The retention run's one activity (workflows/retention.ts): the plan under the active rules
 * version's retention (rules/retention.ts), then the erasures and deletions it makes due, through
 * the erasure machinery (deps.erasure). Idempotent: tickets already erased are not planned for
 * erasure again, tickets deleted are no longer read, so a retried or repeated run does nothing twice.
 */
import { Context } from '@temporalio/activity';
import { planRetention, RetentionAction, retentionOf, type RetentionPlan } from '../rules/retention.ts';
import type { RetentionRunInput, RetentionRunSummary } from '../workflows/activity-types.ts';
import type { ActivityDeps } from './deps.ts';

/** Tickets per erasure or deletion transaction: bounded transactions, a heartbeat between them. */
export const RETENTION_BATCH = 100;

/** What a plan makes due, as the two lists of ticket numbers the run acts on. */
export function retentionWork(plan: Pick<RetentionPlan, 'due'>): { erase: string[]; delete: string[] } {
  return {
    erase: plan.due.filter((d) => d.action === RetentionAction.erasePersonalData).map((d) => d.number),
    delete: plan.due.filter((d) => d.action === RetentionAction.deleteTicket).map((d) => d.number),
  };
}

/** The list in slices of at most `size`. */
export function batches<T>(items: readonly T[], size = RETENTION_BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Heartbeats when running as an activity (progress: what is done so far); a no-op outside one. */
function heartbeat(progress: { erased: number; deleted: number }): void {
  try {
    Context.current().heartbeat(progress);
  } catch {
    // Not inside an activity (a direct call): nothing to tell.
  }
}

/** The audit actor of this run: the workflow that ran it, e.g. `retention:privacy-retention-run-2027-03-01T12:00:00Z`. */
function actorOf(): string {
  try {
    return `retention:${Context.current().info.workflowExecution?.workflowId ?? 'direct'}`;
  } catch {
    return 'retention:direct';
  }
}

export function createRetentionActivities(deps: Pick<ActivityDeps, 'rules' | 'retention' | 'erasure'>) {
  return {
    async applyRetention(input: RetentionRunInput): Promise<RetentionRunSummary> {
      const active = await deps.rules.active();
      const plan = planRetention({
        tickets: await deps.retention.closedTickets(),
        policy: { version: active.version, retention: retentionOf(active.file) },
        alreadyErased: await deps.retention.erasedTickets(),
        now: input.atMs,
      });
      const work = retentionWork(plan);
      const actor = actorOf();
      const done = { erased: [] as string[], deleted: [] as string[], keysDestroyed: 0 };
      const tell = () => heartbeat({ erased: done.erased.length, deleted: done.deleted.length });
      tell();
      // Deletions first: a ticket due for both goes with its personal data in one step.
      for (const batch of batches(work.delete)) {
        const r = await deps.erasure.deleteTickets(batch, actor);
        done.deleted.push(...r.tickets);
        done.keysDestroyed += r.keysDestroyed;
        tell();
      }
      for (const batch of batches(work.erase)) {
        const r = await deps.erasure.eraseTicketData(batch, actor);
        done.erased.push(...r.tickets);
        done.keysDestroyed += r.keysDestroyed;
        tell();
      }
      return { at: plan.at, rulesVersion: active.version, erased: done.erased, deleted: done.deleted, keysDestroyed: done.keysDestroyed, nextDueAt: plan.nextDueAt };
    },
  };
}
