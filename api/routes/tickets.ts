import { Router, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import { TICKET_NUMBER_PATTERN, type TicketsRepo } from '../../db/tickets-repo.ts';
import { TICKET_ACTIONS, type RequesterReply, type TicketAction, type TicketActionName } from '../../workflows/types.ts';
import { HttpError, NotFoundError, UnavailableError } from '../errors.ts';
import { actionBodies, reclassifyRequest, requesterReplyRequest } from '../schemas.ts';
import { validate } from '../validation.ts';
import { createTicket } from '../use-cases/create-ticket.ts';
import { performTicketAction, requestReclassification, sendRequesterReply } from '../use-cases/ticket-actions.ts';
import { ticketSla } from '../use-cases/ticket-sla.ts';

export interface TicketRoutesDeps {
  tickets: TicketsRepo;
  temporal: Client;
  taskQueue: string;
  ticketPrefix: string;
  intakeWaitMs: number;
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

  router.post('/tickets', async (req: Request, res: Response) => {
    const result = await createTicket(deps, req.body, { idempotencyKey: req.get('Idempotency-Key'), language: req.language });
    if (result.replayed) res.set('Idempotent-Replayed', 'true');
    if (result.kind === 'recorded') {
      res.status(201).location(`/api/v1/tickets/${result.ticket.number}`).json(result.ticket);
    } else {
      res.status(202).location(`/api/v1/tickets/${result.number}`).json({ number: result.number, status: 'accepted', message: req.t('accepted', { number: result.number }) });
    }
  });

  router.get('/tickets/:number', async (req: Request, res: Response) => {
    const number = ticketNumber(req);
    const ticket = await deps.tickets.get(number).catch((err: unknown) => {
      throw new UnavailableError(err);
    });
    if (!ticket) throw new NotFoundError('errors.ticketNotFound', { number });
    res.json(ticket);
  });

  router.get('/tickets/:number/sla', async (req: Request, res: Response) => {
    res.json(await ticketSla(deps, ticketNumber(req)));
  });

  router.post('/tickets/:number/actions/:action', async (req: Request, res: Response) => {
    const number = ticketNumber(req);
    const action = actionName(req);
    const fields = validate<Omit<TicketAction, 'action'>>(actionBodies[action], req.body);
    await performTicketAction(deps, number, { ...fields, action } as TicketAction);
    const ticket = await deps.tickets.get(number);
    res.json(ticket);
  });

  router.post('/tickets/:number/replies', async (req: Request, res: Response) => {
    const number = ticketNumber(req);
    const reply = validate<RequesterReply>(requesterReplyRequest, req.body);
    await sendRequesterReply(deps, number, reply);
    res.status(202).json({ number, status: 'accepted', message: req.t('replyAccepted', { number }) });
  });

  router.post('/tickets/:number/reclassify', async (req: Request, res: Response) => {
    const number = ticketNumber(req);
    const by = validate<{ actor: string; reason: string }>(reclassifyRequest, req.body);
    await requestReclassification(deps, number, by);
    res.status(202).json({ number, status: 'accepted', message: req.t('reclassifyAccepted', { number }) });
  });

  return router;
}
