import { expect } from 'chai';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createRulesRepo } from '../db/rules-repo.ts';
import { migrate } from '../db/migrate.ts';
import { connect } from '../db/sequelize.ts';
import { evaluate } from '../rules/evaluate.ts';
import { hashRules } from '../rules/hash.ts';
import type { RulesFile } from '../rules/types.ts';
import {
  createRulesVersions, DEFAULT_RULES_COMMENT, loadDefaultRulesText, RulesVersionIntegrityError,
  UnknownRulesVersionError,
} from '../rules/versions.ts';
import type { RulesVersions } from '../rules/versions.ts';
import { createRepositories, publishDefaultIfEmpty } from '../runtime/compose.ts';

/** What a start does after its migrations, on this connection (as another process would, with its own). */
const publishOn = (sequelize: Parameters<typeof createRepositories>[0]) => publishDefaultIfEmpty(createRepositories(sequelize, () => { throw new Error('no master key in this test'); }).rules);
import { openDatabase } from '../runtime/stack.ts';
import { freshDatabaseUrl, log, onCleanup, testConfig } from './support/env.ts';
import { defaultRules, defaultRulesText, ticket, WEDNESDAY_MORNING } from './rules-fixtures.ts';

/**
 * A fresh database with the schema and no rules version at all: connected and migrated directly
 * (not through openDatabase), so these tests start from an empty table whatever the start-up does.
 */
async function emptyHelpdesk(label: string): Promise<{ url: string; sequelize: Sequelize; versions: RulesVersions; rowCount(): Promise<number> }> {
  const url = await freshDatabaseUrl(label);
  const sequelize = connect({ url });
  onCleanup(() => sequelize.close());
  await migrate(sequelize, log);
  const repo = createRulesRepo(sequelize);
  return { url, sequelize, versions: createRulesVersions(repo), rowCount: () => repo.count() };
}

const textOf = (file: RulesFile): string => `${JSON.stringify(file, null, 2)}\n`;
const fasterSilverP2 = (f: RulesFile): void => { f.slaPolicies.find((p) => p.id === 'silver-p2')!.resolution = '4h'; };
const owner = { author: 'anna.process-owner', comment: 'Silver P2 tickets must be resolved within 4 hours (contract 2026/14)' };

describe('rules versions: publishing', () => {
  it('when a process owner publishes the first rules file, it becomes version 1 with its hash, author, comment and time, and is active', async () => {
    const { versions } = await emptyHelpdesk('rv_first');
    const before = Date.now();
    const result = await versions.publish(defaultRulesText(), { author: 'anna', comment: 'Go live' });
    const after = Date.now();
    if (!result.ok) expect.fail(JSON.stringify(result.problems));
    const v = result.version;
    expect(v).to.include({ version: 1, hash: hashRules(defaultRules()), author: 'anna', comment: 'Go live', rolledBackFrom: null, source: defaultRulesText(), ruleCount: 8 });
    expect(v.hash).to.match(/^[0-9a-f]{64}$/);
    expect(Date.parse(v.publishedAt)).to.be.within(before - 1000, after + 1000);
    expect(result.previous).to.equal(null);
    expect(v.file).to.deep.equal(defaultRules());

    const active = await versions.active();
    expect(active).to.include({ version: 1, hash: v.hash });
    expect(active.compiled).to.include({ version: 1, hash: v.hash, ruleCount: 8 });
    expect((await versions.get(1))?.source, 'the exact text published is kept').to.equal(defaultRulesText());
  });

  it('when a process owner publishes an invalid file, every problem is listed and the active version stays as it was', async () => {
    const { versions, rowCount } = await emptyHelpdesk('rv_invalid');
    await versions.publish(defaultRulesText(), owner);
    const before = await versions.active();
    const rowsBefore = await rowCount();

    const broken = defaultRules((f) => {
      f.slaPolicies[0]!.response = '15x';
      f.teams.find((t) => t.id === 'infrastructure')!.tier = 'L9';
    });
    const result = await versions.publish(textOf(broken), owner);
    if (result.ok) expect.fail('an invalid file was published');
    expect(result.problems.map((p) => [p.path, p.code])).to.deep.include.members([
      ['$.slaPolicies[0].response', 'BAD_DURATION'],
      ['$.teams[1].tier', 'UNKNOWN_TIER'],
    ]);
    expect(result.problems.every((p) => p.line !== undefined), 'problems found in text carry a line').to.equal(true);

    const notJson = await versions.publish('{ "name": "oops", }', owner);
    expect(notJson.ok).to.equal(false);
    expect(!notJson.ok && notJson.problems[0]).to.include({ code: 'INVALID_JSON', line: 1 });

    const nul = await versions.publish(textOf(defaultRules((f) => { f.description = 'pasted from a PDF\u0000'; })), owner);
    expect(!nul.ok && nul.problems.map((p) => p.code), 'a character PostgreSQL cannot store is refused, not a database error').to.deep.equal(['NUL_CHARACTER']);

    const after = await versions.active();
    expect({ version: after.version, hash: after.hash }).to.deep.equal({ version: before.version, hash: before.hash });
    expect(await rowCount(), 'nothing was written').to.equal(rowsBefore);
  });

  it('publishing rules identical to the active version (even reformatted) is refused, naming that version', async () => {
    const { versions, rowCount } = await emptyHelpdesk('rv_identical');
    await versions.publish(defaultRulesText(), owner);
    const reformatted = JSON.stringify(JSON.parse(defaultRulesText()));
    const result = await versions.publish(reformatted, { author: 'bob', comment: 'same again' });
    if (result.ok) expect.fail('identical rules were published');
    expect(result.problems).to.have.length(1);
    expect(result.problems[0]).to.include({ code: 'IDENTICAL_TO_ACTIVE', path: '$' });
    expect(result.problems[0]!.message).to.include('identical to active version 1');
    expect(await rowCount()).to.equal(1);
  });

  it('a publication without a comment saying why is refused', async () => {
    const { versions, rowCount } = await emptyHelpdesk('rv_comment');
    const result = await versions.publish(defaultRulesText(), { author: 'anna', comment: '   ' });
    expect(result.ok).to.equal(false);
    expect(!result.ok && result.problems.map((p) => p.code)).to.deep.equal(['MISSING_COMMENT']);
    expect(await rowCount()).to.equal(0);
  });

  it('when several process owners publish at the same moment, versions are numbered 1, 2, 3… without gaps or duplicates', async () => {
    const { versions } = await emptyHelpdesk('rv_race');
    const files = [1, 2, 3, 4, 5].map((n) => textOf(defaultRules((f) => { f.autoCloseAfter = `${n * 24}h`; })));
    const results = await Promise.all(files.map((text, i) => versions.publish(text, { author: `owner-${i}`, comment: `close after ${i + 1} days` })));
    const numbers = results.map((r) => (r.ok ? r.version.version : -1)).sort((a, b) => a - b);
    expect(numbers).to.deep.equal([1, 2, 3, 4, 5]);
    expect((await versions.list()).map((v) => v.version)).to.deep.equal([5, 4, 3, 2, 1]);
  });
});

