/**
 * The admins' integrations (admin-ui/integrations/, docs/webhooks.md): webhook endpoints —
 * registered with a name, an address checked against the SSRF policy, a format, the event types
 * they take and a language — their delivery logs, enabling and disabling, deleting, and the replay
 * of a delivery; the SMS alerts (which kinds of notification at which priorities reach which roles
 * by SMS too); and who the duty managers are. Each change is in the audit log, without the
 * endpoint's address or secret.
 */
import type { WebhookFormat, WebhooksRepo } from '../../db/webhooks-repo.ts';
import type { NotificationSettingsRepo } from '../../db/notification-settings-repo.ts';
import type { AuditEntryInput } from '../../db/audit-repo.ts';
import type { StaffRecord } from '../../db/users-repo.ts';
import { NotFoundError, ValidationError, type FieldProblem } from '../errors.ts';
import { LANGUAGES, type Language } from '../languages.ts';
import { checkDestination, type OutboundPolicy } from '../outbound/http.ts';
import { newWebhookSecret } from './delivery.ts';
import { PRIORITIES } from '../../rules/types.ts';
import { ALERT_ROLES, STAFF_NOTIFICATION_KINDS } from '../notifications/kinds.ts';

/** The ticket events an endpoint may take (`ticket.<type>` in a Standard Webhooks body). */
export const WEBHOOK_EVENT_TYPES = [
  'created', 'classified', 'reclassified', 'assigned', 'started', 'responded', 'commented', 'pending', 'requester_replied', 'resumed', 'resolved', 'closed',
  'reopened', 'cancelled', 'priority_changed', 'escalated', 'deescalated', 'escalation_notified', 'sla_warning', 'sla_breached', 'merged', 'merge_received', 'rated',
] as const;

export const WEBHOOK_FORMATS: readonly WebhookFormat[] = ['standard', 'slack', 'teams'];


export interface IntegrationsDeps {
  webhooks: WebhooksRepo;
  settings: NotificationSettingsRepo;
  users: { listStaff(filter: { active?: boolean }): Promise<StaffRecord[]> };
  audit: { append(entry: AuditEntryInput): Promise<void> };
  policy: OutboundPolicy;
  /** Starts delivery workflows (a replay). */
  start(deliveryIds: number[]): Promise<void>;
  /** DNS, replaceable in tests. */
  lookup?: (host: string) => Promise<string[]>;
}

export interface EndpointInput {
  name: string;
  url: string;
  format: string;
  events: string[];
  language: string;
}

const actor = (by: { id: number }) => `user:${by.id}`;

