/**
 * Reads the web session of a request that did not pass the portal's session middleware (the
 * codec endpoint, mounted before it): the signed session cookie (the portal's name, `__Host-`
 * over HTTPS) is checked with the session secret and the session loaded from PostgreSQL
 * (`portal_sessions`, through connect-pg-simple, which skips expired ones). The one thing written
 * is the staff sign-in's last request time (`staffAuth.seen`, for the idle limit), in place, in
 * one statement, so nothing else a request of the portal writes meanwhile is lost.
 */
import type { Request } from 'express';
import session, { type SessionData } from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import cookieParser from 'cookie-parser';
import type { Pool } from 'pg';
import { cookieName, SESSION_COOKIE } from '../portal/middleware.ts';

export interface SessionReader {
  read(req: Request): Promise<Partial<SessionData> | undefined>;
  /** Records a staff request at `seen` (ms) on this request's session, when its staff sign-in is still `userId`'s. */
  touchStaff(req: Request, userId: number, seen: number): Promise<void>;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function createSessionReader(deps: { pgPool: Pool; sessionSecret: string }): SessionReader {
  const PgStore = connectPgSimple(session);
  const store = new PgStore({ pool: deps.pgPool, tableName: 'portal_sessions', createTableIfMissing: false, pruneSessionInterval: false });
  const sidOf = (req: Request): string | undefined => {
    const raw = cookieValue(req.get('cookie'), cookieName(req, SESSION_COOKIE));
    const sid = raw ? cookieParser.signedCookie(raw, deps.sessionSecret) : false;
    return typeof sid !== 'string' || sid === raw ? undefined : sid;
  };
  return {
    async touchStaff(req, userId, seen) {
      const sid = sidOf(req);
      if (!sid) return;
      await deps.pgPool.query(
        `UPDATE portal_sessions SET sess = jsonb_set(sess::jsonb, '{staffAuth,seen}', to_jsonb($3::bigint))::json
          WHERE sid = $1 AND sess->'staffAuth'->>'userId' = $2 AND coalesce((sess->'staffAuth'->>'seen')::bigint, 0) < $3`,
        [sid, String(userId), seen],
      );
    },
    async read(req) {
      const sid = sidOf(req);
      if (!sid) return undefined;
      return new Promise((resolve, reject) => store.get(sid, (err: unknown, data?: SessionData | null) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(data ?? undefined))));
    },
  };
}
