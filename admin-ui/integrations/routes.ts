/**
 * The admins' integrations page (/admin/integrations, docs/webhooks.md), admins only: webhook
 * endpoints (register, change, enable and disable, delete; each endpoint's signing secret and its
 * delivery log with every attempt, and a replay button per delivery), SMS alerts, and the duty
 * managers. The use cases and their checks are services/webhooks/admin.ts; a refused form is shown
 * again with each problem beside its field (422), nothing saved.
 */
import { Router, type Request, type Response } from 'express';
import { formBody, text, type FormBody } from '../../api/portal/forms.ts';
import { folderPages } from '../../api/staff/pages.ts';
import { NotFoundError, ValidationError, type FieldProblem } from '../../services/errors.ts';
import type { Integrations } from '../../services/webhooks/admin.ts';
import type { AdminDeps, AdminGuards } from '../types.ts';
import { endpointModel, homeModel, type HomeForms } from './view.ts';

/** Who may manage integrations: they send the helpdesk's events out of it. */
export const INTEGRATION_ADMINS = ['admin'] as const;

const pages = folderPages({ views: new URL('./views/', import.meta.url), prefix: 'admin-integrations', helpers: { ai: 'admin-integrations', at: 'admin' } });

/** A form's repeated checkbox as a list of strings. */
const many = (body: FormBody, name: string): string[] => {
  const v = body[name];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
};

const idParam = (req: Request, name: string, key: string): number => {
  const id = String(req.params[name] ?? '');
  if (!/^\d{1,12}$/.test(id)) throw new NotFoundError(key, { id });
  return Number(id);
};

