/**
 * The pure parts of the history archive (docs/audit-archive.md), without Temporal or PostgreSQL:
 * the schedule the configuration asks for, HELPDESK_ARCHIVE_INTERVAL, the visibility query of a
 * sweep, the sentence a failure is recorded with, and the archived text of a history (one text
 * and one sha256 for one history, whatever order Temporal sent its maps in).
 */
import { expect } from 'chai';
import { archivedForm, archiveFailureSentence, closedRunsQuery } from '../activities/archive.ts';
import { archiveSchedule, archiveScheduleId } from '../runtime/archive-schedule.ts';
import { ConfigError, loadConfig } from '../runtime/config.ts';
import { intervalScheduleChanges, intervalScheduleOptions } from '../runtime/schedules.ts';

describe('history archive: what the configuration asks for', () => {
  const config = loadConfig({});

  it('by default: id history-archive, every 5 minutes, the archive workflow on the task queue, runs never overlapping, an hour to catch up', () => {
    const o = intervalScheduleOptions(archiveSchedule(config));
    expect(o.scheduleId).to.equal('history-archive');
    expect(o.spec).to.deep.equal({ intervals: [{ every: 5 * 60_000 }] });
    expect(o.action).to.deep.equal({ type: 'startWorkflow', workflowType: 'historyArchiveWorkflow', taskQueue: 'helpdesk-tickets', workflowId: 'history-archive-run', args: [] });
    expect(o.policies).to.deep.equal({ overlap: 'SKIP', catchupWindow: 3_600_000 });
    expect(archiveScheduleId('eu-desk')).to.equal('history-archive-eu-desk');
  });

  it('the schedule Temporal has is brought in line when the interval differs', () => {
    const s = archiveSchedule(config);
    const same = { spec: { intervals: [{ every: s.everyMs, offset: 0 }] }, action: { type: 'startWorkflow' as const, workflowType: s.workflowType, taskQueue: s.taskQueue, workflowId: 'history-archive-run' }, policies: { overlap: 'SKIP' as const, catchupWindow: s.catchupWindowMs, pauseOnFailure: false } };
    expect(intervalScheduleChanges(same, s)).to.deep.equal([]);
    expect(intervalScheduleChanges(same, archiveSchedule({ ...config, archiveIntervalMs: 60_000 }))).to.deep.equal(['interval']);
  });

  it('HELPDESK_ARCHIVE_INTERVAL takes a duration from 1 minute to 6 hours; anything else stops start-up with a sentence naming it', () => {
    expect(loadConfig({ HELPDESK_ARCHIVE_INTERVAL: '1h' }).archiveIntervalMs).to.equal(3_600_000);
    expect(() => loadConfig({ HELPDESK_ARCHIVE_INTERVAL: 'often' })).to.throw(ConfigError, 'HELPDESK_ARCHIVE_INTERVAL must be a duration such as 5m, 30m or 1h; got "often"');
    expect(() => loadConfig({ HELPDESK_ARCHIVE_INTERVAL: '7h' })).to.throw(ConfigError, 'HELPDESK_ARCHIVE_INTERVAL must be between 1m and 6h; got "7h"');
  });
});

describe('history archive: the sweep\'s pure parts', () => {
  it('lists the task queue\'s closed ticket runs (continued-as-new ones too), since a time when given', () => {
    expect(closedRunsQuery('helpdesk-tickets', { since: '2027-03-01T12:00:00.000Z' }))
      .to.equal(`WorkflowType = 'ticketWorkflow' AND TaskQueue = 'helpdesk-tickets' AND ExecutionStatus != 'Running' AND CloseTime >= '2027-03-01T12:00:00.000Z'`);
    expect(closedRunsQuery("q'x", { workflowId: 'ticket-HD-2027-000001' })).to.equal(`WorkflowType = 'ticketWorkflow' AND TaskQueue = 'qx' AND ExecutionStatus != 'Running' AND WorkflowId = 'ticket-HD-2027-000001'`);
  });

  it('a failure is recorded as a sentence naming the kind of error, never its message', () => {
    const pg = Object.assign(new Error('duplicate key value (title)=(Anna\'s laptop)'), { name: 'SequelizeDatabaseError', parent: { code: '53100' } });
    expect(archiveFailureSentence(pg)).to.equal('The history could not be written to PostgreSQL (SQLSTATE 53100); the next sweep tries again.');
    const other = archiveFailureSentence(new TypeError('anna@example.com'));
    expect(other).to.equal('Archiving this run failed (TypeError); the next sweep tries again. The worker\'s log says where it failed.');
  });

  it('one history gives one text and one sha256, whatever order its maps came in', () => {
    const event = (metadata: Record<string, Uint8Array>) => ({ events: [{ eventId: 1, eventType: 1, workflowExecutionStartedEventAttributes: { workflowType: { name: 'ticketWorkflow' }, input: { payloads: [{ metadata, data: Buffer.from('sealed') }] } } }] });
    const a = archivedForm(event({ encoding: Buffer.from('binary/encrypted'), 'encryption-key-id': Buffer.from('k1') }) as never);
    const b = archivedForm(event({ 'encryption-key-id': Buffer.from('k1'), encoding: Buffer.from('binary/encrypted') }) as never);
    expect(a).to.deep.equal(b);
    expect(a.eventCount).to.equal(1);
    expect(a.sha256).to.match(/^[0-9a-f]{64}$/);
    expect(JSON.parse(a.text).events[0].eventType).to.equal('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
  });
});
