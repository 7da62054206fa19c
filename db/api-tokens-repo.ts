/** REST API bearer tokens. A token is shown once when made; only its SHA-256 is stored. */
import { createHash, randomBytes } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createUsersRepo, type UserRecord } from './users-repo.ts';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export function createApiTokensRepo(sequelize: Sequelize) {
  const users = createUsersRepo(sequelize);
  return {
    /** Makes a token for the user with this e-mail address; undefined when there is no such user. */
    async create(email: string, name: string): Promise<{ token: string; user: UserRecord } | undefined> {
      const user = await users.findByEmail(email.trim().toLowerCase());
      if (!user) return undefined;
      const token = `hd_${randomBytes(24).toString('base64url')}`;
      await sequelize.query(`INSERT INTO api_tokens (user_id, name, token_hash) VALUES (:userId, :name, :hash)`, { replacements: { userId: user.id, name, hash: hash(token) } });
      return { token, user };
    },

    /** The user a live token belongs to. */
    async authenticate(token: string): Promise<UserRecord | undefined> {
      const rows = await sequelize.query<{ user_id: string }>(
        `UPDATE api_tokens SET last_used_at = now() WHERE token_hash = :hash AND revoked_at IS NULL RETURNING user_id::text`,
        { replacements: { hash: hash(token) }, type: QueryTypes.SELECT },
      );
      const id = rows[0]?.user_id;
      return id === undefined ? undefined : users.findById(Number(id));
    },

    async revoke(token: string): Promise<boolean> {
      const rows = await sequelize.query<{ id: string }>(`UPDATE api_tokens SET revoked_at = now() WHERE token_hash = :hash AND revoked_at IS NULL RETURNING id::text`, { replacements: { hash: hash(token) }, type: QueryTypes.SELECT });
      return rows.length > 0;
    },
  };
}

export type ApiTokensRepo = ReturnType<typeof createApiTokensRepo>;
