/**
 * What the agents' workspace is given (runtime/agent-workspace.ts builds it): the queue service,
 * the countdowns, the live feed of changed tickets, the ticket's context. The pages (agent-ui/)
 * and the REST API call these, so both do the same. Each field is added by the service that
 * fills it.
 */
import type { Countdowns } from './countdown.ts';
import type { TicketContext } from './context.ts';
import type { SavedViews } from './saved-views.ts';
import type { TeamView } from './team.ts';
import type { QueueService } from './queues.ts';

/** Tickets whose read-model row changed, as the web process hears of them (PostgreSQL LISTEN, runtime/ticket-feed.ts). */
export interface TicketFeed {
  /**
   * Calls `fn` with each changed ticket's number; returns the unsubscribe. `onGap` is called when
   * the feed listens again after a fault: changes meanwhile were not heard, so re-read what you show.
   */
  subscribe(fn: (number: string) => void, onGap?: () => void): () => void;
  close(): Promise<void>;
}

export interface AgentWorkspace {
  /** The queues: lists, filters, keyset pages and counts (services/agent/queues.ts); GET /api/v1/tickets and the queue pages. */
  queues?: QueueService;
  /** The ticket at hand: the requester's card, suggestions, reply templates, duplicates (services/agent/context.ts). */
  context?: TicketContext;
  /** The SLA countdowns' words and risks (services/agent/countdown.ts). */
  countdowns?: Countdowns;
  /** An agent's saved queue views (services/agent/saved-views.ts); the queue page lists and saves them. */
  savedViews?: SavedViews;
  /** A team lead's view of the team's load (services/agent/team.ts); /agent/team. */
  team?: TeamView;
  /** Changed tickets as PostgreSQL tells this process (runtime/ticket-feed.ts); /agent/stream needs it. */
  feed?: TicketFeed;
  /** How often /agent/stream sends fresh countdowns (and asks whether its viewer is still signed in), and its heartbeat; defaults 30 s and 15 s. */
  live?: { tickMs?: number; heartbeatMs?: number };
}
