import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { EncryptionCodec, newKeyEntry, parseKeyRing } from '../runtime/payload-codec.ts';
import { RECORDING_KEY } from './histories/recording-key.ts';
import { idleAuditSinks, installRuntime } from '../runtime/temporal.ts';
import { workflowBundle } from './support/env.ts';

const dir = fileURLToPath(new URL('./histories/', import.meta.url));
const histories = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
// Worker.runReplayHistory reads the CLI's proto JSON (`temporal workflow show --output json`) itself.
const load = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));

// Histories are written through the payload codec now; v1 and v2 are plain (from before it), later
// recordings are encrypted under the public recording key, which this ring reads too.
const codec = new EncryptionCodec(parseKeyRing(`${newKeyEntry('replay')},${RECORDING_KEY}`, 'test'));
const dataConverter = { payloadCodecs: [codec] };
type JsonPayload = { metadata: Record<string, string>; data?: string };
const isPayload = (v: unknown): v is JsonPayload => typeof v === 'object' && v !== null && 'metadata' in v && typeof (v as JsonPayload).metadata?.encoding === 'string';

/**
 * The history as the codec would have stored it: every payload encrypted, except what no codec
 * sees (search attributes, and a local activity marker's own `data`, which the SDK core reads).
 */
async function encrypted(node: unknown, key = ''): Promise<unknown> {
  if (Array.isArray(node)) return Promise.all(node.map((v) => encrypted(v)));
  if (isPayload(node)) {
    const [p] = await codec.encode([{ metadata: Object.fromEntries(Object.entries(node.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])), data: Buffer.from(node.data ?? '', 'base64') }]);
    return { metadata: Object.fromEntries(Object.entries(p!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(p!.data!).toString('base64') };
  }
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'searchAttributes' || (key === 'markerRecordedEventAttributes' && k === 'details') ? await markerDetails(k, v) : await encrypted(v, k);
  return out;
}

async function markerDetails(k: string, v: unknown): Promise<unknown> {
  if (k === 'searchAttributes') return v;
  const details = v as Record<string, unknown>;
  return { ...details, ...(details.result ? { result: await encrypted(details.result) } : {}) };
}

/** The first payload of a history's workflow input, as stored. */
function storedInput(file: string): JsonPayload {
  const events = (load(file) as { events: Array<{ workflowExecutionStartedEventAttributes?: { input: { payloads: JsonPayload[] } } }> }).events;
  return events[0]!.workflowExecutionStartedEventAttributes!.input.payloads[0]!;
}

const encodingOf = (p: JsonPayload): string => Buffer.from(p.metadata.encoding!, 'base64').toString();

/** The workflow input as the workflow read it: through the codec (v3 on are encrypted under the recording key). */
async function startInput(file: string) {
  const p = storedInput(file);
  const [plain] = await codec.decode([{ metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])), data: Buffer.from(p.data ?? '', 'base64') }]);
  return plain!;
}