describe('rules versions: history is immutable', () => {
  it('a published version cannot be changed or deleted, not even with SQL', async () => {
    const { sequelize, versions } = await emptyHelpdesk('rv_immutable');
    await versions.publish(defaultRulesText(), owner);
    const original = await versions.get(1);

    const attempts = [
      `UPDATE rules_versions SET comment = 'nobody will notice' WHERE version = 1`,
      `UPDATE rules_versions SET content = jsonb_set(content, '{autoCloseAfter}', '"1h"')`,
      `DELETE FROM rules_versions WHERE version = 1`,
      `TRUNCATE rules_versions`,
    ];
    for (const sql of attempts) {
      let error: unknown;
      await sequelize.query(sql).catch((e: unknown) => { error = e; });
      expect(error, sql).to.be.instanceOf(Error);
      expect((error as Error).message, sql).to.match(/rules_versions is append-only/);
    }
    expect(await versions.get(1)).to.deep.equal(original);
  });

  it('when stored content is changed behind the helpdesk\'s back (trigger disabled), loading that version fails loudly instead of using it', async () => {
    const { sequelize } = await emptyHelpdesk('rv_tamper');
    const versions = createRulesVersions(createRulesRepo(sequelize));
    await versions.publish(defaultRulesText(), owner);
    await sequelize.query(`ALTER TABLE rules_versions DISABLE TRIGGER rules_versions_immutable_rows`);
    await sequelize.query(`UPDATE rules_versions SET content = jsonb_set(content, '{autoCloseAfter}', '"1h"') WHERE version = 1`);
    await sequelize.query(`ALTER TABLE rules_versions ENABLE TRIGGER rules_versions_immutable_rows`);
    let error: unknown;
    await versions.active().catch((e: unknown) => { error = e; });
    expect(error).to.be.instanceOf(RulesVersionIntegrityError);
    expect(error).to.include({ code: 'RULES_VERSION_TAMPERED', version: 1 });
  });
});

