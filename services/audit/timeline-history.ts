/**
 * What a ticket's recorded histories add to its timeline: for each event of the read model (by its
 * seq), the calls the workflow made just before recording it — the classifyTicket decision with its
 * explanation, the policyForPriority choice, the planClocks plan. The workflow records each event
 * through one `recordEvent` local activity, numbering events one by one (workflows/ticket-state.ts
 * `numbered`), so the n-th recordEvent of a run is event `offset + n`, where the offset is the last
 * seq the run was continued with (0 for the first run); a decision or plan belongs to the event
 * recorded next.
 */
import type { PayloadCodec } from '@temporalio/common';
import type { Classification, ClockPlan, PolicyChoice } from '../../workflows/activity-types.ts';
import { decodeHistory, type DecodedCall } from './history-decode.ts';
import type { HistoryStatus } from './timeline-types.ts';
import type { TicketHistories } from './types.ts';

/** What history holds for one event. */
export interface RecordedStep {
  runId: string;
  /** The recordEvent marker's event id. */
  eventId: number;
  classification?: { result: Classification; eventId: number };
  policy?: { result: PolicyChoice; eventId: number };
  plan?: { result: ClockPlan; eventId: number };
}

/** A sentence still to be said: its key in the audit namespace and its figures. */
export interface Note {
  key: string;
  params: Record<string, unknown>;
}

export interface RecordedHistory {
  bySeq: Map<number, RecordedStep>;
  status: Omit<HistoryStatus, 'notes'>;
  notes: Note[];
  /** Why a decision may be missing from `bySeq` (null when every run was read). */
  gap: Note | null;
}

const completed = (c: DecodedCall): boolean => c.failure === undefined && (c.kind === 'local' || c.outcome === 'completed');
const eventIdOf = (c: DecodedCall): number => (c.kind === 'local' ? c.eventId : c.closedEventId ?? c.scheduledEventId);

/** The last event seq a continued run started from (its input is `{ continued: TicketState }`), else 0. */
function offsetOf(input: unknown[]): number {
  const arg = input[0] as { continued?: { ticket?: { lastEventSeq?: unknown } } } | undefined;
  const seq = arg?.continued?.ticket?.lastEventSeq;
  return typeof seq === 'number' ? seq : 0;
}

/**
 * Reads every run of the ticket (none when `histories` is null: not available at all —
 * `unavailable` says it could not be read just now, rather than that none is kept).
 */
export async function readHistories(histories: TicketHistories | null, codec: PayloadCodec, unavailable = false): Promise<RecordedHistory> {
  const out: RecordedHistory = { bySeq: new Map(), status: { complete: false, runs: [], missing: histories?.missing ?? [] }, notes: [], gap: null };
  if (!histories || histories.runs.length === 0) {
    out.notes.push({ key: unavailable && !histories ? 'history.unavailable' : 'history.none', params: {} });
    for (const m of histories?.missing ?? []) out.notes.push({ key: 'history.missingRun', params: { runId: m.runId, why: m.why } });
    out.gap = { key: 'gap.none', params: {} };
    return out;
  }
  let readable = 0;
  for (const run of histories.runs) {
    const row = { runId: run.runId, origin: run.origin, status: run.status, eventCount: run.eventCount, sha256: run.sha256, readable: false, problem: null as string | null };
    out.status.runs.push(row);
    try {
      const decoded = await decodeHistory(run.history, codec);
      row.readable = true;
      readable += 1;
      let seq = offsetOf(decoded.input);
      let pending: Omit<RecordedStep, 'runId' | 'eventId'> = {};
      for (const call of decoded.calls) {
        if (!completed(call)) continue;
        const at = eventIdOf(call);
        if (call.type === 'classifyTicket') pending.classification = { result: call.result as Classification, eventId: at };
        else if (call.type === 'policyForPriority') pending.policy = { result: call.result as PolicyChoice, eventId: at };
        else if (call.type === 'planClocks') pending.plan = { result: call.result as ClockPlan, eventId: at };
        else if (call.type === 'recordEvent') {
          seq += 1;
          out.bySeq.set(seq, { runId: run.runId, eventId: at, ...pending });
          pending = {};
        }
      }
    } catch (err) {
      row.problem = err instanceof Error ? err.message : String(err);
      out.notes.push({ key: 'history.unreadable', params: { runId: run.runId, why: row.problem } });
    }
  }
  const origins = [...new Set(histories.runs.map((r) => r.origin))];
  for (const origin of origins) out.notes.unshift({ key: `history.from.${origin}`, params: { count: histories.runs.filter((r) => r.origin === origin).length } });
  for (const m of histories.missing) out.notes.push({ key: 'history.missingRun', params: { runId: m.runId, why: m.why } });
  // An archived copy changed since it was archived is read, and said to be unreliable.
  for (const run of histories.runs) {
    if (run.recordedSha256 !== undefined) out.notes.push({ key: 'history.changed', params: { runId: run.runId, recorded: run.recordedSha256, actual: run.sha256 } });
  }
  const changed = histories.runs.some((r) => r.recordedSha256 !== undefined);
  out.status.complete = readable === histories.runs.length && histories.missing.length === 0 && !changed;
  if (!out.status.complete) out.gap = { key: readable === 0 ? 'gap.unreadable' : 'gap.partial', params: {} };
  return out;
}
