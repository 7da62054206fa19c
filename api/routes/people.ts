/**
 * People and teams through the REST API (docs/people.md), for process owners and admins: the
 * same use cases and checks as the admin pages (services/people/). Every route answers 403 to
 * anyone else before it reads its input. Answers carry staff addresses and enrolment codes:
 * never cached (api/transport.ts).
 */
import { Router, type Request, type Response } from 'express';
import type { ApiTokensRepo } from '../../db/api-tokens-repo.ts';
import { filterFrom, PEOPLE_MANAGERS, type People, type PeopleActor } from '../../services/people/index.ts';
import { apiUser, authenticateApi } from '../auth.ts';
import { HttpError } from '../errors.ts';

export interface PeopleRoutesDeps {
  apiTokens: ApiTokensRepo;
  /** Without it, the routes answer 404. */
  people?: People;
}

/** A person's id from the address; 404 for anything that is not one. */
function idParam(value: unknown): number {
  if (typeof value !== 'string' || !/^\d{1,12}$/.test(value)) throw new HttpError(404, 'NOT_FOUND', 'admin-people:errors.noPerson', { id: String(value) });
  return Number(value);
}

export function peopleRoutes(deps: PeopleRoutesDeps): Router {
  const router = Router();
  const authenticated = authenticateApi(deps.apiTokens);

  // The ticket routes before these may have authenticated the caller already.
  router.use('/people', (req, res, next) => (res.locals.apiUser ? next() : authenticated(req, res, next)));
  router.use('/people', (_req, res, next) => {
    if (!(PEOPLE_MANAGERS as readonly string[]).includes(apiUser(res).role)) throw new HttpError(403, 'FORBIDDEN', 'admin-people:errors.forbidden');
    next();
  });

  const people = (): People => {
    if (!deps.people) throw new HttpError(404, 'NOT_FOUND', 'errors.notFound');
    return deps.people;
  };
  const by = (res: Response): PeopleActor => ({ userId: apiUser(res).id });

  router.get('/people', async (req: Request, res: Response) => {
    const filter = filterFrom(req.query as Record<string, unknown>);
    const [list, teams] = await Promise.all([people().list(by(res), filter), people().teams()]);
    res.json({ people: list, teams });
  });

  router.post('/people', async (req: Request, res: Response) => {
    const made = await people().add(by(res), req.body);
    res.status(201).location(`/api/v1/people/${made.person.id}`).json(made);
  });

  router.get('/people/:id', async (req: Request, res: Response) => {
    res.json(await people().get(by(res), idParam(req.params.id)));
  });

  router.patch('/people/:id', async (req: Request, res: Response) => {
    const done = await people().change(by(res), idParam(req.params.id), req.body);
    res.json(done.person);
  });

  router.post('/people/:id/enrolment-codes', async (req: Request, res: Response) => {
    res.status(201).json(await people().issueEnrolmentCode(by(res), idParam(req.params.id)));
  });

  return router;
}
