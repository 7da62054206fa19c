/**
 * The auditors' replay check's eyes inside the workflow (services/audit/replay.ts): a workflow
 * interceptor module, bundled with the production workflows (runtime/temporal.ts), that reports
 * through the `audit` sink every activity and local activity the workflow calls — its type, its
 * input and the result history recorded for it — and the history length at each activation (so a
 * determinism failure can be placed at its event).
 *
 * It changes nothing the workflow does: no command is added, removed or reordered, and sinks are
 * not recorded in history. It reports only while replaying; the production worker's sink does
 * nothing (runtime/temporal.ts), the replay check's collects.
 */
import { proxySinks, workflowInfo, type Sinks, type WorkflowInterceptors } from '@temporalio/workflow';

/** One activity call as the replay saw it. `seq` is the SDK's command number (an activity's id in history). */
export interface CapturedCall {
  kind: 'activity' | 'local';
  type: string;
  seq: number;
  input: unknown;
  /** The recorded result; absent when the recorded outcome was a failure. */
  result?: unknown;
  failed?: string;
  /** The history length (the workflow task's started event id) when the call was made. */
  historyLength: number;
}

export interface AuditSinks extends Sinks {
  audit: {
    call(call: CapturedCall): void;
    task(historyLength: number): void;
  };
}

const { audit } = proxySinks<AuditSinks>();

const replaying = (): boolean => workflowInfo().unsafe.isReplaying;

/**
 * A copy as of now: the workflow goes on changing the objects it passed (its clocks), and sinks
 * are called only once the activation is done. Plain JSON is all activities exchange.
 */
const copy = (v: unknown): unknown => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

async function captured(kind: CapturedCall['kind'], type: string, seq: number, args: unknown, run: () => Promise<unknown>): Promise<unknown> {
  const historyLength = workflowInfo().historyLength;
  const input = replaying() ? copy(args) : undefined;
  try {
    const result = await run();
    if (replaying()) audit.call({ kind, type, seq, input, result: copy(result), historyLength });
    return result;
  } catch (err) {
    if (replaying()) audit.call({ kind, type, seq, input, failed: err instanceof Error ? err.message : String(err), historyLength });
    throw err;
  }
}

export const interceptors = (): WorkflowInterceptors => ({
  outbound: [
    {
      scheduleActivity: (input, next) => captured('activity', input.activityType, input.seq, input.args[0], () => next(input)),
      scheduleLocalActivity: (input, next) => captured('local', input.activityType, input.seq, input.args[0], () => next(input)),
    },
  ],
  internals: [
    {
      activate(input, next) {
        if (replaying()) audit.task(workflowInfo().historyLength);
        next(input);
      },
    },
  ],
});