export function integrationRoutes(deps: AdminDeps, { access, requireCsrf }: AdminGuards): Router {
  const router = Router();
  const admins = access.requireStaff(INTEGRATION_ADMINS);
  router.use('/admin', (req, res, next) => {
    res.locals.integrationsLink = req.staffUser?.role === 'admin' && deps.integrations !== undefined;
    next();
  });
  router.get('/admin/integrations', admins, (req, res) => home(req, res));
  router.post('/admin/integrations/webhooks', formBody, requireCsrf, admins, addEndpoint);
  router.get('/admin/integrations/webhooks/:id', admins, (req, res) => endpoint(req, res));
  router.post('/admin/integrations/webhooks/:id', formBody, requireCsrf, admins, changeEndpoint);
  router.post('/admin/integrations/webhooks/:id/state', formBody, requireCsrf, admins, setState);
  router.post('/admin/integrations/webhooks/:id/delete', formBody, requireCsrf, admins, removeEndpoint);
  router.post('/admin/integrations/webhooks/:id/deliveries/:delivery/replay', formBody, requireCsrf, admins, replay);
  router.post('/admin/integrations/sms-alerts', formBody, requireCsrf, admins, addAlert);
  router.post('/admin/integrations/sms-alerts/:id/delete', formBody, requireCsrf, admins, removeAlert);
  router.post('/admin/integrations/duty-managers', formBody, requireCsrf, admins, setDuty);
  return router;

  function service(): Integrations {
    if (!deps.integrations) throw new NotFoundError();
    return deps.integrations;
  }
  function by(req: Request) {
    return { id: req.staffUser!.id };
  }

  async function home(req: Request, res: Response, status = 200, forms: HomeForms = {}) {
    const s = service();
    const [endpoints, alerts, roster] = await Promise.all([s.endpoints(), s.smsAlerts(), s.dutyRoster()]);
    const t = pages.words(deps, req);
    pages.render(deps, req, res, 'home', { title: t('title'), ...homeModel(t, { endpoints, alerts, roster, smsGateway: deps.smsGateway, forms, saved: typeof req.query.saved === 'string' ? req.query.saved : undefined }) }, status);
  }

  async function endpoint(req: Request, res: Response, status = 200, extra: { problems?: FieldProblem[]; values?: Record<string, unknown>; notice?: string } = {}) {
    const s = service();
    const id = idParam(req, 'id', 'admin-integrations:errors.noEndpoint');
    const e = await s.endpoint(id);
    const log = await s.log(id);
    const t = pages.words(deps, req);
    const notice = extra.notice ?? (typeof req.query.done === 'string' ? req.query.done : undefined);
    pages.render(deps, req, res, 'endpoint', { title: t('endpoint.title', { name: e.name }), ...endpointModel(t, req, e, log, extra.problems ?? [], extra.values, notice) }, status);
  }

  /** Runs a change; a ValidationError shows `again` with the problems (422 unless the error says otherwise). */
  async function refusedOr(run: () => Promise<void>, again: (problems: FieldProblem[], status: number) => Promise<void>) {
    try {
      await run();
    } catch (err) {
      if (err instanceof ValidationError) return again(err.fields, err.status);
      throw err;
    }
  }

  async function addEndpoint(req: Request, res: Response) {
    const body = req.body as FormBody;
    const input = { name: text(body, 'name'), url: text(body, 'url'), format: text(body, 'format'), language: text(body, 'language'), events: many(body, 'events') };
    await refusedOr(async () => {
      const id = await service().addEndpoint(input, by(req));
      res.redirect(303, `/admin/integrations/webhooks/${id}`);
    }, (problems, status) => home(req, res, status, { endpoint: { problems, values: input } }));
  }

  async function changeEndpoint(req: Request, res: Response) {
    const id = idParam(req, 'id', 'admin-integrations:errors.noEndpoint');
    const body = req.body as FormBody;
    const input = { name: text(body, 'name'), language: text(body, 'language'), events: many(body, 'events') };
    await refusedOr(async () => {
      await service().updateEndpoint(id, input, by(req));
      res.redirect(303, `/admin/integrations/webhooks/${id}?done=saved`);
    }, (problems, status) => endpoint(req, res, status, { problems, values: input }));
  }

  async function setState(req: Request, res: Response) {
    const id = idParam(req, 'id', 'admin-integrations:errors.noEndpoint');
    await service().setEnabled(id, text(req.body as FormBody, 'enabled') === 'true', by(req));
    res.redirect(303, `/admin/integrations/webhooks/${id}?done=stateChanged`);
  }

  async function removeEndpoint(req: Request, res: Response) {
    const id = idParam(req, 'id', 'admin-integrations:errors.noEndpoint');
    await service().removeEndpoint(id, by(req));
    res.redirect(303, '/admin/integrations?saved=deleted');
  }

  async function replay(req: Request, res: Response) {
    const id = idParam(req, 'id', 'admin-integrations:errors.noEndpoint');
    const delivery = idParam(req, 'delivery', 'admin-integrations:errors.noDelivery');
    await refusedOr(async () => {
      await service().replay(id, delivery, by(req));
      res.redirect(303, `/admin/integrations/webhooks/${id}?done=replayed`);
    }, (problems, status) => endpoint(req, res, status, { problems }));
  }

  async function addAlert(req: Request, res: Response) {
    const body = req.body as FormBody;
    const input = { kinds: many(body, 'kinds'), priorities: many(body, 'priorities'), roles: many(body, 'roles') };
    await refusedOr(async () => {
      await service().addSmsAlert(input, by(req));
      res.redirect(303, '/admin/integrations?saved=alert#sms-heading');
    }, (problems, status) => home(req, res, status, { alert: { problems, values: input } }));
  }

  async function removeAlert(req: Request, res: Response) {
    await service().removeSmsAlert(idParam(req, 'id', 'admin-integrations:errors.noAlert'), by(req));
    res.redirect(303, '/admin/integrations?saved=alertRemoved#sms-heading');
  }

  async function setDuty(req: Request, res: Response) {
    const ids = many(req.body as FormBody, 'dutyManagers');
    await refusedOr(async () => {
      await service().setDutyManagers(ids.filter((x) => /^\d{1,12}$/.test(x)).map(Number).concat(ids.some((x) => !/^\d{1,12}$/.test(x)) ? [-1] : []), by(req));
      res.redirect(303, '/admin/integrations?saved=duty#duty-heading');
    }, (problems, status) => home(req, res, status, { duty: { problems } }));
  }
}

