/**
 * The period replay check's activities (workflows/audit-run.ts). `checkAuditPeriod` claims the
 * run's row, counts the tickets closed or cancelled in its period, checks them a batch at a time
 * (deps.auditPeriod: services/audit/index.ts checkPeriod, bound in runtime/audit-runs.ts with the
 * worker's own Temporal client for the histories not archived), heartbeats at least every second
 * and after every verdict, and after every batch writes its progress (at most every
 * PROGRESS_EVERY_MS) to the row, which any web process reads. It stops between batches when the
 * workflow is cancelled (Temporal delivers that on a heartbeat: the activity then ends as
 * cancelled) or when the row says its cancellation was asked for (then it settles the row itself
 * and ends normally). A retried attempt starts again from the beginning; a finished or cancelled
 * run is not run again, and one whose cancellation was asked for while no attempt ran is ended as
 * cancelled.
 *
 * A failure leaves the row a code (db/audit-runs-repo.ts AUDIT_RUN_ERRORS), which is also the
 * message of the activity's failure, so the workflow hands it back to settleAuditPeriod; what went
 * wrong inside goes to the worker's log, without the error's message (run-log.ts).
 */
import type { Client } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { isAuditRunError, MAX_LISTED_DIFFERING, type AuditRunProgress, type AuditRunsRepo, type DifferingTicket } from '../db/audit-runs-repo.ts';
import type { AuditPeriodActivities, AuditPeriodRunInput, AuditPeriodRunOutcome, AuditPeriodSettleInput } from '../workflows/audit-run-types.ts';
import { activityContext, CancelRequested, internalDetail, warn } from './run-log.ts';

/** A verdict of the replay check, as much of it as a run keeps (services/audit/types.ts ReplayVerdict). */
export interface PeriodVerdict {
  ticket: string;
  reproducible: boolean;
  runs: readonly unknown[];
  differences: ReadonlyArray<{ kind: string }>;
}

/** The period check itself: services/audit/index.ts's ticketsEndedBetween and checkPeriod, bound in runtime/ (activities import no service). */
export interface AuditPeriodEngine {
  /** The tickets closed or cancelled in [fromMs, toMs), in the order they ended. */
  tickets(range: { fromMs: number; toMs: number }): Promise<string[]>;
  /** The replay check of `numbers` (histories not archived read through `client`); stops between batches when `signal` is aborted. */
  check(client: Client | undefined, range: { fromMs: number; toMs: number }, opts: { numbers: string[]; signal: AbortSignal; onVerdict: (v: PeriodVerdict) => Promise<void> | void }): Promise<unknown>;
}

export interface AuditPeriodActivityDeps {
  auditRuns: Pick<AuditRunsRepo, 'claim' | 'progress' | 'finish' | 'settle'>;
  auditPeriod: AuditPeriodEngine;
}

/** Tickets handed to the check at a time (the service's replay batch): progress is written after each. */
export const PERIOD_BATCH = 25;
/** The row is written at most this often (and after the last batch). */
export const PROGRESS_EVERY_MS = 500;
const HEARTBEAT_EVERY_MS = 1_000;

/** A ticket not reproduced, in short: no recorded or recomputed value, no text. */
export function differingTicket(v: PeriodVerdict): DifferingTicket {
  return { number: v.ticket, unreadable: v.runs.length === 0, differences: v.differences.length, kinds: [...new Set(v.differences.map((d) => d.kind))].sort() };
}

