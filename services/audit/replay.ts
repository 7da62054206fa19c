/**
 * The replay check (docs/audit-replay.md): a ticket's recorded histories, every run of it,
 * (a) replayed through the current workflow code with the SDK's replay API — the production
 * bundle with its interceptors (runtime/temporal.ts) and the production data converter (the
 * payload codec) — and (b) every decision and clock plan the replay meets recomputed
 * (recompute.ts). The verdict is "reproducible", or each difference precisely: the event and
 * message of a determinism failure; the field, recorded and recomputed value of a decision or
 * deadline. What could not be checked is listed with the reason, and does not count against it.
 */
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import type { LoadedDataConverter } from '@temporalio/common';
import type { CapturedCall } from '../../workflows/audit-capture.ts';
import type { Recompute } from './recompute.ts';
import type { Difference, HistoryJson, ReplayVerdict, RunHistory, TicketHistories, Unchecked } from './types.ts';

export interface ReplayDeps {
  /** The production workflow bundle (built once per process: runtime/temporal.ts bundleWorkflows). */
  bundle(): Promise<WorkflowBundle>;
  /** The production data converter's codecs (the payload codec), so encrypted histories are read as the worker reads them. */
  dataConverter: { payloadCodecs: NonNullable<LoadedDataConverter['payloadCodecs']> };
  recompute: Recompute;
}

interface Captured {
  calls: CapturedCall[];
  tasks: number[];
}

type Event = HistoryJson['events'][number];
const attrs = (e: Event, key: string): Record<string, unknown> | undefined => e[key] as Record<string, unknown> | undefined;
const idOf = (e: Event): number => Number(e.eventId);

/** Event ids by the SDK's command number: scheduled activities (activity id) and local activity markers (their seq). */
function eventIndex(history: HistoryJson): (call: CapturedCall) => number | null {
  const activities = new Map<string, number>();
  const locals = new Map<number, number>();
  for (const e of history.events) {
    const scheduled = attrs(e, 'activityTaskScheduledEventAttributes');
    if (scheduled) activities.set(String(scheduled.activityId), idOf(e));
    const marker = attrs(e, 'markerRecordedEventAttributes');
    if (marker?.markerName === 'core_local_activity') {
      const data = (marker.details as Record<string, { payloads?: Array<{ data?: string }> }> | undefined)?.data?.payloads?.[0]?.data;
      try {
        const seq = (JSON.parse(Buffer.from(data ?? '', 'base64').toString('utf8')) as { seq?: number }).seq;
        if (typeof seq === 'number') locals.set(seq, idOf(e));
      } catch { /* not the marker shape this SDK writes: left unplaced */ }
    }
  }
  return (call) => (call.kind === 'activity' ? activities.get(String(call.seq)) : locals.get(call.seq)) ?? null;
}

/** "[TMPRL1100] Nondeterminism error: …" out of the SDK's long wrapping, else the message as it is. */
export function determinismMessage(err: Error): string {
  const inner = /message: "((?:[^"\\]|\\.)*)"/.exec(err.message)?.[1];
  return (inner ?? err.message).replace(/\\"/g, '"');
}

/**
 * Where a run diverged: the first event after the workflow task the failing activation came from
 * (the last task the replay reported), i.e. the first event that task's commands should have matched.
 */
