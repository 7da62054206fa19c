/**
 * Errors a user can cause carry a status, a machine code and a message key in
 * locales/; the error handler turns them into a localized answer.
 */
import type { TFunction } from 'i18next';

export interface FieldProblem {
  /** The request field, e.g. "title" or "requester.email". */
  field: string;
  /** Key under `field.` in locales/{lng}/api.json. */
  key: string;
  params?: Record<string, unknown>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly messageKey: string,
    readonly params: Record<string, unknown> = {},
    readonly fields: FieldProblem[] = [],
  ) {
    super(`${code}: ${messageKey}`);
  }
}

export class ValidationError extends HttpError {
  constructor(fields: FieldProblem[], status = 422) {
    super(status, 'VALIDATION_FAILED', 'errors.validation', {}, fields);
  }
}

export class NotFoundError extends HttpError {
  constructor(messageKey = 'errors.notFound', params: Record<string, unknown> = {}) {
    super(404, 'NOT_FOUND', messageKey, params);
  }
}

export class ConflictError extends HttpError {
  constructor(code: string, messageKey: string, params: Record<string, unknown> = {}) {
    super(409, code, messageKey, params);
  }
}

/** A fault the user cannot cause (Temporal or PostgreSQL unreachable): 503, nothing lost, try again. */
export class UnavailableError extends HttpError {
  constructor(readonly causeDetail: unknown) {
    super(503, 'UNAVAILABLE', 'errors.unavailable');
  }
}

/**
 * An error's message parameters in the reader's words: an action or a status named in
 * a refusal ("cannot reopen a ticket that is closed") is translated through
 * `actionName.*` / `statusName.*` (api namespace), the raw value when there is none.
 * Used by the JSON/HTML error handler and by the portal's pages alike.
 */
export function localizedParams(t: TFunction, params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...params };
  if (typeof out.action === 'string') out.action = t(`api:actionName.${out.action}`, { defaultValue: out.action });
  if (typeof out.status === 'string') out.status = t(`api:statusName.${out.status}`, { defaultValue: out.status });
  return out;
}