/** `log`: the worker's log (tests read it). */
export function createAuditPeriodActivities(deps: AuditPeriodActivityDeps, log: (line: string) => void = warn): AuditPeriodActivities {
  return {
    async checkAuditPeriod({ runId }: AuditPeriodRunInput): Promise<AuditPeriodRunOutcome> {
      let claimed: Awaited<ReturnType<typeof deps.auditRuns.claim>>;
      try {
        claimed = await deps.auditRuns.claim(runId);
        if (!claimed) {
          // Finished already, or its cancellation was asked for: settling touches only a run not finished.
          const row = await deps.auditRuns.settle(runId, 'cancelled');
          return { runId, status: row?.status === 'cancelled' ? 'cancelled' : 'skipped', done: row?.done ?? 0, total: row?.total ?? 0 };
        }
      } catch (err) {
        log(`Audit period run ${runId}: an attempt could not claim its run (${internalDetail(err)}); it is tried again.`);
        throw ApplicationFailure.retryable('checkFailed', 'CheckFailed');
      }
      const ctx = activityContext();
      const stop = new AbortController();
      const onCancel = () => stop.abort(ctx?.cancellationSignal.reason ?? new CancelledFailure('CANCELLED'));
      ctx?.cancellationSignal.addEventListener('abort', onCancel, { once: true });
      const p: AuditRunProgress = { done: 0, total: 0, reproducible: 0, differing: 0, unreadable: 0, listed: [] };
      // Alive while a batch replays (and while the first one builds the workflow bundle): a cancellation is delivered on a heartbeat.
      const beat = setInterval(() => ctx?.heartbeat({ done: p.done }), HEARTBEAT_EVERY_MS);
      let written = 0;
      const write = async (): Promise<void> => {
        written = Date.now();
        const { cancelRequested } = await deps.auditRuns.progress(runId, p);
        if (cancelRequested && !stop.signal.aborted) stop.abort(new CancelRequested());
      };
      const onVerdict = (v: PeriodVerdict): void => {
        p.done += 1;
        if (v.reproducible) p.reproducible += 1;
        else {
          if (v.runs.length === 0) p.unreadable += 1;
          else p.differing += 1;
          if (p.listed.length < MAX_LISTED_DIFFERING) p.listed.push(differingTicket(v));
        }
        ctx?.heartbeat({ done: p.done });
      };
      try {
        const numbers = await deps.auditPeriod.tickets(claimed.period);
        p.total = numbers.length;
        await write();
        for (let i = 0; i < numbers.length && !stop.signal.aborted; i += PERIOD_BATCH) {
          await deps.auditPeriod.check(ctx?.client, claimed.period, { numbers: numbers.slice(i, i + PERIOD_BATCH), signal: stop.signal, onVerdict });
          if (Date.now() - written >= PROGRESS_EVERY_MS && p.done < p.total) await write();
        }
        if (!stop.signal.aborted) {
          const finished = await deps.auditRuns.finish(runId, p);
          return { runId, status: finished ? 'done' : 'skipped', done: p.done, total: p.total };
        }
      } catch (err) {
        if (!stop.signal.aborted) {
          log(`Audit period run ${runId}: an attempt stopped after ${p.done} of ${p.total} tickets with ${internalDetail(err)} (a run has up to 3 attempts).`);
          throw ApplicationFailure.retryable('checkFailed', 'CheckFailed');
        }
      } finally {
        clearInterval(beat);
        ctx?.cancellationSignal.removeEventListener('abort', onCancel);
      }
      // Stopped: by the row (the activity ends the run itself, with what it had done) or by Temporal (the workflow settles it).
      if (stop.signal.reason instanceof CancelRequested) {
        await deps.auditRuns.progress(runId, p).catch(() => undefined);
        await deps.auditRuns.settle(runId, 'cancelled');
        return { runId, status: 'cancelled', done: p.done, total: p.total };
      }
      await deps.auditRuns.progress(runId, p).catch(() => undefined);
      throw ctx?.cancellationSignal.reason instanceof CancelledFailure ? ctx.cancellationSignal.reason : new CancelledFailure('CANCELLED');
    },

    /**
     * `error` is the message of the failure the workflow saw: this activity's own code, or
     * Temporal's words for a timeout or a lost worker, stored as `stopped` (never as text).
     */
    async settleAuditPeriod({ runId, status, error }: AuditPeriodSettleInput): Promise<void> {
      if (status === 'failed' && !isAuditRunError(error)) log(`Audit period run ${runId} failed without a code of its own (its attempts timed out or their worker was lost): see the history of workflow audit-period-${runId}.`);
      await deps.auditRuns.settle(runId, status, status === 'failed' ? (isAuditRunError(error) ? error : 'stopped') : null);
    },
  };
}
