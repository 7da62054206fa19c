/**
 * Every request's id, log line and metrics (observability/): the id comes from X-Request-Id when
 * it is a plain token, else a new UUID, and is sent back; the log line and the metrics name the
 * route pattern (`/api/v1/tickets/:number/replies`), never the URL, its query or the body. Staff
 * actions on a ticket (a change to /…/tickets/:number…) are timed apart, as action latency.
 *
 * GET /metrics serves the process's Prometheus registry: with HELPDESK_METRICS_TOKEN to whoever
 * sends it as a bearer token, without one only to requests from this machine.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { metrics, scrape, statusClass } from '../observability/metrics.ts';
import type { Logger } from '../observability/logger.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The request id given to this request (by {@link requestTelemetry}). */
export function requestIdOf(req: Request): string | undefined {
  return (req as Request & { requestId?: string }).requestId;
}

const tails = new Map<string, RegExp>();

/**
 * The route pattern that answered: the router's mount and the route's path. After an error the
 * mount (req.baseUrl) is reset by then, so it is read off the request's path instead: what
 * comes before the part the route's pattern matches (mounts have no parameters here).
 */
function routeOf(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route?.path;
  if (typeof route !== 'string') return 'unmatched';
  if (req.baseUrl) return `${req.baseUrl}${route}`;
  let tail = tails.get(route);
  if (!tail) {
    const source = route.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
    tail = new RegExp(`${source}$`);
    if (tails.size < 1000) tails.set(route, tail);
  }
  const pathname = req.originalUrl.split('?')[0] ?? '';
  const m = tail.exec(pathname);
  return m ? `${pathname.slice(0, m.index)}${route}` : route;
}

export function requestTelemetry(logger: Logger | null) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const given = req.get('X-Request-Id');
    const id = given && REQUEST_ID.test(given) ? given : randomUUID();
    (req as Request & { requestId?: string }).requestId = id;
    res.setHeader('X-Request-Id', id);
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      const status = statusClass(res.statusCode);
      metrics.httpRequests.observe({ method: req.method, route, status }, seconds);
      if (req.method !== 'GET' && req.method !== 'HEAD' && /\/tickets\/:number/.test(route)) metrics.actions.observe({ route, status }, seconds);
      if (!logger) return;
      const line = { req: id, method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 10_000) / 10 };
      if (res.statusCode >= 500) logger.warn(line, 'request failed');
      else if (route === 'unmatched' && res.statusCode < 400) logger.debug(line, 'request');
      else logger.info(line, 'request');
    });
    next();
  };
}

export function metricsRoute(token: string | null) {
  return async (req: Request, res: Response): Promise<void> => {
    const answer = await scrape(token, req.get('Authorization'), req.socket.remoteAddress);
    res.status(answer.status).type(answer.contentType).send(answer.body);
  };
}
