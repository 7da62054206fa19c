/**
 * The audit log, proven (docs/audit-proof.md): `helpdesk audit verify` over the chain and the
 * signed checkpoints, the periodic checkpoint activity, and the population export as a signed
 * bundle that `helpdesk audit verify-bundle` checks offline. Real PostgreSQL, real CLI processes.
 */
import { expect } from 'chai';
import { createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QueryTypes, type Sequelize } from 'sequelize';
import { createAuditCheckpointActivities } from '../activities/audit-checkpoint.ts';
import { entryHash } from '../db/audit-repo.ts';
import { migrate } from '../db/migrate.ts';
import { connect } from '../db/sequelize.ts';
import { createTicketsRepo } from '../db/tickets-repo.ts';
import { auditCheckpointsFor, newSigningKeyPem, signerOf } from '../runtime/audit-signing-key.ts';
import { verifyBundle, type EvidenceBundle, type PopulationMeta } from '../services/audit/bundle.ts';
import { writeCheckpoint } from '../services/audit/checkpoints.ts';
import { sha256Hex, shortKeyId } from '../services/audit/signature.ts';
import type { TicketEvent, TicketSnapshot } from '../workflows/types.ts';
import { freshDatabaseUrl, log, onCleanup, testConfig } from './support/env.ts';
import { spawnHelpdesk } from './support/processes.ts';
import { repositoriesOn } from './support/users.ts';

/** A fresh, migrated database with `n` audit entries. */
async function helpdeskWith(label: string, n: number) {
  const url = await freshDatabaseUrl(label);
  const sequelize = connect({ url });
  onCleanup(() => sequelize.close());
  await migrate(sequelize, log);
  const repos = repositoriesOn(sequelize);
  const append = (i: number) => sequelize.transaction((t) => repos.audit.append({ actor: 'cli:ops', action: 'token.issued', subject: `user:${i}`, details: { tokenId: i } }, t));
  for (let i = 1; i <= n; i++) await append(i);
  const proof = auditCheckpointsFor(testConfig(), repos, log);
  return { url, sequelize, repos, proof, append };
}

/** Runs SQL as only the table's owner could: with the immutability trigger off for a moment. */
async function tamper(sequelize: Sequelize, sql: string, table = 'audit_log'): Promise<void> {
  const trigger = `${table}_immutable_rows`;
  await sequelize.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
  try {
    await sequelize.query(sql);
  } finally {
    await sequelize.query(`ALTER TABLE ${table} ENABLE TRIGGER ${trigger}`);
  }
}

async function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const p = spawnHelpdesk(args, env);
  const code = await p.exited;
  return { code, output: p.output() };
}

