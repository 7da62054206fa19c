import { expect } from 'chai';
import type { LogEntry } from '@temporalio/worker';
import { quietLogFunction, REPEAT_WINDOW_MS } from '../runtime/temporal-log.ts';

const retry = (n: number, call = 'poll_workflow_task_queue'): LogEntry => ({
  level: 'WARN',
  message: `gRPC call ${call} retried ${n} times`,
  meta: { error: 'Status { code: Unavailable, message: "tcp connect error", source: Some(…) }' },
  timestampNanos: 0n,
});

describe('the worker runtime log during a Temporal outage', () => {
  it('when the SDK core repeats a warning, then it is printed once a minute, saying how many were left out', () => {
    const lines: string[] = [];
    let now = 0;
    const log = quietLogFunction((l) => lines.push(l), () => now);
    for (let i = 0; i < 40; i++) {
      log(retry(6 + (i % 2)));
      now += 500;
    }
    log(retry(6, 'poll_activity_task_queue'));
    expect(lines).to.deep.equal([
      '[temporal] WARN gRPC call poll_workflow_task_queue retried 6 times: tcp connect error',
      '[temporal] WARN gRPC call poll_activity_task_queue retried 6 times: tcp connect error',
    ]);
    now = REPEAT_WINDOW_MS + 1_000;
    log(retry(7));
    expect(lines[2]).to.equal('[temporal] WARN gRPC call poll_workflow_task_queue retried 7 times: tcp connect error (and 39 more like it in the last 61 s)');
  });
});
