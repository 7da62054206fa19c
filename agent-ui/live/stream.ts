/**
 * One open /agent/stream: its watched tickets, its timers and its listener, all ended when the
 * client goes (the request's or the response's `close`). Sends are chained, so a ticket's older
 * read never overtakes a newer one on the wire. A fault reading a row (PostgreSQL away) is logged
 * with the route only and skipped: the stream stays, the next change or tick tries again. Each tick
 * first asks whether the viewer is still signed in as an agent; when not, `signed_out` ends it.
 */
import type { Request, Response } from 'express';
import type { i18n } from 'i18next';
import type { Countdowns } from '../../services/agent/countdown.ts';
import { personLabel, statusWord, type Words } from '../../services/tickets/words.ts';
import type { LiveRow, LiveRows } from './rows.ts';

export interface StreamContext {
  rows: LiveRows;
  countdowns: Countdowns;
  i18n: Pick<i18n, 'getFixedT'>;
  log: (line: string) => void;
  numbers: string[];
  place: { language: string; timeZone: string };
  tickMs: number;
  heartbeatMs: number;
  /**
   * Whether the stream's viewer is still signed in as an agent (asked on every tick: a sign-out, a
   * session past its limit, a role taken away or a deactivated account ends the stream). A fault
   * asking (PostgreSQL away) keeps it: the next tick asks again.
   */
  stillAllowed: () => Promise<boolean>;
}

export function openStream(req: Request, res: Response, ctx: StreamContext): void {
  const { language } = ctx.place;
  const sla = ctx.i18n.getFixedT(language, 'agent-sla');
  const w: Words = { language, staff: ctx.i18n.getFixedT(language, 'staff'), api: ctx.i18n.getFixedT(language, 'api'), portal: ctx.i18n.getFixedT(language, 'portal') };
  const watched = new Set(ctx.numbers);
  let open = true;
  let chain: Promise<void> = Promise.resolve();

  res.status(200).set({
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store, no-transform',
    Connection: 'keep-alive',
    // nginx and similar proxies would otherwise buffer the stream.
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
  req.socket.setNoDelay(true);
  res.write('retry: 5000\n\n');

  const write = (text: string) => {
    if (open && !res.writableEnded) res.write(text);
  };
  const send = (event: string, data: unknown) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const queue = (what: string, fn: () => Promise<void>) => {
    chain = chain.then(fn).catch((err: unknown) => {
      if (open) ctx.log(`[web] GET /agent/stream: ${what} failed (${(err as Error).name}: ${(err as Error).message}); the stream goes on`);
    });
  };

  async function ticketEvent(number: string): Promise<void> {
    const row = await ctx.rows.get(number);
    if (!row || !open) return;
    const statusText = statusWord(row.status, w);
    send('ticket', {
      number, status: row.status, statusText, assignee: personLabel(row.assignee, w),
      countdowns: await ctx.countdowns.forTicket(row, ctx.place), announce: sla('live.updated', { number, status: statusText }),
    });
  }

  async function tick(): Promise<void> {
    if (!(await ctx.stillAllowed())) {
      send('signed_out', { message: sla('live.signedOut') });
      close();
      return;
    }
    const rows = (await Promise.all([...watched].map((n) => ctx.rows.get(n)))).filter((r): r is LiveRow => r !== null);
    const now = Date.now();
    const tickets = await Promise.all(rows.map(async (r) => ({ number: r.number, status: r.status, seq: r.seq, countdowns: await ctx.countdowns.forTicket(r, ctx.place, now) })));
    send('tick', { tickets, words: { reconnecting: sla('live.reconnecting'), restored: sla('live.restored'), signedOut: sla('live.signedOut') } });
  }

  const unlisten = ctx.rows.listen(
    (number) => {
      if (watched.has(number)) queue('a ticket event', () => ticketEvent(number));
      else send('changed', { number });
    },
    // Changes while the feed was away were not heard: every watched ticket anew.
    () => {
      for (const n of watched) queue('a ticket event after a gap', () => ticketEvent(n));
    },
  );
  const ticker = setInterval(() => queue('a tick', tick), ctx.tickMs);
  const heartbeat = setInterval(() => write(': heartbeat\n\n'), ctx.heartbeatMs);
  queue('the first tick', tick);

  const close = () => {
    if (!open) return;
    open = false;
    clearInterval(ticker);
    clearInterval(heartbeat);
    unlisten();
    if (!res.writableEnded) res.end();
  };
  res.on('close', close);
  res.on('error', close);
}
