import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { installRuntime } from '../runtime/temporal.ts';
import { workflowBundle } from './support/env.ts';

const dir = fileURLToPath(new URL('./histories/', import.meta.url));
const histories = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
// Worker.runReplayHistory reads the CLI's proto JSON (`temporal workflow show --output json`) itself.
const load = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));

describe('replay: recorded ticket histories through the current workflow code', function () {
  this.timeout(120_000);

  before(() => installRuntime());

  it('has recorded histories to replay', () => {
    expect(histories.length).to.be.at.least(3);
  });

  it('covers intake without a filer (v1, before filedBy) and with one (v2: an agent filed for the requester)', () => {
    const inputOf = (file: string) => {
      const events = (load(file) as { events: Array<{ workflowExecutionStartedEventAttributes?: { input: { payloads: Array<{ data: string }> } } }> }).events;
      return JSON.parse(Buffer.from(events[0]!.workflowExecutionStartedEventAttributes!.input.payloads[0]!.data, 'base64').toString('utf8')) as { filedBy?: string; requesterEmail: string };
    };
    const inputs = histories.map(inputOf);
    expect(inputs.some((i) => i.filedBy === undefined)).to.equal(true);
    expect(inputs.some((i) => i.filedBy !== undefined && i.filedBy !== i.requesterEmail)).to.equal(true);
  });

  for (const file of histories) {
    it(`replays ${file} without nondeterminism`, async () => {
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, load(file));
    });
  }

  it('fails on a workflow change that is not guarded by patched()', async () => {
    const changed = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./fixtures/changed-workflow.ts', import.meta.url)), logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } });
    let caught: unknown;
    try {
      await Worker.runReplayHistory({ workflowBundle: changed }, load(histories[0]!));
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(DeterminismViolationError);
    expect((caught as Error).message).to.match(/Nondeterminism error/);
  });
});
