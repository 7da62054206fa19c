/**
 * Reading recorded histories back as the calls the workflow made (services/audit/history-decode.ts),
 * over the recorded histories of test/histories/ (v1 and v2 plain, v3 on encrypted under the public
 * recording key), and which event each decision and plan belongs to (services/audit/timeline-history.ts).
 * Pure: no Temporal, no database.
 */
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EncryptionCodec, newKeyEntry, parseKeyRing } from '../runtime/payload-codec.ts';
import { completedCalls, decodeHistory, HistoryDecodeError, type DecodedActivity, type DecodedLocalActivity } from '../services/audit/history-decode.ts';
import { readHistories } from '../services/audit/timeline-history.ts';
import type { HistoryJson, TicketHistories } from '../services/audit/types.ts';
import type { Classification, ClockPlan } from '../workflows/activity-types.ts';
import { RECORDING_KEY } from './histories/recording-key.ts';

const dir = fileURLToPath(new URL('./histories/', import.meta.url));
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const load = (file: string): HistoryJson => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as HistoryJson;
const codec = new EncryptionCodec(parseKeyRing(`${newKeyEntry('replay')},${RECORDING_KEY}`, 'test'));
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
const plain = (v: unknown) => ({ metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: b64(v) });

function histories(file: string): TicketHistories {
  const history = load(file);
  return { number: 'HD-2026-000001', workflowId: 'ticket-HD-2026-000001', missing: [], runs: [{ workflowId: 'ticket-HD-2026-000001', runId: 'r1', status: 'completed', origin: 'archive', eventCount: history.events.length, sha256: '', text: '', history, startedAt: null, closedAt: null }] };
}

