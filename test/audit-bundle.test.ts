/**
 * Evidence bundles, offline (services/audit/bundle.ts): built from sample parts, verified without
 * a database; one byte altered anywhere fails with a sentence naming what.
 * Pure: npx mocha --no-config --node-option import=tsx --extension ts test/audit-bundle.test.ts
 */
import { expect } from 'chai';
import { createPrivateKey } from 'node:crypto';
import { entryHash, GENESIS_HASH, type AuditEntry } from '../db/audit-repo.ts';
import { hashRules } from '../rules/hash.ts';
import { newSigningKeyPem, signerOf } from '../runtime/audit-signing-key.ts';
import { AUDIT_LOG_FILE, buildBundle, BundleBuildError, bundleText, rulesFileName, rulesVersionText, verifyBundle, type BundleParts } from '../services/audit/bundle.ts';
import { checkpointText, type CheckpointWithEntry } from '../services/audit/checkpoints.ts';
import { csvRecordCount } from '../services/audit/bundle-contents.ts';
import { populationCsv } from '../services/audit/population.ts';
import { sha256Hex, type Signer } from '../services/audit/signature.ts';

const signer = (): Signer => signerOf(createPrivateKey(newSigningKeyPem()));

/** A chain of `n` entries, as db/audit-repo.ts appends them. */
function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (let seq = 1; seq <= n; seq++) {
    const body = { seq, occurredAt: new Date(Date.UTC(2026, 10, 1, 9, seq)).toISOString(), actor: 'cli:ops', action: 'rules.published', subject: `rules:${seq}`, details: { n: seq, note: 'zażółć' }, prevHash: out.at(-1)?.hash ?? GENESIS_HASH };
    out.push({ ...body, hash: entryHash(body) });
  }
  return out;
}

function checkpointOf(entry: AuditEntry, s: Signer, id = 7): CheckpointWithEntry {
  const body = { seq: entry.seq, hash: entry.hash, signedAt: '2026-11-02T10:00:00.000Z', keyId: s.keyId };
  return { id, ...body, publicKey: s.publicKeyPem, signature: s.sign(checkpointText(body)), reason: 'export', entry };
}

const RULES_SOURCE = '{\n  "name": "sample rules",\n  "rules": []\n}\n';

function sampleParts(s: Signer): BundleParts {
  const entries = chain(3);
  return {
    kind: 'ticket',
    subject: 'HD-2026-000042',
    createdAt: '2026-11-02T10:00:01.000Z',
    files: {
      'timeline.json': JSON.stringify({ ticket: 'HD-2026-000042', events: [{ seq: 1, type: 'created', words: 'Zgłoszenie utworzone' }] }, null, 2),
      'verdict.json': JSON.stringify({ reproducible: true, differences: [] }),
      'histories/run-1.json': '{"events":[{"eventId":"1","eventType":"EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"}]}',
      [AUDIT_LOG_FILE]: JSON.stringify(entries.slice(1), null, 2),
      [rulesFileName(1)]: rulesVersionText({ version: 1, hash: hashRules(JSON.parse(RULES_SOURCE)), source: RULES_SOURCE, publishedAt: '2026-10-01T08:00:00.000Z' }),
    },
    checkpoint: checkpointOf(entries[2]!, s),
  };
}

