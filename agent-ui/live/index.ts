/**
 * Live queues and ticket pages: `GET /agent/stream?tickets=N1,N2,…` (server-sent events) and the
 * script that reads it, `/agent/assets/live.js` (agent-ui/public/live.js). Agents and admins only
 * (AGENT_ROLES), like every /agent route.
 *
 * The stream (decisions in agent-ui/live/README.md):
 * - `event: ticket` `data: { number, status, statusText, assignee, countdowns, announce }` when a
 *   watched ticket's read-model row changes (a second agent's action, the requester's reply, an SLA
 *   mark), read once per change for every stream of the process (rows.ts);
 * - `event: changed` `data: { number }` for any other ticket (the queue's "new or changed" banner);
 * - `event: tick` `data: { tickets: [{ number, status, countdowns }], words }` at once and every
 *   30 s: fresh countdowns for the watched tickets, from the cached rows (no query), and the words
 *   the script says when the stream breaks and comes back, and when the session ended (its refresh of
 *   the ticket page's live part answered with the sign-in);
 * - a comment every 15 s as a heartbeat (proxies and load balancers keep an idle stream open);
 * - texts in the viewer's language, due instants in the viewer's time zone;
 * - `tickets` is a comma-separated (or repeated) list of ticket numbers, at most 100 (a queue page's
 *   rows); anything else is a 422 naming the field, and no stream. Absent: nothing watched, only `changed`;
 * - `event: signed_out` `data: { message }`, then the end: on a tick the viewer is no longer signed in
 *   as an agent (signed out, past the session's limit, role changed, account deactivated) — and at
 *   once, with a 200, for a stream opened without a staff session (a 401 would only be retried);
 * - no access-log read: the stream carries no requester data (status, the assignee's address, SLA);
 * - not activity for the staff session's idle limit (requireStaff's `background`): an open stream,
 *   its reconnections and its ticks keep no unattended session alive; the tick's `signed_out` says
 *   when it ended.
 */
import { fileURLToPath } from 'node:url';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { TICKET_NUMBER_PATTERN } from '../../db/tickets-repo.ts';
import { ServiceError, UnavailableError } from '../../services/errors.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import type { StaffGuards } from '../../api/staff/guards.ts';
import { AGENT_ROLES, type StaffDeps } from '../../api/staff/types.ts';
import { createLiveRows, type LiveRows } from './rows.ts';
import { openStream } from './stream.ts';

/** The most tickets one stream watches: a queue page's largest page. */
export const MAX_WATCHED = 100;

export interface LiveOptions {
  /** @default 30_000 */
  tickMs?: number;
  /** @default 15_000 */
  heartbeatMs?: number;
}

const liveJs = fileURLToPath(new URL('../public/live.js', import.meta.url));

/** The watched numbers from `tickets` (comma-separated or repeated), or the problem with them. */
export function parseWatched(raw: unknown): { ok: true; numbers: string[] } | { ok: false } {
  if (raw === undefined || raw === '') return { ok: true, numbers: [] };
  const parts = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => (typeof v === 'string' ? v.split(',') : [null]));
  if (parts.length > MAX_WATCHED * 2) return { ok: false };
  const numbers = new Set<string>();
  for (const p of parts) {
    if (p === null) return { ok: false };
    const n = p.trim().toUpperCase();
    if (n === '') continue;
    if (!TICKET_NUMBER_PATTERN.test(n)) return { ok: false };
    numbers.add(n);
  }
  return numbers.size > MAX_WATCHED ? { ok: false } : { ok: true, numbers: [...numbers] };
}

export function liveRoutes(deps: StaffDeps, guards: StaffGuards, opts: LiveOptions = {}): Router {
  const router = Router();
  const agents = guards.access.requireStaff(AGENT_ROLES);
  let rows: LiveRows | undefined;
  const log = deps.log ?? ((line: string) => console.error(line));

  router.get('/agent/assets/live.js', agents, (_req, res) => {
    // Revalidated on every page (a 304 by its ETag): a deploy's new script is used at once, never an old one for an hour.
    res.set('Cache-Control', 'private, no-cache');
    res.type('application/javascript').sendFile(liveJs);
  });

  // The stream is the page's script's (opened, reopened when the tab is shown, reconnected), never the person's: not activity for the idle limit.
  const streamers = guards.access.requireStaff(AGENT_ROLES, { background: true });
  /**
   * A viewer whose session ended (past a limit, signed out elsewhere) gets a stream of one
   * `signed_out` and its end, not a 401: EventSource would only retry that, and the page would say
   * "reconnecting" for ever instead of that the session ended. Staff of another role keep their 403.
   */
  async function streamGuard(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      await streamers(req, res, next);
    } catch (err) {
      if (!(err instanceof ServiceError) || err.status !== 401) throw err;
      const message = deps.i18n.getFixedT(viewerOf(req).language, 'agent-sla')('live.signedOut');
      res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(`retry: 60000\nevent: signed_out\ndata: ${JSON.stringify({ message })}\n\n`);
    }
  }

  router.get('/agent/stream', streamGuard, (req: Request, res: Response) => {
    const viewer = viewerOf(req);
    const watched = parseWatched(req.query.tickets);
    if (!watched.ok) {
      const message = deps.i18n.getFixedT(viewer.language, 'agent-sla')('errors.tickets', { max: MAX_WATCHED });
      res.status(422).set('Cache-Control', 'no-store').json({ error: { code: 'VALIDATION_FAILED', message, fields: [{ field: 'tickets', message }] } });
      return;
    }
    const feed = deps.agent?.feed;
    const countdowns = deps.agent?.countdowns;
    if (!feed || !countdowns) throw new UnavailableError(new Error('the live feed is not part of this web process'));
    rows ??= createLiveRows(deps.tickets, feed);
    openStream(req, res, {
      rows, countdowns, i18n: deps.i18n, log, numbers: watched.numbers,
      place: { language: viewer.language, timeZone: viewer.timeZone },
      tickMs: opts.tickMs ?? 30_000, heartbeatMs: opts.heartbeatMs ?? 15_000,
      stillAllowed: () => stillAllowed(req),
    });
  });
  return router;

  /**
   * The stream's viewer decided again from the session as the store holds it now (the request's
   * copy is the one it opened with) and the account as it is now: the one decision on staff access
   * (guards.access), on a copy of the request that nothing writes back.
   */
  async function stillAllowed(req: Request): Promise<boolean> {
    const store = req.sessionStore;
    if (!store || !req.sessionID) return true;
    let fresh: unknown;
    try {
      fresh = await new Promise((resolve, reject) => store.get(req.sessionID, (err, s) => (err ? reject(err) : resolve(s ?? null))));
    } catch {
      return true;
    }
    if (!fresh) return false;
    const probe = Object.assign(Object.create(req) as Request, { session: structuredClone(fresh), viewer: undefined });
    const staff = await guards.access.staffFromSession(probe).catch(() => req.staffUser);
    return staff !== undefined && staff.id === req.staffUser?.id && (AGENT_ROLES as readonly string[]).includes(staff.role);
  }
}
