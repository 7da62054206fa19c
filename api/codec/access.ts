/**
 * Who may have Temporal payloads decoded: auditors and admins only. A caller is known by a
 * bearer API token (`helpdesk token create`; the Temporal CLI sends it with `--codec-auth`) or,
 * without an Authorization header, by the staff web session (cookies the Web UI sends across
 * origins). A bearer that is not a helpdesk token is refused, not taken as "no token": the
 * caller meant to authenticate with it. Who was let in, and how, is left in `res.locals.codecCaller`
 * for the access log (api/codec/index.ts).
 */
import type { NextFunction, Request, Response } from 'express';
import type { AccessChannel } from '../../db/access-log-repo.ts';
import type { ApiTokensRepo } from '../../db/api-tokens-repo.ts';
import type { Role, UserRecord } from '../../db/users-repo.ts';
import { HttpError, UnavailableError } from '../errors.ts';

/**
 * The staff member signed in on this request's web session (with their second factor passed),
 * or undefined. Staff sign-in (api/staff/) provides it.
 */
export type StaffFromSession = (req: Request) => Promise<UserRecord | undefined>;

export const CODEC_ROLES: readonly Role[] = ['auditor', 'admin'];

export interface CodecAccessDeps {
  apiTokens: ApiTokensRepo;
  staffFromSession: StaffFromSession;
}

/** The caller let in: the user, and the channel the access log names (`api` for a bearer token, `web` for the staff session). */
export interface CodecCaller {
  user: UserRecord;
  channel: Extract<AccessChannel, 'api' | 'web'>;
}

/** The caller requireAuditorOrAdmin let in on this request. */
export function codecCaller(res: Response): CodecCaller {
  const caller = res.locals.codecCaller as CodecCaller | undefined;
  if (!caller) throw new Error('requireAuditorOrAdmin did not run');
  return caller;
}

const unavailable = (err: unknown) => {
  throw new UnavailableError(err);
};

export function requireAuditorOrAdmin(deps: CodecAccessDeps) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const header = req.get('authorization');
    let user: UserRecord | undefined;
    if (header !== undefined) {
      const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
      user = token ? await deps.apiTokens.authenticate(token).catch(unavailable) : undefined;
      if (!user) {
        res.set('WWW-Authenticate', 'Bearer realm="helpdesk", error="invalid_token"');
        throw new HttpError(401, 'UNAUTHENTICATED', 'errors.badToken');
      }
    } else {
      user = await deps.staffFromSession(req).catch(unavailable);
      if (!user) {
        res.set('WWW-Authenticate', 'Bearer realm="helpdesk"');
        throw new HttpError(401, 'UNAUTHENTICATED', 'codec:errors.unauthenticated');
      }
    }
    if (!CODEC_ROLES.includes(user.role)) throw new HttpError(403, 'FORBIDDEN', 'codec:errors.forbidden', { role: user.role });
    res.locals.codecCaller = { user, channel: header !== undefined ? 'api' : 'web' } satisfies CodecCaller;
    next();
  };
}