describe('replay: recorded ticket histories through the current workflow code', function () {
  this.timeout(120_000);

  before(() => installRuntime());

  it('has recorded histories to replay', () => {
    expect(histories.length).to.be.at.least(3);
  });

  it('covers intake without a filer (v1, before filedBy) and with one (v2: an agent filed for the requester)', async () => {
    const inputs = await Promise.all(histories.map(async (file) => JSON.parse(Buffer.from((await startInput(file)).data!).toString('utf8')) as { filedBy?: string; requesterEmail: string }));
    expect(inputs.some((i) => i.filedBy === undefined)).to.equal(true);
    expect(inputs.some((i) => i.filedBy !== undefined && i.filedBy !== i.requesterEmail)).to.equal(true);
  });

  for (const file of histories) {
    it(`replays ${file} without nondeterminism`, async () => {
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter, sinks: idleAuditSinks }, load(file));
    });

    // Recorded through the codec (v3 on): its payloads are already encrypted, under the recording key.
    if (encodingOf(storedInput(file)) === 'binary/encrypted') continue;

    it(`replays ${file} with every payload encrypted by the service key`, async () => {
      const sealed = await encrypted(load(file));
      expect(JSON.stringify(sealed)).to.include('YmluYXJ5L2VuY3J5cHRlZA=='); // "binary/encrypted"
      const started = (sealed as { events: Array<{ workflowExecutionStartedEventAttributes?: { input: { payloads: JsonPayload[] } } }> }).events[0]!.workflowExecutionStartedEventAttributes!;
      expect(Buffer.from(started.input.payloads[0]!.metadata.encoding!, 'base64').toString()).to.equal('binary/encrypted');
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), dataConverter, sinks: idleAuditSinks }, sealed);
    });
  }

  it('has histories with sealed personal data (v4 on: patch sealed-personal-data) beside the plain-text ones before it, and replays both', async () => {
    const inputs = await Promise.all(histories.map(async (file) => ({ file, input: JSON.parse(Buffer.from((await startInput(file)).data!).toString('utf8')) as { title: string; description: string; requesterEmail: string; requester?: string } })));
    // The SDK's patch marker (core_patch) names the patch in its details, unencrypted.
    const marked = (file: string) =>
      (load(file) as { events: Array<{ markerRecordedEventAttributes?: { markerName: string; details?: Record<string, { payloads: JsonPayload[] }> } }> }).events.some((e) => {
        const m = e.markerRecordedEventAttributes;
        return m?.markerName === 'core_patch' && Object.values(m.details ?? {}).some((d) => d.payloads.some((p) => Buffer.from(p.data ?? '', 'base64').toString().includes('"sealed-personal-data"')));
      });
    const sealed = inputs.filter((i) => i.input.requester !== undefined);
    const plain = inputs.filter((i) => i.input.requester === undefined);
    expect(sealed.length, 'sealed histories').to.be.at.least(3);
    expect(plain.length, 'plain histories from before sealing').to.be.at.least(3);
    for (const { file, input } of sealed) {
      expect(input.title, file).to.match(/^sealed:v1:/);
      expect(input.description, file).to.match(/^sealed:v1:/);
      expect(input.requesterEmail, file).to.match(/^sealed:v1:/);
      expect(input.requester, file).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
      expect(marked(file), `${file} carries the patch marker`).to.equal(true);
    }
    for (const { file, input } of plain) {
      expect(input.requesterEmail, file).to.match(/@example\.com$/);
      expect(marked(file), `${file} has no patch marker`).to.equal(false);
    }
  });

  it('has the lifecycle scenarios with the requester\'s acknowledgement (v6 on: patch acknowledge-requester), and no older history carries that patch', () => {
    const markers = (file: string) => (load(file) as { events: Array<{ markerRecordedEventAttributes?: { markerName: string; details?: Record<string, { payloads: JsonPayload[] }> } }> }).events
      .flatMap((e) => (e.markerRecordedEventAttributes?.markerName === 'core_patch' ? Object.values(e.markerRecordedEventAttributes.details ?? {}) : []))
      .flatMap((d) => d.payloads.map((p) => Buffer.from(p.data ?? '', 'base64').toString()));
    const acknowledging = histories.filter((f) => markers(f).some((m) => m.includes('"acknowledge-requester"')));
    expect(acknowledging.map((f) => f.replace(/\.v\d+\.json$/, '')).sort()).to.include.members(['p1-unanswered-escalates', 'pending-reply-autoclose', 'reopen-reprioritise-cancel']);
    for (const f of histories.filter((f) => /\.v[1-5]\.json$/.test(f))) expect(acknowledging, f).not.to.include(f);
  });

  it('has a merged ticket and the ticket it was merged into (v5 on: patch merge-outcome), and no older history carries that patch', () => {
    const patchedWith = (file: string, id: string) =>
      (load(file) as { events: Array<{ markerRecordedEventAttributes?: { markerName: string; details?: Record<string, { payloads: JsonPayload[] }> } }> }).events.some((e) => {
        const m = e.markerRecordedEventAttributes;
        return m?.markerName === 'core_patch' && Object.values(m.details ?? {}).some((d) => d.payloads.some((p) => Buffer.from(p.data ?? '', 'base64').toString().includes(`"${id}"`)));
      });
    const merging = histories.filter((f) => patchedWith(f, 'merge-outcome'));
    expect(merging.map((f) => f.replace(/\.v\d+\.json$/, '')).sort()).to.include.members(['merged-into-other', 'receives-merge']);
    for (const f of histories.filter((f) => /\.v[1-4]\.json$/.test(f))) expect(merging, f).not.to.include(f);
  });

  it('has histories recorded through the codec (v3 on) that cannot be read without it', async () => {
    const sealed = histories.filter((file) => encodingOf(storedInput(file)) === 'binary/encrypted');
    expect(sealed.length).to.be.at.least(3);
    let caught: unknown;
    try {
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), sinks: idleAuditSinks }, load(sealed[0]!));
    } catch (err) {
      caught = err;
    }
    expect(String(caught)).to.match(/binary\/encrypted/);
  });

  it('fails on a workflow change that is not guarded by patched()', async () => {
    const changed = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./fixtures/changed-workflow.ts', import.meta.url)), logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } });
    let caught: unknown;
    try {
      // A lifecycle history (the fixture's change is on its path), not whichever sorts first.
      await Worker.runReplayHistory({ workflowBundle: changed }, load(histories.find((f) => f.startsWith('p1-unanswered-escalates.'))!));
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(DeterminismViolationError);
    expect((caught as Error).message).to.match(/Nondeterminism error/);
  });
});
