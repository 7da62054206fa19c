/**
 * The live stream of the agents' workspace (GET /agent/stream) against real PostgreSQL and the real
 * Temporal dev server: a second agent's action on a ticket (through the API, so the workflow
 * projects it and project() notifies `ticket_changed`) reaches a signed-in agent's open stream
 * within seconds with the ticket's new status and its countdowns in words; any other ticket is
 * a `changed`; requesters and auditors get 403 and no stream; a bad `tickets` list is a 422 in
 * the viewer's language; the ticket page's live part is the page's, records the ticket's read and
 * no lists, and a background refresh of it leaves the session's idle clock alone; a client that
 * goes leaves no subscription behind, and the feed hears again after PostgreSQL ends its connection.
 *
 * The web process here is the product's app (createApp over appDeps) with the feed and the
 * countdowns given, as runtime/agent-workspace.ts gives them.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import pg from 'pg';
import { createApp } from '../api/app.ts';
import { appDeps } from '../runtime/compose.ts';
import { createTicketFeed, type LiveTicketFeed } from '../runtime/ticket-feed.ts';
import { createCountdowns } from '../services/agent/countdown.ts';
import { isolatedStack, log, type IsolatedStack } from './support/env.ts';
import { PortalClient, csrfOf } from './portal-client.ts';
import { makeUser, PASSWORD, signInEnrolled } from './support/staff.ts';
import { act, openTicket } from './support/tickets.ts';
import { waitFor } from './support/processes.ts';

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** An EventSource as a browser opens it (its cookies, its address), the events as they come. */
class SseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  private req: http.ClientRequest | undefined;
  private res: http.IncomingMessage | undefined;
  body = '';
  /** Resolves when the server ends the answer (an error answer; a stream ends only when the client goes). */
  ended!: Promise<void>;

  constructor(private readonly c: PortalClient, private readonly path: string, private readonly language = 'en') {}

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const sid = this.c.cookie('hd.sid');
      const url = new URL(this.path, this.c.base);
      this.req = http.get(url, {
        headers: { accept: 'text/event-stream', 'accept-language': this.language, ...(sid ? { cookie: `hd.sid=${sid}` } : {}) },
        ...(this.c.from ? { localAddress: this.c.from } : {}),
      }, (res) => {
        this.res = res;
        this.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          this.body += chunk;
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) this.events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
          }
        });
        res.on('error', () => undefined);
        this.ended = new Promise((done) => res.on('end', () => done()));
        resolve();
      });
      this.req.on('error', reject);
    });
  }

  next(match: (e: SseEvent) => boolean, timeoutMs = 10_000): Promise<SseEvent> {
    return waitFor('an event on the stream', async () => this.events.find(match), timeoutMs, 50);
  }

  close(): void {
    this.res?.destroy();
    this.req?.destroy();
  }
}

