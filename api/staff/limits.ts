/**
 * Wrong second-factor codes, counted per account in PostgreSQL (rate-limiter-flexible, the
 * portal's `portal_rate_limits` table and approach, api/portal/limits.ts), so every web process
 * sees the same count: a point is taken before the code is checked (attempts racing on several
 * processes cannot pass the limit), and a right code clears the account's count. Over the limit the
 * answer is a 429 whose Retry-After and message say the same wait. Keys are HMACs of the user id.
 */
import { createHmac } from 'node:crypto';
import type { Response } from 'express';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { RATE_LIMIT_TABLE, tooMany } from '../portal/limits.ts';
import type { StaffDeps, StaffLimits } from './types.ts';

export const DEFAULT_STAFF_LIMITS: StaffLimits = { codeFailuresPerAccount: 5 };

export interface CodeAttempt {
  /** The code was right: the account's wrong codes are forgotten. */
  succeeded(): Promise<void>;
}

export type StaffCodeLimits = ReturnType<typeof createCodeLimits>;

export function createCodeLimits(deps: Pick<StaffDeps, 'pgPool' | 'sessionSecret' | 'limits'>) {
  const limits = { ...DEFAULT_STAFF_LIMITS, ...deps.limits };
  const codes = new RateLimiterPostgres({
    storeClient: deps.pgPool, storeType: 'pool', tableName: RATE_LIMIT_TABLE, tableCreated: true,
    // The portal's limiter sweeps expired rows of the shared table.
    clearExpiredByTimeout: false,
    keyPrefix: 'staff-code', points: limits.codeFailuresPerAccount, duration: 15 * 60,
  });
  const key = (userId: number) => createHmac('sha256', deps.sessionSecret).update(`staff-code:${userId}`).digest('base64url');
  return {
    /** Takes a point for this account's code attempt, or throws the 429 when they are used up. */
    async attempt(res: Response, userId: number): Promise<CodeAttempt> {
      const k = key(userId);
      try {
        await codes.consume(k);
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        throw tooMany(res, 'staff:errors.tooManyCodes', err.msBeforeNext);
      }
      return { succeeded: async () => void (await codes.delete(k)) };
    },
  };
}
