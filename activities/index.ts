/**
 * Every side effect of a ticket's lifecycle. Built from its dependencies so tests
 * pass real ones and nothing reaches for a global.
 */
import type { TicketsRepo } from '../db/tickets-repo.ts';
import type { TicketEvent, TicketSnapshot } from '../workflows/types.ts';

export interface ActivityDeps {
  tickets: TicketsRepo;
  /** The wall clock; tests may pass their own. */
  clock?: () => Date;
}

export function createActivities(deps: ActivityDeps) {
  return {
    /** Writes one event and the ticket after it to the read model. Idempotent (keyed by ticket and seq). */
    async projectTicket(args: { snapshot: TicketSnapshot; event: TicketEvent }): Promise<void> {
      await deps.tickets.project(args.snapshot, args.event);
    },
  };
}
