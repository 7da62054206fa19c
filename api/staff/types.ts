/**
 * What the staff surface needs, and what it keeps in the session (the same session as the
 * portal's: one cookie, one table; see api/portal/middleware.ts).
 */
import type { AuditRepo } from '../../db/audit-repo.ts';
import type { StaffAuthRepo } from '../../db/staff-auth-repo.ts';
import type { StaffRole, UsersRepo } from '../../db/users-repo.ts';
import type { PortalDeps } from '../portal/types.ts';
import type { RulesAdmin } from '../../services/rules-admin/index.ts';
import type { People } from '../../services/people/index.ts';
import type { AuditorService } from '../../auditor-ui/deps.ts';
import type { AuditRuns } from '../../services/audit/runs.ts';
import type { AgentWorkspace } from '../../services/agent/workspace.ts';
import type { Mailbox } from '../../services/notifications/mailbox.ts';
import type { DeliveriesRepo } from '../../db/notification-deliveries-repo.ts';
import type { Integrations } from '../../services/webhooks/admin.ts';
import type { NotificationSettings } from '../../services/notifications/settings.ts';

export { STAFF_ROLES, isStaffRole, type StaffRole } from '../../db/users-repo.ts';

/** Who may read the audit log's page. */
export const AUDIT_READERS: readonly StaffRole[] = ['auditor', 'admin'];

/**
 * Who may use the agents' workspace (agent-ui/, /agent): queues, ticket work, bulk actions. Team
 * leads are agents with the team-lead flag (users.team_lead); admins may do everything an agent does.
 */
export const AGENT_ROLES: readonly StaffRole[] = ['agent', 'admin'];

/** Who may use the process owners' admin pages (admin-ui/) and the rules-administration API. */
export const RULES_ADMINS: readonly StaffRole[] = ['process_owner', 'admin'];

/** How a staff session passed its second step; `password` only where the setting is `optional`. */
export type StaffFactor = 'totp' | 'recovery' | 'sso' | 'password';

declare module 'express-session' {
  interface SessionData {
    /**
     * A staff sign-in that is complete (set together with userId, on a fresh session id): when
     * its second factor was passed (`at`) and when the last staff request was (`seen`), for the
     * session limits (access.ts).
     */
    staffAuth?: { userId: number; factor: StaffFactor; at: number; seen?: number };
    /** The password was right; the second factor (or its enrolment) is still to come. No userId yet. */
    staffPending?: { userId: number; next: string; at: number };
    /**
     * An authenticator being set up, once the operator's enrolment code was typed (`codeId`, spent
     * when the enrolment completes): its secret, sealed for this person, until a code confirms it.
     */
    staffEnrol?: { userId: number; sealed: string; codeId: number };
    /** A single sign-on under way: what the callback must see again (state), prove (PKCE) and find in the ID token (nonce). */
    staffSso?: { state: string; nonce: string; verifier: string; next: string; at: number };
  }
}

/** Keys that seal the TOTP secrets: the service key ring's shape (runtime/key-ring.ts); the first one seals, all of them open. */
export interface SealingKeys {
  current: { id: string; key: Buffer };
  keys: ReadonlyMap<string, Buffer>;
}

/** OpenID Connect single sign-on (runtime/config.ts OidcConfig). */
export interface OidcOptions {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  /** Undefined: PUBLIC_URL (or the request's own origin) + /staff/sso/callback. */
  redirectUrl: string | undefined;
  /** E-mail domains (lower case) whose addresses may sign in this way; empty or absent: any. */
  allowedDomains?: readonly string[];
}

/** How long a staff session lasts (runtime/config.ts StaffSessionLimits). */
export interface StaffSessionLimits {
  /** Since the second factor (or single sign-on). @default 12 h */
  maxMs: number;
  /** Without a staff request. @default 1 h */
  idleMs: number;
}

export const DEFAULT_SESSION_LIMITS: StaffSessionLimits = { maxMs: 12 * 3_600_000, idleMs: 3_600_000 };

export interface StaffLimits {
  /** Wrong second-factor codes (TOTP or recovery, at sign-in or enrolment) per account in 15 minutes. @default 5 */
  codeFailuresPerAccount: number;
}

/** What createApp is given for the staff surface (runtime/compose.ts builds it). */
export interface StaffOptions {
  staffAuth: StaffAuthRepo;
  audit: AuditRepo;
  sealingKeys: SealingKeys;
  /** HELPDESK_STAFF_SECOND_FACTOR. @default 'required' */
  secondFactor: 'required' | 'optional';
  oidc?: OidcOptions | undefined;
  /** HELPDESK_STAFF_SESSION_HOURS, HELPDESK_STAFF_IDLE_MINUTES. @default DEFAULT_SESSION_LIMITS */
  session?: StaffSessionLimits;
  limits?: Partial<StaffLimits>;
  log?: (line: string) => void;
}

/** The portal's deps (sessions, CSRF, users, i18n) and the staff surface's own. */
export interface StaffDeps extends PortalDeps, StaffOptions {
  users: UsersRepo;
  /** The process owners' pages (admin-ui/) are served when it is given. */
  rulesAdmin?: RulesAdmin;
  /** People and teams (/admin/people), served with the admin pages when it is given. */
  people?: People;
  /** The auditors' pages (auditor-ui/, /audit) are served when it is given (api/app.ts passes AppDeps.audit). */
  auditor?: AuditorService;
  /** The agents' workspace (agent-ui/, /agent): queues, countdowns, the live feed, the ticket's context (AppDeps.agent). */
  agent?: AgentWorkspace;
  /** The period replay checks' pages (auditor-ui/runs/, /audit/runs) are served when it is given (AppDeps.auditRuns). */
  auditRuns?: AuditRuns;
  /** The local mail sink's messages (/admin/mail, admins only); undefined when mail goes out through HELPDESK_SMTP_URL (AppDeps.mailbox). */
  mailbox?: Mailbox | undefined;
  /** The deliveries that failed for good, shown to admins on /admin/mail with or without a mailbox (AppDeps.deliveries). */
  deliveries?: Pick<DeliveriesRepo, 'failures'> | undefined;
  /** Webhooks, SMS alerts and duty managers (/admin/integrations, admins only; AppDeps.integrations). */
  integrations?: Integrations | undefined;
  /** The SMS gateway's host, when one is configured (the integrations page says where SMS go). */
  smsGateway?: string | undefined;
  /** Each staff member's own notification settings (/staff/notifications; AppDeps.notificationSettings). */
  notificationSettings?: NotificationSettings | undefined;
  /** HELPDESK_DIGEST_INTERVAL in ms, as the settings page says it. */
  digestIntervalMs?: number | undefined;
}
