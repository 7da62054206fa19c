/**
 * The pure parts of the retention run, without Temporal or PostgreSQL: what a plan makes the run
 * do, in bounded batches; the schedule the configuration asks for, and when the one Temporal has
 * must be brought in line; the HELPDESK_RETENTION_INTERVAL setting.
 */
import { expect } from 'chai';
import { batches, retentionWork } from '../activities/retention.ts';
import { planRetention } from '../rules/retention.ts';
import { ConfigError, loadConfig } from '../runtime/config.ts';
import { RETENTION_CATCHUP_WINDOW_MS, retentionScheduleId, retentionScheduleOptions, scheduleChanges } from '../runtime/retention-schedule.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.parse('2027-03-01T12:00:00Z');
const closed = (number: string, daysAgo: number, category: string | null = null) => ({ number, category, closedAt: new Date(NOW - daysAgo * DAY).toISOString(), rulesVersion: 1 });

describe('retention run: what a plan makes it do', () => {
  const plan = planRetention({
    tickets: [closed('HD-2027-000001', 12), closed('HD-2027-000002', 5), closed('HD-2027-000003', 4), closed('HD-2027-000004', 1), closed('HD-2027-000005', 11)],
    policy: { version: 2, retention: { personalData: { defaultDays: 3 }, closedTicketDays: 10 } },
    alreadyErased: new Set(['HD-2027-000003', 'HD-2027-000005']),
    now: NOW,
  });

  it('erases the personal data due, deletes the tickets due (erased or not), and leaves the rest and the already erased alone', () => {
    expect(retentionWork(plan)).to.deep.equal({ erase: ['HD-2027-000002'], delete: ['HD-2027-000001', 'HD-2027-000005'] });
  });

  it('when nothing is due, it does nothing', () => {
    expect(retentionWork({ due: [] })).to.deep.equal({ erase: [], delete: [] });
  });

  it('acts in batches of at most 100 tickets, each ticket once, in order', () => {
    const numbers = Array.from({ length: 250 }, (_, i) => `HD-2027-${String(i + 1).padStart(6, '0')}`);
    const parts = batches(numbers);
    expect(parts.map((p) => p.length)).to.deep.equal([100, 100, 50]);
    expect(parts.flat()).to.deep.equal(numbers);
    expect(batches([])).to.deep.equal([]);
  });
});

describe('retention schedule: what the configuration asks for', () => {
  const config = loadConfig({});

  it('by default: id privacy-retention, every hour, the retention workflow on the task queue, runs never overlapping, a day to catch up', () => {
    const o = retentionScheduleOptions(config);
    expect(o.scheduleId).to.equal('privacy-retention');
    expect(o.spec).to.deep.equal({ intervals: [{ every: HOUR }] });
    expect(o.action).to.deep.equal({ type: 'startWorkflow', workflowType: 'retentionWorkflow', taskQueue: 'helpdesk-tickets', workflowId: 'privacy-retention-run', args: [] });
    expect(o.policies).to.deep.equal({ overlap: 'SKIP', catchupWindow: DAY });
  });

  it('another task queue (another deployment in the namespace) has a schedule of its own', () => {
    expect(retentionScheduleId('helpdesk-tickets')).to.equal('privacy-retention');
    expect(retentionScheduleId('eu-desk')).to.equal('privacy-retention-eu-desk');
  });

  it('the schedule Temporal has is left alone when it says the same, and brought in line when the interval, the action or a policy differs', () => {
    const same = {
      spec: { intervals: [{ every: HOUR, offset: 0 }] },
      action: { type: 'startWorkflow' as const, workflowType: 'retentionWorkflow', taskQueue: 'helpdesk-tickets', workflowId: 'privacy-retention-run' },
      policies: { overlap: 'SKIP' as const, catchupWindow: RETENTION_CATCHUP_WINDOW_MS, pauseOnFailure: false },
    };
    expect(scheduleChanges(same, config)).to.deep.equal([]);
    expect(scheduleChanges({ ...same, spec: { intervals: [{ every: 2 * HOUR, offset: 0 }] } }, config)).to.deep.equal(['interval']);
    expect(scheduleChanges({ ...same, spec: { intervals: [{ every: HOUR, offset: 60_000 }] } }, config)).to.deep.equal(['interval']);
    expect(scheduleChanges({ ...same, spec: { intervals: [], calendars: [{}] } } as never, config)).to.deep.equal(['interval']);
    expect(scheduleChanges({ ...same, action: { ...same.action, taskQueue: 'old-queue' } }, config)).to.deep.equal(['action']);
    expect(scheduleChanges({ ...same, policies: { ...same.policies, overlap: 'ALLOW_ALL' } }, config)).to.deep.equal(['policies']);
    expect(scheduleChanges(same, { ...config, retentionIntervalMs: 30 * 60_000 })).to.deep.equal(['interval']);
  });

  it('HELPDESK_RETENTION_INTERVAL takes a duration from 1 minute to 7 days; anything else stops start-up with a sentence naming it', () => {
    expect(config.retentionIntervalMs).to.equal(HOUR);
    expect(loadConfig({ HELPDESK_RETENTION_INTERVAL: '30m' }).retentionIntervalMs).to.equal(30 * 60_000);
    expect(loadConfig({ HELPDESK_RETENTION_INTERVAL: '1d' }).retentionIntervalMs).to.equal(DAY);
    expect(() => loadConfig({ HELPDESK_RETENTION_INTERVAL: 'hourly' })).to.throw(ConfigError, 'HELPDESK_RETENTION_INTERVAL must be a duration such as 30m, 1h or 1d; got "hourly"');
    expect(() => loadConfig({ HELPDESK_RETENTION_INTERVAL: '30s' })).to.throw(ConfigError, 'HELPDESK_RETENTION_INTERVAL must be between 1m and 7d; got "30s"');
    expect(() => loadConfig({ HELPDESK_RETENTION_INTERVAL: '8d' })).to.throw(ConfigError, /between 1m and 7d/);
  });
});
