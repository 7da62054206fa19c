/**
 * A staff member's own notification settings (notifications-ui/, docs/notification-preferences.md):
 * their phone number for SMS and, per kind of notification, how they are told — the default, mail,
 * SMS, a digest, or nothing. Checked here: a refused change names its field and changes nothing.
 */
import type { NotificationChoice, NotificationSettingsRepo } from '../../db/notification-settings-repo.ts';
import { NOTIFICATION_CHOICES } from '../../db/notification-settings-repo.ts';
import { ValidationError, type FieldProblem } from '../errors.ts';
import { STAFF_NOTIFICATION_KINDS } from './kinds.ts';

export type ChoiceOrDefault = NotificationChoice | 'default';

export interface OwnSettings {
  phone: string | null;
  dutyManager: boolean;
  choices: Record<string, ChoiceOrDefault>;
}

/** A phone number as typed (`+48 600 100 200`, `+48-600-100-200`) in E.164 (`+48600100200`), or undefined when it is not one. */
export function e164(typed: string): string | undefined {
  const compact = typed.replace(/[\s().-]/g, '');
  return /^\+[1-9]\d{6,14}$/.test(compact) ? compact : undefined;
}

export function createNotificationSettings(deps: { settings: NotificationSettingsRepo }) {
  return {
    async get(userId: number): Promise<OwnSettings> {
      const [profile, choices] = await Promise.all([deps.settings.profile(userId), deps.settings.choices(userId)]);
      return { phone: profile.phone, dutyManager: profile.dutyManager, choices: Object.fromEntries(STAFF_NOTIFICATION_KINDS.map((k) => [k, choices[k] ?? 'default'])) };
    },

    async save(userId: number, input: { phone: string; choices: Record<string, string> }): Promise<void> {
      const problems: FieldProblem[] = [];
      const phone = input.phone.trim() === '' ? null : e164(input.phone.trim());
      if (phone === undefined) problems.push({ field: 'phone', key: 'notifications.phone' });
      const choices: Record<string, ChoiceOrDefault> = {};
      for (const kind of STAFF_NOTIFICATION_KINDS) {
        const c = input.choices[kind] ?? 'default';
        if (c !== 'default' && !(NOTIFICATION_CHOICES as readonly string[]).includes(c)) problems.push({ field: `choice-${kind}`, key: 'notifications.choice' });
        else choices[kind] = c as ChoiceOrDefault;
      }
      const unknown = Object.keys(input.choices).filter((k) => !(STAFF_NOTIFICATION_KINDS as readonly string[]).includes(k));
      if (unknown.length) problems.push({ field: 'choices', key: 'notifications.unknownKind', params: { kinds: unknown.join(', ').slice(0, 200) } });
      if (problems.length) throw new ValidationError(problems);
      await deps.settings.setPhone(userId, phone ?? null);
      await deps.settings.setChoices(userId, choices);
    },
  };
}

export type NotificationSettings = ReturnType<typeof createNotificationSettings>;
