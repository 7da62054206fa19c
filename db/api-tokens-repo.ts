/** REST API bearer tokens. A token is shown once when made; only its SHA-256 is stored. */
import { createHash, randomBytes } from 'node:crypto';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createUsersRepo, type UserRecord } from './users-repo.ts';
import { createAuditRepo } from './audit-repo.ts';
import type { Vault } from './vault.ts';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export function createApiTokensRepo(sequelize: Sequelize, vault: Vault) {
  const users = createUsersRepo(sequelize, vault);
  const audit = createAuditRepo(sequelize);
  return {
    /** Makes a token for the user with this e-mail address; undefined when there is no such user. */
    async create(email: string, name: string, actor = 'system'): Promise<{ token: string; user: UserRecord } | undefined> {
      const user = await users.findByEmail(email);
      if (!user) return undefined;
      const token = `hd_${randomBytes(24).toString('base64url')}`;
      // The token and its audit entry (`token.issued`, never the token itself) are kept together or not at all.
      await sequelize.transaction(async (transaction) => {
        const rows = await sequelize.query<{ id: string }>(
          `INSERT INTO api_tokens (user_id, name, token_hash) VALUES (:userId, :name, :hash) RETURNING id::text`,
          { replacements: { userId: user.id, name, hash: hash(token) }, type: QueryTypes.SELECT, transaction },
        );
        await audit.append({ actor, action: 'token.issued', subject: `user:${user.id}`, details: { tokenId: Number(rows[0]!.id), name } }, transaction);
      });
      return { token, user };
    },

    /** The user a live token belongs to; none while the user is deactivated (migration 0020; deactivating also revokes their tokens). */
    async authenticate(token: string): Promise<UserRecord | undefined> {
      const rows = await sequelize.query<{ user_id: string }>(
        `UPDATE api_tokens t SET last_used_at = now() FROM users u
          WHERE t.token_hash = :hash AND t.revoked_at IS NULL AND u.id = t.user_id AND u.deactivated_at IS NULL RETURNING t.user_id::text AS user_id`,
        { replacements: { hash: hash(token) }, type: QueryTypes.SELECT },
      );
      const id = rows[0]?.user_id;
      const user = id === undefined ? undefined : await users.findById(Number(id));
      return user?.active ? user : undefined;
    },

    /** Revokes a live token, with its `token.revoked` audit entry in the same transaction; false (and no entry) when there is none. */
    async revoke(token: string, actor = 'system'): Promise<boolean> {
      return sequelize.transaction(async (transaction) => {
        const rows = await sequelize.query<{ id: string; user_id: string; name: string }>(
          `UPDATE api_tokens SET revoked_at = now() WHERE token_hash = :hash AND revoked_at IS NULL RETURNING id::text, user_id::text, name`,
          { replacements: { hash: hash(token) }, type: QueryTypes.SELECT, transaction },
        );
        const row = rows[0];
        if (!row) return false;
        await audit.append({ actor, action: 'token.revoked', subject: `user:${row.user_id}`, details: { tokenId: Number(row.id), name: row.name } }, transaction);
        return true;
      });
    },
  };
}

export type ApiTokensRepo = ReturnType<typeof createApiTokensRepo>;
