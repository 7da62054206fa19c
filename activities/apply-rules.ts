/**
 * The apply-rules run's activities (workflows/apply-rules.ts). `applyRules` claims the run's row,
 * carries it out (deps.applyRules: services/rules-admin/apply-runs.ts's runApply, bound in
 * runtime/, with the worker's Temporal client to send the signals), heartbeats after every ticket
 * and writes the progress to the row after every page, which any web process reads. It stops
 * between tickets when the workflow is cancelled (Temporal delivers that on a heartbeat: the
 * activity then ends the row as cancelled with its counts and ends as cancelled) or when the row
 * says its cancellation was asked for (then it ends the row itself and returns). A retried attempt
 * goes on from the row's last page, with the counts of the tickets recorded for the run; a
 * finished or cancelled run is not run again, and one whose cancellation was asked for while no
 * attempt ran (the workflow's cancellation lost on the way) is ended as cancelled. What went
 * wrong in an attempt goes to the worker's log without the error's message (run-log.ts).
 */
import type { Client } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ApplyCounts, ClaimedApplyRun, RulesApplyRunsRepo } from '../db/rules-apply-runs-repo.ts';
import type { ApplyRulesActivities, ApplyRulesRunInput, ApplyRulesRunOutcome, ApplyRulesSettleInput } from '../workflows/apply-rules-types.ts';
import { APPLY_STOP_CODES } from '../workflows/apply-rules-types.ts';
import { activityContext, CancelRequested, internalDetail, warn } from './run-log.ts';

/** Where a run is, as the engine updates it. */
export interface ApplyRulesProgress {
  total: number;
  counts: ApplyCounts;
  afterNumber: string | null;
}

/** The run itself: services/rules-admin/apply-runs.ts's runApply and the open tickets' count, bound to their dependencies in runtime/. */
export interface ApplyRulesEngine {
  countOlder(version: number): Promise<number>;
  run(
    client: Client,
    run: ClaimedApplyRun & { runId: string },
    progress: ApplyRulesProgress,
    opts: { onProgress: (p: ApplyRulesProgress) => Promise<void>; onTicket: () => void; signal: AbortSignal },
  ): Promise<'done' | 'stopped'>;
}

export interface ApplyRulesActivityDeps {
  applyRuns: Pick<RulesApplyRunsRepo, 'claim' | 'progress' | 'finish' | 'settle'>;
  applyRules: ApplyRulesEngine;
}

const stopCode = (err: unknown): string | undefined => {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && err.name === 'ApplyStopped' && typeof code === 'string' && (APPLY_STOP_CODES as readonly string[]).includes(code) ? code : undefined;
};

/** `log`: the worker's log (tests read it). */
export function createApplyRulesActivities(deps: ApplyRulesActivityDeps, log: (line: string) => void = warn): ApplyRulesActivities {
  return {
    async applyRules({ runId }: ApplyRulesRunInput): Promise<ApplyRulesRunOutcome> {
      const claimed = await deps.applyRuns.claim(runId);
      if (!claimed) {
        // Ended already, or its cancellation was asked for: settling ends (and audits) only a run that has not ended.
        const row = await deps.applyRuns.settle(runId, 'cancelled');
        return { runId, status: row?.status === 'cancelled' ? 'cancelled' : 'skipped', seen: row?.counts.seen ?? 0, sent: row?.counts.sent ?? 0 };
      }
      const ctx = activityContext();
      if (!ctx) throw new Error('applyRules runs as an activity: it sends the signals with the worker\'s Temporal client.');
      const stop = new AbortController();
      const onCancel = () => stop.abort(ctx.cancellationSignal.reason ?? new CancelledFailure('CANCELLED'));
      ctx.cancellationSignal.addEventListener('abort', onCancel, { once: true });
      const progress: ApplyRulesProgress = {
        total: claimed.total ?? (await deps.applyRules.countOlder(claimed.version)),
        counts: { ...claimed.counts },
        afterNumber: claimed.afterNumber,
      };
      const write = async (p: ApplyRulesProgress) => {
        ctx.heartbeat(p.counts);
        const { cancelRequested, counts } = await deps.applyRuns.progress(runId, p);
        // The recorded tickets' counts, in place (the engine holds this object).
        if (counts) Object.assign(p.counts, counts);
        if (cancelRequested && !stop.signal.aborted) stop.abort(new CancelRequested());
      };
      try {
        await write(progress);
        const ended = await deps.applyRules.run(ctx.client, { ...claimed, runId }, progress, { onProgress: write, onTicket: () => ctx.heartbeat(progress.counts), signal: stop.signal });
        const status = ended === 'done' ? 'done' : 'cancelled';
        await deps.applyRuns.finish(runId, status);
        if (ended === 'stopped' && !(stop.signal.reason instanceof CancelRequested)) throw ctx.cancellationSignal.reason instanceof CancelledFailure ? ctx.cancellationSignal.reason : new CancelledFailure('CANCELLED');
        return { runId, status, seen: progress.counts.seen, sent: progress.counts.sent };
      } catch (err) {
        if (err instanceof CancelledFailure) throw err;
        // What was done so far is kept on the row before the run ends or is tried again.
        await deps.applyRuns.progress(runId, progress).catch(() => undefined);
        const code = stopCode(err);
        if (code) throw ApplicationFailure.nonRetryable((err as Error).message, code);
        log(`Apply run ${runId}: an attempt stopped after ${progress.counts.seen} tickets with ${internalDetail(err)}; it is tried again from where it got to.`);
        throw ApplicationFailure.retryable('The run stopped with an error (the worker\'s log says which); it is tried again from where it got to.', 'ApplyAttemptFailed');
      } finally {
        ctx.cancellationSignal.removeEventListener('abort', onCancel);
      }
    },

    async settleApplyRules({ runId, status, error }: ApplyRulesSettleInput): Promise<void> {
      await deps.applyRuns.settle(runId, status, error);
    },
  };
}
