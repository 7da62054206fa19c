/**
 * What the live stream says about a ticket, read from the read model once per change for every
 * open stream of this process: status, assignee, SLA summary, rules version. The row is kept
 * until the feed says the ticket changed; the streams' 30-second ticks recompute countdowns from
 * it without asking PostgreSQL. The feed is subscribed to while at least one stream listens, so a
 * process without open streams holds no subscription.
 */
import type { TicketsRepo } from '../../db/tickets-repo.ts';
import type { TicketFeed } from '../../services/agent/workspace.ts';
import type { TicketSla } from '../../workflows/types.ts';

export interface LiveRow {
  number: string;
  status: string;
  /** The assignee as the opened read model has it: an address, "[erased]" or a pseudonym; null while unassigned. */
  assignee: string | null;
  sla: TicketSla | null;
  rulesVersion: number | null;
  /** The ticket's last event's sequence number: a page that shows an older one has missed a change. */
  seq: number;
}

export interface LiveRows {
  /** The row as it stands (read once after each change); null for a ticket that does not exist. */
  get(number: string): Promise<LiveRow | null>;
  /** Hears of every changed ticket (after its cached row is dropped) and of gaps; returns the unlisten. */
  listen(onChange: (number: string) => void, onGap: () => void): () => void;
  /** How many streams listen (tests). */
  listeners(): number;
}

const CACHE_LIMIT = 5_000;

export function createLiveRows(tickets: Pick<TicketsRepo, 'get'>, feed: TicketFeed): LiveRows {
  const cache = new Map<string, Promise<LiveRow | null>>();
  const listeners = new Set<{ onChange: (number: string) => void; onGap: () => void }>();
  let unsubscribe: (() => void) | null = null;

  function changed(number: string): void {
    cache.delete(number);
    for (const l of [...listeners]) l.onChange(number);
  }

  function gap(): void {
    cache.clear();
    for (const l of [...listeners]) l.onGap();
  }

  async function load(number: string): Promise<LiveRow | null> {
    const t = await tickets.get(number);
    return t ? { number: t.number, status: t.status, assignee: t.assignee, sla: t.sla, rulesVersion: t.rulesVersion, seq: t.lastEventSeq } : null;
  }

  return {
    get(number) {
      let row = cache.get(number);
      if (!row) {
        row = load(number);
        const pending = row;
        cache.set(number, pending);
        // A fault is not kept: the next read asks again.
        void pending.catch(() => {
          if (cache.get(number) === pending) cache.delete(number);
        });
        if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
      }
      return row;
    },
    listen(onChange, onGap) {
      const l = { onChange, onGap };
      listeners.add(l);
      unsubscribe ??= feed.subscribe(changed, gap);
      return () => {
        listeners.delete(l);
        if (listeners.size === 0 && unsubscribe) {
          unsubscribe();
          unsubscribe = null;
          // Unheard from now on: what is cached could go stale.
          cache.clear();
        }
      };
    },
    listeners: () => listeners.size,
  };
}