describe('evidence bundle: build and verify offline', () => {
  it('when a bundle is built from a ticket\'s parts, it verifies offline, with its key id, kind, subject and every file in its manifest', () => {
    const s = signer();
    const { bundle, text } = buildBundle(sampleParts(s), s);
    expect(text).to.equal(bundleText(bundle));
    expect(bundle.manifest.map((m) => m.name)).to.deep.equal([AUDIT_LOG_FILE, 'histories/run-1.json', 'rules/v1.json', 'timeline.json', 'verdict.json']);
    expect(bundle.manifest.find((m) => m.name === 'timeline.json')!.bytes).to.equal(Buffer.byteLength(bundle.files['timeline.json']!, 'utf8'));
    expect(verifyBundle(text)).to.deep.equal({ ok: true, keyId: s.keyId, kind: 'ticket', subject: 'HD-2026-000042', files: 5, problems: [] });
  });

  it('when any one byte of the bundle is altered, verification fails with a sentence', function () {
    this.timeout(120_000);
    const s = signer();
    const { text } = buildBundle(sampleParts(s), s);
    const bytes = Buffer.from(text, 'utf8');
    const passed: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      const altered = Buffer.from(bytes);
      altered[i] = altered[i]! ^ 0x01;
      const check = verifyBundle(altered.toString('utf8'));
      if (check.ok || !check.problems.length || check.problems.some((p) => !/[.:]$/.test(p))) passed.push(i);
    }
    expect(passed, `bytes whose change went unnoticed (of ${bytes.length})`).to.deep.equal([]);
    // The signature's last character carries bits a lenient base64 decoder drops: a change there counts too.
    const b = JSON.parse(text) as { signature: string };
    const last = b.signature.replace(/=+$/, '').length - 1;
    const sneaky = `${b.signature.slice(0, last)}${String.fromCharCode(b.signature.charCodeAt(last) + 1)}${b.signature.slice(last + 1)}`;
    expect(verifyBundle(text.replace(b.signature, sneaky)).problems).to.satisfy((p: string[]) => p.some((x) => x.startsWith('Field signature does not verify')));
  });

  it('when a file, the manifest, the signature, the checkpoint, an audit-log entry or a rules text is changed, the problem names it', () => {
    const s = signer();
    const { bundle } = buildBundle(sampleParts(s), s);
    const edit = (change: (b: typeof bundle) => void) => {
      const copy = structuredClone(bundle);
      change(copy);
      return verifyBundle(bundleText(copy)).problems;
    };
    expect(edit((b) => { b.files['timeline.json'] = b.files['timeline.json']!.replace('utworzone', 'usunięte'); }))
      .to.satisfy((p: string[]) => p.some((x) => /^File timeline\.json: its SHA-256 is [0-9a-f]{64}, but the manifest says [0-9a-f]{64}: the file was altered\.$/.test(x)));
    expect(edit((b) => { delete b.files['verdict.json']; })).to.include('File verdict.json is in the manifest but not in the bundle: it was removed.');
    expect(edit((b) => { b.files['extra.txt'] = 'x'; })).to.include('File extra.txt is in the bundle but not in its manifest: it was added after signing.');
    expect(edit((b) => { b.subject = 'HD-2026-000043'; })).to.satisfy((p: string[]) => p.some((x) => x.startsWith('Field signature does not verify')));
    expect(edit((b) => { b.checkpoint.seq = 2; })).to.satisfy((p: string[]) => p.some((x) => x.includes("Field checkpoint's signature does not verify")));

    // Entries and rules re-signed by a forger with the bundle's own key (manifest recomputed) still fail their content checks.
    const forged = sampleParts(s);
    const entries = JSON.parse(forged.files[AUDIT_LOG_FILE]!) as AuditEntry[];
    entries[0]!.actor = 'cli:someone-else';
    forged.files[AUDIT_LOG_FILE] = JSON.stringify(entries);
    expect(() => buildBundle(forged, s)).to.throw(BundleBuildError, /File audit-log\.json, entry #2: its fields do not hash to its recorded hash/);
    const rules = sampleParts(s);
    rules.files[rulesFileName(1)] = rulesVersionText({ version: 1, hash: hashRules(JSON.parse(RULES_SOURCE)), source: RULES_SOURCE.replace('sample', 'other') });
    expect(() => buildBundle(rules, s)).to.throw(BundleBuildError, /File rules\/v1\.json: its source hashes to [0-9a-f]{64}, not to its declared hash/);
  });

  it('when the text is not JSON, cut short or spaced differently, verification says so', () => {
    const s = signer();
    const { text } = buildBundle(sampleParts(s), s);
    expect(verifyBundle(text.slice(0, 200)).problems[0]).to.match(/^The bundle is not valid JSON \(.+\): it was altered or cut short, and nothing in it can be trusted\.$/);
    expect(verifyBundle(text.replace('"kind": "ticket"', '"kind":  "ticket"')).problems).to.deep.equal(["The bundle's text differs from the form the helpdesk writes at line 3, column 11: it was edited after export (even if only its spacing)."]);
    expect(verifyBundle('[]').problems).to.deep.equal(['The bundle is not a JSON object: it is not a helpdesk evidence bundle.']);
  });

  it('when a population CSV is bundled, its row count and SHA-256 are checked against population.json', () => {
    const csv = populationCsv([
      { number: 'HD-2026-000001', created_at: '2026-11-01T08:00:00.000Z', closed_at: '2026-11-03T08:00:00.000Z', status: 'closed', priority: 'P2', service_level: 'gold', policy: 'p2', calendar: 'office', rules_version: '1', response_target_ms: '3600000', resolution_target_ms: '28800000', response: 'met', resolution: 'breached', escalations: '1' },
      { number: 'HD-2026-000002', created_at: '2026-11-01T09:00:00.000Z', closed_at: '2026-11-04T08:00:00.000Z', status: 'cancelled', priority: null, service_level: null, policy: null, calendar: null, rules_version: null, response_target_ms: null, resolution_target_ms: null, response: 'none', resolution: 'none', escalations: '0' },
    ]);
    expect(csv.split('\n')[0]).to.equal('number,created_at,closed_at,status,priority,service_level,policy,calendar,rules_version,response_target_ms,resolution_target_ms,response,resolution,escalations');
    expect(csvRecordCount(csv)).to.equal(3);
    const s = signer();
    const meta = (rows: number) => `${JSON.stringify({ period: { from: 'a', to: 'b' }, query: 'SELECT 1', parameters: {}, columns: [], rows, sha256: sha256Hex(csv) })}\n`;
    const parts = (rows: number): BundleParts => ({ kind: 'population', subject: 'a/b', files: { 'population.csv': csv, 'population.json': meta(rows), 'query.sql': 'SELECT 1' }, checkpoint: checkpointOf(chain(1)[0]!, s) });
    expect(verifyBundle(buildBundle(parts(2), s).text).ok).to.equal(true);
    expect(() => buildBundle(parts(3), s)).to.throw(BundleBuildError, /File population\.json: its rows field is 3, but population\.csv has 2 rows after its header\./);
  });
});
