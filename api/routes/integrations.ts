/**
 * Integrations through the REST API (docs/webhooks.md, docs/notification-preferences.md): the
 * admins' webhook endpoints (list, register, read with the delivery log, change, enable or
 * disable, delete, replay a delivery), SMS alerts and duty managers — the same use cases and checks
 * as /admin/integrations (services/webhooks/admin.ts), admins only, refused before the input is
 * read; and each staff member's own notification settings (`/me/notifications`, any staff role,
 * their own only). Answers carry signing secrets and phone numbers: never cached (api/transport.ts).
 */
import { Router, type Request, type Response } from 'express';
import type { ApiTokensRepo } from '../../db/api-tokens-repo.ts';
import type { WebhookEndpoint } from '../../db/webhooks-repo.ts';
import { isStaffRole } from '../../db/users-repo.ts';
import type { Integrations } from '../../services/webhooks/admin.ts';
import type { NotificationSettings } from '../../services/notifications/settings.ts';
import { apiUser, authenticateApi } from '../auth.ts';
import { HttpError, ValidationError } from '../errors.ts';

export interface IntegrationRoutesDeps {
  apiTokens: ApiTokensRepo;
  /** Without it, the integration routes answer 404. */
  integrations?: Integrations | undefined;
  notificationSettings?: NotificationSettings | undefined;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function idParam(value: unknown, key: string): number {
  if (typeof value !== 'string' || !/^\d{1,12}$/.test(value)) throw new HttpError(404, 'NOT_FOUND', key, { id: String(value) });
  return Number(value);
}

/** An endpoint as the API shows it. */
export const endpointJson = (e: WebhookEndpoint) => ({
  id: e.id, name: e.name, url: e.url, format: e.format, events: e.events, language: e.language, secret: e.secret,
  enabled: e.disabledAt === null, createdAt: e.createdAt, disabledAt: e.disabledAt, disabledReason: e.disabledReason,
});

export function integrationApiRoutes(deps: IntegrationRoutesDeps): Router {
  const router = Router();
  const authenticated = authenticateApi(deps.apiTokens);
  const signedIn = (req: Request, res: Response, next: () => void) => (res.locals.apiUser ? next() : authenticated(req, res, next));
  router.use(['/integrations', '/me/notifications'], signedIn);
  router.use('/integrations', (_req, res, next) => {
    if (apiUser(res).role !== 'admin') throw new HttpError(403, 'FORBIDDEN', 'admin-integrations:errors.forbidden');
    next();
  });
  router.use('/me/notifications', (_req, res, next) => {
    if (!isStaffRole(apiUser(res).role)) throw new HttpError(403, 'FORBIDDEN', 'staff-notifications:forbidden');
    next();
  });

  const service = (): Integrations => {
    if (!deps.integrations) throw new HttpError(404, 'NOT_FOUND', 'errors.notFound');
    return deps.integrations;
  };
  const by = (res: Response) => ({ id: apiUser(res).id });
  const endpointId = (req: Request) => idParam(req.params.id, 'admin-integrations:errors.noEndpoint');

  router.get('/integrations/webhooks', async (_req, res) => {
    res.json({ endpoints: (await service().endpoints()).map(endpointJson) });
  });

  router.post('/integrations/webhooks', async (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const id = await service().addEndpoint({ name: str(b.name), url: str(b.url), format: str(b.format), events: strings(b.events), language: str(b.language) || 'en' }, by(res));
    res.status(201).location(`/api/v1/integrations/webhooks/${id}`).json(endpointJson(await service().endpoint(id)));
  });

  router.get('/integrations/webhooks/:id', async (req, res) => {
    const id = endpointId(req);
    const e = await service().endpoint(id);
    res.json({ ...endpointJson(e), deliveries: await service().log(id) });
  });

  router.patch('/integrations/webhooks/:id', async (req, res) => {
    const id = endpointId(req);
    const b = (req.body ?? {}) as Record<string, unknown>;
    const e = await service().endpoint(id);
    if (b.name !== undefined || b.events !== undefined || b.language !== undefined) {
      await service().updateEndpoint(id, { name: b.name === undefined ? e.name : str(b.name), events: b.events === undefined ? e.events : strings(b.events), language: b.language === undefined ? e.language : str(b.language) }, by(res));
    }
    if (b.enabled !== undefined && typeof b.enabled !== 'boolean') throw new ValidationError([{ field: 'enabled', key: 'integrations.enabled' }]);
    if (typeof b.enabled === 'boolean') await service().setEnabled(id, b.enabled, by(res));
    res.json(endpointJson(await service().endpoint(id)));
  });

  router.delete('/integrations/webhooks/:id', async (req, res) => {
    await service().removeEndpoint(endpointId(req), by(res));
    res.status(204).end();
  });

  router.post('/integrations/webhooks/:id/deliveries/:delivery/replay', async (req, res) => {
    const replay = await service().replay(endpointId(req), idParam(req.params.delivery, 'admin-integrations:errors.noDelivery'), by(res));
    res.status(202).json({ delivery: replay });
  });

  router.get('/integrations/sms-alerts', async (_req, res) => {
    res.json({ alerts: await service().smsAlerts() });
  });

  router.post('/integrations/sms-alerts', async (req, res) => {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const id = await service().addSmsAlert({ kinds: strings(b.kinds), priorities: strings(b.priorities), roles: strings(b.roles) }, by(res));
    res.status(201).json((await service().smsAlerts()).find((a) => a.id === id));
  });

  router.delete('/integrations/sms-alerts/:id', async (req, res) => {
    await service().removeSmsAlert(idParam(req.params.id, 'admin-integrations:errors.noAlert'), by(res));
    res.status(204).end();
  });

  router.get('/integrations/duty-managers', async (_req, res) => {
    res.json({ dutyManagers: (await service().dutyRoster()).filter((r) => r.dutyManager).map((r) => ({ id: r.user.id, displayName: r.user.displayName, hasPhone: r.hasPhone })) });
  });

  router.put('/integrations/duty-managers', async (req, res) => {
    const ids = (req.body as { users?: unknown } | undefined)?.users;
    await service().setDutyManagers(Array.isArray(ids) ? ids.map((x) => (Number.isInteger(x) ? (x as number) : -1)) : [-1], by(res));
    res.json({ dutyManagers: (await service().dutyRoster()).filter((r) => r.dutyManager).map((r) => ({ id: r.user.id, displayName: r.user.displayName, hasPhone: r.hasPhone })) });
  });

  const own = (): NotificationSettings => {
    if (!deps.notificationSettings) throw new HttpError(404, 'NOT_FOUND', 'errors.notFound');
    return deps.notificationSettings;
  };

  router.get('/me/notifications', async (_req, res) => {
    res.json(await own().get(apiUser(res).id));
  });

  router.put('/me/notifications', async (req, res) => {
    const b = (req.body ?? {}) as { phone?: unknown; choices?: unknown };
    const choices = b.choices && typeof b.choices === 'object' && !Array.isArray(b.choices) ? Object.fromEntries(Object.entries(b.choices as Record<string, unknown>).map(([k, v]) => [k, str(v) || 'invalid'])) : {};
    // Without `phone`, the number stays as it is; null or "" clears it.
    const phone = b.phone === undefined ? ((await own().get(apiUser(res).id)).phone ?? '') : b.phone === null ? '' : str(b.phone);
    await own().save(apiUser(res).id, { phone, choices });
    res.json(await own().get(apiUser(res).id));
  });

  return router;
}
