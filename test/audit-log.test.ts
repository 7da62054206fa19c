import { expect } from 'chai';
import os from 'node:os';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createAuditRepo, entryHash, GENESIS_HASH, verifyAuditChain, type AuditEntry } from '../db/audit-repo.ts';
import { migrate } from '../db/migrate.ts';
import { connect } from '../db/sequelize.ts';
import { freshDatabaseUrl, log, onCleanup } from './support/env.ts';
import { spawnHelpdesk } from './support/processes.ts';
import { repositoriesOn } from './support/users.ts';

/** A fresh, migrated database with no audit entry yet. */
async function emptyHelpdesk(label: string) {
  const url = await freshDatabaseUrl(label);
  const sequelize = connect({ url });
  onCleanup(() => sequelize.close());
  await migrate(sequelize, log);
  const repos = repositoriesOn(sequelize);
  return { url, sequelize, audit: createAuditRepo(sequelize), users: repos.users, tokens: repos.apiTokens };
}

/** The entries oldest first, with the id of the transaction that wrote each. */
const rowsOf = (sequelize: Sequelize) =>
  sequelize.query<{ seq: string; action: string; subject: string; actor: string; details: Record<string, unknown>; xid: string }>(
    `SELECT seq::text, action, subject, actor, details, xmin::text AS xid FROM audit_log ORDER BY audit_log.seq`, { type: QueryTypes.SELECT });

/** What PostgreSQL answers to a statement (its error message), or 'accepted'. */
async function answerTo(sequelize: Sequelize, sql: string): Promise<string> {
  try {
    await sequelize.query(sql);
    return 'accepted';
  } catch (err) {
    return (err as Error).message;
  }
}

/** Edits an entry as only the table's owner could: with the immutability trigger off for a moment. */
async function tamper(sequelize: Sequelize, sql: string): Promise<void> {
  await sequelize.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_immutable_rows`);
  try {
    await sequelize.query(sql);
  } finally {
    await sequelize.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_immutable_rows`);
  }
}

