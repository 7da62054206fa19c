/**
 * The errors a user can cause, as the adapters name them: the classes live in
 * services/errors.ts (the services throw them); the HTTP error handler in api/app.ts
 * and the portal's pages turn them into a localized answer.
 */
import type { TFunction } from 'i18next';

export { ServiceError as HttpError, ValidationError, NotFoundError, ConflictError, UnavailableError, isDependencyFault, type FieldProblem } from '../services/errors.ts';

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