describe('audit: recorded histories read back as the workflow’s calls', () => {
  it('has recorded histories, plain and encrypted', () => {
    expect(files.length).to.be.at.least(6);
  });

  for (const file of files) {
    it(`${file}: the workflow's input and every activity and local activity, in order, decoded`, async () => {
      const h = load(file);
      const decoded = await decodeHistory(h, codec);
      expect(decoded.workflowType).to.equal('ticketWorkflow');
      expect(decoded.startedAt!.slice(0, 23)).to.equal(h.events[0]!.eventTime!.slice(0, 23));
      const input = decoded.input[0] as { number: string; createdAt: string };
      expect(input.number).to.match(/^[A-Z]+-\d{4}-\d{6}$/);
      expect(Number.isNaN(Date.parse(input.createdAt))).to.equal(false);

      // One call per scheduled activity and per local activity marker, in history's order.
      const scheduled = h.events.filter((e) => e.activityTaskScheduledEventAttributes).length;
      const markers = h.events.filter((e) => (e.markerRecordedEventAttributes as { markerName?: string } | undefined)?.markerName === 'core_local_activity').length;
      expect(decoded.calls.filter((c) => c.kind === 'activity')).to.have.length(scheduled);
      expect(decoded.calls.filter((c) => c.kind === 'local')).to.have.length(markers);
      const at = decoded.calls.map((c) => (c.kind === 'local' ? c.eventId : c.scheduledEventId));
      expect(at).to.deep.equal([...at].sort((a, b) => a - b));
      const seqs = decoded.calls.map((c) => (c.kind === 'local' ? c.seq : Number(c.activityId)));
      expect(new Set(seqs).size, 'each command seq once').to.equal(seqs.length);

      const first = decoded.calls[0] as DecodedLocalActivity;
      expect(first).to.include({ kind: 'local', type: 'recordEvent', seq: 1, attempt: 1 });
      expect(first.completedAt).to.be.a('string');

      const [classify] = completedCalls(decoded, 'classifyTicket') as DecodedActivity[];
      expect(classify).to.include({ kind: 'activity', outcome: 'completed' });
      expect(classify!.closedEventId).to.be.greaterThan(classify!.scheduledEventId);
      expect((classify!.input[0] as { ticket: { impact: string } }).ticket.impact).to.be.oneOf(['high', 'medium', 'low']);
      const d = (classify!.result as Classification).decision;
      expect(d.rulesVersion).to.be.a('number');
      expect(d.rulesHash).to.match(/^[0-9a-f]{64}$/);
      expect(d.explanation.fired).to.be.an('array');
      expect(d.policy.calendar.timeZone).to.be.a('string');
      for (const p of completedCalls(decoded, 'planClocks')) expect((p.result as ClockPlan).clocks.map((c) => c.name)).to.deep.equal(['response', 'resolution']);
      // Local activities' inputs are not in history.
      expect(decoded.calls.filter((c) => c.kind === 'local').every((c) => !('input' in c))).to.equal(true);
    });
  }

  it('reads a re-prioritised and re-classified ticket: two decisions and a policy choice, each with its event', async () => {
    const file = files.find((f) => f.startsWith('reopen-reprioritise-cancel'))!;
    const decoded = await decodeHistory(load(file), codec);
    expect(completedCalls(decoded, 'classifyTicket')).to.have.length(2);
    expect(completedCalls(decoded, 'policyForPriority')).to.have.length(1);
    const r = await readHistories(histories(file), codec);
    expect(r.status.complete).to.equal(true);
    expect(r.gap).to.equal(null);
    const classifiedAt = [...r.bySeq.entries()].filter(([, s]) => s.classification).map(([seq]) => seq);
    expect(classifiedAt[0], 'the classification is the event after created').to.equal(2);
    expect(classifiedAt).to.have.length(2);
    const policyAt = [...r.bySeq.entries()].filter(([, s]) => s.policy).map(([seq]) => seq);
    expect(policyAt).to.have.length(1);
    expect(r.bySeq.get(policyAt[0]!)!.plan, 'the priority change re-planned its clocks').to.not.equal(undefined);
    const recordEvents = completedCalls(decoded, 'recordEvent').length;
    expect(Math.max(...r.bySeq.keys())).to.equal(recordEvents);
    expect(r.notes.map((n) => n.key)).to.deep.equal(['history.from.archive']);
  });

  it('numbers a continued run’s events from the seq it was continued with', async () => {
    const history = {
      events: [
        { eventId: '1', eventTime: '2026-12-01T10:00:00Z', eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED', workflowExecutionStartedEventAttributes: { workflowType: { name: 'ticketWorkflow' }, input: { payloads: [plain({ continued: { ticket: { lastEventSeq: 41 } } })] } } },
        { eventId: '5', eventTime: '2026-12-01T10:00:01Z', eventType: 'EVENT_TYPE_MARKER_RECORDED', markerRecordedEventAttributes: { markerName: 'core_local_activity', details: { data: { payloads: [plain({ seq: 1, attempt: 1, activity_id: '1', activity_type: 'planClocks', complete_time: { seconds: 1796119201, nanos: 0 } })] }, result: { payloads: [plain({ clocks: [], marks: [] })] } } } },
        { eventId: '6', eventTime: '2026-12-01T10:00:01Z', eventType: 'EVENT_TYPE_MARKER_RECORDED', markerRecordedEventAttributes: { markerName: 'core_local_activity', details: { data: { payloads: [plain({ seq: 2, attempt: 1, activity_id: '2', activity_type: 'recordEvent' })] } } } },
      ],
    };
    const r = await readHistories({ ...histories(files[0]!), runs: [{ ...histories(files[0]!).runs[0]!, history }] }, codec);
    expect([...r.bySeq.keys()]).to.deep.equal([42]);
    expect(r.bySeq.get(42)).to.deep.include({ runId: 'r1', eventId: 6, plan: { result: { clocks: [], marks: [] }, eventId: 5 } });
  });

  it('without the key the history was encrypted under, names the event and what to do, and no payload', async () => {
    const file = files.find((f) => f.endsWith('.v4.json'))!;
    const other = new EncryptionCodec(parseKeyRing(newKeyEntry('other'), 'test'));
    let caught: unknown;
    try {
      await decodeHistory(load(file), other);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(HistoryDecodeError);
    const message = (caught as Error).message;
    expect(message).to.match(/^Event \d+ of the history cannot be read: .*service key "recording", which is not in the key ring; add that key back/);
    expect(message).to.not.match(/sealed:|[A-Za-z0-9+/]{40,}/);
    const r = await readHistories(histories(file), other);
    expect(r.status).to.deep.include({ complete: false });
    expect(r.status.runs[0]).to.include({ readable: false });
    expect(r.gap).to.deep.equal({ key: 'gap.unreadable', params: {} });
  });

  it('a history that is not one says so', async () => {
    let caught: unknown;
    try {
      await decodeHistory({ events: [{ eventId: 'x', eventType: 'NOT_AN_EVENT_TYPE' }] } as unknown as HistoryJson, codec);
    } catch (err) {
      caught = err;
    }
    expect(caught).to.be.instanceOf(HistoryDecodeError);
    expect((caught as Error).message).to.match(/^The history cannot be read: it is not a Temporal history/);
  });

  it('no history at all: every decision will say so', async () => {
    const r = await readHistories(null, codec);
    expect(r.notes.map((n) => n.key)).to.deep.equal(['history.none']);
    expect(r.gap).to.deep.equal({ key: 'gap.none', params: {} });
    expect(r.bySeq.size).to.equal(0);
  });
});