describe('audit log: what is recorded', () => {
  it('when an operator issues and revokes a token, each appends one entry in the same transaction as the change, without the token or an address', async () => {
    const { sequelize, users, tokens } = await emptyHelpdesk('audit_tokens');
    const nina = await users.upsert({ email: 'nina.audit@example.com', displayName: 'Nina', role: 'agent', teamId: null, locale: 'en' }, 'cli:ops');
    const made = (await tokens.create('nina.audit@example.com', 'laptop', 'cli:ops'))!;
    const [tokenRow] = await sequelize.query<{ id: string; xid: string }>(`SELECT id::text, xmin::text AS xid FROM api_tokens`, { type: QueryTypes.SELECT });

    let rows = await rowsOf(sequelize);
    expect(rows.map((r) => r.action)).to.deep.equal(['user.created', 'token.issued']);
    expect(rows[1]).to.deep.include({ seq: '2', actor: 'cli:ops', subject: `user:${nina.id}`, details: { tokenId: Number(tokenRow!.id), name: 'laptop' } });
    expect(rows[1]!.xid, 'the token and its entry were written by one transaction').to.equal(tokenRow!.xid);

    expect(await tokens.revoke(made.token, 'cli:ops')).to.equal(true);
    const [revoked] = await sequelize.query<{ xid: string }>(`SELECT xmin::text AS xid FROM api_tokens`, { type: QueryTypes.SELECT });
    rows = await rowsOf(sequelize);
    expect(rows.map((r) => r.action)).to.deep.equal(['user.created', 'token.issued', 'token.revoked']);
    expect(rows[2]).to.deep.include({ subject: `user:${nina.id}`, details: { tokenId: Number(tokenRow!.id), name: 'laptop' } });
    expect(rows[2]!.xid, 'the revocation and its entry were written by one transaction').to.equal(revoked!.xid);

    const dump = JSON.stringify(await sequelize.query(`SELECT * FROM audit_log`, { type: QueryTypes.SELECT }));
    expect(dump).not.to.include(made.token);
    expect(dump).not.to.include(made.token.slice(3, 20));
    expect(dump).not.to.include('@');
  });

  it('when a change fails (revoking a token that is not live, a token for nobody), nothing is appended; when the entry fails, the change is undone', async () => {
    const { sequelize, users, tokens } = await emptyHelpdesk('audit_fail');
    await users.upsert({ email: 'olga.audit@example.com', displayName: 'Olga', role: 'agent', teamId: null, locale: 'en' }, 'cli:ops');
    const made = (await tokens.create('olga.audit@example.com', 'cli', 'cli:ops'))!;
    expect(await tokens.revoke(made.token, 'cli:ops')).to.equal(true);
    const before = (await rowsOf(sequelize)).length;
    expect(await tokens.revoke(made.token, 'cli:ops'), 'revoked twice').to.equal(false);
    expect(await tokens.revoke('hd_not-a-token-at-all', 'cli:ops')).to.equal(false);
    expect(await tokens.create('ghost@example.com', 'cli', 'cli:ops')).to.equal(undefined);
    expect((await rowsOf(sequelize)).length).to.equal(before);

    // And the other way round: an entry the database refuses (a blank actor) undoes the change it records.
    const tokensBefore = await sequelize.query(`SELECT id FROM api_tokens`, { type: QueryTypes.SELECT });
    const refused = await tokens.create('olga.audit@example.com', 'cli', '  ').then(() => 'made', (err: Error) => err.message);
    expect(refused).to.include('audit_log_actor_check');
    expect(await sequelize.query(`SELECT id FROM api_tokens`, { type: QueryTypes.SELECT })).to.deep.equal(tokensBefore);
    expect((await rowsOf(sequelize)).length).to.equal(before);
  });

  it('when an operator creates a user and later changes their role or team, each is one entry by id; saving the same again appends nothing', async () => {
    const { sequelize, users } = await emptyHelpdesk('audit_roles');
    await sequelize.query(`INSERT INTO teams (id, name, tier) VALUES ('net-l2', 'Network', 'L2')`);
    const team = 'net-l2';
    const u = { email: 'piotr.audit@example.com', displayName: 'Piotr', locale: 'pl' } as const;
    const piotr = await users.upsert({ ...u, role: 'requester', teamId: null }, 'cli:ops');
    await users.upsert({ ...u, displayName: 'Piotr K.', role: 'requester', teamId: null }, 'cli:ops');
    await users.upsert({ ...u, role: 'agent', teamId: null }, 'cli:root');
    await users.upsert({ ...u, role: 'agent', teamId: team }, 'cli:root');
    const [userRow] = await sequelize.query<{ xid: string }>(`SELECT xmin::text AS xid FROM users WHERE id = :id`, { replacements: { id: piotr.id }, type: QueryTypes.SELECT });

    const rows = await rowsOf(sequelize);
    expect(rows.map((r) => [r.action, r.subject, r.actor])).to.deep.equal([
      ['user.created', `user:${piotr.id}`, 'cli:ops'],
      ['user.role_changed', `user:${piotr.id}`, 'cli:root'],
      ['user.role_changed', `user:${piotr.id}`, 'cli:root'],
    ]);
    expect(rows[0]!.details).to.deep.equal({ role: 'requester', teamId: null, teamLead: false });
    expect(rows[1]!.details).to.deep.equal({ from: { role: 'requester', teamId: null, teamLead: false }, to: { role: 'agent', teamId: null, teamLead: false } });
    expect(rows[2]!.details, 'a team change alone').to.deep.equal({ from: { role: 'agent', teamId: null, teamLead: false }, to: { role: 'agent', teamId: team, teamLead: false } });
    expect(rows[2]!.xid, 'the role change and its entry were written by one transaction').to.equal(userRow!.xid);
    expect(JSON.stringify(rows)).not.to.include('@').and.not.to.include('Piotr');
  });
});

