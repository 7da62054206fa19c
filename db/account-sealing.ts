/**
 * How accounts keep an address and a name (migration 0015): never in plain text. A row is found
 * by the keyed blind index of its address (the vault's HMAC, the same value as
 * `persons.email_bidx`), names its person by pseudonym, and holds the address and the name sealed
 * under that person's own key (scope `person`) — so erasing the person (destroying their keys)
 * leaves nothing readable behind, in the database or in its backups. Each sealed value is bound
 * to the table it is in (its context), so one copied from a sign-up into an account does not open.
 */
import type { Sequelize, Transaction } from 'sequelize';
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
