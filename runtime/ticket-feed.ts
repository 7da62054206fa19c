/**
 * The live feed of changed tickets for one web process: one PostgreSQL connection that LISTENs on
 * `ticket_changed` (the read model's project() ends its transaction with pg_notify of the ticket's
 * number, db/tickets-repo.ts) and hands each number to every subscriber (the /agent/stream
 * connections, agent-ui/live/). However many agents watch, the process holds one connection,
 * opened when the first of them subscribes.
 *
 * A fault (PostgreSQL restarted, the network gone, a health ping unanswered) closes the connection
 * and opens a new one after a growing pause (0.25 s doubling to 30 s, with jitter); subscribers keep
 * their subscription and are told of the gap once listening again (`onGap`), since notifications
 * sent meanwhile are lost. Log lines name the channel and the fault, never a ticket or a person.
 */
import pg from 'pg';
import type { TicketFeed } from '../services/agent/workspace.ts';

export type { TicketFeed };

export const TICKET_CHANGED_CHANNEL = 'ticket_changed';

export interface TicketFeedOptions {
  /** The read model's database (DATABASE_URL, or the embedded server's). */
  databaseUrl: string;
  log?: (line: string) => void;
  /** @default 'ticket_changed' */
  channel?: string;
  /** First pause before reconnecting, doubled after each failure. @default 250 */
  retryMs?: number;
  /** @default 30_000 */
  maxRetryMs?: number;
  /** How often the connection is checked with a query (a silent network loss is otherwise unseen). @default 30_000 */
  pingMs?: number;
}

export interface LiveTicketFeed extends TicketFeed {
  /** Opens the connection if no subscriber has yet, and resolves once the feed listens (the first time); for tests and start logs. */
  ready(): Promise<void>;
  /** How many subscribers there are now (tests check that a closed stream leaves none). */
  subscriberCount(): number;
}

interface Subscriber {
  fn: (number: string) => void;
  onGap: (() => void) | undefined;
}

/** A payload is a ticket number; anything else (empty, huge) is not passed on. */
const NUMBER = /^[A-Za-z0-9-]{1,64}$/;

export function createTicketFeed(opts: TicketFeedOptions): LiveTicketFeed {
  const log = opts.log ?? ((line: string) => console.error(line));
  const channel = opts.channel ?? TICKET_CHANGED_CHANNEL;
  const firstRetry = opts.retryMs ?? 250;
  const maxRetry = opts.maxRetryMs ?? 30_000;
  const pingMs = opts.pingMs ?? 30_000;
  const subscribers = new Set<Subscriber>();
  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = firstRetry;
  let everListened = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let pingTimer: NodeJS.Timeout | null = null;
  let markReady!: () => void;
  const readyPromise = new Promise<void>((resolve) => (markReady = resolve));

  function fanOut(number: string): void {
    for (const s of [...subscribers]) {
      try {
        s.fn(number);
      } catch (err) {
        log(`[feed] a subscriber of ${channel} failed: ${(err as Error).message}`);
      }
    }
  }

  function gap(): void {
    for (const s of [...subscribers]) {
      try {
        s.onGap?.();
      } catch (err) {
        log(`[feed] a subscriber of ${channel} failed after a reconnect: ${(err as Error).message}`);
      }
    }
  }

  /** Drops the connection in use (if it is `which`) and plans the next one. */
  function fault(which: pg.Client, err: unknown): void {
    if (client !== which) return;
    client = null;
    if (pingTimer) clearInterval(pingTimer);
    pingTimer = null;
    which.removeAllListeners('notification');
    which.on('error', () => undefined); // a late error of the dropped connection is no one's
    void which.end().catch(() => undefined);
    if (closed) return;
    const wait = Math.round(retryMs * (0.75 + Math.random() * 0.5));
    log(`[feed] the ${channel} listener lost PostgreSQL (${describe(err)}); reconnecting in ${wait} ms`);
    retryMs = Math.min(retryMs * 2, maxRetry);
    schedule(wait);
  }

  function schedule(wait: number): void {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, wait);
    retryTimer.unref();
  }

  async function connect(): Promise<void> {
    if (closed || client) return;
    const c = new pg.Client({ connectionString: opts.databaseUrl, keepAlive: true, application_name: 'helpdesk-ticket-feed' });
    client = c;
    c.on('error', (err) => fault(c, err));
    c.on('end', () => fault(c, new Error('connection ended')));
    c.on('notification', (msg) => {
      if (msg.channel === channel && typeof msg.payload === 'string' && NUMBER.test(msg.payload)) fanOut(msg.payload);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      fault(c, err);
      return;
    }
    if (client !== c || closed) return;
    retryMs = firstRetry;
    pingTimer = setInterval(() => {
      // A ping not answered within the interval is a connection lost without a word (a cut network).
      const late = setTimeout(() => fault(c, new Error(`no answer to a health ping within ${pingMs} ms`)), pingMs);
      late.unref();
      c.query('SELECT 1').then(() => clearTimeout(late), (err: unknown) => {
        clearTimeout(late);
        fault(c, err);
      });
    }, pingMs);
    pingTimer.unref();
    if (everListened) {
      log(`[feed] listening on ${channel} again`);
      gap();
    } else {
      everListened = true;
      markReady();
    }
  }

  /** The connection is opened on the first subscriber (or ready()), not before: a web process nobody watches holds none. */
  let started = false;
  function start(): void {
    if (started || closed) return;
    started = true;
    void connect();
  }

  return {
    subscribe(fn, onGap) {
      const s: Subscriber = { fn, onGap };
      subscribers.add(s);
      start();
      return () => {
        subscribers.delete(s);
      };
    },
    ready() {
      start();
      return readyPromise;
    },
    subscriberCount: () => subscribers.size,
    async close() {
      closed = true;
      subscribers.clear();
      if (retryTimer) clearTimeout(retryTimer);
      if (pingTimer) clearInterval(pingTimer);
      retryTimer = pingTimer = null;
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners('notification');
        c.removeAllListeners('end');
        c.on('error', () => undefined);
        await c.end().catch(() => undefined);
      }
    },
  };
}

/** The fault in a few words: pg's code and message, which carry no ticket data. */
function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return [e?.code, e?.message].filter(Boolean).join(' ') || 'unknown fault';
}
