/**
 * The portal's middleware: sessions in PostgreSQL (stored only when they hold something),
 * who is looking and in which language and time zone, CSRF checks, sign-in requirement,
 * security headers. Rate limits are in limits.ts.
 */
import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import { doubleCsrf } from 'csrf-csrf';
import { HttpError } from '../errors.ts';
import { isLanguage, LANGUAGES, type Language } from '../i18n.ts';
import { isTimeZone } from './format.ts';
import type { PortalDeps, Viewer } from './types.ts';

export const SESSION_COOKIE = 'hd.sid';
export const LANGUAGE_COOKIE = 'lang';
export const TIME_ZONE_COOKIE = 'tz';
export const CSRF_COOKIE = 'hd-csrf';
/** A random id of this browser, to which its anonymous CSRF tokens are bound. */
export const BROWSER_COOKIE = 'hd-browser';
const FOURTEEN_DAYS = 14 * 24 * 60 * 60 * 1000;

declare module 'express-serve-static-core' {
  interface Request {
    viewer?: Viewer;
    /** This browser's id (BROWSER_COOKIE), once read or made for this request. */
    browserId?: string;
  }
}

/**
 * A cookie's name as this request is served: over HTTPS with the `__Host-` prefix, which a
 * browser accepts only from this very host, over HTTPS, with Path=/ and no Domain — so neither a
 * sibling subdomain nor a page on plain HTTP can plant one. Over plain HTTP (development) the
 * plain name: there nothing can stop a planted cookie anyway.
 */
export const cookieName = (req: Request, name: string): string => (req.secure ? `__Host-${name}` : name);

export function sessions(deps: Pick<PortalDeps, 'pgPool' | 'sessionSecret'>): RequestHandler {
  const PgStore = connectPgSimple(session);
  const over = (secure: boolean) =>
    session({
      name: secure ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE,
      secret: deps.sessionSecret,
      // A store of its own each (express-session makes a store's new sessions with its own cookie options); one prunes.
      store: new PgStore({ pool: deps.pgPool, tableName: 'portal_sessions', createTableIfMissing: false, pruneSessionInterval: secure ? false : 15 * 60 }),
      resave: false,
      // A session is stored (and its cookie set) only once something is put in it: reading pages makes none.
      saveUninitialized: false,
      rolling: true,
      cookie: { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: FOURTEEN_DAYS },
    });
  // Two cookie names over one table: a session cookie planted by a sibling subdomain or over HTTP is never read over HTTPS.
  const plain = over(false);
  const tls = over(true);
  return (req, res, next) => (req.secure ? tls : plain)(req, res, next);
}

/**
 * express-session saves a changed session when the response ends, which can be after the
 * browser has already followed a redirect: the next page would then miss a fresh sign-in, a
 * follow grant or a notice. Every redirect waits for a session with data to be saved first.
 */
export const saveSessionBeforeRedirect: RequestHandler = (req, res, next) => {
  const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
  res.redirect = ((...args: unknown[]) => {
    if (!hasStoredData(req)) return redirect(...args);
    req.session.save((err: unknown) => (err ? next(err) : redirect(...args)));
  }) as typeof res.redirect;
  next();
};

/** A session that holds something (a sign-in, followed tickets, a notice): only such a one is stored. */
export function hasStoredData(req: Request): boolean {
  const s = req.session as (typeof req.session & Record<string, unknown>) | undefined;
  return Boolean(s && Object.keys(s).some((k) => k !== 'cookie'));
}

const BROWSER_ID = /^[\w-]{43}$/;

/** This browser's id, from its cookie (or made earlier in this request); undefined when it has none. */
export function browserIdOf(req: Request): string | undefined {
  if (req.browserId) return req.browserId;
  const value = (req.cookies as Record<string, unknown> | undefined)?.[cookieName(req, BROWSER_COOKIE)];
  return typeof value === 'string' && BROWSER_ID.test(value) ? (req.browserId = value) : undefined;
}

/** This browser's id, made (and its cookie set) when it has none yet. */
function ensureBrowserId(req: Request, res: Response): string {
  const known = browserIdOf(req);
  if (known) return known;
  req.browserId = randomBytes(32).toString('base64url');
  res.cookie(cookieName(req, BROWSER_COOKIE), req.browserId, { httpOnly: true, sameSite: 'lax', path: '/', secure: req.secure });
  return req.browserId;
}

/**
 * CSRF for every form, without a session: csrf-csrf's double-submit cookie (an HMAC token
 * in an httpOnly, SameSite=Strict cookie and in the form's `_csrf` field, or an `x-csrf-token`
 * header), so a visitor who only reads pages gets no session row. A signed-in visitor's token is
 * bound to the session (a new one at sign-in, see newCsrfToken); before that to this browser's
 * random id (BROWSER_COOKIE), so a form stays valid when following a ticket or a notice first
 * stores a session, and a cookie and token taken from another browser are refused. Over HTTPS
 * both cookies carry the `__Host-` prefix (cookieName). Call `context` on every portal request;
 * `require` guards a form.
 */
