/**
 * A recorded run's history read back as the calls the workflow made: every activity (its
 * ActivityTaskScheduled event and the event that closed it, with the decoded input and result)
 * and every local activity (its `core_local_activity` marker: type, seq and decoded result — a
 * local activity's input is not in history), in the order history holds them, and the workflow's
 * own input. The history is the CLI's proto JSON (services/audit/types.ts HistoryJson), parsed
 * with the SDK's `historyFromJSON`; payloads go through the payload codec (runtime/payload-codec.ts)
 * and the default payload converter, as the worker reads them.
 *
 * Payloads hold personal data (sealed or, in histories from before sealing, plain): nothing here
 * logs, and an error names the event, never a payload's content.
 */
import { arrayFromPayloads, defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import type { HistoryJson } from './types.ts';

type ProtoHistory = ReturnType<typeof historyFromJSON>;
type ProtoEvent = NonNullable<ProtoHistory['events']>[number];

/** How an activity ended, as history recorded it; `open` while no closing event is there (a running ticket). */
export type ActivityOutcome = 'completed' | 'failed' | 'timed_out' | 'cancelled' | 'open';

export interface DecodedActivity {
  kind: 'activity';
  type: string;
  /** The SDK's activity id (its command seq). */
  activityId: string;
  scheduledEventId: number;
  scheduledAt: string | null;
  /** The event that closed it (completed, failed, timed out, cancelled); null while it is open. */
  closedEventId: number | null;
  closedAt: string | null;
  outcome: ActivityOutcome;
  /** The decoded arguments (the ticket's activities take one). */
  input: unknown[];
  /** The decoded result, when it completed. */
  result?: unknown;
  /** The failure's message, when it did not complete. */
  failure?: string;
}

export interface DecodedLocalActivity {
  kind: 'local';
  type: string;
  /** The SDK's command seq (the marker's `seq`). */
  seq: number;
  activityId: string | null;
  attempt: number | null;
  /** The marker's event. */
  eventId: number;
  recordedAt: string | null;
  /** When the local activity completed, as the marker says. */
  completedAt: string | null;
  result?: unknown;
  failure?: string;
}

export type DecodedCall = DecodedActivity | DecodedLocalActivity;

export interface DecodedHistory {
  workflowType: string | null;
  /** The workflow's decoded arguments (a ticket's: its TicketInput, or `{ continued: TicketState }` after continue-as-new). */
  input: unknown[];
  startedAt: string | null;
  /** Activities in the order they were scheduled, local activities where their markers are. */
  calls: DecodedCall[];
}

/** A history that cannot be read back: which event, and why (the codec's sentence, never a payload). */
export class HistoryDecodeError extends Error {
  constructor(
    readonly eventId: number | null,
    why: string,
  ) {
    super(eventId === null ? `The history cannot be read: ${why}` : `Event ${eventId} of the history cannot be read: ${why}`);
    this.name = 'HistoryDecodeError';
  }
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(String(v ?? NaN)));
/** A proto timestamp (seconds may be a number or a Long) as ISO 8601, to the millisecond. */
function isoOf(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): string | null {
  if (!ts || ts.seconds === undefined || ts.seconds === null) return null;
  const ms = num(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

async function values(codec: PayloadCodec, payloads: Payload[] | null | undefined, eventId: number): Promise<unknown[]> {
  if (!payloads?.length) return [];
  try {
    return arrayFromPayloads(defaultPayloadConverter, await codec.decode(payloads));
  } catch (err) {
    throw new HistoryDecodeError(eventId, err instanceof Error ? err.message : String(err));
  }
}

async function first(codec: PayloadCodec, payloads: Payload[] | null | undefined, eventId: number): Promise<unknown> {
  return (await values(codec, payloads, eventId))[0];
}

type Closing = { eventId: number; at: string | null; outcome: Exclude<ActivityOutcome, 'open'>; result?: Payload[] | null; failure?: string };

/** The event that closed each scheduled activity, by its scheduled event id. */
function closings(events: ProtoEvent[]): Map<number, Closing> {
  const out = new Map<number, Closing>();
  for (const e of events) {
    const eventId = num(e.eventId);
    const at = isoOf(e.eventTime);
    const done = e.activityTaskCompletedEventAttributes;
    const failed = e.activityTaskFailedEventAttributes;
    const timedOut = e.activityTaskTimedOutEventAttributes;
    const cancelled = e.activityTaskCanceledEventAttributes;
    if (done) out.set(num(done.scheduledEventId), { eventId, at, outcome: 'completed', result: done.result?.payloads ?? null });
    else if (failed) out.set(num(failed.scheduledEventId), { eventId, at, outcome: 'failed', failure: failed.failure?.message ?? '' });
    else if (timedOut) out.set(num(timedOut.scheduledEventId), { eventId, at, outcome: 'timed_out', failure: timedOut.failure?.message ?? '' });
    else if (cancelled) out.set(num(cancelled.scheduledEventId), { eventId, at, outcome: 'cancelled' });
  }
  return out;
}

async function activity(e: ProtoEvent, closed: Map<number, Closing>, codec: PayloadCodec): Promise<DecodedActivity> {
  const a = e.activityTaskScheduledEventAttributes!;
  const eventId = num(e.eventId);
  const end = closed.get(eventId);
  const out: DecodedActivity = {
    kind: 'activity',
    type: a.activityType?.name ?? '',
    activityId: a.activityId ?? '',
    scheduledEventId: eventId,
    scheduledAt: isoOf(e.eventTime),
    closedEventId: end?.eventId ?? null,
    closedAt: end?.at ?? null,
    outcome: end?.outcome ?? 'open',
    input: await values(codec, a.input?.payloads, eventId),
  };
  if (end?.outcome === 'completed') out.result = await first(codec, end.result, end.eventId);
  if (end?.failure !== undefined) out.failure = end.failure;
  return out;
}

interface MarkerData {
  seq?: number;
  attempt?: number;
  activity_id?: string;
  activity_type?: string;
  complete_time?: { seconds?: number; nanos?: number } | null;
}

async function localActivity(e: ProtoEvent, codec: PayloadCodec): Promise<DecodedLocalActivity> {
  const m = e.markerRecordedEventAttributes!;
  const eventId = num(e.eventId);
  const data = ((await first(codec, m.details?.data?.payloads, eventId)) ?? {}) as MarkerData;
  const done = data.complete_time;
  const out: DecodedLocalActivity = {
    kind: 'local',
    type: data.activity_type ?? '',
    seq: num(data.seq),
    activityId: data.activity_id ?? null,
    attempt: typeof data.attempt === 'number' ? data.attempt : null,
    eventId,
    recordedAt: isoOf(e.eventTime),
    completedAt: isoOf(done),
  };
  if (m.failure) out.failure = m.failure.message ?? '';
  else if (m.details?.result?.payloads?.length) out.result = await first(codec, m.details.result.payloads, eventId);
  return out;
}

/** One run's history, read back: the workflow's input and every (local) activity call in order. */
export async function decodeHistory(history: HistoryJson, codec: PayloadCodec): Promise<DecodedHistory> {
  let proto: ProtoHistory;
  try {
    proto = historyFromJSON(history);
  } catch (err) {
    throw new HistoryDecodeError(null, `it is not a Temporal history in the CLI's JSON form (${err instanceof Error ? err.message : String(err)}).`);
  }
  const events = proto.events ?? [];
  const closed = closings(events);
  const out: DecodedHistory = { workflowType: null, input: [], startedAt: null, calls: [] };
  for (const e of events) {
    const started = e.workflowExecutionStartedEventAttributes;
    if (started) {
      out.workflowType = started.workflowType?.name ?? null;
      out.input = await values(codec, started.input?.payloads, num(e.eventId));
      out.startedAt = isoOf(e.eventTime);
    } else if (e.activityTaskScheduledEventAttributes) {
      out.calls.push(await activity(e, closed, codec));
    } else if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
      out.calls.push(await localActivity(e, codec));
    }
  }
  return out;
}

/** The calls of one type that completed with a result, in order (e.g. every classifyTicket decision). */
export function completedCalls(h: DecodedHistory, type: string): DecodedCall[] {
  return h.calls.filter((c) => c.type === type && c.failure === undefined && (c.kind === 'local' || c.outcome === 'completed'));
}
