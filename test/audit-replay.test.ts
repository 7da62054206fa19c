/**
 * The replay check (services/audit/replay.ts) over the recorded histories in test/histories/:
 * (a) the production bundle replays them, and a workflow change without patched() is named at the
 * event where it diverges; (b) every recorded clock plan is recomputed, and a recorded deadline
 * altered in the history is named with its field, recorded and recomputed value. No server: the
 * histories are files, the rules versions the ones these histories were recorded under are
 * rebuilt from what the histories say (the policy check is left to the integration test).
 */
import { expect } from 'chai';
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { EncryptionCodec, newKeyEntry, parseKeyRing } from '../runtime/payload-codec.ts';
import { installRuntime, workflowInterceptorModules } from '../runtime/temporal.ts';
import { createRecompute } from '../services/audit/recompute.ts';
import { createReplayCheck, divergenceEvent } from '../services/audit/replay.ts';
import type { HistoryJson, TicketHistories } from '../services/audit/types.ts';
import { RECORDING_KEY } from './histories/recording-key.ts';
import { workflowBundle } from './support/env.ts';

const dir = fileURLToPath(new URL('./histories/', import.meta.url));
const codec = new EncryptionCodec(parseKeyRing(`${newKeyEntry('replay')},${RECORDING_KEY}`, 'test'));
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

function ticketOf(file: string, text = fs.readFileSync(dir + file, 'utf8')): TicketHistories {
  const history = JSON.parse(text) as HistoryJson;
  const run = { workflowId: 'ticket-HD-TEST', runId: file, status: 'completed', origin: 'archive' as const, eventCount: history.events.length, sha256: createHash('sha256').update(text).digest('hex'), text, history, startedAt: null, closedAt: null };
  return { number: 'HD-TEST', workflowId: run.workflowId, runs: [run], missing: [] };
}

/** Recompute without rules versions: these tests look at determinism and deadlines only. */
const recompute = createRecompute({
  compiled: async (v) => { throw new Error(`rules version ${v} is not part of this test`); },
  activeAt: async () => undefined,
});

describe('audit replay check: histories through the production bundle, deadlines recomputed', function () {
  this.timeout(120_000);
  let changed: WorkflowBundle;

  before(async () => {
    installRuntime();
    changed = await bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./fixtures/changed-workflow.ts', import.meta.url)), workflowInterceptorModules, logger: quiet });
  });

  const check = (bundle: () => Promise<WorkflowBundle>) => createReplayCheck({ bundle, dataConverter: { payloadCodecs: [codec] }, recompute });

  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.v1.json') || f.endsWith('.v4.json'))) {
    it(`replays ${file} and reproduces every recorded clock plan`, async () => {
      const v = await check(workflowBundle).checkTicket(ticketOf(file));
      expect(v.differences.filter((d) => d.kind === 'determinism' || d.kind === 'deadline')).to.deep.equal([]);
      expect(v.checked.plans, 'clock plans recomputed').to.be.at.least(3);
      // Decisions recorded before their facts were kept cannot be re-evaluated: said so, not hidden.
      expect(v.unchecked.map((u) => u.why).join(' ')).to.match(/recorded before its facts were kept/);
    });
  }

  it('names the event where a workflow change without patched() diverges, with the SDK\'s message', async () => {
    const file = 'p1-unanswered-escalates.v1.json';
    const v = await check(async () => changed).checkTicket(ticketOf(file));
    expect(v.reproducible).to.equal(false);
    const d = v.differences.find((x) => x.kind === 'determinism');
    expect(d, JSON.stringify(v.differences)).to.not.equal(undefined);
    // The history recorded the `created` event (a local activity marker, event 5) first; the changed code schedules the classification.
    expect(d).to.include({ eventId: 5, eventType: 'MARKER_RECORDED' });
    expect((d as { message: string }).message).to.match(/^\[TMPRL1100\] Nondeterminism error: /);
  });

  it('names the field, the recorded and the recomputed value of a deadline altered in the history', async () => {
    const file = 'pending-reply-autoclose.v1.json'; // plain payloads: the marker's result can be edited
    const history = JSON.parse(fs.readFileSync(dir + file, 'utf8')) as HistoryJson;
    let altered: { recorded: string; eventId: number } | undefined;
    for (const e of history.events) {
      const m = e.markerRecordedEventAttributes as { markerName: string; details: Record<string, { payloads: Array<{ data: string }> }> } | undefined;
      if (m?.markerName !== 'core_local_activity' || !m.details.result?.payloads[0]?.data) continue;
      const payload = m.details.result.payloads[0]!;
      const plan = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as { clocks?: Array<{ name: string; deadlineAt: number | null }> } | null;
      const clock = plan?.clocks?.find((c) => c.name === 'resolution' && c.deadlineAt !== null);
      if (!clock) continue;
      clock.deadlineAt! += 3_600_000; // an hour later than the calendar gives
      altered = { recorded: new Date(clock.deadlineAt!).toISOString(), eventId: Number(e.eventId) };
      payload.data = Buffer.from(JSON.stringify(plan)).toString('base64');
      break;
    }
    expect(altered, 'a recorded plan to alter').to.not.equal(undefined);
    const v = await check(workflowBundle).checkTicket(ticketOf(file, JSON.stringify(history)));
    const d = v.differences.find((x) => x.kind === 'deadline' && x.field === 'resolution.deadlineAt');
    expect(d, JSON.stringify(v.differences)).to.deep.include({ eventId: altered!.eventId, recorded: altered!.recorded, recomputed: new Date(Date.parse(altered!.recorded) - 3_600_000).toISOString() });
    expect(v.reproducible).to.equal(false);
  });

  it('places a divergence after the last workflow task the replay reached', () => {
    const h: HistoryJson = { events: [1, 2, 3, 4, 5, 6, 7, 8, 9].map((id) => ({ eventId: String(id), eventType: ['', 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', 'EVENT_TYPE_WORKFLOW_TASK_STARTED', 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED', 'EVENT_TYPE_MARKER_RECORDED', 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', 'EVENT_TYPE_WORKFLOW_TASK_STARTED', 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED', 'EVENT_TYPE_TIMER_STARTED'][id]! })) };
    expect(divergenceEvent(h, [3])).to.deep.equal({ eventId: 5, eventType: 'MARKER_RECORDED' });
    expect(divergenceEvent(h, [3, 7])).to.deep.equal({ eventId: 9, eventType: 'TIMER_STARTED' });
  });
});