export function csrfProtection(secret: string): { context: RequestHandler; require: RequestHandler } {
  const over = (secure: boolean) =>
    doubleCsrf({
      getSecret: () => secret,
      getSessionIdentifier: (req) => (req.session?.userId !== undefined ? `session:${req.sessionID}` : `browser:${browserIdOf(req) ?? ''}`),
      cookieName: secure ? `__Host-${CSRF_COOKIE}` : CSRF_COOKIE,
      cookieOptions: { sameSite: 'strict', path: '/', httpOnly: true, secure },
      getCsrfTokenFromRequest: (req) => {
        const body = req.body as Record<string, unknown> | undefined;
        if (typeof body?._csrf === 'string') return body._csrf;
        return req.get('x-csrf-token');
      },
    });
  const plain = over(false);
  const tls = over(true);
  const of = (req: Request) => (req.secure ? tls : plain);
  return {
    context(req, res, next) {
      req.csrfToken = (options) => {
        if (req.session?.userId === undefined) ensureBrowserId(req, res);
        return of(req).generateCsrfToken(req, res, options);
      };
      next();
    },
    require(req, _res, next) {
      const bound = req.session?.userId !== undefined || browserIdOf(req) !== undefined;
      if (!bound || !of(req).validateRequest(req)) throw new HttpError(403, 'CSRF_INVALID', 'portal:errors.csrf');
      next();
    },
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** An origin as URL.origin writes it (lower case, default port dropped); undefined when it is not one. */
function originOf(value: string): string | undefined {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/**
 * Refuses a state-changing request another site's page made the browser send, before its body
 * is read or any limit counts it: `Sec-Fetch-Site` present and not `same-origin`, or `Origin`
 * present and neither this request's origin nor PUBLIC_URL's. Clients that send neither (old
 * browsers, scripts) are left to the CSRF token.
 */
export function sameOriginOnly(deps: Pick<PortalDeps, 'options'>): RequestHandler {
  const published = deps.options.publicUrl ? originOf(deps.options.publicUrl) : undefined;
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const site = req.get('sec-fetch-site');
    const origin = req.get('origin');
    const own = originOf(`${req.protocol}://${req.get('host') ?? ''}`);
    const foreignOrigin = origin !== undefined && (originOf(origin) === undefined || (originOf(origin) !== own && originOf(origin) !== published));
    if ((site !== undefined && site.toLowerCase() !== 'same-origin') || foreignOrigin) throw new HttpError(403, 'CROSS_SITE_FORM', 'portal:errors.crossSite');
    next();
  };
}

/** A fresh token (after sign-in: the session, and so the token's binding, changed). */
export const newCsrfToken = (req: Request): void => {
  req.csrfToken?.({ overwrite: true });
};

function languageOf(value: unknown): Language | undefined {
  if (typeof value !== 'string') return undefined;
  const base = value.slice(0, 2).toLowerCase();
  return isLanguage(base) ? base : undefined;
}

/**
 * Works out who is looking (signed-in user, followed tickets), their language —
 * profile, then the switch kept in a cookie, then Accept-Language, then English —
 * and their time zone (profile, then the browser's, then the default).
 */
export function viewerContext(deps: Pick<PortalDeps, 'users' | 'i18n' | 'options'>): RequestHandler {
  return async (req, res, next) => {
    const userId = req.session?.userId;
    const found = userId === undefined ? undefined : await deps.users.findById(userId);
    // A deactivated account's session (ended when it was deactivated: db/people-repo.ts) signs no one in.
    const user = found?.active ? found : undefined;
    if (userId !== undefined && !user) delete req.session.userId;
    const cookies = (req.cookies ?? {}) as Record<string, string | undefined>;
    const language =
      languageOf(user?.locale) ??
      languageOf(cookies[LANGUAGE_COOKIE]) ??
      languageOf(req.acceptsLanguages(...LANGUAGES) || undefined) ??
      'en';
    const browserZone = cookies[TIME_ZONE_COOKIE];
    const timeZone = user?.timeZone && isTimeZone(user.timeZone) ? user.timeZone : isTimeZone(browserZone) ? browserZone : (deps.options.defaultTimeZone ?? 'Europe/Warsaw');
    req.viewer = { user, followed: req.session?.followed ?? [], language, timeZone };
    // The API namespace's messages (errors, field problems) follow the same language.
    req.language = language;
    req.t = deps.i18n.getFixedT(language);
    res.set('Content-Language', language);
    Object.assign(res.locals, {
      lang: language,
      timeZone,
      user: user && { displayName: user.displayName, email: user.email, role: user.role },
      currentPath: req.originalUrl,
    });
    next();
  };
}

/** Page locals every portal page needs; call right before rendering. */
export function pageLocals(req: Request, res: Response): void {
  const notice = req.session?.notice;
  if (notice) {
    // A notice that greets by name takes it from the signed-in account, never from the session.
    res.locals.notice = { ...notice, params: { name: req.viewer?.user?.displayName ?? '', ...notice.params } };
    delete req.session.notice;
  }
  // After the session's last change: the token is bound to the session as it is saved.
  res.locals.csrfToken = req.csrfToken?.();
}

export function requireUser(req: Request, res: Response, next: NextFunction): void {
  if (req.viewer?.user) return next();
  res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
}

/** What a browser may load and where the portal's pages may be framed (nowhere). */
export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({
    'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  });
  next();
}