export function createIntegrations(deps: IntegrationsDeps) {
  const endpointOr404 = async (id: number) => {
    const e = await deps.webhooks.endpoint(id);
    if (!e) throw new NotFoundError('admin-integrations:errors.noEndpoint', { id });
    return e;
  };

  async function validEndpoint(input: EndpointInput, checkUrl: boolean): Promise<FieldProblem[]> {
    const problems: FieldProblem[] = [];
    const name = input.name.trim();
    if (!name || name.length > 100) problems.push({ field: 'name', key: 'integrations.name' });
    if (checkUrl) {
      const url = input.url.trim();
      const problem = url.length > 2000 ? { code: 'notUrl' as const } : await checkDestination(url, deps.policy, deps.lookup);
      if (problem) problems.push({ field: 'url', key: `integrations.url.${problem.code}`, params: 'host' in problem ? { host: problem.host } : {} });
      if (!(WEBHOOK_FORMATS as readonly string[]).includes(input.format)) problems.push({ field: 'format', key: 'integrations.format' });
    }
    const events = [...new Set(input.events)];
    if (!events.length || events.some((e) => e !== '*' && !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e))) problems.push({ field: 'events', key: 'integrations.events' });
    if (!(LANGUAGES as readonly string[]).includes(input.language)) problems.push({ field: 'language', key: 'integrations.language' });
    return problems;
  }

  return {
    endpoints: () => deps.webhooks.endpoints(),
    endpoint: endpointOr404,
    log: (id: number) => deps.webhooks.log(id),

    async addEndpoint(input: EndpointInput, by: { id: number }): Promise<number> {
      const problems = await validEndpoint(input, true);
      if (problems.length) throw new ValidationError(problems);
      const events = [...new Set(input.events)];
      const id = await deps.webhooks.create({ name: input.name.trim(), url: input.url.trim(), format: input.format as WebhookFormat, events, language: input.language as Language, secret: newWebhookSecret(), createdBy: actor(by) });
      await deps.audit.append({ actor: actor(by), action: 'webhook.registered', subject: `webhook:${id}`, details: { format: input.format, events } });
      return id;
    },

    async updateEndpoint(id: number, input: Omit<EndpointInput, 'url' | 'format'>, by: { id: number }): Promise<void> {
      await endpointOr404(id);
      const problems = await validEndpoint({ ...input, url: '', format: '' }, false);
      if (problems.length) throw new ValidationError(problems);
      const events = [...new Set(input.events)];
      await deps.webhooks.update(id, { name: input.name.trim(), events, language: input.language as Language });
      await deps.audit.append({ actor: actor(by), action: 'webhook.changed', subject: `webhook:${id}`, details: { events } });
    },

    async setEnabled(id: number, enabled: boolean, by: { id: number }): Promise<void> {
      await endpointOr404(id);
      await deps.webhooks.setDisabled(id, enabled ? null : 'admin');
      await deps.audit.append({ actor: actor(by), action: enabled ? 'webhook.enabled' : 'webhook.disabled', subject: `webhook:${id}` });
    },

    async removeEndpoint(id: number, by: { id: number }): Promise<void> {
      await endpointOr404(id);
      await deps.webhooks.remove(id);
      await deps.audit.append({ actor: actor(by), action: 'webhook.deleted', subject: `webhook:${id}` });
    },

    /** Delivers an event again to its endpoint (a new delivery with the same webhook-id); refused while the endpoint is disabled. */
    async replay(endpointId: number, deliveryId: number, by: { id: number }): Promise<number> {
      const endpoint = await endpointOr404(endpointId);
      const delivery = await deps.webhooks.delivery(deliveryId);
      if (!delivery || delivery.endpointId !== endpointId) throw new NotFoundError('admin-integrations:errors.noDelivery', { id: deliveryId });
      if (endpoint.disabledAt) throw new ValidationError([{ field: 'replay', key: 'integrations.replayDisabled' }], 409);
      const id = (await deps.webhooks.replay(deliveryId))!;
      await deps.start([id]);
      await deps.audit.append({ actor: actor(by), action: 'webhook.replayed', subject: `webhook:${endpointId}`, details: { delivery: deliveryId, replay: id, ticket: delivery.ticketNumber, seq: delivery.eventSeq } });
      return id;
    },

    smsAlerts: () => deps.settings.smsAlerts(),

    async addSmsAlert(input: { kinds: string[]; priorities: string[]; roles: string[] }, by: { id: number }): Promise<number> {
      const problems: FieldProblem[] = [];
      const kinds = [...new Set(input.kinds)];
      const priorities = [...new Set(input.priorities)];
      const roles = [...new Set(input.roles)];
      if (!kinds.length || kinds.some((k) => !(STAFF_NOTIFICATION_KINDS as readonly string[]).includes(k))) problems.push({ field: 'kinds', key: 'integrations.kinds' });
      if (priorities.some((p) => !(PRIORITIES as readonly string[]).includes(p))) problems.push({ field: 'priorities', key: 'integrations.priorities' });
      if (!roles.length || roles.some((r) => !(ALERT_ROLES as readonly string[]).includes(r))) problems.push({ field: 'roles', key: 'integrations.roles' });
      if (problems.length) throw new ValidationError(problems);
      const id = await deps.settings.addSmsAlert({ kinds, priorities, roles, createdBy: actor(by) });
      await deps.audit.append({ actor: actor(by), action: 'sms_alert.added', subject: `sms_alert:${id}`, details: { kinds, priorities, roles } });
      return id;
    },

    async removeSmsAlert(id: number, by: { id: number }): Promise<void> {
      if (!(await deps.settings.removeSmsAlert(id))) throw new NotFoundError('admin-integrations:errors.noAlert', { id });
      await deps.audit.append({ actor: actor(by), action: 'sms_alert.removed', subject: `sms_alert:${id}` });
    },

    /** Active staff (not requesters), with whether each is a duty manager and has a phone number for SMS. */
    async dutyRoster(): Promise<Array<{ user: StaffRecord; dutyManager: boolean; hasPhone: boolean }>> {
      const staff = (await deps.users.listStaff({ active: true })).filter((u) => u.role !== 'requester');
      return Promise.all(staff.map(async (user) => {
        const p = await deps.settings.profile(user.id);
        return { user, dutyManager: p.dutyManager, hasPhone: p.phone !== null };
      }));
    },

    /** Makes exactly `ids` (among the active staff) the duty managers. */
    async setDutyManagers(ids: number[], by: { id: number }): Promise<void> {
      const roster = await this.dutyRoster();
      const wanted = new Set(ids);
      if (ids.some((id) => !roster.some((r) => r.user.id === id))) throw new ValidationError([{ field: 'dutyManagers', key: 'integrations.dutyManagers' }]);
      for (const r of roster) if (r.dutyManager !== wanted.has(r.user.id)) await deps.settings.setDutyManager(r.user.id, wanted.has(r.user.id));
      await deps.audit.append({ actor: actor(by), action: 'duty_managers.set', subject: 'duty_managers', details: { users: [...wanted].sort((a, b) => a - b) } });
    },
  };
}

export type Integrations = ReturnType<typeof createIntegrations>;
