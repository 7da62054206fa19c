/**
 * Who is told how (migration 0030, docs/notification-preferences.md): a staff member's phone
 * number and duty-manager flag (`notification_profiles`), each user's choice per kind of
 * notification (`notification_preferences`: mail, sms, digest or none; no row is the default), and
 * the SMS alerts an admin has set (`sms_alerts`: kinds × priorities × roles).
 */
import { QueryTypes, type Sequelize } from 'sequelize';

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

export function createNotificationSettingsRepo(sequelize: Sequelize) {
  const select = <T extends object>(sql: string, replacements: Record<string, unknown> = {}) => sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });

  return {
    async profile(userId: number): Promise<NotificationProfile> {
      const [r] = await select<{ phone: string | null; duty_manager: boolean }>(`SELECT phone, duty_manager FROM notification_profiles WHERE user_id = :userId`, { userId });
      return { phone: r?.phone ?? null, dutyManager: r?.duty_manager ?? false };
    },

    async setPhone(userId: number, phone: string | null): Promise<void> {
      await sequelize.query(
        `INSERT INTO notification_profiles (user_id, phone) VALUES (:userId, :phone) ON CONFLICT (user_id) DO UPDATE SET phone = EXCLUDED.phone, updated_at = now()`,
        { replacements: { userId, phone } },
      );
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

    async removeSmsAlert(id: number): Promise<void> {
      await sequelize.query(`DELETE FROM sms_alerts WHERE id = :id`, { replacements: { id } });
    },
  };
}

export type NotificationSettingsRepo = ReturnType<typeof createNotificationSettingsRepo>;
