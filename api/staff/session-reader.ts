/**
 * Reads the web session of a request that did not pass the portal's session middleware (the
 * codec endpoint, mounted before it): the signed session cookie (the portal's name, `__Host-`
 * over HTTPS) is checked with the session secret and the session loaded from PostgreSQL
 * (`portal_sessions`, through connect-pg-simple, which skips expired ones). Nothing is written.
 */
import type { Request } from 'express';
import session, { type SessionData } from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import cookieParser from 'cookie-parser';
import type { Pool } from 'pg';
import { cookieName, SESSION_COOKIE } from '../portal/middleware.ts';

export interface SessionReader {
  read(req: Request): Promise<Partial<SessionData> | undefined>;
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
  return {
    async read(req) {
      const raw = cookieValue(req.get('cookie'), cookieName(req, SESSION_COOKIE));
      const sid = raw ? cookieParser.signedCookie(raw, deps.sessionSecret) : false;
      if (typeof sid !== 'string' || sid === raw) return undefined;
      return new Promise((resolve, reject) => store.get(sid, (err: unknown, data?: SessionData | null) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(data ?? undefined))));
    },
  };
}
