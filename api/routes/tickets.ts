import { Router, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import { TICKET_NUMBER_PATTERN, type TicketsRepo } from '../../db/tickets-repo.ts';
import { HttpError, NotFoundError, UnavailableError } from '../errors.ts';
import { createTicket } from '../use-cases/create-ticket.ts';

export interface TicketRoutesDeps {
  tickets: TicketsRepo;
  temporal: Client;
  taskQueue: string;
  ticketPrefix: string;
  intakeWaitMs: number;
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
    const number = String(req.params.number);
    if (!TICKET_NUMBER_PATTERN.test(number)) throw new HttpError(400, 'BAD_TICKET_NUMBER', 'errors.badTicketNumber', { number });
    const ticket = await deps.tickets.get(number).catch((err: unknown) => {
      throw new UnavailableError(err);
    });
    if (!ticket) throw new NotFoundError('errors.ticketNotFound', { number });
    res.json(ticket);
  });

  return router;
}
