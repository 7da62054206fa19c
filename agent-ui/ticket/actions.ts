/**
 * The ticket page's action forms: which ones the ticket's status allows (workflows/lifecycle.ts
 * ALLOWED_IN, the table the workflow's own validators read), and a form sent → the TicketAction
 * the REST API would send for the same body (api/schemas.ts actionBodies, checked by the same
 * validator), performed through services/tickets/ (performTicketAction). A refused action (409)
 * or a bad field (422) comes back as a ServiceError and nothing was sent or changed.
 *
 * `take` is the agent assigning the ticket to themselves; every other form is one lifecycle action.
 */
import type { TicketRecord } from '../../db/tickets-repo.ts';
import type { UserRecord } from '../../db/users-repo.ts';
import type { FormBody } from '../../api/portal/forms.ts';
import { actionBodies } from '../../api/schemas.ts';
import { performTicketAction, type ActionDeps, type ArgumentDeps } from '../../services/tickets/index.ts';
import { validate } from '../../services/validation.ts';
import { ALLOWED_IN } from '../../workflows/lifecycle.ts';
import { ResolutionCode, type TicketAction, type TicketActionName, type TicketSnapshot } from '../../workflows/types.ts';

/** The page's forms, in the order they stand on the page (and in the Tab order). */
export const FORM_ACTIONS = [
  'take', 'assign', 'start', 'respond', 'comment', 'set_pending', 'resume', 'resolve', 'change_priority', 'escalate', 'deescalate', 'cancel',
] as const;
export type FormAction = (typeof FORM_ACTIONS)[number];

export const isFormAction = (a: unknown): a is FormAction => typeof a === 'string' && (FORM_ACTIONS as readonly string[]).includes(a);

/** The lifecycle action a form sends. */
export const lifecycleAction = (a: FormAction): TicketActionName => (a === 'take' ? 'assign' : a);

export const PRIORITIES = ['P1', 'P2', 'P3', 'P4'] as const;
export const RESOLUTION_CODES = Object.values(ResolutionCode);

/** The fields each form has, in the form's order (the names the API's bodies use). */
const FIELDS: Record<FormAction, readonly string[]> = {
  take: [],
  assign: ['assignee'],
  start: [],
  respond: ['message'],
  comment: ['message'],
  set_pending: ['reason'],
  resume: ['reason'],
  resolve: ['code', 'note'],
  change_priority: ['priority', 'reason'],
  escalate: ['tier', 'reason'],
  deescalate: ['tier', 'reason'],
  cancel: ['reason'],
};

/** The forms the ticket's status allows; `take` only while someone else (or no one) holds it. */
export function allowedForms(ticket: Pick<TicketRecord, 'status' | 'assignee'>, me: string): FormAction[] {
  return FORM_ACTIONS.filter((a) => ALLOWED_IN[lifecycleAction(a)].includes(ticket.status) && !(a === 'take' && ticket.assignee === me));
}

/** The form's fields as the API's body: strings only, an optional field left empty is left out. */
export function fieldsOf(action: FormAction, body: FormBody): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FIELDS[action]) {
    const v = body[name];
    if (typeof v === 'string' && v !== '') out[name] = v;
    // A required field left empty is still sent, so the validator names it.
    else if (typeof v === 'string' && (name === 'message' || name === 'reason')) out[name] = v;
  }
  return out;
}

/** The TicketAction a form stands for, checked as the API checks its body (422 naming each bad field). */
export function actionOf(action: FormAction, body: FormBody, me: UserRecord): TicketAction {
  const fields = action === 'take' ? { assignee: me.email } : fieldsOf(action, body);
  const name = lifecycleAction(action);
  const checked = validate<Omit<TicketAction, 'action' | 'actor'>>(actionBodies[name], fields);
  return { ...checked, action: name, actor: me.email } as TicketAction;
}

/** Performs a form's action on the ticket; the ticket as the workflow has it after. */
export async function performForm(deps: ActionDeps & ArgumentDeps, ticket: TicketRecord, action: FormAction, body: FormBody, me: UserRecord): Promise<TicketSnapshot> {
  // A form the page no longer offers (the ticket changed meanwhile) is the workflow's to refuse: one decision, in one place.
  return performTicketAction(deps, { number: ticket.number, rulesVersion: ticket.rulesVersion }, actionOf(action, body, me));
}