describe('helpdesk audit verify: the chain and its signed checkpoints', function () {
  this.timeout(180_000);

  it('when the database is untouched, verify passes; after a superuser rewrites one row behind the trigger, it names that entry and exits 1', async () => {
    const { url, sequelize } = await helpdeskWith('proof_cli', 3);
    const env = { DATABASE_URL: url };
    let r = await run(['audit', 'verify'], env);
    expect(r.code, r.output).to.equal(0);
    expect(r.output).to.include('3 entries, chain intact').and.include('No signed checkpoint yet');

    r = await run(['audit', 'checkpoint'], env);
    expect(r.code, r.output).to.equal(0);
    expect(r.output).to.match(/Checkpoint #1 signed: entry #3, hash [0-9a-f]{64}, key [0-9a-f]{32}, at \S+Z\./);
    r = await run(['audit', 'verify'], env);
    expect(r.code, r.output).to.equal(0);
    expect(r.output).to.include('3 entries, chain intact').and.include('1 checkpoint, all valid; the newest is #1, covering entry #3');

    await tamper(sequelize, `UPDATE audit_log SET details = '{"tokenId": 99}' WHERE seq = 2`);
    r = await run(['audit', 'verify'], env);
    expect(r.code, r.output).to.equal(1);
    expect(r.output).to.match(/The audit log's chain is broken at entry #2: its hash should be [0-9a-f]{64} but is [0-9a-f]{64}\. The 1 entries before it are intact/);
  });

  it('when an entry is rewritten and the whole chain after it recomputed, the chain passes but the checkpoints do not: verify names the entry and its checkpoint', async () => {
    const { url, sequelize, repos, proof, append } = await helpdeskWith('proof_rewrite', 4);
    expect(await proof.write('manual')).to.deep.include({ id: 1, seq: 4, reason: 'manual' });
    await append(5);
    await append(6);
    expect(await proof.write('manual')).to.deep.include({ id: 2, seq: 6 });
    expect((await proof.verify()).ok).to.equal(true);

    // A careful forger: entry 4 changed, its hash and every later link recomputed.
    const entries = (await repos.audit.list(10)).reverse();
    let prev = entries[2]!.hash;
    for (const e of entries.slice(3)) {
      const body = { ...e, prevHash: prev, details: e.seq === 4 ? { tokenId: 44 } : e.details };
      const hash = entryHash(body);
      await tamper(sequelize, `UPDATE audit_log SET details = '${JSON.stringify(body.details)}', prev_hash = '${prev}', hash = '${hash}' WHERE seq = ${e.seq}`);
      prev = hash;
    }
    expect(await repos.audit.verify()).to.deep.equal({ ok: true, entries: 6 });
    const check = await proof.verify();
    expect(check.ok).to.equal(false);
    expect(check.problems.map((p) => [p.kind, p.checkpoint, p.seq])).to.deep.equal([['hash', 1, 4], ['hash', 2, 6]]);
    expect(check.firstBad!.seq).to.equal(4);
    const r = await run(['audit', 'verify'], { DATABASE_URL: url });
    expect(r.code, r.output).to.equal(1);
    expect(r.output).to.include('6 entries, chain intact');
    expect(r.output).to.match(/Entry #4 does not match Checkpoint #1 \(entry #4, signed \S+\): it had hash [0-9a-f]{64} when signed and has [0-9a-f]{64} now\. The audit log was rewritten at or before entry #4\./);
    expect(r.output).to.include('Entry #6 does not match Checkpoint #2 (entry #6');
  });

  it('when a checkpoint is deleted or edited behind its trigger, or signed by another key, verify says which', async () => {
    const { sequelize, repos, proof } = await helpdeskWith('proof_checkpoints', 2);
    await proof.write('manual');
    await proof.write('manual');
    await proof.write('export');
    const answer = await sequelize.query(`UPDATE audit_checkpoints SET seq = 1 WHERE id = 1`).then(() => 'accepted', (e: Error) => e.message);
    expect(answer).to.equal('audit_checkpoints is append-only: checkpoint 1 cannot be updated; write a new checkpoint instead');

    const stranger = signerOf(createPrivateKey(newSigningKeyPem()));
    await writeCheckpoint({ checkpoints: repos.auditCheckpoints }, () => stranger, 'manual');
    let check = await proof.verify();
    expect(check.ok, 'another key alone does not fail the check').to.equal(true);
    expect(check.otherKeys).to.deep.equal([{ keyId: stranger.keyId, checkpoints: 1, first: 4, last: 4 }]);

    const third = (await proof.list())[2]!;
    await tamper(sequelize, `DELETE FROM audit_checkpoints WHERE id = 2`, 'audit_checkpoints');
    await tamper(sequelize, `UPDATE audit_checkpoints SET seq = 1 WHERE id = 3`, 'audit_checkpoints');
    check = await proof.verify();
    expect(check.ok).to.equal(false);
    expect(check.problems.map((p) => p.sentence)).to.deep.equal([
      'Checkpoint #2 is missing: the checkpoints go from #1 to #3, so one was deleted outside the helpdesk.',
      `Checkpoint #3 (entry #1, signed ${third.signedAt})'s signature does not verify under its public key: its entry number, hash, time or key id was changed after signing (or the signature itself).`,
    ]);
  });

  it('when the worker\'s periodic activity runs, it writes a checkpoint only when the log has grown since the last one', async () => {
    const { proof, append } = await helpdeskWith('proof_periodic', 0);
    const activities = createAuditCheckpointActivities({ auditCheckpoint: proof });
    expect(await activities.writeAuditCheckpoint({ reason: 'periodic' }), 'an empty log').to.equal(null);
    await append(1);
    expect(await activities.writeAuditCheckpoint({ reason: 'periodic' })).to.deep.equal({ seq: 1 });
    expect(await activities.writeAuditCheckpoint({ reason: 'periodic' }), 'not grown').to.equal(null);
    await append(2);
    expect(await activities.writeAuditCheckpoint({ reason: 'periodic' })).to.deep.equal({ seq: 2 });
    expect((await proof.list()).map((c) => [c.id, c.seq, c.reason])).to.deep.equal([[1, 1, 'periodic'], [2, 2, 'periodic']]);
  });
});

const at = (iso: string) => new Date(iso).toISOString();

/** Projects a ticket's events into the read model as the workflow's recordEvent does. */
async function ticket(sequelize: Sequelize, number: string, events: Array<Partial<TicketEvent> & { type: string; occurredAt: string }>, end: Partial<TicketSnapshot>) {
  const tickets = createTicketsRepo(sequelize);
  const created = events[0]!.occurredAt;
  const base: TicketSnapshot = {
    number, workflowId: `ticket-${number}`, title: 'Drukarka płonie w pokoju 12', description: 'Pani Kowalska zgłasza', requesterEmail: 'p.kowalska@example.com',
    locale: 'pl', channel: 'portal', impact: 'high', urgency: 'high', category: 'hardware', priority: null, status: 'new', tier: null, teamId: null,
    assignee: null, rulesVersion: null, sla: null, createdAt: at(created), updatedAt: at(created), lastEventSeq: 0,
  };
  let seq = 0;
  for (const e of events) {
    seq += 1;
    const last = seq === events.length;
    await tickets.project({ ...base, ...end, status: last ? end.status! : 'in_progress', updatedAt: at(e.occurredAt), lastEventSeq: seq },
      { seq, actor: 'system', reason: null, data: {}, ...e, occurredAt: at(e.occurredAt) });
  }
}

const sla = (breached: Array<'response' | 'resolution'>) => ({
  policyId: 'p1-gold', calendarId: 'office-pl', businessHours: true, responseTargetMs: 3_600_000, resolutionTargetMs: 28_800_000,
  responseDueAt: null, resolutionDueAt: null, responded: true, paused: false, breached,
});

describe('helpdesk audit population and verify-bundle', function () {
  this.timeout(180_000);

  it('when a period is exported, the bundle holds the CSV of its tickets\' SLA outcomes, the query, its row count and SHA-256; verify-bundle passes it and fails it altered by one byte', async () => {
    const { url, sequelize } = await helpdeskWith('proof_population', 1);
    await ticket(sequelize, 'HD-2026-000001', [
      { type: 'created', occurredAt: '2026-11-02T08:00:00Z' },
      { type: 'classified', occurredAt: '2026-11-02T08:00:01Z' },
      { type: 'responded', occurredAt: '2026-11-02T08:30:00Z' },
      { type: 'sla_breached', occurredAt: '2026-11-03T16:00:00Z', actor: 'sla', data: { clock: 'resolution' } },
      { type: 'escalated', occurredAt: '2026-11-03T16:00:01Z', actor: 'ladder' },
      { type: 'resolved', occurredAt: '2026-11-04T10:00:00Z' },
      { type: 'closed', occurredAt: '2026-11-05T10:00:00Z' },
    ], { status: 'closed', priority: 'P1', rulesVersion: 1, sla: sla(['resolution']) });
    await sequelize.query(`INSERT INTO ticket_decisions (ticket_number, kind, decided_at, rules_version, rules_hash, facts, outcome)
      VALUES ('HD-2026-000001', 'classified', '2026-11-02T08:00:00Z', 1, :hash, '{"requester": {"serviceLevel": "gold"}}', '{}')`, { replacements: { hash: 'a'.repeat(64) } });
    await ticket(sequelize, 'HD-2026-000002', [
      { type: 'created', occurredAt: '2026-11-09T08:00:00Z' },
      { type: 'cancelled', occurredAt: '2026-11-10T08:00:00Z' },
    ], { status: 'cancelled' });
    await ticket(sequelize, 'HD-2026-000003', [
      { type: 'created', occurredAt: '2026-11-20T08:00:00Z' },
      { type: 'closed', occurredAt: '2026-12-02T08:00:00Z' },
    ], { status: 'closed', priority: 'P3', rulesVersion: 1, sla: sla([]) });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-bundle-'));
    onCleanup(async () => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'november.json');
    const env = { DATABASE_URL: url };
    let r = await run(['audit', 'population', '--closed-between', '2026-11-01', '2026-12-01', '--out', file], env);
    expect(r.code, r.output).to.equal(0);

    const text = fs.readFileSync(file, 'utf8');
    const bundle = JSON.parse(text) as EvidenceBundle;
    const csv = bundle.files['population.csv']!;
    const meta = JSON.parse(bundle.files['population.json']!) as PopulationMeta;
    expect(meta.rows).to.equal(2);
    expect(csv.trimEnd().split('\n')).to.have.length(1 + meta.rows);
    expect(meta.sha256).to.equal(sha256Hex(csv));
    expect(r.output).to.include(`Wrote ${file}: 2 tickets closed from 2026-11-01T00:00:00.000Z to 2026-12-01T00:00:00.000Z; population.csv SHA-256 ${meta.sha256}`);
    expect(csv.split('\n').slice(0, 3)).to.deep.equal([
      'number,created_at,closed_at,status,priority,service_level,policy,calendar,rules_version,response_target_ms,resolution_target_ms,response,resolution,escalations',
      'HD-2026-000001,2026-11-02T08:00:00.000Z,2026-11-05T10:00:00.000Z,closed,P1,gold,p1-gold,office-pl,1,3600000,28800000,met,breached,1',
      'HD-2026-000002,2026-11-09T08:00:00.000Z,2026-11-10T08:00:00.000Z,cancelled,,,,,,,,none,none,0',
    ]);
    expect(text).not.to.include('Kowalska').and.not.to.include('Drukarka').and.not.to.include('@example');
    expect(bundle.files['query.sql']).to.equal(meta.query);
    expect(meta.parameters).to.deep.equal({ from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' });
    // The query, run again with its parameters, gives the CSV's rows.
    const again = await sequelize.query<Record<string, string | null>>(meta.query, { replacements: { from: new Date(meta.parameters.from!), to: new Date(meta.parameters.to!) }, type: QueryTypes.SELECT });
    expect(again.map((row) => row.number)).to.deep.equal(['HD-2026-000001', 'HD-2026-000002']);
    // The export is in the audit log, and the bundle's checkpoint covers it.
    expect(bundle.checkpoint).to.deep.include({ seq: 2, reason: 'export' });
    expect(bundle.checkpoint.entry).to.deep.include({ action: 'audit.population_exported', subject: 'period:2026-11-01T00:00:00.000Z/2026-12-01T00:00:00.000Z', details: { rows: 2, sha256: meta.sha256 } });
    expect(verifyBundle(text).ok).to.equal(true);

    r = await run(['audit', 'verify-bundle', file], {});
    expect(r.code, r.output).to.equal(0);
    expect(r.output).to.include(`${file}: intact. A population bundle of 2026-11-01T00:00:00.000Z/2026-12-01T00:00:00.000Z with 3 files, signed by key ${shortKeyId(bundle.keyId)}`);

    // One byte of the CSV changed (a "breached" made "breaches"): named, exit 1.
    const altered = path.join(dir, 'altered.json');
    const i = text.indexOf('met,breached,1');
    fs.writeFileSync(altered, `${text.slice(0, i + 11)}s${text.slice(i + 12)}`);
    r = await run(['audit', 'verify-bundle', altered], {});
    expect(r.code, r.output).to.equal(1);
    expect(r.output).to.include(`${altered}: NOT intact`).and.match(/File population\.csv: its SHA-256 is [0-9a-f]{64}, but the manifest says [0-9a-f]{64}: the file was altered\./);

    const cut = path.join(dir, 'cut.json');
    fs.writeFileSync(cut, text.slice(0, -3));
    r = await run(['audit', 'verify-bundle', cut], {});
    expect(r.code, r.output).to.equal(1);
    expect(r.output).to.match(/The bundle is not valid JSON \(.*\): it was altered or cut short/);

    r = await run(['audit', 'verify-bundle', file, '--key-id', 'ffff'], {});
    expect(r.code, r.output).to.equal(1);
    expect(r.output).to.include('not by the key ffff you expected');
    r = await run(['audit', 'population', '--closed-between', '2026-11-01', '2026-12-01', '--out', file], env);
    expect(r.code).to.equal(2);
    expect(r.output).to.include('exists already: give another --out');
  });
});
