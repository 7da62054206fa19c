/**
 * What the agents' workspace is given (runtime/agent-workspace.ts builds it): the queue service,
 * the countdowns, the live feed of changed tickets, the ticket's context. The pages (agent-ui/)
 * and the REST API call these, so both do the same. Each field is added by the service that
 * fills it.
 */

/** Tickets whose read-model row changed, as the web process hears of them (PostgreSQL LISTEN, runtime/ticket-feed.ts). */
export interface TicketFeed {
  /** Calls `fn` with each changed ticket's number; returns the unsubscribe. */
  subscribe(fn: (number: string) => void): () => void;
  close(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the parts' fields are added as each lands (issue 13)
export interface AgentWorkspace {}
