/**
 * The portal's middleware: sessions in PostgreSQL, who is looking and in which
 * language and time zone, CSRF checks, sign-in requirement, rate limits.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import { csrfSync } from 'csrf-sync';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { HttpError } from '../errors.ts';
import { isLanguage, LANGUAGES, type Language } from '../i18n.ts';
import { isTimeZone } from './format.ts';
import { DEFAULT_LIMITS, type PortalDeps, type Viewer } from './types.ts';

export const SESSION_COOKIE = 'hd.sid';
export const LANGUAGE_COOKIE = 'lang';
export const TIME_ZONE_COOKIE = 'tz';
const FOURTEEN_DAYS = 14 * 24 * 60 * 60 * 1000;

declare module 'express-serve-static-core' {
  interface Request {
    viewer?: Viewer;
  }
}

export function sessions(deps: Pick<PortalDeps, 'pgPool' | 'sessionSecret'>): RequestHandler {
  const PgStore = connectPgSimple(session);
  return session({
    name: SESSION_COOKIE,
    secret: deps.sessionSecret,
    store: new PgStore({ pool: deps.pgPool, tableName: 'portal_sessions', createTableIfMissing: false, pruneSessionInterval: 15 * 60 }),
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: 'auto', maxAge: FOURTEEN_DAYS },
  });
}

/**
 * express-session saves a changed session when the response ends, which can be after the
 * browser has already followed a redirect: the next page would then miss a fresh sign-in, a
 * follow grant or a notice. Every redirect waits for a session with data to be saved first.
 */
export const saveSessionBeforeRedirect: RequestHandler = (req, res, next) => {
  const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
  res.redirect = ((...args: unknown[]) => {
    const s = req.session as (typeof req.session & Record<string, unknown>) | undefined;
    if (!s || !Object.keys(s).some((k) => k !== 'cookie')) return redirect(...args);
    s.save((err: unknown) => (err ? next(err) : redirect(...args)));
  }) as typeof res.redirect;
  next();
};

const csrf = csrfSync({
  getTokenFromRequest: (req) => {
    const body = req.body as Record<string, unknown> | undefined;
    const fromBody = typeof body?._csrf === 'string' ? body._csrf : undefined;
    return fromBody ?? (req.get('x-csrf-token') || undefined);
  },
});

/** Refuses a state-changing request whose form does not carry this session's CSRF token. */
export const requireCsrf: RequestHandler = (req, _res, next) => {
  if (!csrf.isRequestValid(req)) throw new HttpError(403, 'CSRF_INVALID', 'portal:errors.csrf');
  next();
};

export const csrfToken = (req: Request): string => csrf.generateToken(req);
export const newCsrfToken = (req: Request): string => csrf.generateToken(req, true);

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
    const user = userId === undefined ? undefined : await deps.users.findById(userId);
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
  res.locals.csrfToken = csrfToken(req);
  const notice = req.session?.notice;
  if (notice) {
    res.locals.notice = notice;
    delete req.session.notice;
  }
}

export function requireUser(req: Request, res: Response, next: NextFunction): void {
  if (req.viewer?.user) return next();
  res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
}

function limited(messageKey: string, windowMinutes: number): (req: Request, res: Response, next: NextFunction) => void {
  return (_req, _res, next) => next(new HttpError(429, 'RATE_LIMITED', messageKey, { minutes: windowMinutes }));
}

export function rateLimits(deps: Pick<PortalDeps, 'options'>) {
  const limits = { ...DEFAULT_LIMITS, ...deps.options.limits };
  const ip = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');
  return {
    /** Per address and e-mail, so one attacker cannot lock everyone out, nor guess one password from many addresses quickly. */
    signIn: rateLimit({
      windowMs: 15 * 60_000,
      limit: limits.signInPer15Min,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (req) => `${ip(req)}|${String((req.body as Record<string, unknown> | undefined)?.email ?? '').trim().toLowerCase()}`,
      handler: limited('portal:errors.tooManySignIns', 15),
    }),
    report: rateLimit({
      windowMs: 60 * 60_000,
      limit: limits.reportsPerHour,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (req) => (req.viewer?.user ? `user:${req.viewer.user.id}` : `ip:${ip(req)}`),
      handler: limited('portal:errors.tooManyReports', 60),
    }),
    follow: rateLimit({
      windowMs: 15 * 60_000,
      limit: limits.followPer15Min,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: ip,
      handler: limited('portal:errors.tooManyFollows', 15),
    }),
  };
}
