/**
 * Accounts written before migration 0015 — `users`, `pending_sign_ups` and `account_mail_outbox`
 * rows with the address and name (or the mail) in plain text — sealed in place: each plain row
 * gets its blind index, pseudonym and sealed values, and its plain columns are set to NULL, in
 * one statement per row. A migration cannot do this (it has no master key), so every process
 * that opens the database runs it after migrating (runtime/stack.ts openDatabase). Idempotent and
 * safe from several processes at once: a row is changed only while it is still plain, and
 * batches walk the table by id, so a row that cannot be sealed is not read again and again.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import { AccountContext, linkPerson, lockPersons, sealIdentity } from './account-sealing.ts';
import type { Vault } from './vault.ts';

const BATCH = 200;

export interface LegacyAccountsReport {
  users: number;
  signUps: number;
  mails: number;
}

/** How many rows are still plain (needs no key). */
export async function legacyAccountRows(sequelize: Sequelize): Promise<number> {
  const [row] = await sequelize.query<{ n: string }>(
    `SELECT ((SELECT count(*) FROM users WHERE email_bidx IS NULL)
           + (SELECT count(*) FROM pending_sign_ups WHERE email_bidx IS NULL)
           + (SELECT count(*) FROM account_mail_outbox WHERE recipient_ref IS NULL))::text AS n`,
    { type: QueryTypes.SELECT },
  );
  return Number(row!.n);
}

/** The line logged for a row left plain: its address is another, sealed account's (nothing here names the address). */
export const duplicateAccountLine = (userId: number) =>
  `User #${userId} from before sealing has the address of another, sealed account, so it stays unsealed and cannot sign in: merge the two or delete one`;

async function batches<T extends { id: string }>(sequelize: Sequelize, select: string, each: (row: T) => Promise<boolean>): Promise<number> {
  let after = '0';
  let n = 0;
  for (;;) {
    const rows = await sequelize.query<T>(`${select} AND id > CAST(:after AS bigint) ORDER BY CAST(id AS bigint) LIMIT :limit`, { replacements: { after, limit: BATCH }, type: QueryTypes.SELECT });
    if (rows.length === 0) return n;
    for (const row of rows) if (await each(row)) n += 1;
    after = rows.at(-1)!.id;
  }
}

async function sealUsers(sequelize: Sequelize, vault: Vault, log: (line: string) => void): Promise<number> {
  return batches<{ id: string; email: string; display_name: string }>(sequelize, `SELECT id::text AS id, email, display_name FROM users WHERE email_bidx IS NULL`, async (r) => {
    const s = await sealIdentity(vault, r.email, r.display_name, AccountContext.user);
    const outcome = await sequelize.transaction(async (transaction): Promise<'sealed' | 'gone' | 'duplicate'> => {
      // The person first, as an erasure locks them (db/account-sealing.ts lockPersons); erased meanwhile: the next process seals the row under a new person.
      if (!(await lockPersons(sequelize, [s.personId], transaction))) return 'gone';
      // Then the row itself: another process sealing it now waits here, and then finds it sealed.
      const [still] = await sequelize.query(`SELECT 1 FROM users WHERE id = :id AND email_bidx IS NULL FOR UPDATE`, { replacements: { id: r.id }, type: QueryTypes.SELECT, transaction });
      if (!still) return 'gone';
      const [taken] = await sequelize.query(`SELECT 1 FROM users WHERE (email_bidx = :bidx OR person_id = :personId) AND id <> :id`, { replacements: { ...s, id: r.id }, type: QueryTypes.SELECT, transaction });
      if (taken) return 'duplicate';
      await sequelize.query(
        `UPDATE users SET email_bidx = :bidx, email_sealed = :emailSealed, display_name_sealed = :nameSealed, person_id = :personId, email = NULL, display_name = NULL
          WHERE id = :id AND email_bidx IS NULL`,
        { replacements: { ...s, id: r.id }, transaction },
      );
      await linkPerson(sequelize, s.personId, Number(r.id), transaction);
      return 'sealed';
    });
    if (outcome === 'duplicate') log(duplicateAccountLine(Number(r.id)));
    return outcome === 'sealed';
  });
}

async function sealSignUps(sequelize: Sequelize, vault: Vault): Promise<number> {
  return batches<{ id: string; email: string; display_name: string }>(sequelize, `SELECT id::text AS id, email, display_name FROM pending_sign_ups WHERE email_bidx IS NULL`, async (r) => {
    const s = await sealIdentity(vault, r.email, r.display_name, AccountContext.signUp);
    const done = await sequelize.query(
      `UPDATE pending_sign_ups SET email_bidx = :bidx, email_sealed = :emailSealed, display_name_sealed = :nameSealed, person_id = :personId, email = NULL, display_name = NULL
        WHERE id = :id AND email_bidx IS NULL RETURNING id`,
      { replacements: { ...s, id: r.id }, type: QueryTypes.SELECT },
    );
    return done.length === 1;
  });
}

async function sealMails(sequelize: Sequelize, vault: Vault): Promise<number> {
  return batches<{ id: string; recipient: string; payload: object }>(sequelize, `SELECT id::text AS id, recipient, payload FROM account_mail_outbox WHERE recipient_ref IS NULL`, async (r) => {
    const ref = await vault.personRef(r.recipient);
    const payloadSealed = await vault.seal(ref, 'person', 'mail', AccountContext.mail, JSON.stringify(r.payload));
    const done = await sequelize.query(
      `UPDATE account_mail_outbox SET recipient_ref = :ref, payload_sealed = :payloadSealed, recipient = NULL, payload = NULL WHERE id = :id AND recipient_ref IS NULL RETURNING id`,
      { replacements: { ref, payloadSealed, id: r.id }, type: QueryTypes.SELECT },
    );
    return done.length === 1;
  });
}

/** Seals every account row still in plain text; answers how many of each it sealed. */
export async function sealLegacyAccounts(sequelize: Sequelize, vault: Vault, log: (line: string) => void = () => undefined): Promise<LegacyAccountsReport> {
  if ((await legacyAccountRows(sequelize)) === 0) return { users: 0, signUps: 0, mails: 0 };
  return { users: await sealUsers(sequelize, vault, log), signUps: await sealSignUps(sequelize, vault), mails: await sealMails(sequelize, vault) };
}
