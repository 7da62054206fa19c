/**
 * How accounts keep an address and a name (migration 0015): never in plain text. A row is found
 * by the keyed blind index of its address (the vault's HMAC, the same value as
 * `persons.email_bidx`), names its person by pseudonym, and holds the address and the name sealed
 * under that person's own key (scope `person`) — so erasing the person (destroying their keys)
 * leaves nothing readable behind, in the database or in its backups. Each sealed value is bound
 * to the table it is in (its context), so one copied from a sign-up into an account does not open.
 */
import { QueryTypes, type Sequelize, type Transaction } from 'sequelize';
import type { SealedField, Vault } from './vault.ts';

/** The context a sealed account value is bound to: which table holds it. */
export const AccountContext = { user: 'account', signUp: 'sign-up', mail: 'account-mail' } as const;
export type AccountContext = (typeof AccountContext)[keyof typeof AccountContext];

export interface SealedIdentity {
  /** The keyed blind index of the address: how the row is looked up. */
  bidx: string;
  /** The person's pseudonym (persons.id). */
  personId: string;
  emailSealed: string;
  nameSealed: string;
}

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** The blind index, pseudonym and sealed address and name of a person's account row (the person is made when new). */
export async function sealIdentity(vault: Vault, email: string, displayName: string, context: AccountContext): Promise<SealedIdentity> {
  const address = normaliseEmail(email);
  const personId = await vault.personRef(address);
  const [bidx, emailSealed, nameSealed] = await Promise.all([
    vault.blindIndex(address),
    vault.seal(personId, 'person', 'email', context, address),
    vault.seal(personId, 'person', 'name', context, displayName),
  ]);
  return { bidx, personId, emailSealed, nameSealed };
}

/**
 * A sealed column opened, or — for a row written before migration 0015 and not converted yet —
 * its plain column as it is. Null when the person was erased (their key is gone).
 */
export async function openColumn(vault: Vault, sealed: string | null, plain: string | null, field: SealedField, context: AccountContext): Promise<string | null> {
  if (sealed !== null) return vault.open(sealed, field, context);
  return plain;
}

/** Links a person to their account (persons.user_id), when they have none yet. */
export async function linkPerson(sequelize: Sequelize, personId: string, userId: number, transaction?: Transaction): Promise<void> {
  await sequelize.query(`UPDATE persons SET user_id = :userId WHERE id = :personId AND user_id IS NULL`, {
    replacements: { personId, userId },
    ...(transaction ? { transaction } : {}),
  });
}

/**
 * Locks the persons of an account write (`FOR NO KEY UPDATE`, in id order): the first statement
 * of every transaction that writes an account row, a pending sign-up or account mail — the same
 * persons-first order as an erasure (services/privacy/erase.ts), so the two wait for each other
 * instead of deadlocking. False when one of them was erased meanwhile: what was sealed for them
 * can no longer be opened, and the caller must not write it.
 */
export async function lockPersons(sequelize: Sequelize, personIds: string[], transaction: Transaction): Promise<boolean> {
  const ids = [...new Set(personIds)].sort();
  const rows = await sequelize.query(`SELECT 1 FROM persons WHERE id IN (:ids) AND erased_at IS NULL ORDER BY id FOR NO KEY UPDATE`, {
    replacements: { ids }, type: QueryTypes.SELECT, transaction,
  });
  return rows.length === ids.length;
}

/**
 * A `users` row from before sealing with this address (not converted yet: no master key then, or
 * left as a duplicate), sealed in place under the person's key with the name it holds — so an
 * operator's `helpdesk user add` or a finished sign-up takes that account instead of making a
 * second one. Left alone when a sealed account has the address or the person already (two
 * accounts: an operator merges them). Call with the person locked.
 */
export async function sealPlainUser(sequelize: Sequelize, vault: Vault, s: SealedIdentity, email: string, transaction: Transaction): Promise<void> {
  const [plain] = await sequelize.query<{ id: string; display_name: string }>(
    `SELECT id::text AS id, display_name FROM users WHERE email = :address AND email_bidx IS NULL ORDER BY id LIMIT 1 FOR UPDATE`,
    { replacements: { address: normaliseEmail(email) }, type: QueryTypes.SELECT, transaction },
  );
  if (!plain) return;
  const sealed = await sequelize.query(`SELECT 1 FROM users WHERE email_bidx = :bidx OR person_id = :personId`, { replacements: { bidx: s.bidx, personId: s.personId }, type: QueryTypes.SELECT, transaction });
  if (sealed.length > 0) return;
  const nameSealed = await vault.seal(s.personId, 'person', 'name', AccountContext.user, plain.display_name);
  await sequelize.query(
    `UPDATE users SET email_bidx = :bidx, email_sealed = :emailSealed, display_name_sealed = :nameSealed, person_id = :personId, email = NULL, display_name = NULL
      WHERE id = :id AND email_bidx IS NULL`,
    { replacements: { ...s, nameSealed, id: plain.id }, transaction },
  );
}
