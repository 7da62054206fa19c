/**
 * Account sealing under concurrency (review of migration 0015): two processes that open the
 * database at once both start and seal each legacy row once; a legacy row whose address is
 * another account's already is skipped with one line instead of stopping every process; an
 * operator's `user add` or a finished sign-up takes a still-plain account of the address instead
 * of making a second one; and a sign-up finished while its person is being erased waits for the
 * erasure and is then refused, leaving no account behind (no deadlock).
 */
import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueryTypes } from 'sequelize';
import { erasureDeps } from '../runtime/compose.ts';
import { openDatabase, type Database } from '../runtime/stack.ts';
import { erasePerson } from '../services/privacy/erase.ts';
import { freshDatabaseUrl, onCleanup, testConfig } from './support/env.ts';
import { waitFor } from './support/processes.ts';

describe('account sealing when processes and erasures run at once', function () {
  this.timeout(180_000);
  const u = randomUUID().slice(0, 8);
  let url: string;
  let db: Database;
  const config = () => testConfig({ DATABASE_URL: url });
  const q = <T extends object>(sql: string, replacements: Record<string, unknown> = {}) => db.sequelize.query<T>(sql, { replacements, type: QueryTypes.SELECT });
  const plainUser = async (email: string, name: string) =>
    (await q<{ id: string }>(`INSERT INTO users (email, display_name, locale, role) VALUES (:email, :name, 'en', 'requester') RETURNING id::text AS id`, { email, name }))[0]!.id;

  before(async () => {
    url = await freshDatabaseUrl('sealingraces');
    db = await openDatabase(config(), () => undefined);
    onCleanup(() => db.close());
  });

  it('when two processes open the database at once over the same legacy accounts, then both start, each row is sealed once, and a row with a sealed account\'s address is skipped with one line naming only its id', async () => {
    const taken = `taken.${u}@example.com`;
    await db.users.upsert({ email: taken, displayName: 'Already Sealed', role: 'requester', teamId: null, locale: 'en' });
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(await plainUser(`legacy.${i}.${u}@example.com`, `Legacy ${i}-${u}`));
    const duplicate = await plainUser(taken, 'Second Account');

    const lines: string[] = [];
    const opened = await Promise.all([openDatabase(config(), (l) => lines.push(l)), openDatabase(config(), (l) => lines.push(l))]);
    await Promise.all(opened.map((d) => d.close()));

    const sealedCounts = lines.filter((l) => l.startsWith('Sealed')).map((l) => Number(/: (\d+) users?,/.exec(l)![1]));
    expect(sealedCounts.reduce((a, b) => a + b, 0)).to.equal(40);
    const skipped = `User #${duplicate} from before sealing has the address of another, sealed account, so it stays unsealed and cannot sign in: merge the two or delete one`;
    // One line a process (each finds it plain), and never the address.
    expect(lines.filter((l) => l.startsWith('User #'))).to.deep.equal([skipped, skipped]);
    expect(lines.join('\n')).not.to.include('@example.com');

    const rows = await q<{ id: string; sealed: boolean; linked: boolean }>(
      `SELECT u.id::text AS id, u.email_bidx IS NOT NULL AS sealed, p.user_id = u.id AS linked FROM users u LEFT JOIN persons p ON p.id = u.person_id WHERE u.id IN (:ids) ORDER BY u.id`,
      { ids: [...ids, duplicate] },
    );
    expect(rows.filter((r) => r.sealed && r.linked).map((r) => r.id)).to.deep.equal(ids);
    expect(rows.find((r) => r.id === duplicate)).to.include({ sealed: false });
    expect((await db.users.findByEmail(`legacy.7.${u}@example.com`))!.displayName).to.equal(`Legacy 7-${u}`);
    expect((await db.users.findByEmail(taken))!.displayName).to.equal('Already Sealed');
  });

  it('when an operator adds, or a sign-up finishes for, an address whose account is still plain, then that account is sealed and used — no second one', async () => {
    const added = `added.${u}@example.com`;
    const addedId = await plainUser(added, 'Plain Added');
    const made = await db.users.upsert({ email: added, displayName: 'Now Agent-Named', role: 'auditor', teamId: null, locale: 'en' });
    expect(made).to.include({ id: Number(addedId), displayName: 'Now Agent-Named', role: 'auditor' });

    const signed = `signed.${u}@example.com`;
    const signedId = await plainUser(signed, 'Name The Desk Knows');
    const token = `race-token-${u}`;
    await queueSignUp(signed, 'Name Given At Sign-Up', token);
    expect(await db.signUps.complete(sha256(token))).to.deep.equal({ ok: true, userId: Number(signedId) });
    expect(await db.users.findByEmail(signed)).to.include({ id: Number(signedId), displayName: 'Name The Desk Knows', hasPassword: true, emailVerified: true });

    const plain = await q(`SELECT 1 FROM users WHERE email IN (:emails) OR display_name_sealed IS NULL AND id IN (:ids)`, { emails: [added, signed], ids: [addedId, signedId] });
    expect(plain).to.deep.equal([]);
  });

  it('when a sign-up is finished while an erasure of its person holds the person, then the completion waits, is refused as an unknown link, and no account of the erased person remains', async () => {
    const email = `erased.${u}@example.com`;
    const token = `erased-token-${u}`;
    await queueSignUp(email, 'Soon Erased', token);
    const personId = (await db.vault.knownRef(email))!;

    // The erasure is held after it locked the person: one of their data keys is locked here, so it waits to destroy it.
    const hold = await db.sequelize.transaction();
    await db.sequelize.query(`SELECT 1 FROM data_keys WHERE person_id = :personId FOR UPDATE`, { replacements: { personId }, transaction: hold });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sealing-races-'));
    const erasure = erasePerson(erasureDeps({ erasureLedger: path.join(dir, 'ledger.jsonl') }, db), { email, reason: 'Art. 17 GDPR request, case R-1', actor: 'cli:test' });
    await waitFor('the erasure to wait for the data key', async () => (await waitingOn('UPDATE data_keys SET wrapped = NULL%')) > 0, 20_000);

    const completion = db.signUps.complete(sha256(token));
    // (It waits for the person, which the erasure holds.)
    await waitFor('the completion to wait too', async () => (await waitingOn('%')) === 2, 20_000);
    await hold.commit();

    expect((await erasure).person).to.equal(personId);
    expect(await completion).to.deep.equal({ ok: false, reason: 'unknown' });
    expect(await q(`SELECT id FROM users WHERE person_id = :personId OR email_bidx = :bidx`, { personId, bidx: await db.vault.blindIndex(email) })).to.deep.equal([]);
    expect(await q(`SELECT id FROM pending_sign_ups WHERE person_id = :personId`, { personId })).to.deep.equal([]);
    expect(await db.users.findByEmail(email)).to.equal(undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

  async function queueSignUp(email: string, name: string, token: string): Promise<void> {
    const link = `/sign-up/complete/${token}`;
    await db.signUps.queue(
      { recipient: email, language: 'en', kind: 'sign_up_link', payload: { subject: 'Finish your sign-up', text: `Open ${link}`, link } },
      { email, displayName: name, locale: 'en', timeZone: 'Europe/Warsaw', passwordHash: 'argon2id-hash-stand-in', expiresAt: new Date(Date.now() + 3_600_000), tokenHash: sha256(token) },
      true,
    );
  }

  /** How many statements of this database wait for a lock, by the start of their text. */
  async function waitingOn(like: string): Promise<number> {
    const [row] = await q<{ n: string }>(
      `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE :like`,
      { like },
    );
    return Number(row!.n);
  }
});
