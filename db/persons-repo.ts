/**
 * People by pseudonym and their data keys (migration 0012). Holds no plain personal data:
 * an address is found by its keyed blind index, and keys are stored wrapped by the master
 * key. Sealing and opening are the vault's (db/vault.ts). Plain records only.
 */
import { randomUUID } from 'node:crypto';
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';

export interface PersonRecord {
  id: string;
  emailSealed: string | null;
  userId: number | null;
  createdAt: string;
  erasedAt: string | null;
}

export interface DataKeyRecord {
  id: string;
  personId: string;
  scope: string;
  masterKeyId: string | null;
  /** Null once destroyed (erasure or retention). */
  wrapped: Buffer | null;
  destroyedAt: string | null;
}

interface PersonRow { id: string; email_sealed: string | null; user_id: string | null; created_at: Date; erased_at: Date | null }
interface KeyRow { id: string; person_id: string; scope: string; master_key_id: string | null; wrapped: Buffer | null; destroyed_at: Date | null }

const toPerson = (r: PersonRow): PersonRecord => ({
  id: r.id, emailSealed: r.email_sealed, userId: r.user_id === null ? null : Number(r.user_id), createdAt: r.created_at.toISOString(), erasedAt: r.erased_at?.toISOString() ?? null,
});
const toKey = (r: KeyRow): DataKeyRecord => ({ id: r.id, personId: r.person_id, scope: r.scope, masterKeyId: r.master_key_id, wrapped: r.wrapped, destroyedAt: r.destroyed_at?.toISOString() ?? null });