describe('audit log: append-only and chained', () => {
  it('when anyone runs UPDATE, DELETE or TRUNCATE on the audit log, PostgreSQL itself refuses and the entry stays', async () => {
    const { sequelize, users } = await emptyHelpdesk('audit_immutable');
    await users.upsert({ email: 'rita.audit@example.com', displayName: 'Rita', role: 'admin', teamId: null, locale: 'de' }, 'cli:ops');
    expect(await answerTo(sequelize, `UPDATE audit_log SET actor = 'someone else' WHERE seq = 1`))
      .to.equal('audit_log is append-only: entry 1 cannot be updated; record a new entry instead');
    expect(await answerTo(sequelize, `DELETE FROM audit_log`))
      .to.equal('audit_log is append-only: entry 1 cannot be deleted; record a new entry instead');
    expect(await answerTo(sequelize, `TRUNCATE audit_log`)).to.equal('audit_log is append-only: the audit log cannot be truncated');
    expect((await rowsOf(sequelize)).map((r) => [r.seq, r.actor])).to.deep.equal([['1', 'cli:ops']]);
    expect(await verifyAuditChain(sequelize)).to.deep.equal({ ok: true, entries: 1 });
  });

  it('when 20 entries are appended at once, they form one unbroken chain 1…20', async () => {
    const { sequelize, audit } = await emptyHelpdesk('audit_concurrent');
    await Promise.all(Array.from({ length: 20 }, (_, i) =>
      sequelize.transaction((t) => audit.append({ actor: `system:test-${i}`, action: 'rules.published', subject: `rules:${i + 1}`, details: { n: i } }, t))));
    const entries = (await audit.list(100)).reverse();
    expect(entries.map((e) => e.seq)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(entries[0]!.prevHash).to.equal(GENESIS_HASH);
    entries.forEach((e, i) => {
      if (i > 0) expect(e.prevHash, `entry ${e.seq} links to entry ${e.seq - 1}`).to.equal(entries[i - 1]!.hash);
      expect(e.hash).to.equal(entryHash(e));
    });
    expect(new Set(entries.map((e) => e.actor)).size).to.equal(20);
    expect(await verifyAuditChain(sequelize)).to.deep.equal({ ok: true, entries: 20 });
  });

  it('when an entry is edited behind the trigger, verification names that entry, the hash it should have and the one it has', async () => {
    const { sequelize, audit } = await emptyHelpdesk('audit_tamper');
    for (let i = 1; i <= 5; i++) {
      await sequelize.transaction((t) => audit.append({ actor: 'cli:ops', action: 'token.issued', subject: `user:${i}`, details: { tokenId: i } }, t));
    }
    const stored = (await audit.list(5)).find((e) => e.seq === 3)!;
    await tamper(sequelize, `UPDATE audit_log SET details = '{"tokenId": 99}' WHERE seq = 3`);
    const edited: AuditEntry = { ...stored, details: { tokenId: 99 } };
    expect(await verifyAuditChain(sequelize)).to.deep.equal({ ok: false, entries: 2, seq: 3, field: 'hash', expected: entryHash(edited), found: stored.hash });

    // A careful forger recomputes entry 3's hash too: then entry 4 no longer links to it.
    await tamper(sequelize, `UPDATE audit_log SET hash = '${entryHash(edited)}' WHERE seq = 3`);
    expect(await verifyAuditChain(sequelize)).to.deep.include({ ok: false, entries: 3, seq: 4, field: 'prev_hash', expected: entryHash(edited), found: stored.hash });

    await tamper(sequelize, `DELETE FROM audit_log WHERE seq = 2`);
    expect(await verifyAuditChain(sequelize)).to.deep.equal({ ok: false, entries: 1, seq: 2, field: 'seq', expected: '2', found: '3' });
  });
});

describe('helpdesk audit verify and list', function () {
  this.timeout(120_000);

  it('when an operator lists and verifies the log, the CLI shows their actions as cli:<user> and says whether the chain is intact', async () => {
    const env = { DATABASE_URL: await freshDatabaseUrl('audit_cli') };
    const add = spawnHelpdesk(['user', 'add', '--email', 'sara.audit@example.com', '--name', 'Sara', '--role', 'agent'], env);
    expect(await add.exited).to.equal(0);
    const id = /is #(\d+)/.exec(add.output())![1];
    const made = spawnHelpdesk(['token', 'create', '--email', 'sara.audit@example.com', '--name', 'laptop'], env);
    expect(await made.exited).to.equal(0);

    const verify = spawnHelpdesk(['audit', 'verify'], env);
    expect(await verify.exited).to.equal(0);
    // Adding a staff member issues their enrolment code for the second factor: audited too.
    expect(verify.output()).to.include('3 entries, chain intact');

    const list = spawnHelpdesk(['audit', 'list', '--json', '--limit', '5'], env);
    let stdout = '';
    list.child.stdout!.on('data', (d: Buffer) => { stdout += d.toString(); });
    expect(await list.exited).to.equal(0);
    const entries = JSON.parse(stdout) as AuditEntry[];
    const actor = `cli:${os.userInfo().username}`;
    expect(entries.map((e) => [e.seq, e.action, e.subject, e.actor])).to.deep.equal([[3, 'token.issued', `user:${id}`, actor], [2, 'staff.enrolment_code_issued', `user:${id}`, actor], [1, 'user.created', `user:${id}`, actor]]);

    const text = spawnHelpdesk(['audit', 'list', '--limit', '1'], env);
    expect(await text.exited).to.equal(0);
    expect(text.output()).to.match(new RegExp(`#3 {2}\\S+Z {2}${actor} {2}token\\.issued {2}user:${id} {2}\\{"name":"laptop","tokenId":\\d+\\}`));
    expect(text.output()).not.to.include('#2 ');

    const badLimit = spawnHelpdesk(['audit', 'list', '--limit', 'lots'], env);
    expect(await badLimit.exited).to.equal(2);
    expect(badLimit.output()).to.include('--limit must be a whole number from 1 to 100000, not "lots".');

    const sequelize = connect({ url: env.DATABASE_URL });
    onCleanup(() => sequelize.close());
    await tamper(sequelize, `UPDATE audit_log SET actor = 'cli:someone-else' WHERE seq = 1`);
    const broken = spawnHelpdesk(['audit', 'verify'], env);
    expect(await broken.exited).to.equal(1);
    expect(broken.output()).to.match(/The audit log's chain is broken at entry #1: its hash should be [0-9a-f]{64} but is [0-9a-f]{64}\. The 0 entries before it are intact/);
  });
});
