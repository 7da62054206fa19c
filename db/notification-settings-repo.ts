/**
 * Who is told how (migration 0030, docs/notification-preferences.md): a staff member's phone
 * number (sealed under their own key, as their address and name are: erased with them) and
 * duty-manager flag (`notification_profiles`), each user's choice per kind of
 * notification (`notification_preferences`: mail, sms, digest or none; no row is the default), and
 * the SMS alerts an admin has set (`sms_alerts`: kinds × priorities × roles).
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import type { Vault } from './vault.ts';

/** The context a phone number is sealed in, under its owner's key (db/vault.ts). */
const PHONE_CONTEXT = 'notification-profile';

export type NotificationChoice = 'mail' | 'sms' | 'digest' | 'none';
export const NOTIFICATION_CHOICES: readonly NotificationChoice[] = ['mail', 'sms', 'digest', 'none'];

export interface NotificationProfile {
  phone: string | null;
  dutyManager: boolean;
}

export interface SmsAlert {
  id: number;
  kinds: string[];
  /** Empty: every priority. */
  priorities: string[];
  roles: string[];
  createdBy: string;
  createdAt: string;
}

export function createNotificationSettingsRepo(sequelize: Sequelize, vault: Pick<Vault, 'seal' | 'open'>) {
  const select = <T extends object>(sql: string, replacements: Record<string, unknown> = {}) => sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });

  return {
    async profile(userId: number): Promise<NotificationProfile> {
      const [r] = await select<{ phone_sealed: string | null; duty_manager: boolean }>(`SELECT phone_sealed, duty_manager FROM notification_profiles WHERE user_id = :userId`, { userId });
      // A number whose owner's key is gone (erased) opens as none.
      const phone = r?.phone_sealed ? await vault.open(r.phone_sealed, 'phone', PHONE_CONTEXT).catch(() => null) : null;
      return { phone, dutyManager: r?.duty_manager ?? false };
    },

    /** Sets (sealed under the user's person key) or clears a staff member's number; false when the user has no person (gone). */
    async setPhone(userId: number, phone: string | null): Promise<boolean> {
      const [u] = await select<{ person_id: string | null }>(`SELECT person_id::text FROM users WHERE id = :userId`, { userId });
      if (!u?.person_id) return false;
      const sealed = phone === null ? null : await vault.seal(u.person_id, 'person', 'phone', PHONE_CONTEXT, phone);
      await sequelize.query(
        `INSERT INTO notification_profiles (user_id, phone_sealed) VALUES (:userId, :sealed) ON CONFLICT (user_id) DO UPDATE SET phone_sealed = EXCLUDED.phone_sealed, updated_at = now()`,
        { replacements: { userId, sealed } },
      );
      return true;
    },

    async setDutyManager(userId: number, dutyManager: boolean): Promise<void> {
      await sequelize.query(
        `INSERT INTO notification_profiles (user_id, duty_manager) VALUES (:userId, :dutyManager) ON CONFLICT (user_id) DO UPDATE SET duty_manager = EXCLUDED.duty_manager, updated_at = now()`,
        { replacements: { userId, dutyManager } },
      );
    },

    /** The ids of the active staff named duty managers (the rules' `duty_manager` role). */
    async dutyManagerIds(): Promise<number[]> {
      const rows = await select<{ id: string }>(
        `SELECT u.id FROM notification_profiles p JOIN users u ON u.id = p.user_id WHERE p.duty_manager AND u.deactivated_at IS NULL AND u.role <> 'requester' ORDER BY u.id`,
      );
      return rows.map((r) => Number(r.id));
    },

    /** A user's choices, by kind (kinds without a row take the default). */
    async choices(userId: number): Promise<Record<string, NotificationChoice>> {
      const rows = await select<{ kind: string; choice: NotificationChoice }>(`SELECT kind, choice FROM notification_preferences WHERE user_id = :userId`, { userId });
      return Object.fromEntries(rows.map((r) => [r.kind, r.choice]));
    },

    /** Replaces a user's choices: the kinds given get their choice, `default` removes the row. */
    async setChoices(userId: number, choices: Record<string, NotificationChoice | 'default'>): Promise<void> {
      await sequelize.transaction(async (t) => {
        for (const [kind, choice] of Object.entries(choices)) {
          if (choice === 'default') {
            await sequelize.query(`DELETE FROM notification_preferences WHERE user_id = :userId AND kind = :kind`, { replacements: { userId, kind }, transaction: t });
          } else {
            await sequelize.query(
              `INSERT INTO notification_preferences (user_id, kind, choice) VALUES (:userId, :kind, :choice) ON CONFLICT (user_id, kind) DO UPDATE SET choice = EXCLUDED.choice, updated_at = now()`,
              { replacements: { userId, kind, choice }, transaction: t },
            );
          }
        }
      });
    },

    async smsAlerts(): Promise<SmsAlert[]> {
      const rows = await select<{ id: string; kinds: string[]; priorities: string[]; roles: string[]; created_by: string; created_at: Date }>(`SELECT * FROM sms_alerts ORDER BY id`);
      return rows.map((r) => ({ id: Number(r.id), kinds: r.kinds, priorities: r.priorities, roles: r.roles, createdBy: r.created_by, createdAt: r.created_at.toISOString() }));
    },

    async addSmsAlert(a: { kinds: string[]; priorities: string[]; roles: string[]; createdBy: string }): Promise<number> {
      const [r] = await select<{ id: string }>(
        `INSERT INTO sms_alerts (kinds, priorities, roles, created_by) VALUES (ARRAY[:kinds]::text[], ${a.priorities.length ? 'ARRAY[:priorities]::text[]' : "'{}'"}, ARRAY[:roles]::text[], :createdBy) RETURNING id`,
        { ...a },
      );
      return Number(r!.id);
    },

    /** Removes an alert; false when there was none. */
    async removeSmsAlert(id: number): Promise<boolean> {
      const gone = await select<{ id: string }>(`DELETE FROM sms_alerts WHERE id = :id RETURNING id`, { id });
      return gone.length > 0;
    },
  };
}

export type NotificationSettingsRepo = ReturnType<typeof createNotificationSettingsRepo>;