export function createPersonsRepo(sequelize: Sequelize) {
  const one = async <T extends object>(sql: string, replacements: Record<string, unknown>, t?: Transaction): Promise<T | undefined> =>
    (await sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT, ...(t ? { transaction: t } : {}) }))[0];

  return {
    async byBlindIndex(bidx: string): Promise<PersonRecord | undefined> {
      const r = await one<PersonRow>(`SELECT * FROM persons WHERE email_bidx = :bidx`, { bidx });
      return r && toPerson(r);
    },

    async byId(id: string): Promise<PersonRecord | undefined> {
      if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
      const r = await one<PersonRow>(`SELECT * FROM persons WHERE id = :id`, { id });
      return r && toPerson(r);
    },

    async byIds(ids: string[]): Promise<Map<string, PersonRecord>> {
      const valid = [...new Set(ids)].filter((id) => /^[0-9a-f-]{36}$/.test(id));
      if (valid.length === 0) return new Map();
      const rows = await sequelize.query<PersonRow>(`SELECT * FROM persons WHERE id IN (:ids)`, { replacements: { ids: valid }, type: QueryTypes.SELECT });
      return new Map(rows.map((r) => [r.id, toPerson(r)]));
    },

    /**
     * The person with this blind index, made when there is none (concurrent calls get one
     * person). `created` tells the caller to seal and store the address (setEmailSealed).
     */
    async findOrCreate(bidx: string): Promise<{ person: PersonRecord; created: boolean }> {
      const id = randomUUID();
      const inserted = await sequelize.query<PersonRow>(
        `INSERT INTO persons (id, email_bidx) VALUES (:id, :bidx) ON CONFLICT (email_bidx) DO NOTHING RETURNING *`,
        { replacements: { id, bidx }, type: QueryTypes.SELECT },
      );
      if (inserted[0]) return { person: toPerson(inserted[0]), created: true };
      const existing = await this.byBlindIndex(bidx);
      if (!existing) throw new Error('persons: a person vanished between insert and read; retry');
      return { person: existing, created: false };
    },

    async setEmailSealed(id: string, sealed: string): Promise<void> {
      await sequelize.query(`UPDATE persons SET email_sealed = :sealed WHERE id = :id AND erased_at IS NULL`, { replacements: { id, sealed } });
    },

    async linkUser(id: string, userId: number): Promise<void> {
      await sequelize.query(`UPDATE persons SET user_id = :userId WHERE id = :id AND (user_id IS NULL OR user_id = :userId)`, { replacements: { id, userId } });
    },

    async key(id: string): Promise<DataKeyRecord | undefined> {
      if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
      const r = await one<KeyRow>(`SELECT * FROM data_keys WHERE id = :id`, { id });
      return r && toKey(r);
    },

    /** Several keys by id in one read (unknown ids are left out). */
    async keys(ids: string[]): Promise<Map<string, DataKeyRecord>> {
      const valid = [...new Set(ids)].filter((id) => /^[0-9a-f-]{36}$/.test(id));
      if (valid.length === 0) return new Map();
      const rows = await sequelize.query<KeyRow>(`SELECT * FROM data_keys WHERE id IN (:ids)`, { replacements: { ids: valid }, type: QueryTypes.SELECT });
      return new Map(rows.map((r) => [r.id, toKey(r)]));
    },

    async keyFor(personId: string, scope: string): Promise<DataKeyRecord | undefined> {
      const r = await one<KeyRow>(`SELECT * FROM data_keys WHERE person_id = :personId AND scope = :scope`, { personId, scope });
      return r && toKey(r);
    },

    /** Stores a new wrapped key for (person, scope), or returns the one that is there (a concurrent caller's). */
    async addKey(k: { id: string; personId: string; scope: string; masterKeyId: string; wrapped: Buffer }): Promise<DataKeyRecord | undefined> {
      // The person is share-locked and checked first: an erasure (which locks the person) either waits for this
      // key and destroys it, or has committed and no key is made for an erased person (undefined).
      const made = await sequelize.transaction(async (t) => {
        const live = await sequelize.query(`SELECT 1 FROM persons WHERE id = :personId AND erased_at IS NULL FOR SHARE`, { replacements: k, type: QueryTypes.SELECT, transaction: t });
        if (live.length === 0) return false;
        await sequelize.query(
          `INSERT INTO data_keys (id, person_id, scope, master_key_id, wrapped) VALUES (:id, :personId, :scope, :masterKeyId, :wrapped)
           ON CONFLICT (person_id, scope) DO NOTHING`,
          { replacements: k, transaction: t },
        );
        return true;
      });
      if (!made) return undefined;
      const r = await this.keyFor(k.personId, k.scope);
      if (!r) throw new Error('data_keys: a key vanished between insert and read; retry');
      return r;
    },

    async keysOf(personId: string, t?: Transaction): Promise<DataKeyRecord[]> {
      const rows = await sequelize.query<KeyRow>(`SELECT * FROM data_keys WHERE person_id = :personId ORDER BY created_at`, { replacements: { personId }, type: QueryTypes.SELECT, ...(t ? { transaction: t } : {}) });
      return rows.map(toKey);
    },

    /** Locks the person for an erasure; undefined when already erased (or unknown). */
    async lockForErasure(id: string, t: Transaction): Promise<PersonRecord | undefined> {
      const r = await one<PersonRow>(`SELECT * FROM persons WHERE id = :id AND erased_at IS NULL FOR UPDATE`, { id }, t);
      return r && toPerson(r);
    },

    /** Every live key wrapped by another master key than `currentId`, for rotation. */
    async keysNotWrappedBy(currentId: string, limit: number): Promise<DataKeyRecord[]> {
      const rows = await sequelize.query<KeyRow>(
        `SELECT * FROM data_keys WHERE wrapped IS NOT NULL AND master_key_id IS DISTINCT FROM :currentId ORDER BY id LIMIT :limit`,
        { replacements: { currentId, limit }, type: QueryTypes.SELECT },
      );
      return rows.map(toKey);
    },

    async rewrap(id: string, fromMasterKeyId: string | null, masterKeyId: string, wrapped: Buffer): Promise<void> {
      await sequelize.query(
        `UPDATE data_keys SET master_key_id = :masterKeyId, wrapped = :wrapped WHERE id = :id AND wrapped IS NOT NULL AND master_key_id IS NOT DISTINCT FROM :fromMasterKeyId`,
        { replacements: { id, fromMasterKeyId, masterKeyId, wrapped } },
      );
    },

    /** Destroys keys (idempotent): what they sealed can no longer be read. Returns the ids destroyed now. */
    async destroyKeys(ids: string[], by: 'erasure' | 'retention', t?: Transaction): Promise<string[]> {
      if (ids.length === 0) return [];
      const rows = await sequelize.query<{ id: string }>(
        `UPDATE data_keys SET wrapped = NULL, destroyed_at = now(), destroyed_by = :by WHERE id IN (:ids) AND wrapped IS NOT NULL RETURNING id`,
        { replacements: { ids, by }, type: QueryTypes.SELECT, ...(t ? { transaction: t } : {}) },
      );
      return rows.map((r) => r.id);
    },

    /** The person is erased: no address, no blind index (a later ticket from the address is a new person). */
    /** The wrapped blind-index key, stored once (the first caller's wins), in portal_settings. */
    async blindIndexKey(make: () => { masterKeyId: string; wrapped: Buffer }): Promise<{ masterKeyId: string; wrapped: Buffer }> {
      const read = async () => (await one<{ value: string }>(`SELECT value FROM portal_settings WHERE key = 'blind_index_key'`, {}))?.value;
      let value = await read();
      if (!value) {
        const k = make();
        await sequelize.query(`INSERT INTO portal_settings (key, value) VALUES ('blind_index_key', :value) ON CONFLICT (key) DO NOTHING`, {
          replacements: { value: JSON.stringify({ masterKeyId: k.masterKeyId, wrapped: k.wrapped.toString('base64') }) },
        });
        value = await read();
      }
      const parsed = JSON.parse(value!) as { masterKeyId: string; wrapped: string };
      return { masterKeyId: parsed.masterKeyId, wrapped: Buffer.from(parsed.wrapped, 'base64') };
    },

    async setBlindIndexKey(k: { masterKeyId: string; wrapped: Buffer }): Promise<void> {
      await sequelize.query(`UPDATE portal_settings SET value = :value WHERE key = 'blind_index_key'`, {
        replacements: { value: JSON.stringify({ masterKeyId: k.masterKeyId, wrapped: k.wrapped.toString('base64') }) },
      });
    },

    async markErased(id: string, t?: Transaction): Promise<void> {
      await sequelize.query(
        `UPDATE persons SET email_bidx = NULL, email_sealed = NULL, user_id = NULL, erased_at = coalesce(erased_at, now()) WHERE id = :id`,
        { replacements: { id }, ...(t ? { transaction: t } : {}) },
      );
    },
  };
}

export type PersonsRepo = ReturnType<typeof createPersonsRepo>;
