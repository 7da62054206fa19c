/**
 * A database restored from a backup taken before an erasure holds the person again — their
 * wrapped keys, account and search row. `reapplyErasures` (helpdesk privacy reapply-erasures)
 * applies the ledger again: the restored copy is erased once more, account included.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { erasureDeps } from '../runtime/compose.ts';
import { erasePerson, reapplyErasures } from '../services/privacy/erase.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isolatedStack, type IsolatedStack } from './support/env.ts';
import { request } from './support/http.ts';
import { waitFor } from './support/processes.ts';

type Row = Record<string, unknown>;

describe('privacy: re-applying erasures after a restore from an older backup', function () {
  this.timeout(120_000);
  // A database and an erasure ledger of its own: reapply checks the ledger against the audit log, which other tests' erasures (with their own ledgers) would fill.
  let env: IsolatedStack;
  const tag = randomUUID().slice(0, 8);
  const email = `restored.${tag}@example.com`;
  const title = `Axolotl${tag} badge reader beeps`;

  before(async () => {
    const ledger = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-reapply-')), 'erasure-ledger.jsonl');
    env = await isolatedStack('reapply', undefined, { env: { HELPDESK_ERASURE_LEDGER: ledger } });
  });

  const rows = (sql: string, replacements: Record<string, unknown>) => env.db.sequelize.query<Row>(sql, { replacements, type: QueryTypes.SELECT });
  const exec = (sql: string, replacements: Record<string, unknown>) => env.db.sequelize.query(sql, { replacements });
  const titleSeen = async (number: string) => (await request(env.web.url, 'GET', `/api/v1/tickets/${number}`, { token: env.agentToken })).body.title as string;

  it('when the rows of an erased person come back from a backup, then reapply erases them again — keys, account, search row — and the ticket reads [erased]', async () => {
    const user = await env.db.users.upsert({ email, displayName: `Restored ${tag}`, role: 'requester', teamId: null, locale: 'en' });
    const created = await request(env.web.url, 'POST', '/api/v1/tickets', { token: env.agentToken, body: { title, description: 'Since the update.', requesterEmail: email } });
    expect(created.status).to.equal(201);
    const number = created.body.number as string;
    await waitFor('the search projection', async () => (await rows(`SELECT 1 FROM ticket_search WHERE ticket_number = :number`, { number })).length > 0);
    const person = (await rows(`SELECT requester_ref AS id FROM tickets WHERE number = :number`, { number }))[0]!.id as string;

    // The "backup": the person's rows as they are before the erasure.
    const backup = {
      person: (await rows(`SELECT * FROM persons WHERE id = :person`, { person }))[0]!,
      keys: await rows(`SELECT id, master_key_id, encode(wrapped, 'base64') AS wrapped FROM data_keys WHERE person_id = :person`, { person }),
      user: (await rows(`SELECT row_to_json(u)::text AS json FROM users u WHERE id = :id`, { id: user.id }))[0]!.json as string,
      search: (await rows(`SELECT row_to_json(s)::text AS json FROM (SELECT ticket_number, ts_config::text, body FROM ticket_search WHERE ticket_number = :number) s`, { number }))[0]!.json as string,
    };

    const deps = erasureDeps(env.config, env.db);
    await erasePerson(deps, { email, reason: 'Art. 17 GDPR request, case DPO-9', actor: 'cli:test' });
    await waitFor('the erasure to be seen', async () => (await titleSeen(number)) === '[erased]', 10_000);

    // The "restore": those rows back as the backup had them.
    await exec(`UPDATE persons SET email_bidx = :bidx, email_sealed = :sealed, user_id = NULL, erased_at = NULL WHERE id = :person`, { bidx: backup.person.email_bidx, sealed: backup.person.email_sealed, person });
    for (const k of backup.keys) await exec(`UPDATE data_keys SET wrapped = decode(:wrapped, 'base64'), master_key_id = :mk, destroyed_at = NULL, destroyed_by = NULL WHERE id = :id`, { wrapped: k.wrapped, mk: k.master_key_id, id: k.id });
    await exec(`INSERT INTO users SELECT * FROM json_populate_record(NULL::users, :json::json)`, { json: backup.user });
    await exec(`INSERT INTO ticket_search (ticket_number, ts_config, body) SELECT ticket_number, ts_config::regconfig, body FROM json_populate_record(NULL::ticket_search, :json::json)`, { json: backup.search });
    await exec(`UPDATE tickets SET personal_data_erased_at = NULL WHERE number = :number`, { number });
    env.db.vault.forget();
    await waitFor('the restored ticket to read again', async () => (await titleSeen(number)) === title, 10_000);
    expect(await env.db.users.findByEmail(email)).to.not.equal(undefined);

    const r = await reapplyErasures(deps, 'cli:test');
    expect(r.keysDestroyed).to.equal(backup.keys.length);
    await waitFor('the erasure to be seen again', async () => (await titleSeen(number)) === '[erased]', 10_000);
    expect(await env.db.users.findByEmail(email), 'the restored account').to.equal(undefined);
    expect(await rows(`SELECT 1 FROM ticket_search WHERE ticket_number = :number`, { number })).to.deep.equal([]);
    expect(await rows(`SELECT 1 FROM data_keys WHERE person_id = :person AND wrapped IS NOT NULL`, { person })).to.deep.equal([]);
    expect((await rows(`SELECT erased_at FROM persons WHERE id = :person`, { person }))[0]!.erased_at).to.not.equal(null);
  });
});