describe('rules versions: changes, rollback and the active version', () => {
  it('a process owner sees what changed between two versions in words', async () => {
    const { versions } = await emptyHelpdesk('rv_diff');
    await versions.publish(defaultRulesText(), owner);
    const published = await versions.publish(textOf(defaultRules(fasterSilverP2)), owner);
    if (!published.ok) expect.fail(JSON.stringify(published.problems));
    expect(published.previous).to.equal(1);
    expect(published.changes.map((c) => c.text), 'publishing says what it changed').to.deep.equal(['P2 resolution (silver) 9h → 4h']);

    const forward = await versions.diff(1, 2);
    expect(forward).to.have.length(1);
    expect(forward[0]).to.deep.include({ kind: 'changed', subject: 'policy', from: '9h', to: '4h', text: 'P2 resolution (silver) 9h → 4h' });
    expect((await versions.diff(2, 1)).map((c) => c.text)).to.deep.equal(['P2 resolution (silver) 4h → 9h']);
    expect(await versions.diff(2, 2)).to.deep.equal([]);
    let error: unknown;
    await versions.diff(1, 7).catch((e: unknown) => { error = e; });
    expect(error).to.be.instanceOf(UnknownRulesVersionError).and.include({ version: 7 });
  });

  it('rolling back to version 1 publishes its content again as version 3, recording where it came from', async () => {
    const { versions, rowCount } = await emptyHelpdesk('rv_rollback');
    const v1 = await versions.publish(defaultRulesText(), owner);
    await versions.publish(textOf(defaultRules(fasterSilverP2)), owner);
    if (!v1.ok) expect.fail('version 1 was not published');

    const result = await versions.rollback(1, { author: 'duty.manager', comment: 'The 4h target cannot be staffed' });
    if (!result.ok) expect.fail(JSON.stringify(result.problems));
    expect(result.version).to.include({ version: 3, rolledBackFrom: 1, hash: v1.version.hash, source: v1.version.source, author: 'duty.manager', comment: 'The 4h target cannot be staffed' });
    expect(result.changes.map((c) => c.text)).to.deep.equal(['P2 resolution (silver) 4h → 9h']);
    expect(await versions.active()).to.include({ version: 3, hash: v1.version.hash });
    expect((await versions.get(2))?.file.slaPolicies.find((p) => p.id === 'silver-p2')?.resolution, 'version 2 is still there, unchanged').to.equal('4h');

    const list = await versions.list();
    expect(list.map((v) => [v.version, v.active, v.rolledBackFrom])).to.deep.equal([[3, true, 1], [2, false, null], [1, false, null]]);

    const again = await versions.rollback(1, { author: 'duty.manager', comment: 'twice' });
    expect(!again.ok && again.problems[0]?.message).to.include('identical to active version 3');
    const unknown = await versions.rollback(42, { author: 'duty.manager', comment: 'typo' });
    expect(!unknown.ok && unknown.problems[0]).to.include({ code: 'UNKNOWN_VERSION', path: 'version' });
    expect(await rowCount()).to.equal(3);
  });

  it('the active version is compiled once and reused until a newer version is published', async () => {
    const { versions } = await emptyHelpdesk('rv_active');
    await versions.publish(defaultRulesText(), owner);
    const first = await versions.active();
    expect((await versions.active()).compiled, 'same compiled rules object').to.equal(first.compiled);

    await versions.publish(textOf(defaultRules(fasterSilverP2)), owner);
    const second = await versions.active();
    expect(second.version).to.equal(2);
    expect(second.compiled).to.not.equal(first.compiled);
    const decision = await evaluate(second.compiled, ticket({ ticket: { impact: 'high', urgency: 'medium' }, requester: { serviceLevel: 'silver' } }), WEDNESDAY_MORNING);
    expect(decision).to.include({ priority: 'P2', serviceLevel: 'silver', rulesVersion: 2, rulesHash: second.hash });
    expect(decision.policy.resolutionMs).to.equal(4 * 3_600_000);
    expect((await versions.compiled(1)).compiled, 'an older version stays available for replays').to.equal(first.compiled);
  });
});

describe('rules versions: the default rules on first start', () => {
  it('when two helpdesk processes start at once on an empty database, the default rules are published exactly once, as version 1 by system', async () => {
    const { url, sequelize, rowCount } = await emptyHelpdesk('rv_default');
    // A second process: its own connection pool on the same database.
    const other = connect({ url });
    onCleanup(() => other.close());
    const results = await Promise.all([publishOn(sequelize), publishOn(other), publishOn(sequelize)]);
    expect(results.filter((r) => r.published)).to.have.length(1);
    expect(results.map((r) => r.version)).to.deep.equal([1, 1, 1]);
    expect(await rowCount()).to.equal(1);
    const [row] = await sequelize.query<{ author: string; comment: string; source: string }>(`SELECT author, comment, source FROM rules_versions`, { type: QueryTypes.SELECT });
    expect(row).to.deep.equal({ author: 'system', comment: DEFAULT_RULES_COMMENT, source: loadDefaultRulesText() });
    expect(await publishOn(other)).to.deep.equal({ published: false, version: 1 });
  });

  it('when the helpdesk opens a fresh database, the shipped default rules are active as version 1, and opening it again adds nothing', async () => {
    const url = await freshDatabaseUrl('rv_open');
    for (let start = 1; start <= 2; start++) {
      const db = await openDatabase(testConfig({ DATABASE_URL: url }), log);
      try {
        const versions = createRulesVersions(createRulesRepo(db.sequelize));
        expect((await versions.list()).map((v) => [v.version, v.author]), `start ${start}`).to.deep.equal([[1, 'system']]);
        expect((await versions.active()).hash).to.equal(hashRules(defaultRules()));
      } finally {
        await db.close();
      }
    }
  });

  it('once process owners have published, a start never publishes the default again', async () => {
    const { versions, sequelize } = await emptyHelpdesk('rv_default_later');
    await versions.publish(textOf(defaultRules(fasterSilverP2)), owner);
    expect(await publishOn(sequelize)).to.deep.equal({ published: false, version: 1 });
    expect((await versions.active()).file.slaPolicies.find((p) => p.id === 'silver-p2')?.resolution).to.equal('4h');
  });
});