describe('agent live stream: a change on a ticket reaches the agents watching it within seconds', function () {
  this.timeout(180_000);
  let stack: IsolatedStack;
  let feed: LiveTicketFeed;
  let server: http.Server;
  let base: string;
  let pool: pg.Pool;
  let agent: PortalClient;
  const streams: SseClient[] = [];

  const stream = async (c: PortalClient, path: string, language = 'en') => {
    const s = new SseClient(c, path, language);
    streams.push(s);
    await s.open();
    return s;
  };

  before(async () => {
    stack = await isolatedStack('agent-live');
    pool = new pg.Pool({ connectionString: stack.db.url, max: 4 });
    pool.on('error', () => undefined); // as the web process's own pool: an idle connection PostgreSQL ends is dropped
    feed = createTicketFeed({ databaseUrl: stack.db.url, log, retryMs: 100 });
    await feed.ready();
    const deps = await appDeps(stack.config, stack.db, stack.client, { log, portal: { pgPool: pool, options: { publicUrl: '' } } });
    deps.agent = { ...deps.agent, feed, countdowns: createCountdowns({ rules: stack.db.rules, i18n: deps.i18n }), live: { tickMs: 500 } };
    server = http.createServer(createApp(deps));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    agent = new PortalClient(base, 'en');
    await signInEnrolled(agent, await makeUser(stack.db, 'agent', 'live-agent'));
  });

  after(async () => {
    for (const s of streams) s.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await feed.close();
    await pool.end();
  });

  it('sends the watched ticket\'s countdowns at once, then its new status and countdowns when another agent acts on it', async () => {
    const number = await openTicket(stack, { impact: 'medium', urgency: 'medium' });
    await waitFor('classification', async () => (await stack.db.tickets.get(number))?.sla, 30_000);
    const s = await stream(agent, `/agent/stream?tickets=${number}`);
    expect(s.status).to.equal(200);
    const first = await s.next((e) => e.event === 'tick');
    const [ticked] = first.data.tickets as Array<{ number: string; countdowns: Array<{ clock: string; text: string; risk: string }> }>;
    expect(ticked!.number).to.equal(number);
    expect(ticked!.countdowns.map((c) => c.clock)).to.deep.equal(['response', 'resolution']);
    for (const c of ticked!.countdowns) expect(c.text).to.match(/(working time left|left|breached .* ago)$/);

    const startedAt = Date.now();
    expect((await act(stack, number, 'start', {})).status).to.equal(200);
    const started = await s.next((e) => e.event === 'ticket' && e.data.status === 'in_progress', 10_000);
    expect(Date.now() - startedAt).to.be.below(5_000);
    expect(started.data).to.include({ number, statusText: 'in progress', announce: `Ticket ${number} changed: in progress.` });

    expect((await act(stack, number, 'set_pending', { reason: 'Which printer is it?' })).status).to.equal(200);
    const pending = await s.next((e) => e.event === 'ticket' && e.data.status === 'pending');
    const texts = (pending.data.countdowns as Array<{ clock: string; text: string; risk: string }>).map((c) => [c.clock, c.risk, c.text]);
    // The reason went to the requester: that was the first response. The resolution clock waits.
    expect(texts).to.deep.equal([['response', 'met', 'answered'], ['resolution', 'paused', 'paused: waiting for the requester']]);
  });

  it('says the countdowns in the viewer\'s language, and tells of a change on a ticket it does not watch as `changed`', async () => {
    const watched = await openTicket(stack);
    const other = await openTicket(stack);
    await waitFor('classification', async () => (await stack.db.tickets.get(other))?.sla && (await stack.db.tickets.get(watched))?.sla, 30_000);
    const polish = new PortalClient(base, 'pl');
    await signInEnrolled(polish, await makeUser(stack.db, 'agent', 'live-agent-pl', 'pl'));
    const s = await stream(polish, `/agent/stream?tickets=${watched.toLowerCase()}`, 'pl');
    await s.next((e) => e.event === 'tick');
    expect((await act(stack, other, 'start', {})).status).to.equal(200);
    expect((await s.next((e) => e.event === 'changed' && e.data.number === other)).data).to.deep.equal({ number: other });
    expect(s.events.some((e) => e.event === 'ticket' && e.data.number === other)).to.equal(false);
    expect((await act(stack, watched, 'start', {})).status).to.equal(200);
    const mine = await s.next((e) => e.event === 'ticket' && e.data.number === watched);
    expect(mine.data).to.include({ statusText: 'w realizacji', announce: `Zgłoszenie ${watched} zmieniło się: w realizacji.` });
    for (const c of mine.data.countdowns as Array<{ text: string }>) expect(c.text).to.match(/czasu pracy$|^zostało |^termin minął /);
  });

  it('refuses a requester and an auditor with 403, and a bad ticket list with 422 naming the field', async () => {
    const requester = await makeUser(stack.db, 'requester', 'live-requester');
    const r = new PortalClient(base, 'en');
    await r.signIn(requester.email, PASSWORD);
    const rs = await stream(r, '/agent/stream');
    expect(rs.status, 'requester stream').to.equal(403);
    const auditor = new PortalClient(base, 'en');
    await signInEnrolled(auditor, await makeUser(stack.db, 'auditor', 'live-auditor'));
    expect((await stream(auditor, '/agent/stream')).status, 'auditor stream').to.equal(403);
    expect((await auditor.get('/agent/assets/live.js')).status, 'auditor script').to.equal(403);

    const bad = await stream(agent, '/agent/stream?tickets=HD-2026-000001,DROP%20TABLE');
    expect(bad.status).to.equal(422);
    await bad.ended;
    expect(JSON.parse(bad.body).error.fields[0]).to.deep.equal({ field: 'tickets', message: 'tickets must be ticket numbers such as HD-2026-000001, separated by commas, at most 100 of them.' });
    const many = Array.from({ length: 101 }, (_, i) => `HD-2026-${String(i + 1).padStart(6, '0')}`).join(',');
    expect((await stream(agent, `/agent/stream?tickets=${many}`)).status).to.equal(422);

    const js = await agent.get('/agent/assets/live.js');
    expect(js.status).to.equal(200);
    expect(js.headers.get('content-type')).to.match(/javascript/);
    expect(js.text).to.include("new EventSource(url");
  });

  it('ends the stream with `signed_out` in the viewer\'s language once the agent signs out elsewhere, and opens no new one', async () => {
    const leaving = new PortalClient(base, 'de');
    await signInEnrolled(leaving, await makeUser(stack.db, 'agent', 'live-leaving', 'de'));
    const s = await stream(leaving, '/agent/stream', 'de');
    await s.next((e) => e.event === 'tick');
    // Another tab of the same session signs out.
    const page = await leaving.get('/agent');
    expect((await leaving.postForm('/staff/sign-out', { _csrf: csrfOf(page.text) })).status).to.equal(303);
    const ended = await s.next((e) => e.event === 'signed_out', 5_000);
    expect(ended.data.message).to.equal('Ihre Sitzung ist beendet, daher wurde die Live-Aktualisierung angehalten. Melden Sie sich erneut an, um fortzufahren.');
    await s.ended;
    // A new stream without the session is told so at once, rather than refused (EventSource would only retry a 401).
    const refused = await stream(leaving, '/agent/stream', 'de');
    expect(refused.status).to.equal(200);
    expect((await refused.next((e) => e.event === 'signed_out', 5_000)).data.message).to.equal(ended.data.message);
    await refused.ended;
  });

  it('answers the ticket page\'s live part as the page shows it, recording the ticket\'s read and no lists, and a background refresh (X-Background: 1) leaves the session\'s idle clock where it was', async () => {
    const number = await openTicket(stack, { title: 'The printer on floor 3 jams', description: 'The printer on floor 3 jams on every second page.' });
    const other = await openTicket(stack, { title: 'The printer on floor 3 jams again', description: 'The printer on floor 3 jams on every second page.' });
    await waitFor('classification', async () => (await stack.db.tickets.get(number))?.sla && (await stack.db.tickets.get(other))?.sla, 30_000);
    const user = await makeUser(stack.db, 'agent', 'live-part');
    const c = new PortalClient(base, 'en');
    await signInEnrolled(c, user);
    const sid = decodeURIComponent(c.cookie('hd.sid')!).replace(/^s:/, '').split('.')[0]!;
    const seen = async () => Number((await pool.query(`SELECT sess->'staffAuth'->>'seen' AS seen FROM portal_sessions WHERE sid = $1`, [sid])).rows[0]?.seen);
    const setSeen = (ms: number) => pool.query(`UPDATE portal_sessions SET sess = jsonb_set(sess::jsonb, '{staffAuth,seen}', to_jsonb($2::bigint))::json WHERE sid = $1`, [sid, ms]);
    const entries = async (what: string) => (await pool.query(`SELECT ticket_number FROM access_log WHERE viewer_user_id = $1 AND what = $2 ORDER BY id`, [user.id, what])).rows.map((r: { ticket_number: string }) => r.ticket_number);
    expect(Number.isFinite(await seen())).to.equal(true);

    // Ten minutes without the person: the page's script refreshes the live part by itself.
    const idleSince = Date.now() - 10 * 60_000;
    await setSeen(idleSince);
    const live = await c.get(`/agent/tickets/${number}/live`, { accept: 'text/html', 'x-background': '1' });
    expect(live.status).to.equal(200);
    expect(live.text).to.match(/^<div id="ticket-live" data-live-part data-seq="\d+">/);
    expect(live.text).to.include('id="conversation"').and.include('id="countdowns"');
    expect(await seen(), 'the idle clock after a background refresh').to.equal(idleSince);
    expect(await entries('ticket.read')).to.deep.equal([number]);
    expect(await entries('ticket.listed'), 'the live part lists no other ticket').to.deep.equal([]);
    // Nor is the stream the person's: opening it (as a tab shown again does) and its ticks leave the clock alone.
    const before = feed.subscriberCount();
    const s = await stream(c, `/agent/stream?tickets=${number}`);
    expect((await s.next((e) => e.event === 'tick')).data.words).to.include({ signedOut: 'Your session has ended, so live updates stopped. Sign in again to go on.' });
    s.close();
    // Once the server has ended the stream's response (when express-session would save a touched session), and a moment after.
    await waitFor('the stream gone', async () => (feed.subscriberCount() <= before ? true : undefined), 5_000);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await seen(), 'the idle clock after the stream').to.equal(idleSince);

    // The same request without the header is the person's: it counts.
    expect((await c.get(`/agent/tickets/${number}/live`, { accept: 'text/html' })).status).to.equal(200);
    expect(await seen()).to.be.closeTo(Date.now(), 5_000);

    // The page lists the requester's other ticket beside it (so the part's silence is not for want of lists), and its live part is the same.
    const page = await c.get(`/agent/tickets/${number}`);
    expect(page.status).to.equal(200);
    expect(await entries('ticket.listed')).to.include(other);
    expect(await entries('ticket.read')).to.deep.equal([number, number, number]);
    const inPage = page.text.slice(page.text.indexOf('>', page.text.indexOf('<div id="ticket-live"')) + 1, page.text.indexOf('<section aria-labelledby="decision-heading"'));
    const alone = live.text.slice(live.text.indexOf('>') + 1);
    // Compared without the countdowns' words (a minute may pass between the two) and the CSRF tokens.
    const same = (html: string) => html.replace(/<ul class="countdowns"[\s\S]*?<\/ul>/, 'COUNTDOWNS').replace(/name="_csrf" value="[^"]*"/g, '').replace(/<\/div>\s*$/, '').replace(/\s+/g, ' ').trim();
    expect(same(alone)).to.include('COUNTDOWNS');
    expect(same(alone)).to.equal(same(inPage));
  });

  it('ends the subscription when the client goes, and hears again after PostgreSQL drops the LISTEN connection', async () => {
    for (const s of streams.splice(0)) s.close();
    await waitFor('every earlier stream gone', async () => (feed.subscriberCount() === 0 ? true : undefined), 5_000);
    const number = await openTicket(stack);
    await waitFor('classification', async () => (await stack.db.tickets.get(number))?.sla, 30_000);
    const s = await stream(agent, `/agent/stream?tickets=${number}`);
    await s.next((e) => e.event === 'tick');
    expect(feed.subscriberCount()).to.equal(1);
    s.close();
    await waitFor('the subscription ended', async () => (feed.subscriberCount() === 0 ? true : undefined), 5_000);

    // PostgreSQL ends the feed's connection (a restart, a failover): the feed listens again and the stream hears.
    const again = await stream(agent, `/agent/stream?tickets=${number}`);
    await again.next((e) => e.event === 'tick');
    await pool.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'helpdesk-ticket-feed' AND datname = current_database()`);
    await waitFor('the feed listening again', async () => {
      const r = await pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'helpdesk-ticket-feed' AND datname = current_database()`);
      return r.rows[0].n === 1 ? true : undefined;
    }, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect((await act(stack, number, 'start', {})).status).to.equal(200);
    await again.next((e) => e.event === 'ticket' && e.data.status === 'in_progress', 10_000);
  });
});
