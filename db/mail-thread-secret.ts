/**
 * The secret that signs our Message-IDs' thread tags (services/notifications/threading.ts): made
 * once, on first use, and kept in portal_settings beside the session secret. Without it, a mail
 * could name any ticket's thread by its (sequential) number; with it, only a Message-ID we sent
 * names a thread.
 */
import { randomBytes } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';

export async function mailThreadSecret(sequelize: Sequelize): Promise<string> {
  await sequelize.query(`INSERT INTO portal_settings (key, value) VALUES ('mail_thread_secret', :value) ON CONFLICT (key) DO NOTHING`, { replacements: { value: randomBytes(32).toString('hex') } });
  const [row] = await sequelize.query<{ value: string }>(`SELECT value FROM portal_settings WHERE key = 'mail_thread_secret'`, { type: QueryTypes.SELECT });
  return row!.value;
}
