/**
 * What the integrations pages show (admin-ui/integrations/routes.ts), in the viewer's words: the
 * endpoints, the SMS alerts and the duty roster with their forms, and one endpoint with its secret
 * and delivery log. Dates in the viewer's language and time zone.
 */
import type { Request } from 'express';
import type { TFunction } from 'i18next';
import { formatDateTime } from '../../api/portal/format.ts';
import { viewerOf } from '../../api/portal/pages.ts';
import type { WebhookAttempt, WebhookDelivery, WebhookEndpoint } from '../../db/webhooks-repo.ts';
import type { SmsAlert } from '../../db/notification-settings-repo.ts';
import type { StaffRecord } from '../../db/users-repo.ts';
import type { FieldProblem } from '../../services/errors.ts';
import { LANGUAGES } from '../../services/languages.ts';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_FORMATS } from '../../services/webhooks/admin.ts';
import { ALERT_ROLES, STAFF_NOTIFICATION_KINDS } from '../../services/notifications/kinds.ts';
import { PRIORITIES } from '../../rules/types.ts';

/** A refused form: its problems and what was typed. */
export interface RefusedForm {
  problems: FieldProblem[];
  values?: Record<string, unknown>;
}

export interface HomeForms {
  endpoint?: RefusedForm;
  alert?: RefusedForm;
  duty?: RefusedForm;
}

/** The problems of a form as the page lists them (each linking to its field) and by field. */
export function problemsOf(t: TFunction, form: RefusedForm | undefined, prefix: string) {
  const problems = (form?.problems ?? []).map((p) => ({ text: t(`api:field.${p.key}`, p.params ?? {}), fieldId: `${prefix}-${p.field}`, field: p.field }));
  return { problems, byField: Object.fromEntries(problems.map((p) => [p.field, p.text])) };
}

const listOf = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

/** The event types as checkboxes, those in `ticked` ticked. */
function eventChoices(t: TFunction, ticked: string[]) {
  return [
    { value: '*', label: t('allEvents'), checked: ticked.includes('*'), id: 'event-all' },
    ...WEBHOOK_EVENT_TYPES.map((e) => ({ value: e, label: `ticket.${e}`, checked: ticked.includes(e), id: `event-${e}` })),
  ];
}

const languageChoices = (t: TFunction, chosen: string) => LANGUAGES.map((l) => ({ value: l, label: t(`languages.${l}`), selected: l === chosen }));

export function homeModel(t: TFunction, m: { endpoints: WebhookEndpoint[]; alerts: SmsAlert[]; roster: Array<{ user: StaffRecord; dutyManager: boolean; hasPhone: boolean }>; smsGateway: string | undefined; forms: HomeForms; saved: string | undefined }) {
  const ev = m.forms.endpoint?.values ?? {};
  const av = m.forms.alert?.values ?? {};
  return {
    endpoints: m.endpoints.map((e) => ({
      id: e.id, name: e.name, href: `/admin/integrations/webhooks/${e.id}`, format: t(`formats.${e.format}`), host: hostOf(e.url),
      events: e.events.includes('*') ? t('allEvents') : t('webhooks.eventCount', { count: e.events.length }), enabled: e.disabledAt === null,
    })),
    endpointForm: {
      ...problemsOf(t, m.forms.endpoint, 'endpoint'),
      values: { name: str(ev.name), url: str(ev.url) },
      formats: WEBHOOK_FORMATS.map((f) => ({ value: f, label: t(`formats.${f}`), selected: f === str(ev.format, 'standard') })),
      languages: languageChoices(t, str(ev.language, 'en')),
      events: eventChoices(t, m.forms.endpoint ? listOf(ev.events) : []),
    },
    smsGateway: m.smsGateway,
    alerts: m.alerts.map((a) => ({
      id: a.id,
      kinds: a.kinds.map((k) => t(`kinds.${k}`, { defaultValue: k })).join(', '),
      priorities: a.priorities.length ? a.priorities.join(', ') : t('sms.anyPriority'),
      roles: a.roles.map((r) => t(`roles.${r}`, { defaultValue: r })).join(', '),
    })),
    alertForm: {
      ...problemsOf(t, m.forms.alert, 'alert'),
      kinds: STAFF_NOTIFICATION_KINDS.map((k) => ({ value: k, label: t(`kinds.${k}`), checked: listOf(av.kinds).includes(k), id: `alert-kind-${k}` })),
      priorities: PRIORITIES.map((p) => ({ value: p, label: p, checked: listOf(av.priorities).includes(p), id: `alert-priority-${p}` })),
      roles: ALERT_ROLES.map((r) => ({ value: r, label: t(`roles.${r}`), checked: listOf(av.roles).includes(r), id: `alert-role-${r}` })),
    },
    duty: {
      ...problemsOf(t, m.forms.duty, 'duty'),
      people: m.roster.map((r) => ({ id: r.user.id, name: r.user.displayName, role: r.user.role, checked: r.dutyManager, phone: r.hasPhone ? t('duty.hasPhone') : t('duty.noPhone') })),
    },
    saved: m.saved && ['deleted', 'alert', 'alertRemoved', 'duty'].includes(m.saved) ? m.saved : undefined,
  };
}

function hostOf(url: string): string {
  return URL.canParse(url) ? new URL(url).host : url;
}

function attemptText(t: TFunction, req: Request, a: WebhookAttempt): string {
  const { language, timeZone } = viewerOf(req);
  const outcome = a.statusCode !== null ? t('endpoint.attemptStatus', { status: a.statusCode, ms: a.durationMs ?? 0 }) : t('endpoint.attemptFailed');
  return t('endpoint.attempt', { at: formatDateTime(a.attemptedAt, language, timeZone), outcome });
}

export function endpointModel(t: TFunction, req: Request, e: WebhookEndpoint, log: Array<WebhookDelivery & { attemptLog: WebhookAttempt[] }>, problems: FieldProblem[], values: Record<string, unknown> | undefined, notice: string | undefined) {
  const { language, timeZone } = viewerOf(req);
  const v = values ?? {};
  return {
    endpoint: {
      id: e.id, name: e.name, url: e.url, format: t(`formats.${e.format}`), signed: e.format === 'standard', secret: e.secret, enabled: e.disabledAt === null,
      disabledReason: e.disabledReason ? t(`endpoint.disabledReasons.${e.disabledReason}`) : null, created: formatDateTime(e.createdAt, language, timeZone), createdAt: e.createdAt, language: t(`languages.${e.language}`),
      events: e.events.map((x) => (x === '*' ? t('allEvents') : `ticket.${x}`)).join(', '),
    },
    form: {
      ...problemsOf(t, { problems }, 'endpoint'),
      name: values ? str(v.name) : e.name,
      languages: languageChoices(t, values ? str(v.language) : e.language),
      events: eventChoices(t, values ? listOf(v.events) : e.events),
    },
    deliveries: log.map((d) => ({
      id: d.id, ticket: d.ticketNumber, ticketHref: `/agent/tickets/${d.ticketNumber}`, event: `ticket.${d.eventType}`, status: d.status, statusText: t(`endpoint.statuses.${d.status}`),
      written: formatDateTime(d.createdAt, language, timeZone), writtenAt: d.createdAt, attempts: d.attempts, replayOf: d.replayOf,
      attemptLog: d.attemptLog.map((a) => ({ text: attemptText(t, req, a), error: a.error })),
      replayHref: `/admin/integrations/webhooks/${e.id}/deliveries/${d.id}/replay`,
    })),
    doneText: notice && ['saved', 'stateChanged', 'replayed'].includes(notice) ? t(`endpoint.${notice}`) : undefined,
  };
}
