/**
 * The ticket workflow's state as one plain object, and the small helpers every transition
 * shares. They are deterministic and do no I/O; most only read the state, but `syncSla`
 * rewrites the ticket's SLA summary and `numbered` advances its event seq and updatedAt.
 * The transitions themselves are in transitions/: each is a plain function over this state
 * (changing it in place) that returns what to record, so it is tested without Temporal.
 */
import { deadlineOf, type ClockName, type ClockState, type Mark, type SlaPlan } from './sla-state.ts';
import { RefusalType, TicketStatus, type Notification, type TicketEvent, type TicketInput, type TicketSnapshot } from './types.ts';

/** Everything the workflow knows; carried whole across continue-as-new. */
export interface TicketState {
  input: TicketInput;
  ticket: TicketSnapshot;
  /** The `created` event is written (from then on the intake-recorded Update answers). */
  recorded: boolean;
  plan: SlaPlan | null;
  serviceLevel: string | null;
  tiers: Array<{ id: string; teams: string[] }>;
  clocks: ClockState[];
  marks: Mark[];
  resolvedAt: number | null;
  autoCloseAt: number | null;
  rating: { score: number; comment: string | null } | null;
  /** The first public communication to the requester (a response, or the reason for pending). */
  respondedAt?: number | null;
  /**
   * Personal fields are sealed and people are pseudonyms (the `sealed-personal-data` patch):
   * the requester is recognised by pseudonym, not by address. Absent in older histories.
   */
  sealed?: boolean;
  /** Merged into another ticket (patch `merge-outcome`): which one and when; the clocks stopped then. Absent otherwise. */
  merged?: { into: string; at: number };
  /** The tickets merged into this one, each recorded once (a repeated `mergeReceived` is ignored). Absent before the first. */
  mergedFrom?: string[];
}

/** An event to record: what happened, who did it and why, and whom it concerns. */
export type Recording = Omit<TicketEvent, 'seq' | 'occurredAt'> & { notify?: Notification };

/**
 * What a transition hands the workflow: whether the clocks changed and must be planned again
 * (the `planClocks` activity) before the event is built, and the event, built from the state
 * after that plan (its data names the new deadlines).
 */
export interface Step {
  replan: boolean;
  event: () => Recording;
}

/** Why an action is refused: the failure's type (a RefusalType), the message key and its parameters. */
export interface Refusal {
  type: string;
  key: string;
  params: Record<string, unknown>;
}

export const refusal = (key: string, params: Record<string, unknown>, type: string = RefusalType.invalidTransition): Refusal => ({ type, key, params });

/** A step whose event is recorded as it stands: the clocks did not change. */
export const noReplan = (event: Recording): Step => ({ replan: false, event: () => event });

/** A step that changed the clocks: its event is built once they are planned again. */
export const replanned = (event: () => Recording): Step => ({ replan: true, event });

export const iso = (ms: number): string => new Date(ms).toISOString();

export function initialState(input: TicketInput, workflowId: string): TicketState {
  return {
    input,
    ticket: {
      number: input.number,
      workflowId,
      title: input.title,
      description: input.description,
      requesterEmail: input.requesterEmail,
      ...(input.requester ? { requester: input.requester } : {}),
      locale: input.locale,
      channel: input.channel,
      impact: input.impact,
      urgency: input.urgency,
      category: input.category,
      priority: null,
      status: TicketStatus.new,
      tier: null,
      teamId: null,
      assignee: null,
      rulesVersion: null,
      ...(input.filedBy ? { filedBy: input.filedBy } : {}),
      sla: null,
      createdAt: input.createdAt,
      updatedAt: input.createdAt,
      lastEventSeq: 0,
    },
    recorded: false,
    plan: null,
    serviceLevel: null,
    tiers: [],
    clocks: [],
    marks: [],
    resolvedAt: null,
    autoCloseAt: null,
    rating: null,
  };
}

export const clockOf = (st: TicketState, name: ClockName): ClockState | undefined => st.clocks.find((c) => c.name === name);

/** Who hears of a change on the ticket: its assignee, or its team while nobody has it. */
export const notifyRoles = (st: TicketState): string[] => (st.ticket.assignee ? ['assignee'] : ['team']);

/** The deadlines in force, as the ticket's SLA summary names them (after the last plan). */
export const deadlines = (st: TicketState) => ({ responseDueAt: st.ticket.sla?.responseDueAt ?? null, resolutionDueAt: st.ticket.sla?.resolutionDueAt ?? null });

/** Brings the ticket's SLA summary (lists, the portal's promise) up to date with its clocks. */
export function syncSla(st: TicketState): void {
  if (!st.plan) return;
  const response = clockOf(st, 'response');
  const resolution = clockOf(st, 'resolution');
  const due = (c: ClockState | undefined) => {
    const at = c ? deadlineOf(c) : null;
    return at === null ? null : iso(at);
  };
  st.ticket.sla = {
    policyId: st.plan.policyId,
    calendarId: st.plan.calendar.id,
    businessHours: st.plan.calendar.alwaysOpen !== true,
    responseTargetMs: response?.targetMs ?? 0,
    resolutionTargetMs: resolution?.targetMs ?? 0,
    responseDueAt: due(response),
    resolutionDueAt: due(resolution),
    responded: (st.respondedAt ?? null) !== null,
    paused: st.clocks.some((c) => c.pausedSince !== null),
    breached: st.clocks.filter((c) => c.breachedAt !== null).map((c) => c.name),
    ...(st.merged ? { merged: { into: st.merged.into, at: iso(st.merged.at) } } : {}),
  };
}

/** Numbers the event (the next seq) and stamps the ticket: what the `recordEvent` activity writes. */
export function numbered(st: TicketState, r: Recording, now: number): { snapshot: TicketSnapshot; event: TicketEvent; notify?: Notification } {
  const t = st.ticket;
  const at = iso(now);
  t.lastEventSeq += 1;
  t.updatedAt = at;
  const event: TicketEvent = { seq: t.lastEventSeq, type: r.type, actor: r.actor, reason: r.reason, data: r.data, occurredAt: at };
  return { snapshot: { ...t }, event, ...(r.notify ? { notify: r.notify } : {}) };
}

/**
 * Whether `actor` is the ticket's requester: by pseudonym on a sealed ticket, by address
 * (case-insensitive, as before) on one from an older history.
 */
export function isRequester(st: TicketState, actor: string): boolean {
  return st.sealed ? actor === st.ticket.requester : actor.toLowerCase() === st.ticket.requesterEmail;
}

/** Who the requester is as an actor: their pseudonym on a sealed ticket, else their address. */
export const requesterActor = (st: TicketState): string => (st.sealed && st.ticket.requester) || st.ticket.requesterEmail;

/** The first event: who filed it acts; the requester it is for stays in the data. */
export function created(st: TicketState): Recording {
  // Without filedBy (older histories, a portal report without an account) the requester acts, exactly as before.
  const { filedBy: filer, requesterEmail, channel, impact, urgency, category } = st.input;
  return { type: 'created', actor: filer ?? requesterActor(st), reason: null, data: { channel, impact, urgency, category, ...(filer ? { requester: requesterEmail } : {}) } };
}
