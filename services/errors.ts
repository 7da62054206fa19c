/**
 * Errors a user can cause carry a status, a machine code and a message key in
 * locales/; the adapters turn them into a localized answer (the HTTP error handler in
 * api/app.ts, the portal's pages). The services throw them, so they live here and not in
 * api/: the status is the answer's status (400, 404, 409, 422, 503) whichever adapter gives it.
 * api/errors.ts re-exports them (ServiceError as HttpError) for the adapters.
 */

export interface FieldProblem {
  /** The request field, e.g. "title" or "requester.email". */
  field: string;
  /** Key under `field.` in locales/{lng}/api.json. */
  key: string;
  params?: Record<string, unknown>;
}

export class ServiceError extends Error {
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

export class ValidationError extends ServiceError {
  constructor(fields: FieldProblem[], status = 422) {
    super(status, 'VALIDATION_FAILED', 'errors.validation', {}, fields);
  }
}

export class NotFoundError extends ServiceError {
  constructor(messageKey = 'errors.notFound', params: Record<string, unknown> = {}) {
    super(404, 'NOT_FOUND', messageKey, params);
  }
}

export class ConflictError extends ServiceError {
  constructor(code: string, messageKey: string, params: Record<string, unknown> = {}) {
    super(409, code, messageKey, params);
  }
}

/** A fault the user cannot cause (Temporal or PostgreSQL unreachable): 503, nothing lost, try again. */
export class UnavailableError extends ServiceError {
  constructor(readonly causeDetail: unknown) {
    super(503, 'UNAVAILABLE', 'errors.unavailable');
  }
}

/** Sequelize's names for PostgreSQL being out of reach or too slow (not a query's own mistake). */
const DATABASE_FAULTS = /^Sequelize(Connection\w*|HostNotReachable|HostNotFound|InvalidConnection|AccessDenied|Timeout)Error$/;
/** gRPC's UNAVAILABLE and DEADLINE_EXCEEDED: Temporal out of reach, or too slow to answer. */
const TEMPORAL_FAULT_CODES = new Set([4, 14]);

/**
 * A dependency out of reach — PostgreSQL (a Sequelize connection or timeout error, a pg
 * connection exception, SQLSTATE class 08 or 57P) or Temporal (gRPC UNAVAILABLE or
 * DEADLINE_EXCEEDED, also as the cause of the SDK's own errors) — rather than a mistake in the
 * request or a defect: a fault to answer with 503 and try again.
 */
export function isDependencyFault(err: unknown): boolean {
  for (let e = err as { name?: unknown; code?: unknown; metadata?: unknown; cause?: unknown; parent?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e instanceof UnavailableError) return true;
    if (typeof e.name === 'string' && DATABASE_FAULTS.test(e.name)) return true;
    if (typeof e.code === 'string' && /^(08|57P)/.test(e.code)) return true;
    if (typeof e.code === 'number' && TEMPORAL_FAULT_CODES.has(e.code) && e.metadata !== undefined) return true;
    e = (e.cause ?? e.parent) as typeof e;
  }
  return false;
}
