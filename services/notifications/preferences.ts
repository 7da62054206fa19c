/**
 * How each recipient of a notification is told (docs/notification-preferences.md). The rules file's
 * notify lists still decide *who* (the row's role); this decides *how*:
 * - a requester: by mail, always (their portal shows everything too);
 * - a staff member, by their choice for the kind — `mail`; `sms` (where an admin's SMS alert allows
 *   SMS for the kind and the ticket's priority and they have a number, else mail); `digest` (a line
 *   in their next digest mail); `none`;
 * - without a choice, by mail — and by SMS too when an admin's alert names the kind, the ticket's
 *   priority and a role the event gives them (P1 breaches to the duty manager — also one who is
 *   on the team, whom the team's row reaches first), and they have a number.
 * SMS only when a gateway is configured (HELPDESK_SMS_URL): otherwise mail.
 */
import type { DeliveryChannel } from '../../db/notification-deliveries-repo.ts';
import type { NotificationChoice, NotificationProfile, SmsAlert } from '../../db/notification-settings-repo.ts';

export interface PreferenceDeps {
  settings: {
    choices(userId: number): Promise<Record<string, NotificationChoice>>;
    profile(userId: number): Promise<NotificationProfile>;
    smsAlerts(): Promise<SmsAlert[]>;
  };
  /** Whether an SMS gateway is configured. */
  smsEnabled: boolean;
}

const matches = (a: SmsAlert, kind: string, priority: string | null) => a.kinds.includes(kind) && (!a.priorities.length || (priority !== null && a.priorities.includes(priority)));

/** The channels one recipient gets one row's message on (none: they asked for nothing). */
/** `row.roles`: every role of the event that names this person (one row reaches them; an alert may name another of their roles). */
export async function channelsFor(deps: PreferenceDeps, recipientKey: string, row: { kind: string; roles: readonly string[] }, priority: string | null): Promise<DeliveryChannel[]> {
  if (!recipientKey.startsWith('user:')) return ['email'];
  const userId = Number(recipientKey.slice('user:'.length));
  const choice = (await deps.settings.choices(userId))[row.kind];
  if (choice === 'none') return [];
  if (choice === 'digest') return ['digest'];
  if (choice === 'mail') return ['email'];
  const smsPossible = deps.smsEnabled && (await deps.settings.profile(userId)).phone !== null;
  const alerts = smsPossible ? (await deps.settings.smsAlerts()).filter((a) => matches(a, row.kind, priority)) : [];
  if (choice === 'sms') return alerts.length ? ['sms'] : ['email'];
  return alerts.some((a) => a.roles.some((r) => row.roles.includes(r))) ? ['email', 'sms'] : ['email'];
}
