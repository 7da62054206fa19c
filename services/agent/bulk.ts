/**
 * Bulk actions on a selection of tickets (the queue page's form, POST /api/v1/tickets/bulk):
 * assign to a colleague (or take), change the priority with a reason, resolve as a duplicate of
 * another ticket — a merge into it, with a reason (services/tickets/merge.ts: the source ends
 * `merged`, its conversation linked into the target, the requester told). Each ticket goes through
 * the same action as a single one (services/tickets/actions.ts performTicketAction: its arguments
 * checked, one workflow Update; or mergeTicket), one by one, in the order given; one ticket's failure never stops the rest, and each one's
 * outcome is reported: its new status, or why it was refused in the viewer's words.
 *
 * The request itself is checked first (numbers, action, its fields): a bad one is one
 * ValidationError (422) and nothing is sent to any ticket.
 */
import { TICKET_NUMBER_PATTERN } from '../../db/tickets-repo.ts';
import type { TicketAction } from '../../workflows/types.ts';
import { NotFoundError, ServiceError, UnavailableError, ValidationError, type FieldProblem } from '../errors.ts';
import { performTicketAction } from '../tickets/actions.ts';
import { mergeTicket } from '../tickets/merge.ts';
import type { TicketDeps } from '../tickets/deps.ts';

export const BULK_ACTIONS = ['assign', 'change_priority', 'resolve_duplicate'] as const;
export type BulkActionName = (typeof BULK_ACTIONS)[number];

/** At most this many tickets in one request. */
export const MAX_BULK = 50;
const MAX_REASON = 1000;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type BulkRequest =
  | { numbers: string[]; action: 'assign'; assignee: string }
  | { numbers: string[]; action: 'change_priority'; priority: string; reason: string }
  | { numbers: string[]; action: 'resolve_duplicate'; duplicateOf: string; note: string };

export interface BulkResult {
  number: string;
  ok: boolean;
  /** The ticket's status after the action (when it was done). */
  status?: string;
  error?: { code: string; message: string };
}

export type BulkDeps = Pick<TicketDeps, 'tickets' | 'temporal' | 'privacy' | 'directory' | 'rules'>;

/** Who runs it: the actor of every action. */
export interface BulkViewer {
  email: string;
}

/** Puts a refusal in the viewer's words (the adapters know the namespaces: api/routes/ticket-bulk.ts bulkMessage). */
export type DescribeError = (err: ServiceError) => string;

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/** Every number of the selection: an array, or one comma/space-separated string (a form's field repeated or not). */
function numbersOf(raw: unknown): string[] {
  const all = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => (typeof v === 'string' ? v.split(/[\s,]+/) : [])).map((v) => v.trim().toUpperCase()).filter(Boolean);
  return [...new Set(all)];
}

/** A request's body (JSON or a form) → BulkRequest; one ValidationError naming each bad field. */
export function parseBulkRequest(raw: Record<string, unknown>): BulkRequest {
  const problems: FieldProblem[] = [];
  const numbers = numbersOf(raw.numbers);
  if (numbers.length === 0) problems.push({ field: 'numbers', key: 'required' });
  else if (numbers.length > MAX_BULK) problems.push({ field: 'numbers', key: 'tooMany', params: { max: MAX_BULK } });
  else if (!numbers.every((n) => TICKET_NUMBER_PATTERN.test(n))) problems.push({ field: 'numbers', key: 'invalid' });
  const action = str(raw.action);
  const required = (field: string, max = 254): string => {
    const v = str(raw[field]);
    if (!v) problems.push({ field, key: 'required' });
    else if (v.length > max) problems.push({ field, key: 'tooLong', params: { max } });
    return v;
  };
  let request: BulkRequest | undefined;
  if (action === 'assign') {
    const assignee = required('assignee').toLowerCase();
    if (assignee && !EMAIL.test(assignee)) problems.push({ field: 'assignee', key: 'email' });
    request = { numbers, action, assignee };
  } else if (action === 'change_priority') {
    const priority = required('priority', 64);
    if (priority && !ID.test(priority)) problems.push({ field: 'priority', key: 'invalid' });
    request = { numbers, action, priority, reason: required('reason', MAX_REASON) };
  } else if (action === 'resolve_duplicate') {
    const duplicateOf = required('duplicateOf', 40).toUpperCase();
    if (duplicateOf && !TICKET_NUMBER_PATTERN.test(duplicateOf)) problems.push({ field: 'duplicateOf', key: 'invalid' });
    // The merge's reason, kept in both tickets' timelines.
    request = { numbers, action, duplicateOf, note: required('note', MAX_REASON) };
  } else {
    problems.push({ field: 'action', key: 'oneOf', params: { values: BULK_ACTIONS.join(', ') } });
  }
  if (problems.length || !request) throw new ValidationError(problems);
  return request;
}

/** The one ticket action an assignment or a priority change stands for. */
function actionFor(request: Exclude<BulkRequest, { action: 'resolve_duplicate' }>, actor: string): TicketAction {
  switch (request.action) {
    case 'assign': return { action: 'assign', actor, assignee: request.assignee };
    case 'change_priority': return { action: 'change_priority', actor, priority: request.priority, reason: request.reason };
  }
}

async function read<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new UnavailableError(err);
  }
}

/**
 * Runs the request on each ticket in turn. A resolve as duplicate merges each into the ticket
 * named, with mergeTicket's checks and refusals (into itself, into a merged or finished ticket).
 */
export async function runBulk(deps: BulkDeps, viewer: BulkViewer, request: BulkRequest, describe: DescribeError): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (const number of request.numbers) {
    try {
      if (request.action === 'resolve_duplicate') {
        const { source } = await mergeTicket(deps, number, request.duplicateOf, { actor: viewer.email, reason: request.note });
        results.push({ number, ok: true, status: source.status });
        continue;
      }
      const ticket = await read(() => deps.tickets.get(number));
      if (!ticket) throw new NotFoundError('errors.ticketNotFound', { number });
      const after = await performTicketAction(deps, { number, rulesVersion: ticket.rulesVersion }, actionFor(request, viewer.email));
      results.push({ number, ok: true, status: after.status });
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      results.push({ number, ok: false, error: { code: err.code, message: describe(err) } });
    }
  }
  return results;
}
