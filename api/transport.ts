/**
 * What every answer of the web process says about how it may be carried and kept:
 * HSTS over HTTPS, and for the JSON API no caching, no content sniffing and JSON
 * bodies only.
 */
import type { NextFunction, Request, Response } from 'express';
import { HttpError } from './errors.ts';

/** Media types the JSON API reads. */
export const JSON_TYPES = ['application/json', 'application/*+json'];

/** Served over HTTPS (directly, or through a proxy TRUST_PROXY trusts): browsers keep to HTTPS for a year. */
export function strictTransportSecurity(req: Request, res: Response, next: NextFunction): void {
  if (req.secure) res.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  next();
}

/** JSON API answers carry tickets and tokens' users: never cached, never sniffed as another type. */
export function apiAnswerHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.set({ 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  next();
}

/** A request body that is not JSON is refused with 415 before anything reads it; an empty body is fine. */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const length = req.get('content-length');
  const hasBody = req.get('transfer-encoding') !== undefined || (length !== undefined && length !== '0');
  if (hasBody && !req.is(JSON_TYPES)) throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'errors.unsupportedMediaType');
  next();
}
