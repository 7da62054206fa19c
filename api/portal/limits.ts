/**
 * Abuse limits, counted in PostgreSQL by rate-limiter-flexible (RateLimiterPostgres, table
 * `portal_rate_limits` from migration 0008), so every web process sees the same counts.
 *
 * - Sign-in counts failures only, per e-mail address and per client; a successful sign-in
 *   gives its point back and clears the address's failures. A point is taken before the
 *   password is checked, so attempts racing on several processes cannot pass the limit.
 * - Sign-up counts every form per client, and the mails sent to one address.
 * - Reports and follow attempts count every request; so do downloads of a requester's own data, per account.
 *
 * A refusal is a 429 whose `Retry-After` and message say the same wait (whole minutes,
 * rounded up). Keys are HMACs of the address or e-mail: the table holds no personal data.
 */
import { createHmac } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { HttpError } from '../errors.ts';
import { DEFAULT_LIMITS, type PortalDeps } from './types.ts';

export const RATE_LIMIT_TABLE = 'portal_rate_limits';

/** The client's address: req.ip (X-Forwarded-For only through a trusted proxy, TRUST_PROXY), an IPv6 address by its /64. */
export function clientAddress(req: Request): string {
  return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown', 64);
}

/** The 429 for a wait of `msBeforeNext`: `Retry-After` in seconds, the message in the same wait in minutes. */
export function tooMany(res: Response, messageKey: string, msBeforeNext: number): HttpError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  res.set('Retry-After', String(seconds));
  return new HttpError(429, 'RATE_LIMITED', messageKey, { count: Math.ceil(seconds / 60) });
}

const SIGN_IN_REFUSED = 'portal:errors.tooManySignIns';

/** A limiter's refusal (over the limit) as opposed to a store failure, which is thrown on. */
const refusal = (err: unknown): RateLimiterRes | undefined => (err instanceof RateLimiterRes ? err : undefined);

export interface SignInAttempt {
  /** The credentials were right: the attempt is not counted, the address's failures are cleared. */
  succeeded(): Promise<void>;
}

export type Limits = ReturnType<typeof createLimits>;

export function createLimits(deps: Pick<PortalDeps, 'pgPool' | 'sessionSecret' | 'options'>) {
  const limits = { ...DEFAULT_LIMITS, ...deps.options.limits };
  const key = (kind: string, value: string) => createHmac('sha256', deps.sessionSecret).update(`${kind}:${value}`).digest('base64url');
  let sweeper = true;
  const limiter = (keyPrefix: string, points: number, minutes: number) => {
    const made = new RateLimiterPostgres({
      storeClient: deps.pgPool, storeType: 'pool', tableName: RATE_LIMIT_TABLE, tableCreated: true,
      // One limiter per process deletes expired rows (they share the table); the others need not.
      clearExpiredByTimeout: sweeper,
      keyPrefix, points, duration: minutes * 60,
    });
    sweeper = false;
    return made;
  };
  const signInAddress = limiter('signin-address', limits.signInFailuresPerAddress, 15);
  const signInClient = limiter('signin-client', limits.signInFailuresPerClient, 15);
  const signUpClient = limiter('signup-client', limits.signUpsPerClientPerHour, 60);
  const signUpMail = limiter('signup-mail', limits.signUpMailsPerAddressPerHour, 60);
  const report = limiter('report', limits.reportsPerHour, 60);
  const follow = limiter('follow', limits.followPer15Min, 15);
  const exportsOf = limiter('export', limits.exportsPerHour, 60);

  /** Middleware: every request takes a point; over the limit it is refused with a 429. */
  const each = (l: RateLimiterPostgres, keyOf: (req: Request) => string, messageKey: string): RequestHandler => async (req, res, next) => {
    try {
      await l.consume(keyOf(req));
    } catch (err) {
      const over = refusal(err);
      if (!over) throw err;
      throw tooMany(res, messageKey, over.msBeforeNext);
    }
    next();
  };

  return {
    /**
     * Takes a sign-in attempt's point for the address (when one is given) and the client, or
     * throws the 429 when either is used up. The caller reports a success; a failure keeps its point.
     */
    async signIn(req: Request, res: Response, email: string): Promise<SignInAttempt> {
      const client = key('client', clientAddress(req));
      const address = email ? key('address', email.trim().toLowerCase()) : undefined;
      const counters: Array<[RateLimiterPostgres, string]> = [[signInClient, client], ...(address ? [[signInAddress, address] as [RateLimiterPostgres, string]] : [])];
      const taken = await Promise.allSettled(counters.map(([l, k]) => l.consume(k)));
      const waits: number[] = [];
      for (const t of taken) {
        if (t.status === 'fulfilled') continue;
        const over = refusal(t.reason);
        if (!over) throw t.reason;
        waits.push(over.msBeforeNext);
      }
      if (waits.length) {
        // A refused attempt checks no password: it does not count against the other key either
        // (a client over its limit cannot go on locking out the addresses it tries).
        await Promise.all(counters.filter((_, i) => taken[i]!.status === 'fulfilled').map(([l, k]) => l.reward(k, 1)));
        throw tooMany(res, SIGN_IN_REFUSED, Math.max(...waits));
      }
      return {
        async succeeded() {
          await Promise.all([signInClient.reward(client, 1), ...(address ? [signInAddress.delete(address)] : [])]);
        },
      };
    },

    /** Sign-up forms per client. */
    signUp: each(signUpClient, (req) => key('client', clientAddress(req)), 'portal:errors.tooManySignUps'),

    /** Whether another sign-up mail may go to this address this hour (takes its point when it may). */
    async mayMail(email: string): Promise<boolean> {
      try {
        await signUpMail.consume(key('address', email));
        return true;
      } catch (err) {
        if (refusal(err)) return false;
        throw err;
      }
    },

    report: each(report, (req) => (req.viewer?.user ? key('user', String(req.viewer.user.id)) : key('client', clientAddress(req))), 'portal:errors.tooManyReports'),
    follow: each(follow, (req) => key('client', clientAddress(req)), 'portal:errors.tooManyFollows'),
    /** Downloads of one's own data, per account (after requireUser): each is an audit-log entry. */
    exports: each(exportsOf, (req) => key('user', String(req.viewer!.user!.id)), 'privacy:errors.tooManyExports'),
  };
}
