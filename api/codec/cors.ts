/**
 * Cross-origin access to the codec endpoint: the Temporal Web UI runs on an origin of its own and
 * calls it from the browser, with the helpdesk's cookies when "include cross-origin credentials"
 * is on. Only the configured origins (HELPDESK_CODEC_CORS_ORIGINS, plus the dev server's UI under
 * `helpdesk start`) are let in, credentials included; a request from any other origin is refused
 * before anything reads it, so no other site can use a signed-in auditor's cookies here. Requests
 * without an Origin (the Temporal CLI, scripts) are not browsers' and pass on to authentication.
 */
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from '../errors.ts';

/** What the Web UI sends: its JSON body, the namespace, and an access token when it passes one. */
export const ALLOWED_HEADERS = 'content-type, x-namespace, authorization';

export function codecCors(origins: readonly string[]) {
  const allowed = new Set(origins);
  return (req: Request, res: Response, next: NextFunction): void => {
    res.vary('Origin');
    const origin = req.get('origin');
    if (origin === undefined) {
      if (req.method === 'OPTIONS') {
        res.set('Allow', 'POST, OPTIONS').status(204).end();
        return;
      }
      next();
      return;
    }
    if (!allowed.has(origin)) throw new HttpError(403, 'ORIGIN_NOT_ALLOWED', 'codec:errors.originNotAllowed');
    res.set({ 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true' });
    if (req.method !== 'OPTIONS') {
      next();
      return;
    }
    res.set({ 'Access-Control-Allow-Methods': 'POST, OPTIONS', 'Access-Control-Allow-Headers': ALLOWED_HEADERS, 'Access-Control-Max-Age': '600' });
    // Chrome asks before a public page calls an address on a private network (a codec endpoint inside the company).
    if (req.get('access-control-request-private-network') === 'true') res.set('Access-Control-Allow-Private-Network', 'true');
    res.status(204).end();
  };
}
