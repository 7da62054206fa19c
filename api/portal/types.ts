/**
 * What the portal needs and what it keeps in a session.
 */
import type { i18n } from 'i18next';
import type { Pool } from 'pg';
import type { KbArticle, KbRepo } from '../../db/kb-repo.ts';
import type { PortalRepo } from '../../db/portal-repo.ts';
import type { SignUpRepo } from '../../db/sign-up-repo.ts';
import type { TicketRecord } from '../../db/tickets-repo.ts';
import type { UserRecord, UsersRepo } from '../../db/users-repo.ts';
import type { TicketDeps } from '../../services/tickets/index.ts';
import type { PersonalDataRepos } from '../../services/privacy/export.ts';
import type { Language } from '../i18n.ts';

declare module 'express-session' {
  interface SessionData {
    userId?: number;
    /** Tickets this browser may follow without an account (it presented their secret link). */
    followed?: string[];
    /** A message shown once on the next page (after a redirect). */
    notice?: { key: string; params?: Record<string, string> };
    /** The follow link of a ticket just reported without an account, shown once on its page. */
    followLink?: { number: string; link: string; code: string };
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The ticket a route's `:number` names, loaded once by router.param, only when this viewer may see it (routes/tickets.ts). */
    ticket?: TicketRecord;
    /** The article a route's `:slug` names, in the viewer's language, loaded once by router.param (routes/kb.ts). */
    article?: KbArticle;
  }
}

/**
 * Abuse limits, counted in PostgreSQL (api/portal/limits.ts), so they hold across web
 * processes. "Client" is the client's address (req.ip; see TRUST_PROXY).
 */
export interface PortalLimits {
  /** Failed sign-ins for one e-mail address, from anywhere, in 15 minutes. @default 5 */
  signInFailuresPerAddress: number;
  /** Failed sign-ins from one client, whatever the address, in 15 minutes. @default 20 */
  signInFailuresPerClient: number;
  /** Sign-up forms sent from one client in an hour. @default 10 */
  signUpsPerClientPerHour: number;
  /** Sign-up mails sent to one address in an hour (more sign-ups get the same answer, and no mail). @default 3 */
  signUpMailsPerAddressPerHour: number;
  /** Ticket submissions per user (or client when signed out) in an hour. @default 20 */
  reportsPerHour: number;
  /** Follow attempts (number + code) per client in 15 minutes. @default 20 */
  followPer15Min: number;
  /** Downloads of one's own data (each recorded in the audit log) per account in an hour. @default 10 */
  exportsPerHour: number;
}

export const DEFAULT_LIMITS: PortalLimits = {
  signInFailuresPerAddress: 5, signInFailuresPerClient: 20, signUpsPerClientPerHour: 10, signUpMailsPerAddressPerHour: 3, reportsPerHour: 20, followPer15Min: 20, exportsPerHour: 10,
};

export interface PortalOptions {
  limits?: Partial<PortalLimits>;
  /** Base URL in follow links; when empty, the request's own origin. */
  publicUrl?: string;
  /** Time zone for viewers who are signed out and whose browser did not tell us theirs. @default Europe/Warsaw */
  defaultTimeZone?: string;
}

/** The ticket service's deps (services/tickets/deps.ts), and the portal's own repositories. */
export interface PortalDeps extends TicketDeps {
  i18n: i18n;
  users: UsersRepo;
  kb: KbRepo;
  portal: PortalRepo;
  signUps: SignUpRepo;
  /** The access log and what a requester's own export reads (services/privacy/export.ts). */
  personalData: PersonalDataRepos;
  /** PostgreSQL pool for the session store (connect-pg-simple) and the rate limits (rate-limiter-flexible). */
  pgPool: Pool;
  /** Signs session cookies and CSRF tokens, and keys the rate limits (HMAC); shared by every web process. */
  sessionSecret: string;
  options: PortalOptions;
}

/** Who is looking: a signed-in user and/or the tickets this browser may follow. */
export interface Viewer {
  user: UserRecord | undefined;
  followed: readonly string[];
  language: Language;
  timeZone: string;
}
