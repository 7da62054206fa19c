/**
 * Who calls the REST API, and what they may do. Callers present a bearer token
 * (`helpdesk token create --email …`); the role of the token's user decides:
 *
 * | role          | reads tickets | reports for | actions                                   |
 * | ------------- | ------------- | ----------- | ----------------------------------------- |
 * | requester     | their own     | themselves  | reopen, close, rate; replies — own only   |
 * | agent         | all           | anyone      | every action                              |
 * | admin         | all           | anyone      | every action, reclassify                  |
 * | process_owner | all           | —           | reclassify                                |
 * | auditor       | all           | —           | none (read-only)                          |
 *
 * Another requester's ticket answers 404, as if it did not exist. Which tickets a caller
 * reads, and what of them (a requester the public side only), is decided in api/access.ts.
 */
import type { NextFunction, Request, Response } from 'express';
import type { ApiTokensRepo } from '../db/api-tokens-repo.ts';
import type { UserRecord } from '../db/users-repo.ts';
import type { TicketActionName } from '../workflows/types.ts';
import { HttpError, UnavailableError } from './errors.ts';

export type ApiUser = UserRecord;

export const REQUESTER_ACTIONS: readonly TicketActionName[] = ['reopen', 'close', 'rate'];

/** Authenticates every request under it; 401 (with a localized message) without a live token. */
export function authenticateApi(tokens: ApiTokensRepo) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      res.set('WWW-Authenticate', 'Bearer realm="helpdesk"');
      throw new HttpError(401, 'UNAUTHENTICATED', 'errors.unauthenticated');
    }
    const user = await tokens.authenticate(match[1]!).catch((err: unknown) => {
      throw new UnavailableError(err);
    });
    if (!user) {
      res.set('WWW-Authenticate', 'Bearer realm="helpdesk", error="invalid_token"');
      throw new HttpError(401, 'UNAUTHENTICATED', 'errors.badToken');
    }
    res.locals.apiUser = user;
    next();
  };
}

export function apiUser(res: Response): ApiUser {
  const user = res.locals.apiUser as ApiUser | undefined;
  if (!user) throw new HttpError(401, 'UNAUTHENTICATED', 'errors.unauthenticated');
  return user;
}

const isStaff = (u: ApiUser) => u.role === 'agent' || u.role === 'admin';

export function assertCanAct(user: ApiUser, action: TicketActionName): void {
  if (isStaff(user)) return;
  if (user.role === 'requester' && REQUESTER_ACTIONS.includes(action)) return;
  throw new HttpError(403, 'FORBIDDEN', 'errors.forbiddenAction', { action, role: user.role });
}

/** Whom a report may be filed for: requesters for themselves (the default), staff for anyone. */
export function requesterFor(user: ApiUser, requested: unknown): string | undefined {
  if (user.role === 'requester') {
    if (requested !== undefined && (typeof requested !== 'string' || requested.trim().toLowerCase() !== user.email)) throw new HttpError(403, 'FORBIDDEN', 'errors.forbiddenOnBehalf');
    return user.email;
  }
  if (!isStaff(user)) throw new HttpError(403, 'FORBIDDEN', 'errors.forbiddenRole', { role: user.role });
  return typeof requested === 'string' ? requested : undefined;
}

export function assertCanReply(user: ApiUser, ticket: { requesterEmail: string }): void {
  if (user.email !== ticket.requesterEmail) throw new HttpError(403, 'FORBIDDEN', 'errors.forbiddenReply');
}

export function assertCanReclassify(user: ApiUser): void {
  if (user.role !== 'admin' && user.role !== 'process_owner') throw new HttpError(403, 'FORBIDDEN', 'errors.forbiddenRole', { role: user.role });
}
