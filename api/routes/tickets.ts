import { Router, type Request, type Response } from 'express';
import type { ApiTokensRepo } from '../../db/api-tokens-repo.ts';
import { TICKET_NUMBER_PATTERN, type TicketRecord } from '../../db/tickets-repo.ts';
import { TICKET_ACTIONS, type TicketAction, type TicketActionName } from '../../workflows/types.ts';
import { assertCanRead, slaFor, ticketFor } from '../access.ts';
import { apiUser, assertCanAct, assertCanReclassify, assertCanReply, authenticateApi, requesterFor } from '../auth.ts';
import { HttpError, UnavailableError } from '../errors.ts';
import { actionBodies, reclassifyRequest, requesterReplyRequest } from '../schemas.ts';
import { validate } from '../../services/validation.ts';
import { createTicket, performTicketAction, requestReclassification, sendRequesterReply, ticketSla, type TicketDeps } from '../../services/tickets/index.ts';
import { accessReasonHeader, recordTicketRead, staffViewer } from '../../services/privacy/access-log.ts';
import type { PersonalDataRepos } from '../../services/privacy/export.ts';

/** The ticket service's deps, the tokens that say who calls, and the access log staff reads are recorded in. */
export interface TicketRoutesDeps extends TicketDeps {
  apiTokens: ApiTokensRepo;
  personalData: Pick<PersonalDataRepos, 'accessLog'>;
}

function ticketNumber(req: Request): string {
  const number = String(req.params.number);
  if (!TICKET_NUMBER_PATTERN.test(number)) throw new HttpError(400, 'BAD_TICKET_NUMBER', 'errors.badTicketNumber', { number });
  return number;
}

function actionName(req: Request): TicketActionName {
  const action = String(req.params.action);
  if (!(TICKET_ACTIONS as readonly string[]).includes(action)) throw new HttpError(404, 'UNKNOWN_ACTION', 'errors.unknownAction', { action, actions: TICKET_ACTIONS.join(', ') });
  return action as TicketActionName;
}

export function ticketRoutes(deps: TicketRoutesDeps): Router {
  const router = Router();

  /** The ticket, if the caller may see it; otherwise 404 as if it did not exist. */
  async function visibleTicket(req: Request, res: Response): Promise<TicketRecord> {
    const number = ticketNumber(req);
    const ticket = await deps.tickets.get(number).catch((err: unknown) => {
      throw new UnavailableError(err);
    });
    assertCanRead(apiUser(res), ticket, number);
    return ticket;
  }

  /**
   * A staff caller is about to get the ticket's personal data: recorded first, with the reason
   * of the X-Access-Reason header (docs/access-log.md); if it cannot be recorded, 503 and no answer.
   */
  async function recordStaffRead(res: Response, ticket: TicketRecord, reason: string | null): Promise<void> {
    await recordTicketRead(deps.personalData, staffViewer(apiUser(res)), ticket, { channel: 'api', reason });
  }

  router.use(authenticateApi(deps.apiTokens));

  // Intake's answer is the ticket the caller has just written (a replayed Idempotency-Key needs the same request): not an access-log read.
  router.post('/tickets', async (req: Request, res: Response) => {
    const user = apiUser(res);
    const body = req.body !== null && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};
    const requesterEmail = requesterFor(user, body.requesterEmail);
    const raw = Array.isArray(req.body) || typeof req.body !== 'object' ? req.body : { ...body, ...(requesterEmail ? { requesterEmail } : {}) };
    const result = await createTicket(deps, raw, { idempotencyKey: req.get('Idempotency-Key'), language: req.language, filedBy: user.email });
    if (result.replayed) res.set('Idempotent-Replayed', 'true');
    if (result.kind === 'recorded') {
      res.status(201).location(`/api/v1/tickets/${result.ticket.number}`).json(ticketFor(user, result.ticket));
    } else {
      res.status(202).location(`/api/v1/tickets/${result.number}`).json({ number: result.number, status: 'accepted', message: req.t('accepted', { number: result.number }) });
    }
  });

  router.get('/tickets/:number', async (req: Request, res: Response) => {
    const reason = accessReasonHeader(req.get('X-Access-Reason'));
    const ticket = await visibleTicket(req, res);
    await recordStaffRead(res, ticket, reason);
    res.json(ticketFor(apiUser(res), ticket));
  });

  // The clocks carry no personal data (targets, elapsed time, the policy and calendar): not an access-log read.
  router.get('/tickets/:number/sla', async (req: Request, res: Response) => {
    const ticket = await visibleTicket(req, res);
    res.json(slaFor(apiUser(res), await ticketSla(deps, ticket.number)));
  });

  router.post('/tickets/:number/actions/:action', async (req: Request, res: Response) => {
    const ticket = await visibleTicket(req, res);
    const action = actionName(req);
    const user = apiUser(res);
    assertCanAct(user, action);
    const fields = validate<Omit<TicketAction, 'action' | 'actor'>>(actionBodies[action], req.body);
    // The answer is the whole ticket: a staff caller's read is recorded before the action, so a failure changes nothing.
    await recordStaffRead(res, ticket, accessReasonHeader(req.get('X-Access-Reason')));
    const after = await performTicketAction(deps, ticket, { ...fields, action, actor: user.email } as TicketAction);
    // The read model has the action once the Update returns; if it cannot be read now, the
    // workflow's own snapshot answers (without the timeline) rather than a 500 after a success.
    const projected = await deps.tickets.get(ticket.number).catch(() => undefined);
    res.json(ticketFor(user, projected ?? { ...after, filedBy: after.filedBy ?? null, timeline: [] }));
  });

  router.post('/tickets/:number/replies', async (req: Request, res: Response) => {
    const ticket = await visibleTicket(req, res);
    const user = apiUser(res);
    assertCanReply(user, ticket);
    const { message } = validate<{ message: string }>(requesterReplyRequest, req.body);
    await sendRequesterReply(deps, ticket.number, { author: user.email, message });
    res.status(202).json({ number: ticket.number, status: 'accepted', message: req.t('replyAccepted', { number: ticket.number }) });
  });

  router.post('/tickets/:number/reclassify', async (req: Request, res: Response) => {
    const ticket = await visibleTicket(req, res);
    const user = apiUser(res);
    assertCanReclassify(user);
    const { reason } = validate<{ reason: string }>(reclassifyRequest, req.body);
    await requestReclassification(deps, ticket.number, { actor: user.email, reason });
    res.status(202).json({ number: ticket.number, status: 'accepted', message: req.t('reclassifyAccepted', { number: ticket.number }) });
  });

  return router;
}
