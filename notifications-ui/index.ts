/**
 * A staff member's notification settings (/staff/notifications, docs/notification-preferences.md):
 * every staff role, each for themselves only (the signed-in user's own row; no id in the
 * address). Their phone number for SMS, whether they are a duty manager (set by an admin, shown
 * here), and per kind of notification how they are told: as the helpdesk decides (mail, and SMS
 * where an admin's alert says), by mail, by SMS, in a digest, or not at all. A refused form is shown
 * again with each problem beside its field (422), nothing saved.
 */
import { Router, type Request, type Response } from 'express';
import { formBody, text, type FormBody } from '../api/portal/forms.ts';
import { folderPages } from '../api/staff/pages.ts';
import type { StaffGuards } from '../api/staff/guards.ts';
import { STAFF_ROLES, type StaffDeps } from '../api/staff/types.ts';
import { ValidationError, type FieldProblem } from '../services/errors.ts';
import { STAFF_NOTIFICATION_KINDS } from '../services/notifications/kinds.ts';
import type { ChoiceOrDefault, NotificationSettings } from '../services/notifications/settings.ts';
import { durationWords } from './words.ts';

const pages = folderPages({ views: new URL('./views/', import.meta.url), prefix: 'staff', helpers: { sn: 'staff-notifications' } });

const CHOICES: readonly ChoiceOrDefault[] = ['default', 'mail', 'sms', 'digest', 'none'];

export function notificationSettingsPages(deps: StaffDeps, { access, requireCsrf }: StaffGuards): Router {
  const router = Router();
  const staff = access.requireStaff(STAFF_ROLES);
  router.get('/staff/notifications', staff, (req, res) => page(req, res));
  router.post('/staff/notifications', formBody, requireCsrf, staff, save);
  return router;

  function service(): NotificationSettings | undefined {
    return deps.notificationSettings;
  }

  async function page(req: Request, res: Response, status = 200, refused?: { problems: FieldProblem[]; phone: string; choices: Record<string, string> }) {
    const t = pages.words(deps, req);
    const s = service();
    if (!s) return pages.render(deps, req, res, 'notifications-off', { title: t('title') }, 404);
    const own = await s.get(req.staffUser!.id);
    const chosen = refused?.choices ?? own.choices;
    const problems = (refused?.problems ?? []).map((p) => ({ field: p.field, text: t(`api:field.${p.key}`), fieldId: p.field === 'phone' ? 'phone' : `${p.field}-default` }));
    const byField = Object.fromEntries(problems.map((p) => [p.field, p.text]));
    pages.render(deps, req, res, 'notifications', {
      title: t('title'),
      phone: refused ? refused.phone : (own.phone ?? ''),
      dutyManager: own.dutyManager,
      smsGateway: deps.smsGateway !== undefined,
      digestEvery: durationWords(deps.digestIntervalMs ?? 3_600_000, t),
      saved: req.query.saved === '1',
      problems, byField,
      kinds: STAFF_NOTIFICATION_KINDS.map((k) => ({
        kind: k, label: t(`kinds.${k}`), problem: byField[`choice-${k}`],
        choices: CHOICES.map((c) => ({ value: c, label: t(`choices.${c}`), checked: (chosen[k] ?? 'default') === c, id: `choice-${k}-${c}` })),
      })),
    }, status);
  }

  async function save(req: Request, res: Response) {
    const s = service();
    if (!s) return page(req, res);
    const body = req.body as FormBody;
    const input = { phone: text(body, 'phone'), choices: Object.fromEntries(STAFF_NOTIFICATION_KINDS.map((k) => [k, text(body, `choice-${k}`) || 'default'])) };
    try {
      await s.save(req.staffUser!.id, input);
    } catch (err) {
      if (err instanceof ValidationError) return page(req, res, 422, { problems: err.fields, ...input });
      throw err;
    }
    res.redirect(303, '/staff/notifications?saved=1');
  }
}