export function divergenceEvent(history: HistoryJson, tasks: number[]): { eventId: number; eventType: string } | null {
  const last = tasks.length ? tasks[tasks.length - 1]! : 0;
  const events = history.events;
  const started = events.findIndex((e) => idOf(e) === last);
  let i = started < 0 ? 0 : started + 1;
  while (i < events.length && events[i]!.eventType !== 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED') i += 1;
  const next = events[i + 1] ?? events[started] ?? null;
  return next ? { eventId: idOf(next), eventType: String(next.eventType ?? '').replace(/^EVENT_TYPE_/, '') } : null;
}

export function createReplayCheck(deps: ReplayDeps) {
  return { checkTicket, checkTickets };

  /** The verdict on one ticket. */
  async function checkTicket(h: TicketHistories): Promise<ReplayVerdict> {
    const [v] = await checkTickets([h]);
    return v!;
  }

  /** Verdicts on several tickets, replayed by one replay worker (much cheaper than one each). */
  async function checkTickets(tickets: TicketHistories[]): Promise<ReplayVerdict[]> {
    const captured = new Map<string, Captured>();
    const of = (runId: string): Captured => {
      let c = captured.get(runId);
      if (!c) captured.set(runId, (c = { calls: [], tasks: [] }));
      return c;
    };
    const sinks = {
      audit: {
        call: { fn: (info: { runId: string }, call: CapturedCall) => void of(info.runId).calls.push(call), callDuringReplay: true },
        task: { fn: (info: { runId: string }, n: number) => void of(info.runId).tasks.push(n), callDuringReplay: true },
      },
    };
    const runs = tickets.flatMap((t) => t.runs.map((r) => ({ ticket: t, run: r })));
    const failures = new Map<string, Error>();
    if (runs.length) {
      const input = runs.map(({ run }) => ({ workflowId: run.workflowId, history: run.history }));
      let i = 0;
      for await (const result of Worker.runReplayHistories({ workflowBundle: await deps.bundle(), dataConverter: deps.dataConverter, sinks, replayName: 'audit-replay' }, input)) {
        const run = runs[i++]!.run;
        // The replay reports calls under the run id the replayed history carries: file them under ours.
        const seen = captured.get(result.runId);
        if (seen && result.runId !== run.runId) {
          captured.delete(result.runId);
          captured.set(run.runId, seen);
        }
        if (result.error) failures.set(run.runId, result.error);
      }
    }
    const verdicts: ReplayVerdict[] = [];
    for (const t of tickets) verdicts.push(await verdictOf(t, captured, failures));
    return verdicts;
  }

  async function verdictOf(t: TicketHistories, captured: Map<string, Captured>, failures: Map<string, Error>): Promise<ReplayVerdict> {
    const differences: Difference[] = [];
    const unchecked: Unchecked[] = t.missing.map((m) => ({ runId: m.runId, what: 'the whole run', why: m.why }));
    const checked = { decisions: 0, plans: 0 };
    if (!t.runs.length) unchecked.push({ runId: null, what: 'the ticket', why: 'No history of it is kept, in Temporal or in the archive.' });
    for (const run of t.runs) {
      // Changed in the database after archiving: whatever it replays to, it is not the history kept.
      if (run.recordedSha256 !== undefined) differences.push({ kind: 'integrity', runId: run.runId, eventId: null, field: 'sha256', recorded: run.recordedSha256, recomputed: run.sha256 });
      const c = captured.get(run.runId) ?? { calls: [], tasks: [] };
      const failure = failures.get(run.runId);
      if (failure) {
        const at = divergenceEvent(run.history, c.tasks);
        differences.push({ kind: 'determinism', runId: run.runId, eventId: at?.eventId ?? null, eventType: at?.eventType ?? null, message: determinismMessage(failure) });
      }
      // The calls made up to a divergence are what the history recorded; they are checked all the same.
      const r = await deps.recompute.recomputeRun(run.runId, t.number, c.calls, eventIndex(run.history));
      differences.push(...r.differences);
      unchecked.push(...r.unchecked);
      checked.decisions += r.checked.decisions;
      checked.plans += r.checked.plans;
    }
    return {
      ticket: t.number,
      workflowId: t.workflowId,
      checkedAt: new Date().toISOString(),
      reproducible: differences.length === 0 && t.runs.length > 0,
      runs: t.runs.map((r: RunHistory) => ({ runId: r.runId, origin: r.origin, eventCount: r.eventCount, sha256: r.sha256, status: r.status })),
      checked,
      differences,
      unchecked,
    };
  }
}

export type ReplayCheck = ReturnType<typeof createReplayCheck>;
